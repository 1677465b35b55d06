// The memory page. The token lives in this tab's sessionStorage (bound to this exact origin, port included)
// and goes to the server as a bearer header only: no cookie, so no other page can make a browser act with it.
// Everything from the server is shown as text (textContent, input values), never as markup.
const TOKEN = 'memory_chatbot_token';
const $ = (id) => document.getElementById(id);

// An element with properties and children (strings become text).
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

let quieting = null;

// A short message beside an action; the page's own (#status, pinned at the bottom of the window, clicks passing
// through it) clears itself after a while.
function say(target, text, bad) {
  target.textContent = text;
  target.className = `status ${bad ? 'error' : 'ok'}`;
  if (target.id === 'status') {
    clearTimeout(quieting);
    quieting = setTimeout(() => { if (target.textContent === text) target.textContent = ''; }, 10000);
  }
}

function show(state) {  // 'signin', 'app' or 'no-auth'
  $('signin').hidden = state !== 'signin';
  $('app').hidden = state !== 'app';
  $('no-auth').hidden = state !== 'no-auth';
  if (state !== 'app') $('user').textContent = 'you';
}

class Refused extends Error {
  constructor(data, status) { super(data.detail || `the server answered ${status}`); this.data = data; this.status = status; }
}

async function call(method, path, body) {
  const token = sessionStorage.getItem(TOKEN);
  const headers = token ? {Authorization: `Bearer ${token}`} : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {method, headers, credentials: 'omit', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Refused(data, response.status);
  return data;
}

function itemPath(type, key, route = 'items') {
  return `/memories/api/${route}/${encodeURIComponent(type)}/${encodeURIComponent(key)}`;
}

const when = (iso) => new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'});
const quoted = (value) => (value === null || value === undefined || value === '' ? '(nothing)' : `“${value}”`);

// -- words for people: no internal names on the page ---------------------------------------------------------

const HIDDEN_KINDS = new Set(['instructions', 'never_keep']);  // shown in sections of their own
const KIND_WORDS = {semantic: 'your notes', profile: 'your profile', collection: 'a fact about you'};
const FIELD_WORDS = {content: 'the memory', context: 'details'};
const kindWords = (name) => KIND_WORDS[name] || `your ${name}`;
function fieldWords(name) { return FIELD_WORDS[name] || name.replaceAll('_', ' '); }
const plural = (n, word, words) => `${n} ${n === 1 ? word : words || `${word}s`}`;

// What changed since this person's last visit (kept in this browser, by user; no token).
let seenBefore = null;
function markSeen(user) {  // the last visit is the one before this tab's: a reload does not move it
  const key = `memory_page_seen:${user}`;
  if (seenBefore === null) {
    seenBefore = sessionStorage.getItem(key) ?? localStorage.getItem(key) ?? '';
    sessionStorage.setItem(key, seenBefore);
    localStorage.setItem(key, new Date().toISOString());
  }
  $('since').textContent = seenBefore ? `Marked "New": what changed since your last visit (${when(seenBefore)}).` : '';
}
const isNew = (iso) => Boolean(seenBefore && iso && iso > seenBefore);
const newMark = (iso) => (isNew(iso) ? el('span', {className: 'new'}, 'New') : null);

// -- a memory's history: dates and what changed --------------------------------------------------------

function changes(before, after) {
  if (before === null && after === null) return [];
  if (before === null) return ['Created.'];
  if (after === null) return ['Forgotten.'];
  const out = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (name === 'recorded_at') continue;
    const was = before[name], now = after[name];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    const lines = (v) => (Array.isArray(v) ? v.map(String) : String(v ?? '').split('\n')).map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(was) || Array.isArray(now) || String(was ?? '').includes('\n') || String(now ?? '').includes('\n')) {
      const old = new Set(lines(was)), fresh = new Set(lines(now));
      for (const line of fresh) if (!old.has(line)) out.push(`${fieldWords(name)}: added ${quoted(line)}`);
      for (const line of old) if (!fresh.has(line)) out.push(`${fieldWords(name)}: removed ${quoted(line)}`);
    } else {
      out.push(`${fieldWords(name)}: ${quoted(was)} → ${quoted(now)}`);
    }
  }
  return out.length ? out : ['no visible change'];
}

