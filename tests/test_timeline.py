"""When memories were recorded: the write-time stamp, dates named in queries, and how retrieval uses both."""

from __future__ import annotations

from datetime import UTC, date, datetime

from langgraph.store.base import SearchItem

from agent.memory.api import save
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.retrieval import rerank
from agent.memory.records.timeline import RECORDED_AT, periods, recorded_within, stamp


def _item(key: str, content: str, score: float | None, recorded_at: str | None = None) -> SearchItem:
    value = {"content": content, **({RECORDED_AT: recorded_at} if recorded_at else {})}
    now = datetime.now(UTC)
    return SearchItem(("memory", "u", "collection"), key, value, now, now, score=score)


def test_periods_reads_days_months_and_iso_dates():
    assert periods("What did she do on 9 October, 2022?") == [(date(2022, 10, 9), date(2022, 10, 9))]
    assert periods("the movie he saw on October 6, 2022") == [(date(2022, 10, 6), date(2022, 10, 6))]
    assert periods("Which hobby did Sam take up in May 2023?") == [(date(2023, 5, 1), date(2023, 5, 31))]
    assert periods("in December 2023") == [(date(2023, 12, 1), date(2023, 12, 31))]
    assert periods("since 2024-02-29") == [(date(2024, 2, 29), date(2024, 2, 29))]
    assert periods("on 31 February, 2023, or may I ask") == []
    assert periods("What is my cat called?") == []


def test_stamp_is_iso_utc_and_keeps_the_value():
    value = stamp({"content": "x"}, datetime(2023, 5, 8, 13, 56))
    assert value == {"content": "x", RECORDED_AT: "2023-05-08T13:56:00+00:00"}
    assert datetime.fromisoformat(stamp({"content": "x"})[RECORDED_AT]).tzinfo is not None


def test_recorded_within_a_named_day_or_a_few_days_after():
    items = [
        _item("before", "a", 0.5, "2022-10-06T10:00:00+00:00"),
        _item("on", "b", 0.5, "2022-10-09T10:00:00+00:00"),
        _item("after", "c", 0.5, "2022-10-11T10:00:00+00:00"),
        _item("later", "d", 0.5, "2022-10-20T10:00:00+00:00"),
        _item("unstamped", "e", 0.5),
    ]
    assert recorded_within("What happened on 9 October, 2022?", items) == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert recorded_within("What happened?", items) == [0.0] * 5


def test_a_named_date_lifts_what_was_recorded_then():
    items = [
        _item("may", "The user went to a concert.", 0.50, "2023-05-20T09:00:00+00:00"),
        _item("june", "The user went to a concert.", 0.52, "2023-06-20T09:00:00+00:00"),
    ]
    assert [i.key for i in rerank("Which concert did I go to?", items)] == ["june", "may"]
    assert [i.key for i in rerank("Which concert did I go to in May 2023?", items)] == ["may", "june"]


def test_a_relevant_item_lifts_the_items_stored_by_the_same_write():
    write = "2023-05-08T13:56:00+00:00"
    items = [
        _item("hit", "The user adopted a dog named Ned.", 0.80, write),
        _item("sibling", "The user takes long walks by the river.", 0.30, write),
        _item("loner", "The user likes long walks in the rain.", 0.32, "2023-06-01T10:00:00+00:00"),
        _item("legacy", "The user walks to work.", 0.31),
    ]
    order = [i.key for i in rerank("Where does my dog go for walks?", items)]
    assert order[0] == "hit"
    assert order.index("sibling") < order.index("loner"), "same write as the best match"
    # Without stamps nothing lifts the sibling above the loner.
    plain = [_item(i.key, i.value["content"], i.score) for i in items]
    order = [i.key for i in rerank("Where does my dog go for walks?", plain)]
    assert order.index("sibling") > order.index("loner")


async def test_save_stamps_collection_items_not_documents(store):
    when = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    await save(store, "lance", "collection", [("a", {"content": "The user likes tea."})], recorded_at=when)
    await save(store, "lance", "profile", [("profile", {"name": "Lance"})], recorded_at=when)
    item = await store.aget(memory_namespace("lance", "collection"), "a")
    assert item.value == {"content": "The user likes tea.", RECORDED_AT: "2023-05-08T13:56:00+00:00"}
    profile = await store.aget(memory_namespace("lance", "profile"), "profile")
    assert profile.value == {"name": "Lance"}


async def test_the_memory_writer_stamps_what_it_stores(chat, store):
    await chat("I'm Lance and I live in Boston.", user="lance", memory_type="collection")
    items = store.search(memory_namespace("lance", "collection"), limit=100)
    assert items and all(RECORDED_AT in item.value for item in items)
    recorded = datetime.fromisoformat(items[0].value[RECORDED_AT])
    assert abs((datetime.now(UTC) - recorded).total_seconds()) < 120
