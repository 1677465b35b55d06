"""The interactive chat of the command line: memory notices after each write, temporary chats, and /why.

/new        a new thread            /temporary  nothing said from now on is remembered (this thread)
/why        what the last answer used, with the step to fix or forget each
/memories   what memory holds       /quit       end
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
from contextlib import suppress

import httpx
from langgraph_sdk.client import LangGraphClient

from agent.client.errors import explain
from agent.client.sdk import DEFAULT_URL, RunFailed, ensure_assistant, memories, print_memories, send, wait_for_memory
from agent.memory.kinds import STORED_KINDS
from agent.memory.manage import controls, receipts
from agent.memory.records import changes

COMMANDS = "/new /temporary /remember /why /memories /quit"
STEP = ".venv/bin/python -m agent.client"
TOKEN_ENV = "MEMORY_CHATBOT_TOKEN"
LABELS = {
    "remembered": "Remembered",
    "updated": "Updated",
    "forgot": "Forgot",
    "held": "Held for your review",
    "rule": "Will never keep",
    "left_out": "Not kept (your rule)",
}


def summary(entries: list[dict]) -> str | None:
    """What memory writes changed, as one line: 'Remembered: lives in Lisbon; Updated: job: teacher'."""
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        if (label := LABELS.get(str(entry.get("change")))) is not None:
            grouped.setdefault(label, []).append(str(entry.get("fact", "")))
    if not grouped:
        return None
    return "; ".join(f"{label}: {', '.join(dict.fromkeys(facts))}" for label, facts in grouped.items())


class ChatSession:
    """One person's chat on the terminal, on one thread at a time."""

    def __init__(self, client: LangGraphClient, user: str, memory_type: str, url: str, use: str = "read_write"):
        self.client, self.user, self.memory_type, self.url, self.use = client, user, memory_type, url, use
        self.chosen_use = use  # what `chat` was started with: a /new thread after /temporary goes back to it
        self.thread_id = ""
        self.seen: str | None = None  # the newest notice shown
        self.waiting: asyncio.Task | None = None
        self.kept_thread = False  # /remember: this thread asks to be kept, when chats are temporary by default

    @property
    def step(self) -> str:
        """The command line as this session runs it, for a step to copy: its server, and the token's place."""
        url = "" if self.url == DEFAULT_URL else f" --url {self.url}"
        return f"{STEP}{url}"  # the token from TOKEN_ENV, as the README sets it (`why` says so when unset)

    async def new_thread(self) -> None:
        self.thread_id = (await self.client.threads.create(metadata={"user": self.user}))["thread_id"]
        self.seen = None
        self.kept_thread = False

    async def run(self, model: str | None) -> None:
        assistant_id = await ensure_assistant(self.client, self.memory_type, model=model)
        await self.new_thread()
        mode = {"off": " (temporary: nothing is remembered)", "read_only": " (read-only memory)"}.get(self.use, "")
        print(f"Chatting as {self.user!r} with {self.memory_type} memory{mode}. Commands: {COMMANDS}")
        switch = await controls.read_switch(self.client, self.user)
        if switch.paused:
            used = "answers still use what is kept" if switch.use_while_paused else "answers do not use what is kept"
            print(f"(your memory is paused: nothing you say is remembered; {used}. `memory-on` resumes it)")
        elif self.use != "off" and switch.temporary_by_default:
            print("(your chats are temporary by default: nothing is remembered unless you type /remember)")
        while True:
            try:
                text = (await asyncio.to_thread(input, "you> ")).strip()
            except EOFError:
                return
            if text in ("/quit", "/exit"):
                await self._stop_waiting()
                return
            try:
                await self._handle(text, assistant_id)
            except (RunFailed, httpx.HTTPStatusError, httpx.TimeoutException) as error:
                print(f"\n(error: {explain(error, self.url) or error}; the chat goes on)")

    async def _handle(self, text: str, assistant_id: str) -> None:
        if text == "/new":
            await self.settle()
            await self.new_thread()
            self.use = self.chosen_use
            print("(new thread: what you said before is remembered here only as memory)")
        elif text == "/temporary":
            self.use = "off"
            print("(temporary from now on: nothing you say in this thread is remembered, now or later)")
        elif text == "/remember":
            if self.use == "off":
                print("(this chat is temporary: start a normal one with /new, after `chat` without --temporary)")
            else:
                self.kept_thread = True
                print("(this thread is remembered from now on)")
        elif text == "/why":
            await self.why()
        elif text == "/memories":
            await self.settle()
            print_memories(await memories(self.client, self.user, self.memory_type), self.memory_type)
        elif text.startswith("/"):
            print(f"(unknown command {text.split()[0]!r}; commands: {COMMANDS})")
        elif text:
            await self._stop_waiting()
            sys.stdout.write("bot> ")
            sys.stdout.flush()
            await send(
                self.client,
                assistant_id,
                self.thread_id,
                self.user,
                text,
                context={"memory_use": self.use},
                state={"memory_use": "off"}
                if self.use == "off"
                else {"memory_use": "read_write"}
                if self.kept_thread
                else None,
            )
            self.waiting = asyncio.create_task(self._notice_when_written())

    async def _stop_waiting(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.cancel()
            with suppress(asyncio.CancelledError):
                await self.waiting

    async def _notice_when_written(self) -> None:
        """Once this turn's memory write lands, say what it changed (above the prompt)."""
        with suppress(RunFailed):
            await wait_for_memory(self.client, self.thread_id)
        if line := await self.notices():
            sys.stdout.write(f"\r(memory: {line})\nyou> ")
            sys.stdout.flush()

    async def notices(self) -> str | None:
        """What writes changed since the last notice, as one line (None: nothing new)."""
        item = await self.client.store.get_item(list(changes.namespace(self.user)), self.thread_id)
        entries = changes.since(item["value"] if item else None, self.seen)
        if entries:
            self.seen = str(entries[-1].get("at"))
        line = summary(entries)
        for rule in (str(e.get("fact")) for e in entries if e.get("change") == "rule"):
            line = f"{line}. To forget what is already kept under it: {self.step} never-keep {rule!r}"
        return line

    async def settle(self) -> None:
        """Wait for the memory write this thread queued; say what it changed, or why it failed."""
        await self._stop_waiting()
        print("(saving what you said to memory...)")
        try:
            await wait_for_memory(self.client, self.thread_id)
        except RunFailed as error:
            print(f"(not saved to memory: {error})")
            return
        if line := await self.notices():
            print(f"(memory: {line})")
        elif (await controls.read_switch(self.client, self.user)).paused:
            print("(memory: paused, so nothing was saved)")
        else:
            print("(memory: nothing new to keep)")

    async def why(self) -> None:
        """What the last answer's prompt used, each with the one step to fix or forget it."""
        state = await self.client.threads.get_state(self.thread_id)
        values = state.get("values")
        messages = (values.get("messages") if isinstance(values, dict) else None) or []
        asked = next((m for m in reversed(messages) if m.get("type") == "human"), None)
        if asked is None:
            print("(no answer yet in this thread)")
            return
        used = await receipts.receipt_for(self.client, self.user, self.thread_id, asked["id"])
        lines = [
            *(_memory_line(entry, self.step) for entry in [*used["memories"], *used["instructions"]]),
            *(_exchange_line(entry, self.step) for entry in used["episodes"]),
        ]
        print("This answer used:" if lines else "This answer used no memory (a temporary chat, or nothing stored).")
        if lines and not os.environ.get(TOKEN_ENV):
            print(f"(the commands below read your token from {TOKEN_ENV}: export {TOKEN_ENV}=<your token> first)")
        for line in lines:
            print(f"  - {line}")


def _memory_line(entry: dict, step: str) -> str:
    kind, key = entry["kind"], entry["key"]
    if entry["gone"]:
        return f"{kind} memory {key} (since forgotten)"
    changed = " (changed since)" if entry["changed"] else ""
    text = entry["text"].replace("\n", "; ")
    example = json.dumps({"content": entry["text"]} if "content" in _fields(kind) else {"<field>": "<new value>"})
    fix = f"{step} edit {kind} {key} {shlex.quote(example)}"
    return f"{kind}: {text}{changed}\n      fix: {fix}\n      forget: {step} delete {kind} {key}"


def _fields(kind: str) -> set[str]:
    found = STORED_KINDS.get(kind)
    return set(found.schema.model_fields) if found else set()


def _exchange_line(entry: dict, step: str) -> str:
    if entry["gone"]:
        return f"an exchange {entry['key']} (since forgotten)"
    return f'you said: "{entry["said"]}"\n      forget: {step} forget-episode {entry["key"]}'