function origin(v) {
  const where = {page: ' on this page', cli: ' from the command line'}[v.source] || '';
  if (v.restored_from) return `restored version ${v.restored_from}${where}`;
  if (v.restored_at) return `restored as it was at ${when(v.restored_at)}${where}`;
  const chat = v.chat_started ? ` (the chat of ${when(v.chat_started)})` : v.chat_thread_id ? ' (a chat since deleted)' : '';
  switch (v.source) {
    case 'memory_writer': return `written by the bot after a chat${chat}`;
    case 'hot_path': return `written by the bot during a chat${chat}`;
    case 'page': return 'edited on this page';
    case 'cli': return 'edited from the command line';
    default:
      if (v.restored_at) return `restored as it was at ${when(v.restored_at)}${where}`;
      return v.valid_from ? 'changed outside the memory tools' : 'as it was before its history was kept';
  }
}

async function showHistory(type, key, list, status) {
  const {versions} = await call('GET', itemPath(type, key, 'history'));
  list.textContent = '';
  versions.forEach((v, i) => {
    const previous = i > 0 ? versions[i - 1].value : null;
    const entry = el('li', {className: 'version'});
    entry.dataset.version = v.version;
    entry.append(el('span', {className: 'when'}, v.valid_from ? when(v.valid_from) : 'earlier'), ` — ${origin(v)}`);
    for (const change of changes(i > 0 ? previous : null, v.value)) entry.append(el('div', {className: 'change'}, change));
    entry.append(...(v.quotes && v.quotes.length ? quoteLines(v.quotes) : saidLines(v.said)));
    if (v.valid_until) {
      const restore = el('button', {className: 'restore', textContent: 'Bring this version back'});
      restore.onclick = async () => {
        try {
          await call('POST', itemPath(type, key, 'restore'), {version: v.version});
          await load();
          say($('status'), `Restored version ${v.version}.`);
        } catch (e) { say(status, e.message, true); }
      };
      entry.append(restore);
    }
    list.prepend(entry);  // newest first
  });
}



// -- where a memory came from -----------------------------------------------------------------------------

function saidLines(said) {
  return (said || []).map((s) => el('div', {className: 'said'}, `From your words${s.at ? ` (${when(s.at)})` : ''}: ${quoted(s.said)}`));
}

function quoteLines(quotes) {
  return (quotes || []).map((q) => el('div', {className: 'said quote'},
    `${quoted(q.fact)} because you said ${quoted(q.words)}${q.at ? ` (${when(q.at)})` : ''}`));
}

function sourceLines(item, text) {
  const quotes = (item.quotes || []).filter((q) => !text || q.fact === text || text.startsWith(q.fact) || q.fact.includes(text));
  const lines = quotes.map((q) => el('p', {className: 'source quote'},
    `Because you said ${quoted(q.words)}${q.at ? ` (${when(q.at)})` : ''}`));
  if (!lines.length) {
    for (const s of item.said || []) lines.push(el('p', {className: 'source'}, `From what you said${s.at ? ` on ${when(s.at)}` : ''}: ${quoted(s.said)}`));
  }
  if (!lines.length && (item.quotes || []).length) {
    lines.push(el('p', {className: 'source'}, `Changed since; first kept because you said ${quoted(item.quotes[0].words)}`));
  }
  if (!lines.length) lines.push(el('p', {className: 'source no-quote'}, 'No words of yours are kept for it: you wrote it yourself, it is older than the kept words, or you forgot the conversation it came from.'));
  return lines;
}

// -- one thing I know: a sentence, where it came from, fix / forget / history ---------------------------

function fieldInput(field, held) {
  const text = field.list ? (held || []).join('\n') : held ?? '';
  const input = field.list || field.multiline ? el('textarea', {value: text}) : el('input', {value: text});
  if (input.tagName === 'TEXTAREA') input.rows = Math.max(2, text.split('\n').length + 1);
  input.dataset.field = field.name;
  if (field.list) input.placeholder = 'one per line';
  return input;
}

function fieldValue(field, input) {
  if (field.list) return input.value.split('\n').map((s) => s.trim()).filter(Boolean);
  return input.value.trim() === '' && !field.required ? null : input.value.trim();
}

function fieldsForm(kind, value) {
  const inputs = kind.fields.map((field) => [field, fieldInput(field, value ? value[field.name] : null)]);
  const node = el('div');
  for (const [field, input] of inputs) {
    const label = field.name in FIELD_WORDS ? FIELD_WORDS[field.name] : field.label;
    node.append(el('label', {className: 'field'}, el('span', {title: field.description}, label[0].toUpperCase() + label.slice(1)), input));
  }
  const read = () => {
    const out = value ? {...value} : {};
    delete out.recorded_at;  // when it was said: kept by the server, not a field to edit
    for (const [field, input] of inputs) out[field.name] = fieldValue(field, input);
    return out;
  };
  return {node, read};
}

