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

function say(target, text, bad) {
  target.textContent = text;
  target.className = `status ${bad ? 'error' : 'ok'}`;
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

// -- a memory's fields, as labelled inputs ---------------------------------------------------------------

function fieldsFor(kind, value, readOnly) {
  const inputs = [];
  const node = el('div');
  for (const field of kind.fields) {
    const held = value ? value[field.name] : null;
    const text = field.list ? (held || []).join('\n') : held ?? '';
    const input = field.list || field.multiline ? el('textarea', {value: text}) : el('input', {value: text});
    if (input.tagName === 'TEXTAREA') input.rows = Math.max(3, text.split('\n').length + 1);
    input.readOnly = readOnly;
    input.dataset.field = field.name;
    if (field.list) input.placeholder = 'one per line';
    node.append(el('label', {className: 'field'}, el('span', {title: field.description}, field.label), input));
    inputs.push([field, input]);
  }
  const read = () => {
    const out = value ? {...value} : {};
    for (const [field, input] of inputs) {
      if (field.list) out[field.name] = input.value.split('\n').map((s) => s.trim()).filter(Boolean);
      else out[field.name] = input.value.trim() === '' && !field.required ? null : input.value;
    }
    return out;
  };
  return {node, read};
}

// -- a memory's history: dates and what changed --------------------------------------------------------

function changes(before, after) {
  if (before === null && after === null) return [];
  if (before === null) return ['created'];
  if (after === null) return ['deleted'];
  const out = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (name === 'recorded_at') continue;
    const was = before[name], now = after[name];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    const lines = (v) => (Array.isArray(v) ? v.map(String) : String(v ?? '').split('\n')).map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(was) || Array.isArray(now) || String(was ?? '').includes('\n') || String(now ?? '').includes('\n')) {
      const old = new Set(lines(was)), fresh = new Set(lines(now));
      for (const line of fresh) if (!old.has(line)) out.push(`${name}: added ${quoted(line)}`);
      for (const line of old) if (!fresh.has(line)) out.push(`${name}: removed ${quoted(line)}`);
    } else {
      out.push(`${name}: ${quoted(was)} → ${quoted(now)}`);
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
    entry.append(...saidLines(v.said), ...quoteLines(v.quotes));
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

// -- one memory ---------------------------------------------------------------------------------------

function saidLines(said) {
  return (said || []).map((s) => el('div', {className: 'said'}, `From your words${s.at ? ` (${when(s.at)})` : ''}: ${quoted(s.said)}`));
}

// The user's own words behind each fact (its quote); a fact without one was written before quotes were kept,
// or by you.
function quoteLines(quotes, facts) {
  const lines = (quotes || []).map((q) => el('div', {className: 'said quote'},
    `${quoted(q.fact)} because you said ${quoted(q.words)}${q.at ? ` (${when(q.at)})` : ''}`));
  const quotedFacts = new Set((quotes || []).map((q) => q.fact));
  const bare = (facts || []).filter((f) => !quotedFacts.has(f));
  if (facts && bare.length) {
    lines.push(el('div', {className: 'said no-quote'}, `No words of yours kept for: ${bare.map(quoted).join(', ')}`));
  }
  return lines;
}

function renderItem(kind, item, deleted) {
  const box = el('div', {className: 'item'});
  box.dataset.key = item.key;
  const status = el('span', {className: 'status', role: 'status'});
  const fields = fieldsFor(kind, deleted ? item.last : item.value, deleted);
  const json = el('textarea', {className: 'json', hidden: true});
  const past = el('ul', {className: 'versions'});
  const actions = el('div', {className: 'actions'});
  const button = (label, className, onclick) => {
    const b = el('button', {textContent: label, className});
    b.onclick = async () => {
      try { await onclick(); } catch (e) { say(status, e.message, true); }
    };
    actions.append(b);
  };
  if (!deleted) {
    button('Save', 'save', async () => {
      const value = json.hidden ? fields.read() : JSON.parse(json.value);
      await call('PUT', itemPath(kind.name, item.key), {value});
      say(status, 'Saved.');
      if (past.childElementCount) await showHistory(kind.name, item.key, past, status);
    });
    button('Delete', 'delete', async () => {
      if (!confirm('Delete this memory? Its history keeps it: you can bring it back under "Deleted memories".')) return;
      await call('DELETE', itemPath(kind.name, item.key));
      await load();
      say($('status'), 'Deleted. Its history is under "Deleted memories".');
    });
  }
  button('History', 'history', async () => {
    if (past.childElementCount) { past.textContent = ''; return; }
    await showHistory(kind.name, item.key, past, status);
  });
  if (!deleted) {
    button('JSON', 'raw', async () => {
      json.value = JSON.stringify(json.hidden ? fields.read() : JSON.parse(json.value), null, 2);
      json.hidden = !json.hidden;
      fields.node.hidden = !json.hidden;
    });
  }
  actions.append(status);
  box.append(fields.node, ...(deleted ? [] : quoteLines(item.quotes, item.facts)), json, actions, past);
  return box;
}

function render(data) {
  const root = $('memories');
  root.textContent = '';
  for (const kind of data.kinds) {
    if (kind.name === 'never_keep') continue;  // shown under "Your controls"
    const items = data.memories[kind.name] || [];
    const section = el('section', {}, el('h2', {}, kind.name), el('p', {className: 'hint'}, kind.description));
    section.dataset.type = kind.name;
    if (!items.length) section.append(el('p', {className: 'hint'}, 'Nothing yet.'));
    for (const item of items) section.append(renderItem(kind, item, false));
    root.append(section);
  }
  const gone = $('deleted');
  gone.textContent = '';
  for (const kind of data.kinds) {
    for (const item of data.deleted[kind.name] || []) {
      const box = renderItem(kind, item, true);
      box.dataset.type = kind.name;
      gone.append(box);
    }
  }
  $('deleted-section').hidden = !gone.childElementCount;
}

// -- facts held for review ------------------------------------------------------------------------------

function renderReview(held) {
  const root = $('review');
  root.textContent = '';
  $('review-section').hidden = !held.length;
  for (const h of held) {
    const box = el('div', {className: 'item held'});
    box.dataset.id = h.id;
    const status = el('span', {className: 'status', role: 'status'});
    const words = h.quotes.length
      ? h.quotes.map((q) => el('div', {className: 'said'}, `You said ${quoted(q.words)}${q.at ? ` (${when(q.at)})` : ''}`))
      : [el('div', {className: 'said'}, 'No words of yours back it.')];
    const fix = el('input', {className: 'fix-text', value: h.fact, hidden: true});
    fix.setAttribute('aria-label', 'The fact in your words');
    const decide = async (decision, text) => {
      try {
        await call('POST', `/memories/api/review/${encodeURIComponent(h.id)}`, text === undefined ? {decision} : {decision, text});
        await load();
        say($('status'), {confirm: 'Kept as a memory.', fix: 'Kept, in your words.', discard: 'Discarded.'}[decision]);
      } catch (e) { say(status, e.message, true); }
    };
    const confirmButton = el('button', {className: 'confirm', textContent: 'Yes, remember it'});
    confirmButton.onclick = () => decide('confirm');
    const fixButton = el('button', {className: 'fix', textContent: 'Fix it'});
    fixButton.onclick = () => {
      if (fix.hidden) { fix.hidden = false; fixButton.textContent = 'Save my wording'; fix.focus(); return; }
      decide('fix', fix.value);
    };
    const discard = el('button', {className: 'discard', textContent: 'No, discard it'});
    discard.onclick = () => decide('discard');
    box.append(el('div', {className: 'fact'}, quoted(h.fact)),
      el('div', {className: 'why'}, `Held because ${h.reason}${h.times > 1 ? ` (proposed ${h.times} times)` : ''}.`),
      ...words, fix, el('div', {className: 'actions'}, confirmButton, fixButton, discard, status));
    root.append(box);
  }
}

function renderHealth(report) {
  const list = $('health-lines');
  list.textContent = '';
  const total = Object.values(report.memories).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(report.memories).map(([type, n]) => `${type} ${n}`).join(', ');
  const share = Math.round(report.near_duplicate_threshold * 100);
  for (const line of [
    `${total} memories (${kinds}); ${report.writes} memory writes saved.`,
    `Facts a write would have dropped, kept: ${report.repairs}.`,
    `Facts held for your review (no words of yours behind them, or they did not say it): ${report.held}; waiting now: ${report.to_review}.`,
    `Writes refused (the model made no choice or an impossible change): ${report.refusals}.`,
    `Near-duplicate facts (at least ${share}% of their words shared): ${report.near_duplicates.length}.`,
  ]) list.append(el('li', {}, line));
  for (const [topic, n] of Object.entries(report.left_out || {})) {
    list.append(el('li', {}, `Left out under your rule never to remember ${quoted(topic)}: ${n}.`));
  }
  for (const pair of report.near_duplicates) {
    list.append(el('li', {className: 'change'}, `${pair.memory_type}: ${quoted(pair.facts[0])} and ${quoted(pair.facts[1])}`));
  }
}

async function loadEpisodes() {
  const {episodes} = await call('GET', '/memories/api/episodes');
  const root = $('episodes');
  root.textContent = '';
  if (!episodes.length) root.append(el('p', {className: 'hint'}, 'Nothing yet.'));
  for (const e of episodes) {
    const row = el('div', {className: 'episode'});
    row.dataset.key = e.key;
    const status = el('span', {className: 'status', role: 'status'});
    const forget = el('button', {className: 'forget-episode', textContent: 'Forget this'});
    forget.onclick = async () => {
      if (!confirm('Forget this exchange? The facts the bot drew from it stay.')) return;
      try { await call('DELETE', `/memories/api/episodes/${encodeURIComponent(e.key)}`); await loadEpisodes(); }
      catch (error) { say(status, error.message, true); }
    };
    row.append(el('div', {}, `${e.at ? when(e.at) : 'undated'}: you said ${quoted(e.said)}`),
      e.reply ? el('div', {className: 'said'}, `and the bot replied ${quoted(e.reply)}`) : null, forget, status);
    root.append(row);
  }
}

// -- the controls: the memory switch, and topics never remembered ----------------------------------------------

async function loadControls() {
  const {switch: state, rules} = await call('GET', '/memories/api/controls');
  const value = !state.paused ? 'on' : state.use_while_paused ? 'off' : 'off-unused';
  for (const radio of document.querySelectorAll('input[name=switch]')) radio.checked = radio.value === value;
  const list = $('rules');
  list.textContent = '';
  if (!rules.length) list.append(el('li', {className: 'hint'}, 'None yet.'));
  for (const rule of rules) {
    const drop = el('button', {textContent: 'Remove'});
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
      say($('switch-status'), radio.value === 'on' ? 'Memory is on.' : 'Memory is paused: nothing you say now is remembered.');
    } catch (e) { say($('switch-status'), e.message, true); await loadControls(); }
  };
}

$('rule-form').onsubmit = async (event) => {
  event.preventDefault();
  const topic = $('rule-topic').value.trim();
  const covered = $('rule-covered');
  covered.textContent = '';
  try {
    const added = await call('POST', '/memories/api/never-keep', {topic});
    $('rule-topic').value = '';
    await loadControls();
    if (!added.covered.length) { say($('rule-status'), `From now on, nothing about ${quoted(topic)} is remembered.`); return; }
    say($('rule-status'), `From now on, nothing about ${quoted(topic)} is remembered. ${added.covered.length} already kept fall under it:`);
    const list = el('ul');
    for (const thing of added.covered) list.append(el('li', {}, thing.kind ? `${thing.what} (${thing.kind})` : `you said ${quoted(thing.what)}`));
    const forget = el('button', {className: 'danger', textContent: 'Forget these'});
    forget.onclick = async () => {
      try {
        const done = await call('POST', '/memories/api/never-keep/forget', {topic});
        covered.textContent = '';
        await load();
        say($('rule-status'), `Forgot ${done.forgotten}.`);
      } catch (e) { say($('rule-status'), e.message, true); }
    };
    covered.append(list, forget);
  } catch (e) { say($('rule-status'), e.message, true); }
};

async function load() {
  try {
    const data = await call('GET', '/memories/api/items');
    $('user').textContent = data.user;
    $('conversations').textContent = `Conversations kept: ${data.threads}.`;
    render(data);
    renderReview(data.review);
    renderHealth(data.health);
    show('app');
    await loadControls();
    await loadEpisodes();
  } catch (e) {
    if (e.data && e.data.no_auth) { $('here').textContent = location.origin; show('no-auth'); return; }
    const hadToken = Boolean(sessionStorage.getItem(TOKEN));
    if (e.status === 401) { sessionStorage.removeItem(TOKEN); show('signin'); }
    if (e.status !== 401 || hadToken) say($('status'), e.message, true);
  }
}

$('signin').onsubmit = async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN, $('token').value.trim());
  $('token').value = '';
  $('status').textContent = '';
  await load();
};

