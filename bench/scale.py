"""Needle recall, prompt size and search latency as one user's collection grows, on either store.

    .venv/bin/python -m bench.scale                          # in-memory store, 100 to 10,000 memories
    .venv/bin/python -m bench.scale --store postgres         # Postgres + pgvector, 10k and 100k memories,
                                                              # beside 1,000 other users x 100 memories
    .venv/bin/python -m bench.scale --store postgres --explain   # and the plan of the store's search query
    .venv/bin/python -m bench.scale --tiny [--store postgres]     # a smoke run at tiny sizes

One user holds N collection memories: 40 needle facts among same-domain distractors (ten topics, 224k
distinct facts available). Each needle is asked about by a paraphrase that shares no content word with it.
With ``--others U×M``, U other users hold M memories each in the same tables (drawn from the same facts).
Per approach, the needles found in the top 10 and the search latency (query embedding included), p50/p95:
- ``search_memories``: the project's retrieval (the store's vector search, re-ranked);
- ``asearch``: the store's plain vector query, top 10;
- ``exact``: exact cosine top 10 on the same data (Postgres: the same query with index scans off;
  the in-memory store always searches exactly);
- ``first 10``: what a prompt would get from the store's default page, whatever the question.
``prompt chars``: the memory section the answering prompt gets from ``search_memories``. The user also holds as
many episodes (past exchanges) as memories: ``answer, facts`` times the answering path's memory section with
the facts alone, ``answer, +episodes`` with facts and episodes ranked together (`recall_for_answer`), each
embedding its question once, side by side; on the in-memory store, how long the dev server's flush takes to
write it all. Printed, not asserted.
Postgres: then, on the same index, ``search_memories`` and ``asearch`` again at several ``ivfflat.probes``
(``--probes``; the operator's ``STORE_IVFFLAT_PROBES``), timed with the question embedded beforehand: the
store and the re-rank alone, the trade between needles found and latency.
Facts are embedded once per machine (cached under ~/.cache/memory-chatbot/bench-embeddings).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import pickle
import random
import statistics
import time
from pathlib import Path

from langgraph.store.base import PutOp
from langgraph.store.memory import InMemoryStore

from agent.memory.api import recall_for_answer, recall_for_prompt
from agent.memory.kinds import MEMORY_KINDS
from agent.memory.records import episodes
from agent.memory.records.namespaces import memory_namespace
from agent.memory.records.retrieval import search_memories
from agent.stores.embeddings import embed
from agent.words import terms
from bench import shutdown
from bench.embedding_cache import CachedEmbeddings, Preembedded

ROOT = Path(__file__).resolve().parent.parent

USER = "scale-user"
K = 10
# (needle, paraphrased question sharing no content word with it)
NEEDLES = [
    ("The user is allergic to peanuts.", "Which snacks could make me sick?"),
    ("The user's favourite dessert is tiramisu.", "What sweet treat do I enjoy most after dinner?"),
    ("The user follows a vegan diet.", "Do I eat meat or dairy?"),
    ("The user drinks three espressos every morning.", "How much coffee do I have each day?"),
    ("The user's daughter Maya studies marine biology in Lisbon.", "What is my kid learning at university?"),
    ("The user's grandfather was a lighthouse keeper.", "What job did my grandpa hold?"),
    ("The user has twin brothers named Omar and Karim.", "Do I have any siblings?"),
    ("The user's wife works as a pediatric nurse.", "What does my spouse do for a living?"),
    ("The user drives a vintage Volvo station wagon.", "What car do I own?"),
    ("The user commutes by electric bicycle.", "How do I get to the office?"),
    ("The user failed the driving test twice.", "Did I pass my licence exam on the first try?"),
    ("The user's motorcycle is a red Ducati.", "What kind of bike do I ride?"),
    ("The user plays cello in a community orchestra.", "Which musical instrument do I practise?"),
    ("The user's favourite band is Radiohead.", "Which group do I listen to most?"),
    ("The user sang in a church choir as a child.", "Did I perform vocals when I was young?"),
    ("The user is learning to play the banjo.", "What new skill with strings am I picking up?"),
    ("The user has type 1 diabetes.", "Do I have a chronic illness?"),
    ("The user had knee surgery last spring.", "Have I ever been operated on?"),
    ("The user is afraid of flying.", "Do airplanes make me nervous?"),
    ("The user wears contact lenses.", "Is my eyesight poor?"),
    ("The user works night shifts at a bakery.", "What hours do I keep at my job?"),
    ("The user's manager is called Priya.", "Who is my boss?"),
    ("The user is a software engineer at a bank.", "What is my profession?"),
    ("The user plans to retire in 2030.", "When will I stop working?"),
    ("The user was born in Nairobi, Kenya.", "Where is my hometown?"),
    ("The user honeymooned in Iceland.", "Where did we go after the wedding?"),
    ("The user has visited forty countries.", "How widely have I travelled?"),
    ("The user is moving to Montreal next summer.", "Which city will be my new home?"),
    ("The user has a cat called Pickles.", "What is the name of my pet?"),
    ("The user's dog is a three-legged greyhound.", "What breed is my puppy?"),
    ("The user keeps bees in the backyard.", "Do I have any hives at my house?"),
    ("The user rescued a parrot that speaks Spanish.", "Which bird lives with me?"),
    ("The user ran the Boston marathon in 2019.", "Have I completed a long-distance race?"),
    ("The user captains a women's rugby team.", "Which sport do I lead a squad in?"),
    ("The user swims laps before work.", "What exercise do I do early in the day?"),
    ("The user broke a wrist snowboarding.", "Did I ever get injured on the slopes?"),
    ("The user is studying for a law degree at night.", "What am I reading for in evening classes?"),
    ("The user speaks fluent Japanese.", "Which foreign language do I know?"),
    ("The user dropped out of medical school.", "Did I finish training as a doctor?"),
    ("The user wrote a thesis on medieval castles.", "What was my dissertation about?"),
]
QUESTIONS = frozenset([question for _, question in NEEDLES] + ["warm-up"])  # embedded every time, never cached
# Ten topics, the needles' own; each fact: "The user's <person> <verb> <thing> <when>."
TOPICS = {
    "food": (
        ["sister", "brother", "neighbour", "colleague", "cousin", "uncle", "aunt", "flatmate", "friend", "boss"],
        ["cooked", "ordered", "recommended", "baked", "shared", "tasted", "reheated", "photographed"],
        ["lasagna", "ramen", "tacos", "curry", "paella", "risotto", "falafel", "dumplings", "pancakes", "goulash"],
    ),
    "family": (
        [
            "aunt",
            "nephew",
            "niece",
            "grandmother",
            "godson",
            "stepbrother",
            "cousin",
            "sister-in-law",
            "father-in-law",
            "half-sister",
        ],
        ["visited", "called", "wrote to", "met", "texted", "emailed", "phoned", "hugged"],
        [
            "a friend in Porto",
            "an old classmate in Denver",
            "a pen pal in Osaka",
            "a neighbour in Quito",
            "a colleague in Tallinn",
            "a tutor in Perth",
            "a landlord in Leeds",
            "a doctor in Haifa",
            "a coach in Austin",
            "a cousin in Ghent",
        ],
    ),
    "vehicles": (
        ["friend", "landlord", "boss", "roommate", "coach", "dentist", "neighbour", "uncle", "barber", "plumber"],
        ["rented", "washed", "sold", "repaired", "test-drove", "parked", "painted", "insured"],
        [
            "a red scooter",
            "a blue pickup",
            "a grey minivan",
            "a white hatchback",
            "a black sedan",
            "a green coupe",
            "a yellow taxi",
            "a silver camper",
            "an orange tractor",
            "a brown jeep",
        ],
    ),
    "music": (
        ["partner", "flatmate", "classmate", "mentor", "teammate", "pal", "brother", "niece", "landlady", "colleague"],
        ["heard", "danced to", "streamed", "discussed", "hummed", "sang", "recorded", "reviewed"],
        ["jazz", "techno", "opera", "reggae", "folk songs", "salsa", "punk", "gospel", "bluegrass", "sea shanties"],
    ),
    "health": (
        ["father", "mother", "neighbour", "grandfather", "cousin", "boss", "aunt", "coworker", "tenant", "stepmother"],
        [
            "caught",
            "recovered from",
            "complained about",
            "got treated for",
            "read about",
            "worried about",
            "joked about",
            "researched",
        ],
        [
            "the flu",
            "a migraine",
            "a sprained ankle",
            "hay fever",
            "a sore throat",
            "back pain",
            "an ear infection",
            "a broken toe",
            "insomnia",
            "a sunburn",
        ],
    ),
    "work": (
        [
            "colleague",
            "intern",
            "supervisor",
            "client",
            "assistant",
            "partner",
            "contractor",
            "mentor",
            "recruiter",
            "teammate",
        ],
        ["presented", "cancelled", "scheduled", "finished", "postponed", "drafted", "approved", "reviewed"],
        [
            "the budget report",
            "a sales pitch",
            "the quarterly review",
            "a hiring plan",
            "the team offsite",
            "a product demo",
            "the audit",
            "a training session",
            "the client workshop",
            "a press release",
        ],
    ),
    "travel": (
        ["sister", "father", "godmother", "cousin", "neighbour", "boss", "nephew", "friend", "grandson", "classmate"],
        [
            "booked",
            "cancelled",
            "planned",
            "returned from",
            "photographed",
            "recommended",
            "described",
            "blogged about",
        ],
        [
            "a trip to Rome",
            "a cruise to Alaska",
            "a weekend in Prague",
            "a hike in Patagonia",
            "a tour of Vietnam",
            "a flight to Sydney",
            "a road trip to Utah",
            "a stay in Marrakesh",
            "a ferry to Crete",
            "a train ride to Vienna",
        ],
    ),
    "pets": (
        ["neighbour", "cousin", "colleague", "landlord", "niece", "brother", "vet", "friend", "aunt", "roommate"],
        ["adopted", "walked", "fed", "groomed", "lost", "found", "trained", "photographed"],
        [
            "a beagle",
            "a tabby kitten",
            "a hamster",
            "a goldfish",
            "a rabbit",
            "a poodle",
            "a tortoise",
            "a ferret",
            "a cockatiel",
            "a labrador",
        ],
    ),
    "sports": (
        [
            "nephew",
            "coworker",
            "brother",
            "coach",
            "neighbour",
            "daughter-in-law",
            "cousin",
            "friend",
            "boss",
            "son-in-law",
        ],
        ["watched", "joined", "trained with", "cheered for", "quit", "coached", "refereed", "played against"],
        [
            "the hockey team",
            "a tennis club",
            "the cricket team",
            "a climbing gym",
            "the rowing crew",
            "a chess club",
            "the volleyball team",
            "a cycling club",
            "the bowling league",
            "a yoga class",
        ],
    ),
    "study": (
        ["niece", "stepson", "roommate", "cousin", "neighbour", "nephew", "sister", "colleague", "tutor", "godson"],
        ["started studying", "passed", "failed", "signed up for", "dropped", "taught", "graded", "revised"],
        [
            "chemistry",
            "accounting",
            "French",
            "statistics",
            "art history",
            "economics",
            "geology",
            "philosophy",
            "nursing",
            "architecture",
        ],
    ),
}
WHEN = [
    f"on {day} {part}"
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    for part in ("morning", "afternoon", "evening", "night")
]


def all_distractors() -> list[str]:
    """Every distinct distractor fact (224,000), in a fixed shuffled order so any prefix mixes the topics."""
    facts = [
        f"The user's {person} {verb} {thing} {when}."
        for people, verbs, things in TOPICS.values()
        for person, verb, thing, when in itertools.product(people, verbs, things, WHEN)
    ]
    random.Random(12).shuffle(facts)
    return facts


def distractors(count: int, start: int = 0) -> list[str]:
    """``count`` distinct distractor facts from position ``start``."""
    facts = all_distractors()
    if start + count > len(facts):
        raise ValueError(f"only {len(facts)} distinct distractors")
    return facts[start : start + count]


def check_needles() -> None:
    """Each question must share no content word with its needle, or the benchmark would test nothing."""
    for needle, question in NEEDLES:
        shared = set(terms(needle)) & set(terms(question))
        if shared:
            raise ValueError(f"{question!r} shares {shared} with {needle!r}")


def user_facts(n: int, spread: int = 10_000) -> list[str]:
    """The user's ``n`` memories: distractors with the needles spread evenly over the first ``spread`` of them.

    The list for a larger ``n`` (from ``spread`` up) starts with the list for a smaller one, so a store can
    grow from one size to the next.
    """
    facts = distractors(max(n - len(NEEDLES), 0))
    span = min(n, spread)
    for i, (needle, _) in enumerate(NEEDLES[:n]):
        facts.insert((2 * i + 1) * span // (2 * len(NEEDLES)), needle)
    return facts[:n]


async def put_facts(
    store,
    namespace: tuple[str, ...],
    facts: list[str],
    start: int,
    chunk: int = 500,
    cache: CachedEmbeddings | None = None,
) -> None:
    for offset in range(0, len(facts), chunk):
        if cache is not None and offset % 10_000 == 0:
            cache.save()
        await store.abatch(
            [
                PutOp(namespace, f"m{start + offset + i:06d}", {"content": fact, "context": None})
                for i, fact in enumerate(facts[offset : offset + chunk])
            ]
        )


async def load_others(store, users: int, per_user: int, cache: CachedEmbeddings) -> None:
    pool = all_distractors()[:100_000]
    rng = random.Random(34)
    for u in range(users):
        facts = rng.sample(pool, per_user)
        await put_facts(store, memory_namespace(f"other-{u:04d}", "collection"), facts, 0)
        if (u + 1) % 100 == 0:
            cache.save()
            print(f"  loaded {u + 1}/{users} other users", flush=True)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    return statistics.median(seconds) * 1000, statistics.quantiles(seconds, n=20)[-1] * 1000


async def measure(
    store, exact_store, namespace, n: int, rounds: int, only: tuple[str, ...] | None = None
) -> dict[str, dict]:
    """Per approach (all, or those named in ``only``): needles in the top K (of those stored), latency p50/p95,
    prompt characters."""
    kind = MEMORY_KINDS["collection"]
    needles = NEEDLES[: min(n, len(NEEDLES))]
    approaches = {
        "search_memories": lambda q: search_memories(store, namespace, q, K),
        "asearch": lambda q: store.asearch(namespace, query=q, limit=K),
        "exact": lambda q: exact_store.asearch(namespace, query=q, limit=K),
        "first 10": lambda q: store.asearch(namespace),
        "(embedding)": lambda q: _embedding_only(store, q),  # what every search above spends embedding the question
        # The answering path's memory section, 4,000 characters: facts alone, and facts with the user's episodes.
        "answer, facts": lambda q: _answer_items(store, q, with_episodes=False),
        "answer, +episodes": lambda q: _answer_items(store, q, with_episodes=True),
    }
    results = {}
    for name, retrieve in approaches.items():
        if only is not None and name not in only:
            continue
        await retrieve("warm-up")
        found, seconds, chars = 0, [], []
        for round_ in range(rounds):
            for needle, question in needles:
                embed.forget_queries()  # each timed path embeds its question once, as a chat turn does
                start = time.perf_counter()
                items = await retrieve(question)
                seconds.append(time.perf_counter() - start)
                if round_ == 0 and items is not None:
                    shown = items if name.startswith("answer") else items[:K]
                    found += needle in [item.value["content"] for item in shown]
                    chars.append(
                        len(kind.render(items, 4000))
                        if not name.startswith("answer")
                        else len("\n".join(kind.render_value(i.value) for i in items))
                    )
        results[name] = {
            "found": found if chars else None,
            "of": len(needles),
            "latency": percentiles(seconds),
            "chars": statistics.mean(chars) if chars else None,
        }
    return results


async def _answer_items(store, question: str, with_episodes: bool) -> list:
    """The items the answering prompt's memory section shows for ``question`` (4,000 characters)."""
    if with_episodes:
        return (await recall_for_answer(store, USER, "collection", question, 4000, set())).items
    candidates = await recall_for_prompt(store, USER, "collection", question, 4000)
    return [item for item, _ in MEMORY_KINDS["collection"].fit(candidates, 4000)]