// A row: {kind, item, text, field?, line?}; its edit form writes the whole value back.
function renderRow(row, deleted) {
  const {kind, item} = row;
  const box = el('li', {className: 'row'});
  Object.assign(box.dataset, {type: kind.name, key: item.key, fact: row.text});
  if (row.field) box.dataset.field = row.field.name;
  const status = el('span', {className: 'status', role: 'status'});
  const past = el('ul', {className: 'versions'});
  const edit = el('div', {className: 'edit', hidden: true});
  const actions = el('div', {className: 'actions'});
  const button = (label, className, onclick) => {
    const b = el('button', {textContent: label, className, type: 'button'});
    b.onclick = async () => { try { await onclick(); } catch (e) { say(status, e.message, true); } };
    actions.append(b);
    return b;
  };
  const put = async (value) => {
    await call('PUT', itemPath(kind.name, item.key), {value});
    await load();
    say($('status'), 'Saved.');
  };
  if (!deleted) {
    let read = null;
    button('Fix', 'fix-open', async () => {
      if (!edit.hidden) { edit.hidden = true; return; }
      edit.textContent = '';
      if (row.field) {  // one field of a structured document: just that field
        const input = fieldInput(row.field, item.value[row.field.name]);
        input.setAttribute('aria-label', row.field.label);
        edit.append(input);
        read = () => ({...item.value, [row.field.name]: fieldValue(row.field, input)});
      } else if (row.line !== undefined) {  // one line of a free-text document
        const input = el('input', {value: row.text, className: 'wide'});
        input.setAttribute('aria-label', 'This line, in your words');
        edit.append(input);
        read = () => ({...item.value, content: linesWith(item.value.content, row.line, input.value.trim())});
      } else {
        const form = fieldsForm(kind, item.value);
        edit.append(form.node);
        read = form.read;
      }
      const save = el('button', {className: 'save', textContent: 'Save', type: 'button'});
      save.onclick = async () => { try { await put(read()); } catch (e) { say(status, e.message, true); } };
      edit.append(save);
      edit.hidden = false;
      edit.querySelector('input,textarea')?.focus();
    });
    button('Forget', 'delete', async () => {
      if (!window.confirm(`Forget ${quoted(row.text)}? Its history keeps it: you can bring it back from "Recently forgotten".`)) return;
      if (row.field) await put({...item.value, [row.field.name]: row.field.list ? [] : null});
      else if (row.line !== undefined) await put({...item.value, content: linesWith(item.value.content, row.line, null)});
      else {
        await call('DELETE', itemPath(kind.name, item.key));
        await load();
        say($('status'), 'Forgotten. Its history is under "Recently forgotten".');
      }
    });
  }
  button('History', 'history', async () => {
    if (past.childElementCount) { past.textContent = ''; return; }
    await showHistory(kind.name, item.key, past, status);
  });
  actions.append(status);
  box.append(el('p', {className: 'text'}, newMark(deleted ? null : item.updated_at), row.text),
    ...(deleted ? [] : sourceLines(item, row.line === undefined && !row.field ? null : row.text)), actions, edit, past);
  return box;
}

function linesWith(content, index, replacement) {
  const lines = String(content || '').split('\n');
  if (replacement === null) lines.splice(index, 1); else lines[index] = replacement;
  return lines.join('\n');
}

function rowsOf(kind, item) {
  const value = item.value || {};
  const names = kind.fields.map((f) => f.name);
  if (kind.document && names.length === 1 && names[0] === 'content') {  // free text: a row per line
    return String(value.content || '').split('\n').map((text, line) => ({kind, item, text: text.trim(), line}))
      .filter((row) => row.text);
  }
  if (kind.document) {  // a structured document: a sentence per field that holds something
    return kind.fields.filter((f) => (f.list ? (value[f.name] || []).length : value[f.name] !== null && value[f.name] !== undefined && value[f.name] !== ''))
      .map((field) => ({kind, item, field, text: `Your ${field.label.toLowerCase()}: ${field.list ? value[field.name].join(', ') : value[field.name]}`}));
  }
  return [{kind, item, text: (item.facts && item.facts[0]) || Object.values(value).filter((v) => typeof v === 'string' && v).join(': ')}];
}

let current = null;  // the last /items answer

