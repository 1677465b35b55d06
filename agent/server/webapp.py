"""The memory page: a user sees, edits and deletes what the bot remembers, or has it forget everything.

Served by the LangGraph server itself (`http.app` in langgraph.json), behind the same auth as the
API (`http.enable_custom_route_auth`). A browser sends no bearer header on a page load, so signing
in puts the token into an HttpOnly, SameSite=Strict cookie that `agent.server.auth` also accepts. Every
change goes through the SDK with the caller's own token, so the page can do nothing the user's
token could not.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from langgraph_sdk import get_client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from agent.client import memory_admin
from agent.server import auth

SESSION_DAYS = 7


def _user(request: Request) -> str | None:
    user = request.scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return user.identity
    return None


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:]
    return request.cookies.get(auth.COOKIE)


def _client(request: Request):
    """The in-process SDK client, acting with the caller's own token."""
    return get_client(headers={"Authorization": f"Bearer {_token(request)}"})


async def page(request: Request) -> HTMLResponse:
    user = _user(request)
    if user is None:
        return HTMLResponse(LOGIN_PAGE)
    return HTMLResponse(MEMORY_PAGE.replace("{user}", html.escape(user)))


async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))  # a one-field urlencoded form
    token = (form.get("token") or [""])[0].strip()
    try:
        auth.verify(token)
    except (ValueError, RuntimeError) as error:
        return HTMLResponse(LOGIN_PAGE.replace("<!--error-->", f"<p class=error>{html.escape(str(error))}</p>"), 401)
    response = RedirectResponse("/memories", status_code=303)
    response.set_cookie(
        auth.COOKIE, token, max_age=SESSION_DAYS * 86400, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/memories", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


def _api(handler):
    """JSON endpoints: signed-in callers only; a bad request is a 400 that changed nothing."""

    async def endpoint(request: Request) -> JSONResponse:
        user = _user(request)
        if user is None:
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        try:
            return JSONResponse(await handler(request, user))
        except memory_admin.BadMemoryRequest as error:
            return JSONResponse({"detail": str(error)}, status_code=400)

    return endpoint


@_api
async def list_items(request: Request, user: str) -> dict:
    return {"user": user, "memories": await memory_admin.list_memories(_client(request), user)}


@_api
async def update_item(request: Request, user: str) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise memory_admin.BadMemoryRequest("the body must be JSON: {\"value\": {...}}") from None
    if not isinstance(body, dict) or not isinstance(body.get("value"), dict):
        raise memory_admin.BadMemoryRequest("the body must be JSON: {\"value\": {...}}")
    params = request.path_params
    value = await memory_admin.update_memory(_client(request), user, params["memory_type"], params["key"], body["value"])
    return {"value": value}


@_api
async def delete_item(request: Request, user: str) -> dict:
    params = request.path_params
    await memory_admin.delete_memory(_client(request), user, params["memory_type"], params["key"])
    return {"deleted": params["key"]}


@_api
async def forget(request: Request, user: str) -> dict:
    return await memory_admin.forget_user(_client(request), user)


app = Starlette(
    routes=[
        Route("/memories", page, methods=["GET"]),
        Route("/memories/login", login, methods=["POST"]),
        Route("/memories/logout", logout, methods=["POST"]),
        Route("/memories/api/items", list_items, methods=["GET"]),
        Route("/memories/api/items/{memory_type}/{key}", update_item, methods=["PUT"]),
        Route("/memories/api/items/{memory_type}/{key}", delete_item, methods=["DELETE"]),
        Route("/memories/api/forget", forget, methods=["POST"]),
    ]
)

_STYLE = """<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
section{margin:1.5rem 0} .item{border:1px solid #ccc;border-radius:6px;padding:.6rem;margin:.5rem 0}
textarea{width:100%;font-family:monospace;min-height:4rem} button{margin:.3rem .3rem 0 0}
.error{color:#b00} .danger{background:#b00;color:#fff;border:0;padding:.4rem .8rem;border-radius:4px}
</style>"""

LOGIN_PAGE = f"""<!doctype html><html><head><meta charset=utf-8><title>Sign in — memories</title>{_STYLE}</head>
<body><h1>What the bot remembers about you</h1>
<p>Sign in with your access token (<code>python -m agent.server.auth mint &lt;user&gt;</code>).</p>
<!--error-->
<form method=post action="/memories/login">
<input name=token id=token type=password size=60 placeholder="token" required>
<button type=submit id=sign-in>Sign in</button></form></body></html>"""

MEMORY_PAGE = f"""<!doctype html><html><head><meta charset=utf-8><title>Your memories</title>{_STYLE}</head>
<body><h1>What the bot remembers about <span id=user>{{user}}</span></h1>
<form method=post action="/memories/logout"><button type=submit>Sign out</button></form>
<p id=status></p><div id=memories>Loading…</div>
<section><button class=danger id=forget>Forget everything about me</button></section>
<script>
const status = (text, bad) => {{ const s = document.getElementById('status'); s.textContent = text; s.className = bad ? 'error' : ''; }};
async function call(method, path, body) {{
  const response = await fetch(path, {{method, headers: {{'Content-Type': 'application/json'}},
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
      save.onclick = async () => {{ try {{ await call('PUT', `/memories/api/items/${{type}}/${{item.key}}`, {{value: JSON.parse(text.value)}}); status('Saved.'); }} catch (e) {{ status(e.message, true); }} }};
      const del = document.createElement('button'); del.textContent = 'Delete'; del.className = 'delete';
      del.onclick = async () => {{ try {{ await call('DELETE', `/memories/api/items/${{type}}/${{item.key}}`); status('Deleted.'); load(); }} catch (e) {{ status(e.message, true); }} }};
      box.append(text, save, del); section.append(box);
    }}
    root.append(section);
  }}
}}
async function load() {{ try {{ render((await call('GET', '/memories/api/items')).memories); }} catch (e) {{ status(e.message, true); }} }}
document.getElementById('forget').onclick = async () => {{
  if (!confirm('Delete every memory and every conversation the bot has with you? This cannot be undone.')) return;
  try {{ const c = await call('POST', '/memories/api/forget'); status(`Forgot ${{c.memories}} memories and ${{c.threads}} threads.`); load(); }}
  catch (e) {{ status(e.message, true); }}
}};
load();
</script></body></html>"""