async def _embedding_only(store, question: str) -> None:
    """Embed ``question`` as the store's search does, and search nothing."""
    await store.embeddings.aembed_query(question)


def report(n: int, others: str, results: dict[str, dict]) -> None:
    for name, r in results.items():
        p50, p95 = r["latency"]
        found = f"{r['found']:>5}/{r['of']:<3}" if r["found"] is not None else f"{'-':>9}"
        chars = f"{r['chars']:>12.0f}" if r["chars"] is not None else f"{'-':>12}"
        print(f"{n:>7} {others:>9} {name:>16} {found} {chars} {p50:>8.1f} {p95:>8.1f}")


def header() -> None:
    print(f"{'N':>7} {'others':>9} {'approach':>16} {'needles@10':>9} {'prompt chars':>12} {'p50 ms':>8} {'p95 ms':>8}")


async def run_memory(sizes: list[int], rounds: int, only: tuple[str, ...] | None = None) -> None:
    index = json.loads((ROOT / "langgraph.json").read_text())["store"]["index"]
    cached = CachedEmbeddings(embed, uncached=QUESTIONS)
    header()
    for n in sizes:
        store = InMemoryStore(index={**index, "embed": cached})
        namespace = memory_namespace(USER, "collection")
        cached.recording = True
        await put_facts(store, namespace, user_facts(n), 0)
        await put_facts(store, episodes.namespace(USER), user_facts(n), 0)  # as many episodes as memories
        cached.recording = False
        cached.save()
        report(n, "-", await measure(store, store, namespace, n, rounds, only))
        print(f"{'':>7} (dev server persistence: {persistence_seconds(store)})")


