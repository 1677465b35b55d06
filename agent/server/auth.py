"""Who is calling, and what they may touch (`auth.path` in langgraph.json).

Every API request carries `Authorization: Bearer <token>` (`agent.server.tokens`). The memory page's
session cookie is accepted on the page's own routes (`/memories...`) only, so a page on another
site or port cannot drive the API with it.

Ownership lives in metadata that only the server writes:
- ``owner``: threads and assistants a user created, by any route (create, copy, a run that
  creates its thread). A client's own ``owner`` or ``writer_of`` is overwritten or refused.
- ``writer_of``: the user's memory-writer threads. Only the graph's own in-process call
  (`agent.memory.write_queue.queue_write`, marked by a ContextVar no external request can set)
  creates them and starts runs on them. Their owner may read, list, join, cancel and delete them,
  never create, update, copy or run on them; the `memory_writer` graph is never a client's to run.
The store API reaches ("memory", <caller>, ...) and nothing else.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from langgraph_sdk import Auth
from pydantic import ValidationError

from agent.context import Context
from agent.memory.store import ROOT
from agent.memory.write_queue import MEMORY_GRAPH_ID, in_graph_call, is_writer_thread_id
from agent.server import revocation, tokens
from agent.server.ownership import OWNER, RESERVED_METADATA, WRITER_OF

COOKIE = tokens.SESSION_COOKIE
COOKIE_PATHS = ("/memories",)  # the memory page and its API: the only routes a cookie may sign in to
CLIENT_GRAPHS = frozenset({"chatbot"})
PUBLIC_PATHS = frozenset({"/ok", "/memories", "/memories/login", "/memories/logout"})
# langgraph-api names a graph's default assistant uuid5(NAMESPACE_GRAPH, graph_id) (langgraph_api.graph,
# not imported here: importing it outside a server loads the server's configuration).
NAMESPACE_GRAPH = UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
_WRITER_ASSISTANT = str(uuid5(NAMESPACE_GRAPH, MEMORY_GRAPH_ID))
ANONYMOUS: Auth.types.MinimalUserDict = {"identity": "anonymous", "is_authenticated": False, "permissions": []}


def _cookie(headers: dict) -> str | None:
    raw = headers.get(b"cookie") or headers.get("cookie") or b""
    raw = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    for part in raw.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


def cookie_allowed(path: str) -> bool:
    """Whether the session cookie may authenticate a request to ``path``."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in COOKIE_PATHS)


def _refuse(status: int, detail: str) -> Auth.exceptions.HTTPException:
    return Auth.exceptions.HTTPException(status_code=status, detail=detail)


auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None, headers: dict, path: str) -> Auth.types.MinimalUserDict:
    """Map the bearer token (or, on the memory page, its session cookie) to a user; refuse everyone else."""
    public = path.rstrip("/") in PUBLIC_PATHS
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _refuse(401, "expected 'Authorization: Bearer <token>'")
    else:
        token = _cookie(headers) if cookie_allowed(path) else None
    if not token:
        if public:
            return ANONYMOUS
        raise _refuse(401, "missing bearer token")
    try:
        user = await verified_user(token)
    except tokens.InvalidToken as error:
        if public and not authorization:  # a stale session cookie: show the sign-in page
            return ANONYMOUS
        raise _refuse(401, str(error)) from None
    except RuntimeError as error:  # no secret configured
        raise _refuse(500, str(error)) from None
    return {"identity": user, "is_authenticated": True, "permissions": ["memory:owner"]}


async def verified_user(token: str) -> str:
    """The user of a genuine, unexpired, unrevoked token; InvalidToken otherwise."""
    claims = tokens.verify(token)
    if claims.get("iat", 0) < await revocation.revoked_before(claims["sub"]):
        raise tokens.InvalidToken("token revoked")
    return claims["sub"]


def _caller(ctx: Auth.types.AuthContext) -> str:
    if not getattr(ctx.user, "is_authenticated", False):
        raise _refuse(401, "sign in first")
    return ctx.user.identity


def _owned(user: str) -> dict:
    """Threads the user may see: their own, and their memory-writer threads."""
    return {"$or": [{OWNER: user}, {WRITER_OF: user}]}


def _stamp(metadata: dict | None, user: str, *, writer: bool = False) -> None:
    """Overwrite, in place, the ownership keys of ``metadata`` (the server keeps this very dict)."""
    if metadata is None:
        return
    for key in RESERVED_METADATA:
        metadata.pop(key, None)
    metadata[WRITER_OF if writer else OWNER] = user


def _not_a_writer_thread(thread_id) -> None:
    if thread_id is not None and is_writer_thread_id(thread_id):
        raise _refuse(403, "memory-writer threads are the server's to create, change and run on")