const COMMON = new Set(['where', 'what', 'who', 'when', 'how', 'do', 'does', 'did', 'i', 'me', 'my', 'the', 'a', 'an',
  'is', 'am', 'are', 'to', 'of', 'in', 'and', 'about', 'you', 'your']);
const stem = (word) => (word.length > 4 ? word.slice(0, Math.max(4, word.length - 2)) : word.length > 3 ? word.slice(0, 3) : word);
const wordsOf = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

// Whether a row's words hold every word of the query that carries meaning (by its first letters: "live" finds
// "lives", "hike" finds "hiking").
function matches(text, query) {
  const wanted = wordsOf(query).filter((w) => !COMMON.has(w)).map(stem);
  const held = wordsOf(text);
  return wanted.every((w) => held.some((h) => h.startsWith(w)));
}

function renderFacts() {
  const query = $('fact-search').value.trim().toLowerCase();
  const root = $('facts');
  root.textContent = '';
  let shown = 0, all = 0;
  for (const kind of current.kinds) {
    if (HIDDEN_KINDS.has(kind.name)) continue;
    for (const item of current.memories[kind.name] || []) {
      for (const row of rowsOf(kind, item)) {
        all += 1;
        const box = renderRow(row, false);
        if (query && !matches(`${row.text} ${box.querySelector('.source')?.textContent || ''}`, query)) continue;
        root.append(box);
        shown += 1;
      }
    }
  }
  $('facts-empty').hidden = all > 0;
  if (all && !shown) root.append(el('li', {className: 'hint'}, `Nothing I know matches ${quoted(query)}.`));
}

function renderDeleted() {
  const gone = $('deleted');
  gone.textContent = '';
  for (const kind of current.kinds) {
    for (const item of current.deleted[kind.name] || []) {
      const text = kind.name === 'never_keep' ? `Never remember ${quoted((item.last || {}).content)}` : rowsOf(kind, {...item, value: item.last || {}}).map((r) => r.text).join('; ') || '(empty)';
      gone.append(renderRow({kind, item: {...item, value: item.last}, text}, true));
    }
  }
  $('deleted-section').hidden = !gone.childElementCount;
}

// -- adding something to remember -------------------------------------------------------------------------

function addTargets() {
  const targets = [];
  for (const kind of current.kinds) {
    if (HIDDEN_KINDS.has(kind.name)) continue;
    const stored = (current.memories[kind.name] || [])[0];
    const names = kind.fields.map((f) => f.name);
    if (kind.document && names.length === 1 && names[0] === 'content') {
      targets.push({label: 'A line in your notes', kind, line: true, stored});
    } else if (kind.document) {
      for (const field of kind.fields) targets.push({label: `Your ${field.label.toLowerCase()}`, kind, field, stored});
    } else {
      targets.push({label: kind.name === 'collection' ? 'A fact about you' : `One of your ${kind.name}`, kind});
    }
  }
  return targets.sort((a, b) => Number(Boolean(a.kind.document)) - Number(Boolean(b.kind.document)));  // facts first
}

function renderAdd() {
  const select = $('add-where');
  const targets = addTargets();
  select.textContent = '';
  targets.forEach((t, i) => select.append(el('option', {value: String(i), textContent: t.label})));
  const fill = () => {
    const target = targets[Number(select.value)];
    const root = $('add-fields');
    root.textContent = '';
    if (!target) return;
    if (target.kind.document) {
      const field = target.field || target.kind.fields[0];
      const input = fieldInput(field, null);
      input.id = 'add-text';
      root.append(el('label', {className: 'field', htmlFor: 'add-text'}, el('span', {}, 'In your words'), input));
      target.read = () => {
        const value = target.stored ? {...target.stored.value} : {};
        if (target.line) value.content = [value.content, input.value.trim()].filter(Boolean).join('\n');
        else if (field.list) value[field.name] = [...(value[field.name] || []), ...fieldValue(field, input)];
        else value[field.name] = fieldValue(field, input);
        return value;
      };
    } else {
      const form = fieldsForm(target.kind, null);
      root.append(form.node);
      target.read = form.read;
    }
  };
  select.onchange = () => { $('add-status').textContent = ''; fill(); };
  fill();
  $('add-form').onsubmit = async (event) => {
    event.preventDefault();
    const target = targets[Number(select.value)];
    try {
      const value = target.read();
      if (target.kind.document && target.stored) await call('PUT', itemPath(target.kind.name, target.stored.key), {value});
      else await call('POST', `/memories/api/items/${encodeURIComponent(target.kind.name)}`, {value});
      await load();
      fill();
      say($('add-status'), 'Remembered.');
    } catch (e) { say($('add-status'), e.message, true); }
  };
}