def persistence_seconds(store: InMemoryStore) -> str:
    """How long `langgraph dev`'s flush takes to write this store (it pickles its dicts), and the bytes written."""
    vectors = {ns: {key: dict(paths) for key, paths in keys.items()} for ns, keys in store._vectors.items()}
    data = {ns: dict(items) for ns, items in store._data.items()}
    start = time.perf_counter()
    written = len(pickle.dumps(data)) + len(pickle.dumps(vectors))
    return f"one flush pickles {written / 1e6:.0f} MB in {time.perf_counter() - start:.2f} s"


async def _count(store, condition: str, value: str) -> int:
    from agent.stores.postgres import pool_of

    async with pool_of(store).connection() as connection:
        cursor = await connection.execute(f"SELECT count(*) AS n FROM store WHERE {condition}", (value,))
        return (await cursor.fetchone())["n"]


async def run_postgres(
    sizes: list[int], others: tuple[int, int], rounds: int, show_plan: bool, data_dir, probes_sweep: list[int] | None
) -> None:
    from langgraph.store.postgres.base import PostgresIndexConfig

    from agent.stores.postgres import (
        EXACT_SEARCH,
        INDEX,
        SEARCH_SETTINGS,
        postgres_store,
        search_settings,
    )
    from agent.stores.postgres_index import PROBES, rebuild_index
    from bench.search_plan import explain_search
    from devtools.pg_cluster import FAST_UNSAFE, PostgresCluster

    cached = CachedEmbeddings(embed, uncached=QUESTIONS)
    index: PostgresIndexConfig = {**INDEX, "embed": cached}
    preembedded = Preembedded(cached, QUESTIONS)
    tuning = {**FAST_UNSAFE, "shared_buffers": "1GB", "maintenance_work_mem": "512MB", "max_wal_size": "4GB"}
    with contextlib.ExitStack() as stack:
        uri = stack.enter_context(PostgresCluster(data_dir, settings=tuning)).uri
        async with (
            postgres_store(uri, index=index) as store,
            postgres_store(uri, index=index, settings=EXACT_SEARCH, setup=False) as exact_store,
            postgres_store(uri, index=index, settings={}, setup=False) as default_store,
        ):
            namespace = memory_namespace(USER, "collection")
            label = f"{others[0]}x{others[1]}" if others[0] else "-"
            started = time.perf_counter()
            cached.recording = True
            if others[0] and await _count(store, "prefix LIKE %s", "memory.other-%") != others[0] * others[1]:
                await load_others(store, *others, cached)
            print(
                f"loaded {others[0] * others[1]} memories of {others[0]} other users "
                f"in {time.perf_counter() - started:.0f} s; search settings: {SEARCH_SETTINGS}"
            )
            header()
            stored = await _count(store, "prefix = %s", ".".join(namespace))
            for n in sizes:
                if stored > n:
                    print(f"{n:>7} skipped: the data directory already holds {stored} memories of the user")
                    continue
                started = time.perf_counter()
                facts = user_facts(n)
                await put_facts(store, namespace, facts[stored:], stored, cache=cached)
                await put_facts(store, episodes.namespace(USER), facts[stored:], stored, cache=cached)
                stored = max(stored, n)
                cached.save()
                print(f"{'':>7} (loaded {n} memories of the user in {time.perf_counter() - started:.0f} s)")
                started = time.perf_counter()
                before, after = await rebuild_index(uri)  # as an operator does after an import
                print(
                    f"{'':>7} (index: {after.vectors} rows, {before.lists} -> {after.lists} lists, "
                    f"relearned in {time.perf_counter() - started:.0f} s: python -m agent.stores.postgres_index)"
                )
                report(n, label, await measure(store, exact_store, namespace, n, rounds))
                default = await measure(default_store, exact_store, namespace, n, 1)
                for name in ("search_memories", "asearch"):
                    r = default[name]
                    print(f"{'':>7} {'':>9} {name:>16} {r['found']:>5}/{r['of']:<3}   with pgvector's default settings")
                for probes in probes_sweep or sorted({60, 80, PROBES}):
                    async with postgres_store(
                        uri, index={**INDEX, "embed": preembedded}, settings=search_settings(probes), setup=False
                    ) as swept:
                        swept_results = await measure(
                            swept, exact_store, namespace, n, rounds, only=("search_memories", "asearch")
                        )
                    print(
                        f"{'':>7} probes {probes:>3}, the question embedded beforehand: "
                        + "; ".join(
                            f"{name} {r['found']}/{r['of']} p50 {r['latency'][0]:.1f} p95 {r['latency'][1]:.1f} ms"
                            for name, r in swept_results.items()
                        )
                    )
                if show_plan:
                    question = NEEDLES[0][1]
                    for title, s in (("default settings", default_store), ("configured pool", store)):
                        print(
                            f"\nEXPLAIN ANALYZE of the store's search ({title}), N={n}:\n"
                            + await explain_search(s, namespace, question)
                            + "\n"
                        )
            cached.recording = False


