"""The memory page's HTML: a sign-in form, and the page that lists, edits and deletes memories.

Values reach the page as text (`textContent`, `.value`), never as markup. ``{user}`` and ``{csrf}``
are filled in by `agent.server.webapp`, escaped.
"""

_STYLE = """<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
section{margin:1.5rem 0} .item{border:1px solid #ccc;border-radius:6px;padding:.6rem;margin:.5rem 0}
textarea{width:100%;font-family:monospace;min-height:4rem} button{margin:.3rem .3rem 0 0}
.error{color:#b00} .danger{background:#b00;color:#fff;border:0;padding:.4rem .8rem;border-radius:4px}
</style>"""

LOGIN_PAGE = f"""<!doctype html><html><head><meta charset=utf-8><title>Sign in — memories</title>{_STYLE}</head>
<body><h1>What the bot remembers about you</h1>
<p>Sign in with your access token (<code>python -m agent.server.tokens mint &lt;user&gt;</code>).</p>
<!--error-->
<form method=post action="/memories/login">
<input name=token id=token type=password size=60 placeholder="token" required>
<button type=submit id=sign-in>Sign in</button></form></body></html>"""

MEMORY_PAGE = f"""<!doctype html><html><head><meta charset=utf-8><meta name=csrf-token content="{{csrf}}">
<title>Your memories</title>{_STYLE}</head>
<body><h1>What the bot remembers about <span id=user>{{user}}</span></h1>
<form method=post action="/memories/logout"><input type=hidden name=csrf value="{{csrf}}"><button type=submit>Sign out</button></form>
<p id=conversations></p>
<p id=status></p><div id=memories>Loading…</div>
<section><button class=danger id=forget>Forget everything about me</button></section>
<script>
const status = (text, bad) => {{ const s = document.getElementById('status'); s.textContent = text; s.className = bad ? 'error' : ''; }};
async function call(method, path, body) {{
  const csrf = document.querySelector('meta[name=csrf-token]').content;
  const response = await fetch(path, {{method, headers: {{'Content-Type': 'application/json', 'X-CSRF-Token': csrf}},
    body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin'}});
  const data = await response.json();
  if (!response.ok) throw new Error(data.detail || response.statusText);
  return data;
}}
function render(memories) {{
  const root = document.getElementById('memories'); root.textContent = '';
  for (const [type, items] of Object.entries(memories)) {{
    const section = document.createElement('section'); section.dataset.type = type;
    const title = document.createElement('h2'); title.textContent = `${{type}} (${{items.length}})`; section.append(title);
    for (const item of items) {{
      const box = document.createElement('div'); box.className = 'item'; box.dataset.key = item.key;
      const text = document.createElement('textarea'); text.value = JSON.stringify(item.value, null, 2);
      const save = document.createElement('button'); save.textContent = 'Save'; save.className = 'save';
      save.onclick = async () => {{ try {{ await call('PUT', `/memories/api/items/${{type}}/${{encodeURIComponent(item.key)}}`, {{value: JSON.parse(text.value)}}); status('Saved.'); }} catch (e) {{ status(e.message, true); }} }};
      const del = document.createElement('button'); del.textContent = 'Delete'; del.className = 'delete';
      del.onclick = async () => {{ try {{ await call('DELETE', `/memories/api/items/${{type}}/${{encodeURIComponent(item.key)}}`); status('Deleted.'); load(); }} catch (e) {{ status(e.message, true); }} }};
      box.append(text, save, del); section.append(box);
    }}
    root.append(section);
  }}
}}
async function load() {{
  try {{
    const data = await call('GET', '/memories/api/items');
    render(data.memories);
    document.getElementById('conversations').textContent = `Conversations kept: ${{data.threads}}.`;
  }} catch (e) {{ status(e.message, true); }}
}}
document.getElementById('forget').onclick = async () => {{
  if (!confirm('Delete every memory and every conversation the bot has with you? This cannot be undone.')) return;
  try {{ const c = await call('POST', '/memories/api/forget'); status(`Forgot ${{c.memories}} memories and ${{c.threads}} threads.`); load(); }}
  catch (e) {{ status(e.message, true); }}
}};
load();
</script></body></html>"""