// -- things to check: facts held for review -----------------------------------------------------------------

function renderReview(held) {
  const root = $('review');
  root.textContent = '';
  $('review-section').hidden = !held.length;
  for (const h of held) {
    const box = el('div', {className: 'row held'});
    box.dataset.id = h.id;
    const status = el('span', {className: 'status', role: 'status'});
    const words = h.quotes.length
      ? h.quotes.map((q) => el('p', {className: 'said'}, `You said ${quoted(q.words)}${q.at ? ` (${when(q.at)})` : ''}`))
      : [el('p', {className: 'said'}, 'No words of yours back it.')];
    const fix = el('input', {className: 'fix-text', value: h.fact, hidden: true});
    fix.setAttribute('aria-label', 'The fact in your words');
    const decide = async (decision, text) => {
      try {
        await call('POST', `/memories/api/review/${encodeURIComponent(h.id)}`, text === undefined ? {decision} : {decision, text});
        await load();
        say($('status'), {confirm: 'Kept as a memory.', fix: 'Kept, in your words.', discard: 'Discarded.'}[decision]);
      } catch (e) { say(status, e.message, true); }
    };
    const yes = el('button', {className: 'confirm', textContent: 'Yes, remember it', type: 'button'});
    yes.onclick = () => decide('confirm');
    const fixButton = el('button', {className: 'fix', textContent: 'Fix it', type: 'button'});
    fixButton.onclick = () => {
      if (fix.hidden) { fix.hidden = false; fixButton.textContent = 'Save my wording'; fix.focus(); return; }
      decide('fix', fix.value);
    };
    const no = el('button', {className: 'discard', textContent: 'No, discard it', type: 'button'});
    no.onclick = () => decide('discard');
    box.append(el('p', {className: 'text'}, quoted(h.fact)),
      el('p', {className: 'why'}, `Held because ${h.reason}${h.times > 1 ? ` (proposed ${h.times} times)` : ''}.`),
      ...words, fix, el('div', {className: 'actions'}, yes, fixButton, no, status));
    root.append(box);
  }
}

// -- how you like to be answered ------------------------------------------------------------------------------

function renderInstructions() {
  const kind = current.kinds.find((k) => k.name === 'instructions');
  const root = $('instructions');
  root.textContent = '';
  const items = current.memories.instructions || [];
  if (!items.length) root.append(el('li', {className: 'hint'}, 'None yet.'));
  for (const item of items) root.append(renderRow({kind, item, text: item.value.content}, false));
}

$('instruction-form').onsubmit = async (event) => {
  event.preventDefault();
  try {
    await call('POST', '/memories/api/items/instructions', {value: {content: $('instruction-text').value.trim()}});
    $('instruction-text').value = '';
    await load();
    say($('instruction-status'), 'Added.');
  } catch (e) { say($('instruction-status'), e.message, true); }
};

// -- activity and health ------------------------------------------------------------------------------------------

const CHANGE_WORDS = {remembered: 'Remembered', updated: 'Updated', forgot: 'Let go of', held: 'Held for you to check',
  left_out: 'Left out, as you asked never to remember', rule: 'Will never remember'};

async function loadActivity() {
  const {changes: notices} = await call('GET', '/memories/api/activity');
  const root = $('changes');
  root.textContent = '';
  if (!notices.length) root.append(el('li', {className: 'hint'}, 'Nothing yet.'));
  for (const n of notices) {
    const by = {page: ' (you, on this page)', cli: ' (you, from the command line)'}[n.source] || '';
    root.append(el('li', {className: 'row change-entry'}, newMark(n.at), el('span', {className: 'when'}, when(n.at)),
      ` ${CHANGE_WORDS[n.change] || n.change}: ${quoted(n.fact)}${by}`));
  }
}

