"""A store whose searches and namespace listings never answer with another namespace than the one asked for.

langgraph-checkpoint-postgres 3.1.0, which the Postgres replicas' runtime pins (langgraph-runtime-pg 0.11.1),
matches a namespace prefix with an unescaped SQL ``LIKE``: in a user id, ``_`` matches any character and ``%``
any run of them, so user ``a_ice`` searched, exported and deleted ``alice``'s memories. (3.2 escapes them.) This
wrapper keeps, of what the store returns, only the items and namespaces that do start with the prefix (and end
with the suffix) asked for, so isolation holds whichever version serves. A caller whose id matches another's
that way may get a short page of their own results (the other's rows took places before being dropped), never
another's.
"""

from __future__ import annotations

from collections.abc import Iterable

from langgraph.store.base import Item, ListNamespacesOp, Op, Result, SearchOp

from agent.stores.unbatched import OneCallOneBatch


def _starts(namespace: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return tuple(namespace[: len(prefix)]) == tuple(prefix)


def _matches(namespace: tuple[str, ...], op: ListNamespacesOp) -> bool:
    for condition in op.match_conditions or ():
        path = tuple(condition.path)
        if condition.match_type == "prefix" and not _matches_at(namespace, path, 0):
            return False
        if condition.match_type == "suffix" and not _matches_at(namespace, path, len(namespace) - len(path)):
            return False
    return True


def _matches_at(namespace: tuple[str, ...], path: tuple[str, ...], start: int) -> bool:
    if start < 0 or start + len(path) > len(namespace):
        return False
    return all(want == "*" or want == namespace[start + i] for i, want in enumerate(path))


def exact(op: Op, result: Result) -> Result:
    """``result`` of ``op`` without what lies outside the namespace it asked for."""
    if isinstance(op, SearchOp) and isinstance(result, list):
        items = [item for item in result if isinstance(item, Item)]
        return [item for item in items if _starts(tuple(item.namespace), tuple(op.namespace_prefix))]
    if isinstance(op, ListNamespacesOp) and isinstance(result, list):
        namespaces = [tuple(ns) for ns in result if isinstance(ns, tuple)]
        return [namespace for namespace in namespaces if _matches(namespace, op)]
    return result


class ExactPrefixes(OneCallOneBatch):
    """``store``, each call its own batch (``OneCallOneBatch``), its searches and namespace listings held to the
    exact namespace asked for."""

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        return [exact(op, result) for op, result in zip(ops, self.store.batch(ops), strict=True)]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        return [exact(op, result) for op, result in zip(ops, await self.store.abatch(ops), strict=True)]

    def __repr__(self) -> str:
        return f"ExactPrefixes({self.store!r})"
