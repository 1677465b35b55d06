"""The user's controls, through the SDK (the command line and the memory page): the memory switch, and never-keep
rules with what is already stored under them.

A rule added here is offered back with what it covers (``stored_under``): facts of every kind and past exchanges
that match it by meaning (`agent.memory.write.never_keep`); ``forget_matching`` forgets those the user agrees to,
each through the same paths as a single delete, so history keeps them restorable and episodes stay forgotten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langgraph_sdk.client import LangGraphClient

from agent.memory.kinds import NEVER_KEEP, WRITTEN_KINDS
from agent.memory.manage import admin
from agent.memory.records import controls, episodes
from agent.memory.write import never_keep
from agent.memory.write.edits import edits_for
from agent.stores.layout import space


async def read_switch(client: LangGraphClient, user_id: str) -> controls.Switch:
    item = await client.store.get_item(list(controls.namespace(user_id)), controls.KEY)
    return controls.switch_of(item["value"] if item else None)


async def set_switch(
    client: LangGraphClient,
    user_id: str,
    *,
    paused: bool | None = None,
    use_while_paused: bool | None = None,
    temporary_by_default: bool | None = None,
) -> controls.Switch:
    """Pause memory (nothing said from now on is ever written) or turn it back on, and make chats temporary by
    default or not; what is not given stays. The switch now."""
    current = await read_switch(client, user_id)
    switch = controls.Switch(
        paused=current.paused if paused is None else paused,
        use_while_paused=current.use_while_paused if use_while_paused is None else use_while_paused,
        temporary_by_default=current.temporary_by_default if temporary_by_default is None else temporary_by_default,
    )
    await admin.put_item(client, list(controls.namespace(user_id)), controls.KEY, switch.as_dict(), index=False)
    return switch


@dataclass(frozen=True)
class Covered:
    """Something stored that a rule covers: a fact of a memory (``kind``, ``key``) or an exchange (``episode``)."""

    what: str
    kind: str | None = None
    key: str | None = None
    episode: str | None = None
    by_reply: bool = False
    """An exchange whose words do not fall under the rule, but the bot's reply to them does."""

    @property
    def id(self) -> str:
        """Names it in a choice of what to forget: the exchange's key, or the memory's kind, key and fact."""
        return f"episode:{self.episode}" if self.episode else f"{self.kind}:{self.key}:{self.what}"

    def as_dict(self) -> dict:
        return {**asdict(self), "id": self.id}


async def rules(client: LangGraphClient, user_id: str) -> list[dict]:
    return [
        {"key": item["key"], "topic": item["value"].get("content", "")}
        for item in await admin.stored_items(client, user_id, NEVER_KEEP.name)
    ]


async def add_rule(client: LangGraphClient, user_id: str, topic: str, source: str = "cli") -> tuple[str, list[Covered]]:
    """Keep ``topic`` out of memory from now on; the rule's key, and what is already stored under it."""
    topic = topic.strip()
    if not topic:
        raise admin.BadMemoryRequest("a never-keep rule names a topic, e.g. 'anything about my health'")
    if len(topic) > never_keep.MAX_TOPIC_CHARS:
        raise admin.BadMemoryRequest(f"a topic is at most {never_keep.MAX_TOPIC_CHARS} characters")
    kept = await rules(client, user_id)
    same = [rule["key"] for rule in kept if rule["topic"].casefold() == topic.casefold()]
    if not same and len(kept) >= never_keep.MAX_RULES:
        raise admin.BadMemoryRequest(
            f"you have {never_keep.MAX_RULES} topics never to remember, the most: remove one first"
        )
    key = (
        same[0] if same else await admin.add_memory(client, user_id, NEVER_KEEP.name, {"content": topic}, source=source)
    )
    return key, await stored_under(client, user_id, topic)


async def stored_under(client: LangGraphClient, user_id: str, topic: str) -> list[Covered]:
    """The user's stored facts and exchanges that ``topic`` covers."""
    rule = never_keep.Rule("", topic)
    found: list[Covered] = []
    for name, kind in WRITTEN_KINDS.items():
        for item in await admin.stored_items(client, user_id, name):
            facts = kind.facts(item["value"])
            for fact, under in zip(facts, await never_keep.matching([rule], [f.text for f in facts]), strict=True):
                if under is not None:
                    found.append(Covered(fact.text, kind=name, key=item["key"]))
    said = await admin.stored_items_under(client, list(episodes.namespace(user_id)))
    words = [str(item["value"].get("content") or "") for item in said]
    replies = [str(item["value"].get("context") or "") for item in said]  # a reply can repeat what memory held
    matched = await never_keep.matching([rule], [*words, *replies])
    for index, item in enumerate(said):
        by_reply = matched[index] is None and bool(replies[index]) and matched[len(said) + index] is not None
        if matched[index] is not None or by_reply:
            found.append(Covered(words[index], episode=item["key"], by_reply=by_reply))
    return found


async def forget_matching(client: LangGraphClient, user_id: str, covered: list[Covered], source: str = "cli") -> int:
    """Forget each of ``covered`` (as ``stored_under`` found it); how many were forgotten."""
    done = 0
    for thing in covered:
        if thing.episode is not None:
            await admin.delete_episode(client, user_id, thing.episode)
        elif thing.kind is not None and thing.key is not None:
            kind = WRITTEN_KINDS[thing.kind]
            stored = await client.store.get_item(list(space(user_id).memories(thing.kind)), thing.key)
            if stored is None:
                continue
            if kind.shape == "items":  # an item is one fact
                await admin.delete_memory(client, user_id, thing.kind, thing.key, source=source)
                done += 1
                continue
            facts = [fact for fact in kind.facts(stored["value"]) if fact.text == thing.what]
            for key, value in edits_for(kind).without(thing.key, stored["value"], stored["value"], facts):
                if value is None:
                    await admin.delete_memory(client, user_id, thing.kind, key, source=source)
                else:
                    await admin.update_memory(client, user_id, thing.kind, key, value, source=source)
        done += 1
    return done