function renderHealth(report) {
  const list = $('health-lines');
  list.textContent = '';
  const total = Object.entries(report.memories).filter(([type]) => !HIDDEN_KINDS.has(type)).reduce((a, [, b]) => a + b, 0);
  const share = Math.round(report.near_duplicate_threshold * 100);
  const lines = [
    `I keep ${plural(total, 'memory', 'memories')} about you, and ${plural(report.memories.instructions || 0, 'wish', 'wishes')} for my answers.`,
    `I went over what you told me ${plural(report.writes, 'time')}.`,
  ];
  if (report.repairs) lines.push(`${plural(report.repairs, 'time')} a change would have lost something you said, and I kept it.`);
  if (report.held || report.to_review) lines.push(`${plural(report.held, 'time')} I was not sure you said something, and asked you; ${report.to_review} waiting now.`);
  if (report.refusals) lines.push(`${plural(report.refusals, 'time')} the model's change could not be used, so nothing was written.`);
  for (const [topic, n] of Object.entries(report.left_out || {})) lines.push(`Left out under your rule never to remember ${quoted(topic)}: ${n}.`);
  if (report.near_duplicates.length) lines.push(`Things that may be the same said twice (at least ${share}% of their words shared): ${report.near_duplicates.length}.`);
  for (const line of lines) list.append(el('li', {}, line));
  for (const pair of report.near_duplicates) list.append(el('li', {className: 'change'}, `${quoted(pair.facts[0])} and ${quoted(pair.facts[1])}`));
}

// -- past conversations, and what each answer used ------------------------------------------------------------

const SEARCHED = 5;  // a search shows the exchanges closest in meaning, not every one reordered

async function loadEpisodes() {
  const query = $('conversation-query').value.trim();
  const found = (await call('GET', `/memories/api/episodes${query ? `?q=${encodeURIComponent(query)}` : ''}`)).episodes;
  const episodes = query ? found.slice(0, SEARCHED) : found;
  const root = $('episodes');
  root.textContent = '';
  if (!episodes.length) root.append(el('p', {className: 'hint'}, query ? `Nothing said matches ${quoted(query)}.` : 'Nothing yet.'));
  else if (query) root.append(el('p', {className: 'hint'}, `The ${plural(episodes.length, 'exchange')} closest in meaning to ${quoted(query)}:`));
  for (const e of episodes) {
    const row = el('div', {className: 'row episode'});
    row.dataset.key = e.key;
    const status = el('span', {className: 'status', role: 'status'});
    const used = el('ul', {className: 'used'});
    const forget = el('button', {className: 'forget-episode', textContent: 'Forget this', type: 'button'});
    forget.onclick = async () => {
      if (!window.confirm('Forget this? Your words and the reply are removed; what I learned from them stays under "What I know about you".')) return;
      try { await call('DELETE', `/memories/api/episodes/${encodeURIComponent(e.key)}`); await loadEpisodes(); say($('status'), 'Forgotten.'); }
      catch (error) { say(status, error.message, true); }
    };
    const why = el('button', {className: 'why-open', textContent: 'What did the answer use?', type: 'button'});
    why.onclick = async () => {
      if (used.childElementCount) { used.textContent = ''; return; }
      try { await showReceipt(e, used); } catch (error) { say(status, error.message, true); }
    };
    row.append(el('p', {className: 'text'}, newMark(e.at), `${e.at ? when(e.at) : 'Undated'}: you said ${quoted(e.said)}`),
      e.reply ? el('p', {className: 'said'}, `and the bot replied ${quoted(e.reply)}`) : null,
      el('div', {className: 'actions'}, forget, e.chat_thread_id && e.message_id ? why : null, status), used);
    root.append(row);
  }
}

async function showReceipt(e, list) {
  const params = new URLSearchParams({thread: e.chat_thread_id, message: e.message_id});
  const used = await call('GET', `/memories/api/receipt?${params}`);
  const items = [...used.memories, ...used.instructions];
  if (!used.recorded) { list.append(el('li', {className: 'hint'}, 'This answer was given before answers recorded what they used.')); return; }
  if (!items.length && !used.episodes.length) { list.append(el('li', {className: 'hint'}, 'It used nothing I remember.')); return; }
  for (const m of items) {
    const gone = m.gone ? ' (since forgotten)' : m.changed ? ' (changed since)' : '';
    const entry = el('li', {}, `${m.kind === 'instructions' ? 'Your wish' : 'What I knew'}: ${quoted(m.text.replaceAll('\n', '; '))}${gone} `);
    if (!m.gone) {
      const forget = el('button', {textContent: 'Forget it', type: 'button'});
      forget.onclick = async () => {
        if (!window.confirm(`Forget ${quoted(m.text)}? You can bring it back from "Recently forgotten".`)) return;
        await call('DELETE', itemPath(m.kind, m.key));
        await load();
      };
      entry.append(forget);
    }
    list.append(entry);
  }
  for (const p of used.episodes.filter((p) => !p.gone)) list.append(el('li', {}, `Something you said: ${quoted(p.said)}`));
  const gone = used.episodes.filter((p) => p.gone).length;
  if (gone) list.append(el('li', {className: 'hint'}, `${plural(gone, 'thing', 'things')} you said, since forgotten.`));
}