def parse_others(text: str) -> tuple[int, int]:
    users, _, per_user = text.lower().partition("x")
    return int(users), int(per_user or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["memory", "postgres"], default="memory")
    parser.add_argument("--sizes", type=int, nargs="+", help="memories of the user (default: per store)")
    parser.add_argument("--others", type=parse_others, help="other users x memories each (postgres: 1000x100)")
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked, for the latency")
    parser.add_argument("--explain", action="store_true", help="print the plan of the store's search query")
    parser.add_argument("--data-dir", type=Path, help="keep the cluster here and reuse its data (default: throwaway)")
    parser.add_argument("--tiny", action="store_true", help="smoke run: 200 memories, 20 other users x 20")
    parser.add_argument(
        "--probes",
        type=int,
        nargs="+",
        help="postgres: also time search at these ivfflat.probes, the question embedded beforehand "
        "(default: 60, 80 and the shipped value)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="APPROACH",
        help="memory store: time only these approaches (e.g. 'answer, facts' 'answer, +episodes'); "
        "the dev server's persistence is measured at every size",
    )
    args = parser.parse_args()
    check_needles()
    postgres = args.store == "postgres"
    sizes = args.sizes or ([200] if args.tiny else [10_000, 100_000] if postgres else [100, 1000, 10_000])
    others = args.others or ((20, 20) if args.tiny else (1000, 100) if postgres else (0, 0))
    if postgres:
        shutdown.run(run_postgres(sorted(sizes), others, args.rounds, args.explain, args.data_dir, args.probes))
    else:
        shutdown.run(run_memory(sizes, args.rounds, tuple(args.only) if args.only else None))


if __name__ == "__main__":
    main()
