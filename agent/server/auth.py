"""Who is calling, and what they may touch (`auth.path` in langgraph.json).

Every request but the public ones carries `Authorization: Bearer <token>` (`agent.server.tokens`);
no cookie is ever accepted, so no other page can make a browser act for the user.

Ownership lives in metadata that only the server writes:
- ``owner``: threads and assistants a user created, by any route (create, copy, a run that
  creates its thread). A client's own ``owner`` or ``writer_of`` is overwritten or refused.
- ``writer_of``: the user's memory-writer threads. Only the graph's own in-process call
  (`agent.memory.queue.write_queue.queue_write`, marked by a ContextVar no external request can set:
  `agent.memory.queue.writer_threads`)
  creates them and starts runs on them. Their owner may read, list, join, cancel and delete them,
  never create, update, copy or run on them; the `memory_writer` graph is never a client's to run.
The store API reaches ("memory", <caller>, ...) and nothing else.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid5

from langgraph_sdk import Auth

from agent.memory.queue.writer_threads import (
    MEMORY_GRAPH_ID,
    OWNER,
    RESERVED_METADATA,
    WRITER_OF,
    in_graph_call,
    is_writer_thread_id,
)
from agent.memory.records.namespaces import ROOT
from agent.server import fair_share, revocation, store_quota, tokens, webhooks
from agent.server.request_bounds import (
    check_configuration,
    check_input,
    check_metadata,
    check_names,
    check_store_request,
    refuse,
)

CLIENT_GRAPHS = frozenset({"chatbot"})
MAX_AFTER_SECONDS = 86_400
PUBLIC_PATHS = frozenset({"/ok", "/memories", "/memories/app.js"})  # health checks; the page's static files
# langgraph-api names a graph's default assistant uuid5(NAMESPACE_GRAPH, graph_id) (langgraph_api.graph,
# not imported here: importing it outside a server loads the server's configuration).
NAMESPACE_GRAPH = UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
_WRITER_ASSISTANT = str(uuid5(NAMESPACE_GRAPH, MEMORY_GRAPH_ID))
Filter = Auth.types.FilterType
ANONYMOUS: Auth.types.MinimalUserDict = {"identity": "anonymous", "is_authenticated": False, "permissions": []}


auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None, path: str) -> Auth.types.MinimalUserDict:
    """Map the bearer token to a user; refuse everyone else (but on the public paths)."""
    if not authorization:
        if path.rstrip("/") in PUBLIC_PATHS:
            return ANONYMOUS
        raise refuse(401, "missing bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise refuse(401, "expected 'Authorization: Bearer <token>'")
    try:
        user = await verified_user(token.strip())
    except tokens.InvalidToken as error:
        raise refuse(401, str(error)) from None
    except RuntimeError as error:  # no secret configured: the deployment is not ready to serve anyone
        raise refuse(503, str(error)) from None
    return {"identity": user, "is_authenticated": True, "permissions": ["memory:owner"]}


async def verified_user(token: str) -> str:
    """The user of a genuine, unexpired, unrevoked token; InvalidToken otherwise."""
    claims = tokens.verify(token)
    if claims.get("iat", 0) < await revocation.revoked_before(claims["sub"]):
        raise tokens.InvalidToken("token revoked")
    return claims["sub"]


def _caller(ctx: Auth.types.AuthContext) -> str:
    if not getattr(ctx.user, "is_authenticated", False):
        raise refuse(401, "sign in first")
    return ctx.user.identity


def _owned(user: str) -> Filter:
    """Threads the user may see: their own, and their memory-writer threads."""
    # langgraph-api applies "$or" filters; the SDK's FilterType does not list the operator.
    return cast(Filter, {"$or": [{OWNER: user}, {WRITER_OF: user}]})


def _stamp(metadata: dict | None, user: str, *, writer: bool = False) -> None:
    """Overwrite, in place, the ownership keys of ``metadata`` (the server keeps this very dict)."""
    if metadata is None:
        return
    for key in RESERVED_METADATA:
        metadata.pop(key, None)
    metadata[WRITER_OF if writer else OWNER] = user


def _not_a_writer_thread(thread_id) -> None:
    if thread_id is not None and is_writer_thread_id(thread_id):
        raise refuse(403, "memory-writer threads are the server's to create, change and run on")


def _no_ownership_change(metadata: dict | None) -> None:
    if metadata and any(key in metadata for key in RESERVED_METADATA):
        raise refuse(403, f"metadata keys {', '.join(RESERVED_METADATA)} are set by the server")


# -- threads --------------------------------------------------------------------------------


@auth.on.threads.create
async def on_thread_create(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsCreate) -> Filter:
    """New threads belong to their creator; memory-writer threads come only from the graph itself."""
    user = _caller(ctx)
    writer = in_graph_call()
    if not writer:
        _not_a_writer_thread(value.get("thread_id"))
        _check_graph((value.get("metadata") or {}).get("graph_id"), "threads")
        check_metadata(value.get("metadata"))
    if "metadata" not in value:  # a copy: it keeps its source's metadata (the route guard refuses writer threads)
        return {OWNER: user}
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user, writer=writer)
    return {WRITER_OF: user} if writer else {OWNER: user}


@auth.on.threads.create_run
async def on_run_create(ctx: Auth.types.AuthContext, value: Auth.types.RunsCreate) -> Filter:
    """A run on the caller's own chat thread (or one it creates), of a client graph, with a valid configuration."""
    user = _caller(ctx)
    kwargs = value.get("kwargs") or {}
    config = kwargs.get("config") or {}
    check_configuration(kwargs.get("context"), config.get("configurable"), configurable_is_the_callers=False)
    after = value.get("after_seconds") or 0
    if not isinstance(after, (int, float)) or not 0 <= after <= MAX_AFTER_SECONDS:
        raise refuse(422, f"after_seconds must be between 0 and {MAX_AFTER_SECONDS}")
    writer = in_graph_call()
    if not writer:
        if str(value.get("assistant_id")) == _WRITER_ASSISTANT:
            raise refuse(403, f"the {MEMORY_GRAPH_ID} graph runs only on the server's behalf")
        _not_a_writer_thread(value.get("thread_id"))
        check_input(kwargs)
        if kwargs.get("webhook") is not None:
            try:
                await webhooks.check(kwargs["webhook"])
            except webhooks.WebhookRefused as refused:
                raise refuse(422, str(refused)) from None
        check_metadata(value.get("metadata"))
        check_metadata(config.get("metadata"))
        await fair_share.admit(user, value.get("thread_id"))
    # The thread a run creates (threadless, or if_not_exists="create") takes its metadata from these.
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user, writer=writer)
    config_metadata = (kwargs.get("config") or {}).get("metadata")
    if isinstance(config_metadata, dict):
        _stamp(config_metadata, user, writer=writer)
    return {WRITER_OF: user} if writer else {OWNER: user}