$('sign-out').onclick = () => { sessionStorage.removeItem(TOKEN); show('signin'); say($('status'), 'Signed out.'); };

$('revoke').onclick = async () => {
  if (!confirm('Stop every token of yours issued until now, on every device? You will need a new token.')) return;
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

// Adding earlier chats runs on the server after the button's request: its progress is read until it ends.
$('add-earlier').onclick = async () => {
  const status = $('add-earlier-status');
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
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
  if (!confirm(`Make every memory what it was at ${picked}? You can go back again.`)) return;
  try {
    const report = await call('POST', '/memories/api/restore-at', {at: new Date(picked).toISOString()});
    await load();
    const beyond = report.beyond_history.length ? `; ${report.beyond_history.length} left as they were (their history starts later)` : '';
    say($('restore-status'), `Restored ${report.restored}, deleted ${report.deleted}, unchanged ${report.unchanged}${beyond}.`);
  } catch (e) { say($('restore-status'), e.message, true); }
};

$('forget').onclick = async () => {
  if (!confirm('Delete every memory and every conversation the bot has with you? This cannot be undone.')) return;
  try {
    const counts = await call('POST', '/memories/api/forget');
    await load();
    say($('status'), `Forgot ${counts.memories} memories and ${counts.threads} conversations.`);
  } catch (e) { say($('status'), e.message, true); }
};

load();  // signed in already (this tab), or the sign-in form (or, on a server without sign-in, how to use the page)