def _no_ownership_change(metadata: dict | None) -> None:
    if metadata and any(key in metadata for key in RESERVED_METADATA):
        raise _refuse(403, f"metadata keys {', '.join(RESERVED_METADATA)} are set by the server")


def check_context(context: dict | None) -> None:
    """A configuration that validates, else HTTP 422 naming the fields."""
    try:
        Context.model_validate(context or {})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise _refuse(422, f"invalid configuration: {problems}") from None


# -- threads --------------------------------------------------------------------------------

@auth.on.threads.create
async def on_thread_create(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """New threads belong to their creator; memory-writer threads come only from the graph itself."""
    user = _caller(ctx)
    writer = in_graph_call()
    if not writer:
        _not_a_writer_thread(value.get("thread_id"))
    if "metadata" not in value:  # a copy: it keeps its source's metadata (the route guard refuses writer threads)
        return {OWNER: user}
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user, writer=writer)
    return {WRITER_OF: user} if writer else {OWNER: user}


@auth.on.threads.create_run
async def on_run_create(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """A run on the caller's own chat thread (or one it creates), of a client graph, with a valid configuration."""
    user = _caller(ctx)
    kwargs = value.get("kwargs") or {}
    check_context(kwargs.get("context"))
    writer = in_graph_call()
    if not writer:
        if str(value.get("assistant_id")) == _WRITER_ASSISTANT:
            raise _refuse(403, f"the {MEMORY_GRAPH_ID} graph runs only on the server's behalf")
        _not_a_writer_thread(value.get("thread_id"))
    # The thread a run creates (threadless, or if_not_exists="create") takes its metadata from these.
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user, writer=writer)
    config_metadata = (kwargs.get("config") or {}).get("metadata")
    if isinstance(config_metadata, dict):
        _stamp(config_metadata, user, writer=writer)
    return {WRITER_OF: user} if writer else {OWNER: user}


@auth.on.threads.update
async def on_thread_update(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Cancel runs on any thread of one's own; change only chat threads, never their ownership."""
    user = _caller(ctx)
    if value.get("action") in ("interrupt", "rollback"):  # cancelling runs
        return _owned(user)
    _not_a_writer_thread(value.get("thread_id"))
    _no_ownership_change(value.get("metadata"))
    return {OWNER: user}


@auth.on.threads.read
@auth.on.threads.search
@auth.on.threads.delete
async def on_thread_access(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Read, list, join and delete: the caller's chat and memory-writer threads."""
    return _owned(_caller(ctx))


# -- assistants -----------------------------------------------------------------------------

def _check_graph(graph_id: str | None) -> None:
    if graph_id is not None and graph_id not in CLIENT_GRAPHS:
        raise _refuse(403, f"assistants can only be made of the graphs {', '.join(sorted(CLIENT_GRAPHS))}")


@auth.on.assistants.create
async def on_assistant_create(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """A new assistant of a client graph, with a valid configuration, belongs to its creator."""
    user = _caller(ctx)
    _check_graph(value.get("graph_id"))
    check_context(value.get("context"))
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user)
    return {OWNER: user}


@auth.on.assistants.update
async def on_assistant_update(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Only one's own assistants, never their ownership or graph, and only to a valid configuration."""
    user = _caller(ctx)
    _check_graph(value.get("graph_id"))
    _no_ownership_change(value.get("metadata"))
    if value.get("context") is not None:
        check_context(value["context"])
    return {OWNER: user}


@auth.on.assistants
async def on_assistant_access(ctx: Auth.types.AuthContext, value: dict) -> dict:
    """Read, search and delete: one's own assistants (graph default assistants stay usable by id)."""
    return {OWNER: _caller(ctx)}


@auth.on.crons
async def no_crons(ctx: Auth.types.AuthContext, value: dict) -> bool:
    raise _refuse(403, "crons are not enabled")


# -- store ----------------------------------------------------------------------------------

@auth.on.store
async def only_own_namespace(ctx: Auth.types.AuthContext, value: dict) -> None:
    """The store API reaches ("memory", <caller>, ...) and nothing else."""
    user = _caller(ctx)
    namespace = tuple(value.get("namespace") or ())
    if ctx.action == "list_namespaces" and namespace in ((), (ROOT,)):  # no prefix: scope it to the caller
        value["namespace"] = (ROOT, user)
        return None
    if len(namespace) < 2 or namespace[0] != ROOT or namespace[1] != user:
        raise _refuse(403, f"the store API only reaches namespaces ('{ROOT}', '{user}', ...)")
    return None


@auth.on
async def refuse_the_rest(ctx: Auth.types.AuthContext, value: dict) -> None:
    """Anything not allowed above is refused (a resource or action a newer server may add)."""
    raise _refuse(403, f"{ctx.resource}.{ctx.action} is not allowed")