$('conversation-search').onsubmit = async (event) => { event.preventDefault(); await loadEpisodes(); };

// -- settings: the switch, temporary chats, topics never remembered -------------------------------------------------

async function loadControls() {
  const {switch: state, rules} = await call('GET', '/memories/api/controls');
  const value = !state.paused ? 'on' : state.use_while_paused ? 'off' : 'off-unused';
  for (const radio of document.querySelectorAll('input[name=switch]')) radio.checked = radio.value === value;
  $('temporary-default').checked = Boolean(state.temporary_by_default);
  const banner = state.paused ? 'Memory is paused: nothing you say is remembered (Settings turns it back on).'
    : state.temporary_by_default ? 'Your chats are temporary: nothing is remembered unless you ask (Settings).' : '';
  $('paused-banner').textContent = banner;
  $('paused-banner').hidden = !banner;
  const list = $('rules');
  list.textContent = '';
  if (!rules.length) list.append(el('li', {className: 'hint'}, 'None yet.'));
  for (const rule of rules) {
    const drop = el('button', {textContent: 'Remove', type: 'button'});
    drop.setAttribute('aria-label', `Remove the rule ${rule.topic}`);
    drop.onclick = async () => {
      try { await call('DELETE', itemPath('never_keep', rule.key)); await loadControls(); }
      catch (e) { say($('rule-status'), e.message, true); }
    };
    list.append(el('li', {}, `${rule.topic} `, drop));
  }
}

for (const radio of document.querySelectorAll('input[name=switch]')) {
  radio.onchange = async () => {
    try {
      await call('PUT', '/memories/api/controls/switch', {switch: radio.value});
      await loadControls();
      say($('switch-status'), radio.value === 'on' ? 'Memory is on.' : 'Memory is paused: nothing you say now is remembered.');
    } catch (e) { say($('switch-status'), e.message, true); await loadControls(); }
  };
}

$('temporary-default').onchange = async () => {
  const on = $('temporary-default').checked;
  try {
    await call('PUT', '/memories/api/controls/temporary-by-default', {temporary_by_default: on ? 'on' : 'off'});
    await loadControls();
    say($('temporary-status'), on ? 'New chats are temporary.' : 'New chats are remembered.');
  } catch (e) { say($('temporary-status'), e.message, true); await loadControls(); }
};

$('rule-form').onsubmit = async (event) => {
  event.preventDefault();
  const topic = $('rule-topic').value.trim();
  const about = topic.replace(/^(anything|everything|stuff|things)\s+(about|on|of|regarding)\s+/i, '');
  const covered = $('rule-covered');
  covered.textContent = '';
  try {
    const added = await call('POST', '/memories/api/never-keep', {topic});
    $('rule-topic').value = '';
    await loadControls();
    if (!added.covered.length) { say($('rule-status'), `From now on, nothing about ${quoted(about)} is remembered.`); return; }
    say($('rule-status'), `From now on, nothing about ${quoted(about)} is remembered.`);
    const list = el('ul', {className: 'rows'});
    for (const thing of added.covered) {
      const box = el('input', {type: 'checkbox', value: thing.id});
      const kind = current.kinds.find((k) => k.name === thing.kind);
      const words = !thing.kind ? `you said ${quoted(thing.what)}${thing.by_reply ? ' (the bot\'s reply to it mentions it)' : ''}`
        : kind && kind.document && kind.fields.length > 1 ? `Your ${thing.what}` : thing.what;
      list.append(el('li', {}, el('label', {}, box, ` ${words}`)));
    }
    const forget = el('button', {className: 'danger', textContent: 'Forget the ticked ones', type: 'button'});
    forget.onclick = async () => {
      const chosen = [...list.querySelectorAll('input:checked')].map((b) => b.value);
      if (!chosen.length) { say($('rule-status'), 'Tick what to forget first.', true); return; }
      try {
        const done = await call('POST', '/memories/api/never-keep/forget', {topic, chosen});
        covered.textContent = '';
        await load();
        say($('rule-status'), `Forgot ${done.forgotten}.`);
      } catch (e) { say($('rule-status'), e.message, true); }
    };
    covered.append(el('p', {}, `Already kept, and it may fall under it (matched by meaning, so check): tick what to forget.`), list, forget);
  } catch (e) { say($('rule-status'), e.message, true); }
};

// -- loading the page -------------------------------------------------------------------------------------------

