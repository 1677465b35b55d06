"""Drive the chatbot on a LangGraph server with langgraph-sdk: assistants, threads, runs and the store.

    python -m agent.client demo   --url http://127.0.0.1:2024 --token $TOKEN --memory-type all
    python -m agent.client chat   --token $TOKEN --memory-type profile
    python -m agent.client memories --token $TOKEN                    # list
    python -m agent.client edit collection <key> '{"content": "..."}' --token $TOKEN
    python -m agent.client delete collection <key> --token $TOKEN
    python -m agent.client forget --token $TOKEN                      # asks first; --yes to skip

With auth on (the default langgraph.json) the server knows the user from the token: pass --token
or set MEMORY_CHATBOT_TOKEN (mint one with `python -m agent.auth mint <user>`); where the auth
secret is set locally, a token for --user is minted on the spot. Against a server without auth
(langgraph.local.json), --user names the user.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import TextIO

from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from agent import auth, memory_admin
from agent.context import MEMORY_TYPES

GRAPH_ID = "chatbot"
DEFAULT_URL = "http://127.0.0.1:2024"

DEMO_SCRIPT = {
    "teach": [
        "Hi! I'm Lance. I live in San Francisco and I like biking.",
        "I work as a software engineer.",
    ],
    "recall": "What do you remember about me? What is my name and where do I live?",
}


class RunFailed(RuntimeError):
    """A run on the server ended in an error."""


def connect(url: str = DEFAULT_URL, token: str | None = None) -> LangGraphClient:
    """An SDK client for ``url`` that sends ``token`` as its bearer token."""
    return get_client(url=url, headers={"Authorization": f"Bearer {token}"} if token else None)


async def wait_for_memory(client: LangGraphClient, chat_thread_id: str) -> None:
    """Block until every memory write queued from this chat thread has finished; raise if one failed.

    In background mode a chat run returns before its memory is written; a new thread sees the
    memory once this returns.
    """
    state = await client.threads.get_state(chat_thread_id)
    queued = (state.get("values") or {}).get("memory_write")
    if not queued:
        return  # hot-path mode, or nothing queued yet
    thread_id = queued["thread_id"]
    while True:
        runs = await client.runs.list(thread_id, limit=20)
        active = [r for r in runs if r["status"] in ("pending", "running")]
        if not active:
            break
        await client.runs.join(thread_id, active[0]["run_id"])  # newest first: earlier ones end before it
    ours = await client.runs.get(thread_id, queued["run_id"])
    latest = runs[0] if runs else ours
    for run in {ours["run_id"]: ours, latest["run_id"]: latest}.values():
        if run["status"] != "success":
            raise RunFailed(f"memory write {run['run_id']} ended with status {run['status']!r}")


async def ensure_assistant(
    client: LangGraphClient, memory_type: str, model: str | None = None, **settings
) -> str:
    """The id of this project's assistant for ``memory_type`` with ``model`` and other context settings.

    Created on first use and found again by name afterwards.
    """
    context = {"memory_type": memory_type, **({"model": model} if model else {}), **settings}
    name = "-".join([GRAPH_ID, *(f"{k}={v}" for k, v in sorted(context.items()))])
    found = await client.assistants.search(graph_id=GRAPH_ID, metadata={"name": name}, limit=1)
    if found:
        return found[0]["assistant_id"]
    created = await client.assistants.create(
        graph_id=GRAPH_ID, name=name, context=context, metadata={"name": name, "memory_type": memory_type}
    )
    return created["assistant_id"]


async def send(
    client: LangGraphClient,
    assistant_id: str,
    thread_id: str,
    user: str,
    text: str,
    out: TextIO = sys.stdout,
) -> str:
    """Send ``text`` as ``user`` on a thread, streaming the reply's tokens to ``out``; returns the reply."""
    reply: list[str] = []
    async for part in client.runs.stream(
        thread_id,
        assistant_id,
        input={"messages": [{"role": "user", "content": text}]},
        context={"user_id": user},
        stream_mode="messages-tuple",
    ):
        if part.event == "error":
            raise RunFailed(str(part.data.get("message") if isinstance(part.data, dict) else part.data))
        if part.event != "messages":
            continue
        chunk, metadata = part.data
        if metadata.get("langgraph_node") == "respond" and chunk.get("type", "").lower().startswith("ai"):
            token = chunk.get("content") or ""
            if isinstance(token, list):
                token = "".join(p.get("text", "") for p in token if isinstance(p, dict))
            reply.append(token)
            out.write(token)
            out.flush()
    out.write("\n")
    return "".join(reply)


async def memories(client: LangGraphClient, user: str, memory_type: str) -> list[dict]:
    """Every stored memory of ``user`` of ``memory_type``, read through the store API."""
    return await memory_admin.stored_items(client, user, memory_type)


def print_memories(items: list[dict], memory_type: str, out: TextIO = sys.stdout) -> None:
    out.write(f"  stored {memory_type} memories ({len(items)}):\n")
    for item in items:
        out.write(f"    [{item['key']}] {item['value']}\n")