@auth.on.threads.update
async def on_thread_update(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsUpdate) -> Filter:
    """Cancel runs on any thread of one's own; change only chat threads, never their ownership."""
    user = _caller(ctx)
    if value.get("action") in ("interrupt", "rollback"):  # cancelling runs
        return _owned(user)
    _not_a_writer_thread(value.get("thread_id"))
    _no_ownership_change(value.get("metadata"))
    check_metadata(value.get("metadata"))
    return {OWNER: user}


async def on_thread_access(
    ctx: Auth.types.AuthContext, value: Auth.types.ThreadsRead | Auth.types.ThreadsSearch | Auth.types.ThreadsDelete
) -> Filter:
    """Read, list, join and delete: the caller's chat and memory-writer threads."""
    return _owned(_caller(ctx))


auth.on.threads.read(on_thread_access)
auth.on.threads.search(on_thread_access)
auth.on.threads.delete(on_thread_access)


# -- assistants -----------------------------------------------------------------------------


def _check_graph(graph_id: str | None, what: str = "assistants") -> None:
    if graph_id is not None and graph_id not in CLIENT_GRAPHS:
        raise refuse(403, f"{what} can only be made of the graphs {', '.join(sorted(CLIENT_GRAPHS))}")


@auth.on.assistants.create
async def on_assistant_create(ctx: Auth.types.AuthContext, value: Auth.types.AssistantsCreate) -> Filter:
    """A new assistant of a client graph, with a valid configuration, belongs to its creator."""
    user = _caller(ctx)
    _check_graph(value.get("graph_id"))
    check_configuration(value.get("context"), _configurable(value), configurable_is_the_callers=True)
    check_metadata(value.get("metadata"))
    check_names(value)
    if value.get("metadata") is None:
        value["metadata"] = {}
    _stamp(value["metadata"], user)
    return {OWNER: user}


@auth.on.assistants.update
async def on_assistant_update(ctx: Auth.types.AuthContext, value: Auth.types.AssistantsUpdate) -> Filter:
    """Only one's own assistants, never their ownership or graph, and only to a valid configuration."""
    user = _caller(ctx)
    _check_graph(value.get("graph_id"))
    _no_ownership_change(value.get("metadata"))
    if value.get("context") is not None or value.get("config") is not None:
        check_configuration(value.get("context"), _configurable(value), configurable_is_the_callers=True)
    check_metadata(value.get("metadata"))
    check_names(value)
    return {OWNER: user}


def _configurable(value: Auth.types.AssistantsCreate | Auth.types.AssistantsUpdate) -> object:
    config = value.get("config")
    return config.get("configurable") if isinstance(config, dict) else None


@auth.on.assistants
async def on_assistant_access(ctx: Auth.types.AuthContext, value: dict) -> Filter:
    """Read, search and delete: one's own assistants (graph default assistants stay usable by id)."""
    return {OWNER: _caller(ctx)}


@auth.on.crons
async def no_crons(ctx: Auth.types.AuthContext, value: dict) -> bool:
    raise refuse(403, "crons are not enabled")


# -- store ----------------------------------------------------------------------------------


@auth.on.store
async def only_own_namespace(ctx: Auth.types.AuthContext, value: dict) -> None:
    """The store API reaches ("memory", <caller>, ...) and nothing else, with well-formed requests only."""
    user = _caller(ctx)
    namespace = tuple(value.get("namespace") or ())
    check_store_request(value)
    if ctx.action == "list_namespaces" and namespace in ((), (ROOT,)):  # no prefix: scope it to the caller
        value["namespace"] = (ROOT, user)
        return None
    if len(namespace) < 2 or namespace[0] != ROOT or namespace[1] != user:
        raise refuse(403, f"the store API only reaches namespaces ('{ROOT}', '{user}', ...)")
    if ctx.action == "put" and value.get("value") is not None:
        await store_quota.charge_put(user, embedded=value.get("index") is None)
    return None


@auth.on
async def refuse_the_rest(ctx: Auth.types.AuthContext, value: dict) -> None:
    """Anything not allowed above is refused (a resource or action a newer server may add)."""
    raise refuse(403, f"{ctx.resource}.{ctx.action} is not allowed")
