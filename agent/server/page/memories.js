// The memory page. The token lives in this tab's sessionStorage (bound to this exact origin, port
// included) and goes to the server as a bearer header only: no cookie, so no other page can make a
// browser act with it. Everything from the server is shown as text, never as markup.
const TOKEN = 'memory_chatbot_token';
const $ = (id) => document.getElementById(id);

function status(text, bad) {
  $('status').textContent = text;
  $('status').className = bad ? 'error' : '';
}

function show(signedIn) {
  $('signin').hidden = signedIn;
  $('app').hidden = !signedIn;
  if (!signedIn) $('user').textContent = 'you';
}

async function call(method, path, body) {
  const headers = {Authorization: `Bearer ${sessionStorage.getItem(TOKEN)}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {method, headers, credentials: 'omit', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN);
    show(false);
  }
  if (!response.ok) throw new Error(data.detail || response.statusText);
  return data;
}

function itemPath(type, key) {
  return `/memories/api/items/${encodeURIComponent(type)}/${encodeURIComponent(key)}`;
}

function render(memories) {
  const root = $('memories');
  root.textContent = '';
  for (const [type, items] of Object.entries(memories)) {
    const section = document.createElement('section');
    section.dataset.type = type;
    const title = document.createElement('h2');
    title.textContent = `${type} (${items.length})`;
    section.append(title);
    for (const item of items) {
      const box = document.createElement('div');
      box.className = 'item';
      box.dataset.key = item.key;
      const text = document.createElement('textarea');
      text.value = JSON.stringify(item.value, null, 2);
      const save = document.createElement('button');
      save.textContent = 'Save';
      save.className = 'save';
      save.onclick = async () => {
        try { await call('PUT', itemPath(type, item.key), {value: JSON.parse(text.value)}); status('Saved.'); }
        catch (e) { status(e.message, true); }
      };
      const del = document.createElement('button');
      del.textContent = 'Delete';
      del.className = 'delete';
      del.onclick = async () => {
        try { await call('DELETE', itemPath(type, item.key)); status('Deleted.'); await load(); }
        catch (e) { status(e.message, true); }
      };
      box.append(text, save, del);
      section.append(box);
    }
    root.append(section);
  }
}

async function load() {
  try {
    const data = await call('GET', '/memories/api/items');
    $('user').textContent = data.user;
    $('conversations').textContent = `Conversations kept: ${data.threads}.`;
    render(data.memories);
    show(true);
  } catch (e) { status(e.message, true); }
}

$('signin').onsubmit = async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN, $('token').value.trim());
  $('token').value = '';
  status('');
  await load();
};

$('sign-out').onclick = () => { sessionStorage.removeItem(TOKEN); show(false); status('Signed out.'); };

$('revoke').onclick = async () => {
  if (!confirm('Stop every token of yours issued until now, on every device? You will need a new token.')) return;
  try { await call('POST', '/memories/api/revoke-tokens'); sessionStorage.removeItem(TOKEN); show(false); status('Every token of yours issued until now is refused.'); }
  catch (e) { status(e.message, true); }
};

$('forget').onclick = async () => {
  if (!confirm('Delete every memory and every conversation the bot has with you? This cannot be undone.')) return;
  try {
    const counts = await call('POST', '/memories/api/forget');
    status(`Forgot ${counts.memories} memories and ${counts.threads} threads.`);
    await load();
  } catch (e) { status(e.message, true); }
};

if (sessionStorage.getItem(TOKEN)) load(); else show(false);