async def demo(client: LangGraphClient, user: str, memory_types: list[str], model: str | None, out: TextIO = sys.stdout) -> dict[str, str]:
    """Teach facts on one thread, ask on a brand-new thread, print what the store holds."""
    recalls: dict[str, str] = {}
    for memory_type in memory_types:
        assistant_id = await ensure_assistant(client, memory_type, model)
        out.write(f"\n=== memory type: {memory_type} (assistant {assistant_id}) ===\n")
        first = await client.threads.create(metadata={"user": user})
        for text in DEMO_SCRIPT["teach"]:
            out.write(f"[thread 1] {user}: {text}\n[thread 1] bot: ")
            await send(client, assistant_id, first["thread_id"], user, text, out)
        out.write("(waiting for the background memory write)\n")
        await wait_for_memory(client, first["thread_id"])
        second = await client.threads.create(metadata={"user": user})
        out.write(f"[thread 2, new] {user}: {DEMO_SCRIPT['recall']}\n[thread 2, new] bot: ")
        recalls[memory_type] = await send(client, assistant_id, second["thread_id"], user, DEMO_SCRIPT["recall"], out)
        print_memories(await memories(client, user, memory_type), memory_type, out)
    return recalls


async def chat(client: LangGraphClient, user: str, memory_type: str, model: str | None) -> None:
    """Interactive chat on the terminal: /new starts a thread, /memories shows memory, /quit ends."""
    assistant_id = await ensure_assistant(client, memory_type, model)
    thread_id = (await client.threads.create(metadata={"user": user}))["thread_id"]
    print(f"Chatting as {user!r} with {memory_type} memory. Commands: /new /memories /quit")
    while True:
        try:
            text = (await asyncio.to_thread(input, "you> ")).strip()
        except EOFError:
            return
        if text in ("/quit", "/exit"):
            return
        if text == "/new":
            thread_id = (await client.threads.create(metadata={"user": user}))["thread_id"]
            print("(new thread)")
        elif text == "/memories":
            await wait_for_memory(client, thread_id)
            print_memories(await memories(client, user, memory_type), memory_type)
        elif text:
            sys.stdout.write("bot> ")
            try:
                await send(client, assistant_id, thread_id, user, text)
            except RunFailed as error:
                print(f"\n(error: {error})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="demo", choices=["demo", "chat", "memories", "edit", "delete", "forget"])
    parser.add_argument("rest", nargs="*", help="edit: TYPE KEY JSON; delete: TYPE KEY")
    parser.add_argument("--yes", action="store_true", help="forget: do not ask for confirmation")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"LangGraph server (default {DEFAULT_URL})")
    parser.add_argument("--user", default="lance", help="user_id (without auth, or to mint a token locally)")
    parser.add_argument("--token", default=os.environ.get("MEMORY_CHATBOT_TOKEN"), help="bearer token")
    parser.add_argument("--memory-type", default="all", choices=["all", *MEMORY_TYPES])
    parser.add_argument("--model", default=None, help="'provider:model' for the assistants (default: the graph's)")
    return parser


async def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    token = args.token
    if not token and os.environ.get(auth.SECRET_ENV):
        token = auth.mint(args.user)
    if token:
        args.user = auth.claimed_user(token)  # with auth on, the token decides who we are
    client = connect(args.url, token)
    types = list(MEMORY_TYPES) if args.memory_type == "all" else [args.memory_type]
    if args.mode == "demo":
        await demo(client, args.user, types, args.model)
    elif args.mode == "chat":
        await chat(client, args.user, types[0] if len(types) == 1 else "semantic", args.model)
    else:
        await manage(client, args)


async def manage(client: LangGraphClient, args: argparse.Namespace) -> None:
    """The memory-management commands: memories (list), edit, delete, forget."""
    try:
        if args.mode == "memories":
            for memory_type, items in (await memory_admin.list_memories(client, args.user)).items():
                if args.memory_type in ("all", memory_type):
                    print_memories(items, memory_type)
        elif args.mode == "edit":
            memory_type, key, value = _need(args.rest, 3, "edit TYPE KEY JSON")
            print(await memory_admin.update_memory(client, args.user, memory_type, key, json.loads(value)))
        elif args.mode == "delete":
            memory_type, key = _need(args.rest, 2, "delete TYPE KEY")
            await memory_admin.delete_memory(client, args.user, memory_type, key)
            print(f"deleted {memory_type} memory {key}")
        elif args.mode == "forget":
            prompt = f"Delete every memory and thread of {args.user!r}? Type 'yes': "
            if args.yes or (await asyncio.to_thread(input, prompt)).strip().lower() == "yes":
                print(await memory_admin.forget_user(client, args.user))
            else:
                print("nothing deleted")
    except (memory_admin.BadMemoryRequest, json.JSONDecodeError) as error:
        sys.exit(f"error: {error}")


def _need(rest: list[str], count: int, usage: str) -> list[str]:
    if len(rest) != count:
        sys.exit(f"usage: python -m agent.client {usage}")
    return rest


if __name__ == "__main__":
    asyncio.run(main())
