"""The command line: drive the chatbot on a LangGraph server with langgraph-sdk (assistants, threads, runs, store).

    python -m agent.client demo   --url http://127.0.0.1:2024 --token $TOKEN --memory-type all
    python -m agent.client chat   --token $TOKEN --memory-type profile
    python -m agent.client memories --token $TOKEN                    # list
    python -m agent.client health --token $TOKEN                      # repairs, left-out facts, near-duplicates
    python -m agent.client edit profile profile '{"location": "Oslo"}' --token $TOKEN   # --replace: the whole value
    python -m agent.client add collection '{"content": "I prefer tea"}' --token $TOKEN
    python -m agent.client delete collection <key> --token $TOKEN
    python -m agent.client memories history collection [<key>] --token $TOKEN   # versions (or keys)
    python -m agent.client restore collection <key> <version> --token $TOKEN
    python -m agent.client restore-at 2026-12-01T14:00 --token $TOKEN   # every memory as it was then
    python -m agent.client review --token $TOKEN                      # facts held for your review
    python -m agent.client review confirm|discard ID --token $TOKEN   # or: review fix ID "the fact in your words"
    python -m agent.client episodes --token $TOKEN                    # what was said (forget-episode KEY)
    python -m agent.client add-earlier-chats [THREAD ...] --token $TOKEN  # chats from before episodes, as episodes
    python -m agent.client export me.json --token $TOKEN              # everything kept about you; import FILE
    python -m agent.client forget --token $TOKEN                      # asks first; --yes to skip
    python -m agent.client chat --temporary --token $TOKEN            # remembers nothing (or --read-only)
    python -m agent.client memory-off --token $TOKEN                  # pause memory; memory-on resumes
    python -m agent.client never-keep 'anything about my health' --token $TOKEN   # offers to forget what matches

With auth on (the default langgraph.json) the server knows the user from the token: pass --token
or set MEMORY_CHATBOT_TOKEN (get one with `make token USER_ID=<you>`); where the auth secret is set
locally (.env), a token for --user is minted on the spot. Against a server without auth
(langgraph.local.json), --user names the user. An expected failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from dotenv import load_dotenv
from langgraph_sdk.client import LangGraphClient

from agent.client.chat import COMMANDS, ChatSession
from agent.client.demo import demo
from agent.client.errors import GET_A_TOKEN, CommandFailed, explain
from agent.client.sdk import (
    DEFAULT_URL,
    connect,
    print_memories,
    probe,
)
from agent.memory.kinds import MEMORY_TYPES, STORED_KINDS
from agent.memory.manage import admin, backfill, controls, export
from agent.memory.records import episodes
from agent.secret import SECRET_ENV
from agent.server import tokens

JOB_ROUTE = "/memories/api/episodes/add-earlier-chats"
URL_ENV = "LANGGRAPH_URL"
TOKEN_ENV = "MEMORY_CHATBOT_TOKEN"


def _count(n: int, thing: str, things: str | None = None) -> str:
    return f"{n} {thing if n == 1 else things or thing + 's'}"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, like every other expected failure."""

    def error(self, message: str) -> NoReturn:
        sys.exit(f"error: {message} (see: {self.prog} --help)")


