"""The store's layout: every namespace the project writes, built here and nowhere else.

One handle per user (``space``) checks the user id once and builds that user's namespaces; the clients and
the graphs, the server and the memory admin all ask it. Everything a user may reach through the store API lies
under ("memory", <user>); the server's own per-user records lie under ("auth", <user>), which no client reaches.
``LAYOUT`` lists them all for the docs' store table, which a test holds to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from agent.users import check_user_id

ROOT = "memory"
AUTH = "auth"
HISTORY = "history"
EPISODES = "episodes"
FORGOTTEN = "episodes_forgotten"
HEALTH = "health"
REVIEW = "review"
JOBS = "jobs"
CONTROLS = "controls"
CHANGES = "changes"

Namespace = tuple[str, ...]


@dataclass(frozen=True)
class UserSpace:
    """One user's namespaces (the user id checked once, when the handle is made)."""

    user: str

    @property
    def everything(self) -> Namespace:
        """All that is the user's through the store API: the prefix of every namespace below."""
        return (ROOT, self.user)

    def memories(self, memory_type: str) -> Namespace:
        """One kind's memories (a memory type, or the instructions)."""
        return (ROOT, self.user, memory_type)

    def history(self, memory_type: str) -> Namespace:
        """The versions of one kind's memories (or of the review items' decisions, under REVIEW)."""
        return (ROOT, self.user, HISTORY, memory_type)

    @property
    def episodes(self) -> Namespace:
        return (ROOT, self.user, EPISODES)

    @property
    def forgotten_episodes(self) -> Namespace:
        return (ROOT, self.user, FORGOTTEN)

    @property
    def health(self) -> Namespace:
        return (ROOT, self.user, HEALTH)

    @property
    def review(self) -> Namespace:
        return (ROOT, self.user, REVIEW)

    @property
    def jobs(self) -> Namespace:
        return (ROOT, self.user, JOBS)

    @property
    def controls(self) -> Namespace:
        """The user's memory switch (on, or paused)."""
        return (ROOT, self.user, CONTROLS)

    @property
    def changes(self) -> Namespace:
        """What memory writes changed, per chat thread: the "memory updated" notices."""
        return (ROOT, self.user, CHANGES)

    @property
    def auth(self) -> Namespace:
        """The server's record of the user's revoked tokens: out of every client's reach."""
        return (AUTH, self.user)


@lru_cache(maxsize=4_096)
def space(user_id: str) -> UserSpace:
    """The handle on ``user_id``'s namespaces; ValueError for an id outside the one alphabet of user ids."""
    return UserSpace(check_user_id(user_id))


LAYOUT: tuple[tuple[str, Namespace], ...] = (
    ("memories of a memory type", (ROOT, "<user_id>", "<memory type>")),
    ("instructions (procedural memory)", (ROOT, "<user_id>", "instructions")),
    ("never-keep rules", (ROOT, "<user_id>", "never_keep")),
    ("episodes (what was said)", (ROOT, "<user_id>", EPISODES)),
    ("episodes the user forgot", (ROOT, "<user_id>", FORGOTTEN)),
    ("facts held for review", (ROOT, "<user_id>", REVIEW)),
    ("memory health counters", (ROOT, "<user_id>", HEALTH)),
    ("jobs (adding earlier chats)", (ROOT, "<user_id>", JOBS)),
    ("the memory switch (on, or paused)", (ROOT, "<user_id>", CONTROLS)),
    ("what writes changed, per chat thread", (ROOT, "<user_id>", CHANGES)),
    ("history of any kind, and of review decisions", (ROOT, "<user_id>", HISTORY, "<memory type>")),
    ("revoked tokens (the server's own)", (AUTH, "<user_id>")),
)
"""Every namespace the project writes, as the docs' store table shows it."""