async function load() {
  try {
    const data = await call('GET', '/memories/api/items');
    current = data;
    $('user').textContent = data.user;
    markSeen(data.user);
    renderReview(data.review);
    renderFacts();
    renderDeleted();
    renderInstructions();
    renderHealth(data.health);
    if (!$('add-where').childElementCount) renderAdd();
    show('app');
    await Promise.all([loadControls(), loadEpisodes(), loadActivity()]);
  } catch (e) {
    if (e.data && e.data.no_auth) { $('here').textContent = location.origin; show('no-auth'); return; }
    const hadToken = Boolean(sessionStorage.getItem(TOKEN));
    if (e.status === 401) { sessionStorage.removeItem(TOKEN); show('signin'); }
    if (e.status !== 401 || hadToken) {
      say($('status'), e.status === 401 ? `The token was refused (${e.message}). Get a new one with: make token USER_ID=<you>` : e.message, true);
    }
  }
}

$('fact-search').oninput = () => renderFacts();

$('signin').onsubmit = async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN, $('token').value.trim());
  $('token').value = '';
  $('status').textContent = '';
  await load();
};

$('sign-out').onclick = () => { sessionStorage.clear(); show('signin'); say($('status'), 'Signed out.'); };

$('revoke').onclick = async () => {
  if (!window.confirm('Stop every token of yours issued until now, on every device? You will need a new token.')) return;
  try {
    await call('POST', '/memories/api/revoke-tokens');
    sessionStorage.removeItem(TOKEN);
    show('signin');
    say($('status'), 'Every token of yours issued until now is refused.');
  } catch (e) { say($('status'), e.message, true); }
};

$('download').onclick = async () => {
  try {
    const data = await call('GET', '/memories/api/export');
    const link = el('a', {href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], {type: 'application/json'})),
      download: `memories-${data.user}.json`});
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (e) { say($('status'), e.message, true); }
};

$('import-file').onchange = async () => {
  const file = $('import-file').files[0];
  if (!file) return;
  try {
    const data = JSON.parse(await file.text());
    const counts = await call('POST', '/memories/api/import', data);
    await load();
    say($('import-status'), `Brought back ${plural(counts.memories, 'memory', 'memories')} and ${plural(counts.episodes, 'thing')} you said.`);
  } catch (e) { say($('import-status'), e instanceof SyntaxError ? 'That file is not a download of this page.' : e.message, true); }
  $('import-file').value = '';
};

// Adding earlier chats runs on the server after the button's request: its progress is read until it ends.
$('add-earlier').onclick = async () => {
  const status = $('add-earlier-status');
  try {
    let report = await call('POST', '/memories/api/episodes/add-earlier-chats');
    while (report.state === 'running') {
      say(status, report.threads_total ? `Adding… ${report.threads || 0} of ${plural(report.threads_total, 'chat')} read.` : 'Adding…');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      report = await call('GET', '/memories/api/episodes/add-earlier-chats');
    }
    if (report.state === 'failed') { say(status, `Stopped: ${report.error}`, true); return; }
    await loadEpisodes();
    say(status, `Added ${plural(report.added, 'exchange')} from ${plural(report.threads, 'chat')}` +
      (report.forgotten ? `; ${report.forgotten} you forgot stayed forgotten` : '') +
      (report.expired ? `; ${report.expired} older than the retention left out` : '') + '.');
  } catch (e) { say(status, e.message, true); }
};

$('restore-at').onclick = async () => {
  const picked = $('restore-when').value;
  if (!picked) { say($('restore-status'), 'Pick a moment first.', true); return; }
  if (!window.confirm(`Make everything I know what it was at ${picked}? You can go back again.`)) return;
  try {
    const report = await call('POST', '/memories/api/restore-at', {at: new Date(picked).toISOString()});
    await load();
    const beyond = report.beyond_history.length ? `; ${report.beyond_history.length} left as they were (their history starts later)` : '';
    say($('restore-status'), `Restored ${report.restored}, deleted ${report.deleted}, unchanged ${report.unchanged}${beyond}.`);
  } catch (e) { say($('restore-status'), e.message, true); }
};

$('forget').onclick = async () => {
  if (!window.confirm('Delete every memory and every conversation the bot has with you? This cannot be undone.')) return;
  try {
    const counts = await call('POST', '/memories/api/forget');
    await load();
    say($('status'), `Forgot ${counts.memories} memories and ${counts.threads} conversations.`);
  } catch (e) { say($('status'), e.message, true); }
};

load();  // signed in already (this tab), or the sign-in form (or, on a server without sign-in, how to use the page)