def _options(parser: argparse.ArgumentParser, given_before: bool) -> None:
    """The options every command takes; after the command (``given_before``), one given before it stands."""

    def default(value):
        return argparse.SUPPRESS if given_before else value

    parser.add_argument(
        "--url",
        default=default(os.environ.get(URL_ENV) or DEFAULT_URL),
        help=f"LangGraph server ({URL_ENV}, else {DEFAULT_URL})",
    )
    parser.add_argument("--user", default=default(None), help="user_id (without auth, or to mint a token locally)")
    parser.add_argument(
        "--token", default=default(os.environ.get(TOKEN_ENV)), help=f"bearer token (default: {TOKEN_ENV})"
    )
    parser.add_argument("--memory-type", default=default("all"), choices=["all", *MEMORY_TYPES])
    parser.add_argument(
        "--model", default=default(None), help="'provider:model' for the assistants (default: the graph's)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m agent.client", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _options(parser, given_before=False)
    parser.set_defaults(command="demo", handler=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    shared = _Parser(add_help=False)
    _options(shared, given_before=True)

    def command(name: str, help: str, handler=None) -> argparse.ArgumentParser:
        made = commands.add_parser(name, help=help, description=help, parents=[shared])
        made.set_defaults(command=name, handler=handler)
        return made

    command("demo", "a scripted conversation with each memory type, then what each kept (the default)")
    talk = command("chat", f"chat on the terminal ({COMMANDS})")
    talk.add_argument("--temporary", action="store_true", help="a temporary chat: reads no memory, writes none")
    talk.add_argument("--read-only", action="store_true", help="answers use memory; the chat changes none of it")
    listing = command("memories", "list every memory kept about you", _memories)
    more = listing.add_subparsers(title="more", metavar="history", parser_class=_Parser)
    history = more.add_parser(
        "history", help="a memory's versions, or the memories of a type that have a history", parents=[shared]
    )
    history.add_argument("memory_type_named", metavar="TYPE")
    history.add_argument(
        "key", metavar="KEY", nargs="?", help="without it: the document of a one-document TYPE, else every key"
    )
    history.set_defaults(handler=_history)
    command("health", "repairs, facts held or left out, near-duplicates", _health)
    edit = command("edit", "change the fields of a memory that JSON names (the others stay)", _edit)
    edit.add_argument("memory_type_named", metavar="TYPE")
    edit.add_argument("key", metavar="KEY")
    edit.add_argument("value", metavar="JSON", help='the fields to change, e.g. \'{"location": "Oslo"}\'')
    edit.add_argument("--replace", action="store_true", help="make JSON the whole value (fields left out empty)")
    add = command("add", "add a memory in your own words", _add)
    add.add_argument("memory_type_named", metavar="TYPE")
    add.add_argument("value", metavar="JSON", help='its fields, e.g. \'{"content": "I prefer tea"}\'')
    delete = command("delete", "delete one memory", _delete)
    delete.add_argument("memory_type_named", metavar="TYPE")
    delete.add_argument("key", metavar="KEY")
    restore = command(
        "restore", "put a memory back to one of its versions (as `memories history` lists them)", _restore
    )
    restore.add_argument("memory_type_named", metavar="TYPE")
    restore.add_argument("key", metavar="KEY")
    restore.add_argument("version", metavar="VERSION", help="a number, or as listed: v2")
    restore_at = command("restore-at", "every memory as it was at a time", _restore_at)
    restore_at.add_argument("when", metavar="TIME", help="ISO 8601, e.g. 2026-12-01T14:00")
    review = command("review", "facts held for your review; confirm, fix or discard one", _review_list)
    decisions = review.add_subparsers(title="decisions", metavar="confirm|discard|fix", parser_class=_Parser)
    for decision, what in (("confirm", "keep it as a memory"), ("discard", "drop it")):
        decided = decisions.add_parser(decision, help=what, parents=[shared])
        decided.add_argument("held", metavar="ID")
        decided.set_defaults(handler=_review_decide, decision=decision, text=None)
    fix = decisions.add_parser("fix", help="keep it, in your words", parents=[shared])
    fix.add_argument("held", metavar="ID")
    fix.add_argument("text", metavar="TEXT")
    fix.set_defaults(handler=_review_decide, decision="fix")
    command("episodes", "what was said, exchange by exchange", _episodes)
    forget_episode = command("forget-episode", "forget one exchange (the facts drawn from it stay)", _forget_episode)
    forget_episode.add_argument("key", metavar="KEY")
    earlier = command("add-earlier-chats", "keep chats from before episodes as episodes", _add_earlier_chats)
    earlier.add_argument("threads", metavar="THREAD", nargs="*", help="default: every chat thread of yours")
    export_to = command("export", "everything kept about you, as one JSON file", _export)
    export_to.add_argument("path", metavar="FILE", nargs="?", help="default: print it")
    import_from = command("import", "write an exported file back", _import)
    import_from.add_argument("path", metavar="FILE")
    off = command("memory-off", "pause memory: nothing said from now on is remembered", _memory_off)
    off.add_argument("--unused", action="store_true", help="answers do not use what is stored either")
    command("memory-on", "turn memory back on", _memory_on)
    never = command("never-keep", "topics never to remember: list them, or add one", _never_keep)
    never.add_argument("topic", metavar="TOPIC", nargs="?", help="e.g. 'anything about my health'")
    never.add_argument("--yes", action="store_true", help="forget all that is already kept under it, without asking")
    forget = command("forget", "delete every memory and thread of yours (asks first)", _forget)
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Run a command; an expected failure (no server, a refused token or input) is one line on stderr."""
    load_dotenv(Path.cwd() / ".env")  # a local secret mints a token on the spot, as `make token` does
    args = _parser().parse_args(argv)
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        if (line := explain(error, args.url)) is None:
            raise
        sys.exit(f"error: {line}")


async def run(args: argparse.Namespace) -> None:
    token = args.token
    if token is not None and not token.strip():
        raise CommandFailed(f"the token is empty ({TOKEN_ENV} is set but blank?): {GET_A_TOKEN}")
    if not token and args.user is None:
        raise CommandFailed(f"who are you? Pass --token (or set {TOKEN_ENV}; {GET_A_TOKEN}), or --user <id>")
    if not token and os.environ.get(SECRET_ENV):
        token = tokens.mint(args.user)
    if token:
        claimed = tokens.claimed_user(token)  # with auth on, the token decides who we are
        if args.user is not None and args.user != claimed:
            raise CommandFailed(
                f"the token is {claimed!r}'s but --user names {args.user!r}: drop --user, or pass {args.user!r}'s "
                f"token (unset {TOKEN_ENV} to mint one from .env)"
            )
        args.user = claimed
    args.token = token
    await probe(args.url)
    client = connect(args.url, token)
    types = list(MEMORY_TYPES) if args.memory_type == "all" else [args.memory_type]
    if args.command == "demo":
        await demo(client, args.user, types, args.model)
    elif args.command == "chat":
        use = "off" if args.temporary else "read_only" if args.read_only else "read_write"
        await ChatSession(client, args.user, types[0], args.url, use).run(args.model)
    else:
        try:
            await args.handler(client, args)
        except json.JSONDecodeError as error:
            raise CommandFailed(f"the value is not JSON ({error})") from None


# -- the memory-management commands, one each ----------------------------------------------------------------


async def _memories(client: LangGraphClient, args: argparse.Namespace) -> None:
    for memory_type, items in (await admin.list_memories(client, args.user)).items():
        if args.memory_type in ("all", memory_type):
            print_memories(items, memory_type)


async def _history(client: LangGraphClient, args: argparse.Namespace) -> None:
    kind = STORED_KINDS.get(args.memory_type_named)
    key = args.key or (kind.key if kind else None)  # a one-document kind: its document (`history profile`)
    await print_history(client, args.user, args.memory_type_named, key)


async def _restore_at(client: LangGraphClient, args: argparse.Namespace) -> None:
    report = await admin.restore_at(client, args.user, _time(args.when))
    at = datetime.fromisoformat(report["at"]).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(
        f"memory as it was at {at}: {report['restored']} restored, {report['deleted']} deleted, "
        f"{report['unchanged']} unchanged"
    )
    if report["changed"]:
        print(f"changed: {', '.join(report['changed'])} (each change is a new version: `memories history` lists it)")
    if report["beyond_history"]:
        print(f"left as they are (their kept history starts later): {', '.join(report['beyond_history'])}")


async def _review_list(client: LangGraphClient, args: argparse.Namespace) -> None:
    print_review(await admin.review_list(client, args.user))


async def _review_decide(client: LangGraphClient, args: argparse.Namespace) -> None:
    written = await admin.review_decide(client, args.user, args.held, args.decision, args.text)
    print({"confirm": "kept as a memory", "fix": "kept, in your words", "discard": "discarded"}[args.decision])
    if written is not None:
        print(f"  now: {json.dumps(written, ensure_ascii=False)}")


async def _episodes(client: LangGraphClient, args: argparse.Namespace) -> None:
    for episode in await admin.episode_list(client, args.user):
        print(f"  [{episode['key']}] {episode['at']}: {episode['said']!r}")


async def _forget_episode(client: LangGraphClient, args: argparse.Namespace) -> None:
    await admin.delete_episode(client, args.user, args.key)
    print(f"forgot episode {args.key} (the facts drawn from it stay)")


async def _add_earlier_chats(client: LangGraphClient, args: argparse.Namespace) -> None:
    if args.token:  # the server's job (it applies its own retention); its progress is read until it ends
        done = await client.http.post(JOB_ROUTE, json={"threads": args.threads} if args.threads else None)
        while done.get("state") == "running":
            await asyncio.sleep(1)
            done = await client.http.get(JOB_ROUTE)
        if done.get("state") == "failed":
            raise CommandFailed(f"adding earlier chats stopped: {done.get('error')}")
    else:  # a server without sign-in has no page API: the retention is this environment's
        done = (await backfill.backfill(client, args.user, args.threads, episodes.retention_days())).as_dict()
    print(
        f"added {_count(done['added'], 'exchange')} from {_count(done['threads'], 'chat')} of "
        f"{args.user}'s; {done['already_kept']} already kept, {done['forgotten']} deleted by you left "
        f"out, {done['expired']} past the retention left out"
    )


async def _export(client: LangGraphClient, args: argparse.Namespace) -> None:
    data = json.dumps(await export.export_user(client, args.user), indent=1, ensure_ascii=False)
    if args.path:
        Path(args.path).write_text(data)
        print(f"everything kept about {args.user!r} is in {args.path}")
    else:
        print(data)


async def _import(client: LangGraphClient, args: argparse.Namespace) -> None:
    counts = await export.import_user(client, args.user, json.loads(Path(args.path).read_text()))
    print(f"imported into {args.user!r}: {counts}")


async def _health(client: LangGraphClient, args: argparse.Namespace) -> None:
    print_health(await admin.health_report(client, args.user))


async def _edit(client: LangGraphClient, args: argparse.Namespace) -> None:
    value = json.loads(args.value)
    changed = await admin.update_memory(
        client, args.user, args.memory_type_named, args.key, value, merge=not args.replace
    )
    print(f"{args.memory_type_named} memory {args.key} is now: {json.dumps(changed, ensure_ascii=False)}")


async def _add(client: LangGraphClient, args: argparse.Namespace) -> None:
    value = json.loads(args.value)
    key = await admin.add_memory(client, args.user, args.memory_type_named, value)
    print(f"added {args.memory_type_named} memory [{key}]: {json.dumps(value, ensure_ascii=False)}")


async def _delete(client: LangGraphClient, args: argparse.Namespace) -> None:
    await admin.delete_memory(client, args.user, args.memory_type_named, args.key)
    print(f"deleted {args.memory_type_named} memory {args.key}")


async def _restore(client: LangGraphClient, args: argparse.Namespace) -> None:
    version = _version(args.version)
    restored = await admin.restore_memory(client, args.user, args.memory_type_named, args.key, version)
    print(f"restored {args.memory_type_named} memory {args.key} to version {args.version}: {restored}")


async def _forget(client: LangGraphClient, args: argparse.Namespace) -> None:
    prompt = f"Delete every memory and thread of {args.user}? [y/N] "
    if args.yes or (await asyncio.to_thread(input, prompt)).strip().lower() in ("y", "yes"):
        gone = await admin.forget_user(client, args.user)
        print(
            f"forgot {_count(gone['memories'], 'memory', 'memories')}, {_count(gone['episodes'], 'exchange')} said, "
            f"{_count(gone['histories'], 'memory history', 'memory histories')}, "
            f"{_count(gone['other'], 'other record')} and {_count(gone['threads'], 'thread')} of {args.user}"
        )
    else:
        print("nothing deleted")


async def _memory_off(client: LangGraphClient, args: argparse.Namespace) -> None:
    switch = await controls.set_switch(client, args.user, paused=True, use_while_paused=not args.unused)
    used = "answers still use what is stored" if switch.use_while_paused else "answers do not use what is stored"
    print(f"memory is off for {args.user}: nothing said from now on is remembered, now or later; {used}")


async def _memory_on(client: LangGraphClient, args: argparse.Namespace) -> None:
    await controls.set_switch(client, args.user, paused=False)
    print(f"memory is on for {args.user}")


async def _never_keep(client: LangGraphClient, args: argparse.Namespace) -> None:
    if args.topic is None:
        rules = await controls.rules(client, args.user)
        for rule in rules:
            print(f"[{rule['key']}] {rule['topic']}")
        print(
            f"{_count(len(rules), 'rule')} (add one: never-keep 'anything about my health'; drop one: "
            "delete never_keep KEY)"
        )
        return
    _, covered = await controls.add_rule(client, args.user, args.topic)
    print(f"from now on, nothing about {args.topic!r} is remembered")
    if not covered:
        print("nothing stored so far falls under it")
        return
    print(f"already kept, and it may fall under it ({len(covered)}):")
    for number, thing in enumerate(covered, 1):
        print(f"  {number}. {thing.what}" + ("" if thing.kind else "  (something you said)"))
    if args.yes:
        chosen = covered
    else:
        answer = (await asyncio.to_thread(input, "Forget which? (numbers like 1 3, 'all', or Enter for none) ")).strip()
        numbers = [int(n) for n in answer.replace(",", " ").split() if n.isdigit() and 0 < int(n) <= len(covered)]
        chosen = covered if answer.lower() in ("all", "a", "y", "yes") else [covered[n - 1] for n in numbers]
    if chosen:
        print(f"forgot {await controls.forget_matching(client, args.user, chosen)}")
    else:
        print("kept them all (forget one at a time with delete or forget-episode)")


def print_health(report: dict) -> None:
    """The user's memory health, as lines."""
    kinds = ", ".join(f"{memory_type} {n}" for memory_type, n in report["memories"].items())
    print(f"memories: {sum(report['memories'].values())} ({kinds})")
    print(f"memory writes saved: {report['writes']}")
    print(f"  stored facts a write would have dropped, kept (repairs): {report['repairs']}")
    print(f"  facts held for your review (no words of yours behind them, or not confirmed): {report['held']}")
    print(f"  waiting for your review now: {report['to_review']} (python -m agent.client review)")
    print(f"  writes refused (no choice made, an impossible patch): {report['refusals']}")
    for topic, n in report.get("left_out", {}).items():
        print(f"  left out under your rule never to keep {topic!r}: {n}")
    pairs = report["near_duplicates"]
    print(f"near-duplicate facts (at least {report['near_duplicate_threshold']:.0%} of words shared): {len(pairs)}")
    for pair in pairs:
        print(f"  {pair['memory_type']}: {pair['facts'][0]!r} ~ {pair['facts'][1]!r} ({pair['similarity']:.0%})")


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CommandFailed(f"a time is ISO 8601, like 2026-12-01T14:00 (got {text!r})") from None


def _version(text: str) -> int:
    text = text.removeprefix("v")  # as `memories history` prints it: v2
    if not text.isdigit():
        raise admin.BadMemoryRequest(f"a version is a number (got {text!r})")
    return int(text)


async def print_history(client: LangGraphClient, user: str, memory_type: str, key: str | None = None) -> None:
    """A memory's versions, oldest first; without a key, every memory of the type that has a history."""
    if key is None:
        for remembered in await admin.remembered_keys(client, user, memory_type):
            state = "deleted" if remembered["current"] is None else json.dumps(remembered["current"])
            print(f"  [{remembered['key']}] {remembered['versions']} version(s); now: {state}")
        return
    for version in await admin.memory_history(client, user, memory_type, key):
        origin = ", ".join(
            f"{name} {version[name]}"
            for name in ("source", "chat_thread_id", "run_id", "restored_from", "restored_at")
            if version.get(name)
        )
        value = "(deleted)" if version["value"] is None else json.dumps(version["value"])
        print(f"  v{version['version']}  {version.get('valid_from') or 'before history'}  {origin}\n      {value}")
        for source in version.get("said", []):
            print(f"      from your words ({source['at']}): {source['said']!r}")
        for quote in version.get("quotes", []):
            print(f"      {quote['fact']!r} because you said {quote['words']!r}")


def print_review(held: list[dict]) -> None:
    """The facts held for review, each with why and the user's words."""
    if not held:
        print("nothing waits for your review")
    for item in held:
        print(f"  [{item['id']}] {item['memory_type']}: {item['fact']!r}")
        print(f"      held because {item['reason']}")
        for quote in item["quotes"]:
            print(f"      you said ({quote['at']}): {quote['words']!r}")
        if not item["quotes"]:
            print("      no words of yours back it")


if __name__ == "__main__":
    main()
