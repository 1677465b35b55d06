"""Embeddings of benchmark data kept on disk, so a 100k-memory run embeds its facts once per machine.

Only texts seen while ``recording`` are kept, and never the texts in ``uncached`` (the questions a benchmark
asks: the stores embed queries and documents through the same call): questions are embedded every time, so
search latency includes the query's embedding, as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "memory-chatbot" / "bench-embeddings"


class CachedEmbeddings(Embeddings):
    """``inner`` with a text → vector cache in ``CACHE_DIR/<name>.{json,npy}``."""

    def __init__(self, inner: Embeddings, name: str = "all-MiniLM-L6-v2", uncached: frozenset[str] = frozenset()):
        self.inner = inner
        self.recording = False
        self.uncached = uncached
        self._texts_path, self._vectors_path = CACHE_DIR / f"{name}.json", CACHE_DIR / f"{name}.npy"
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._new: dict[str, list[float]] = {}
        if self._texts_path.exists() and self._vectors_path.exists():
            texts = json.loads(self._texts_path.read_text())
            self._vectors = np.load(self._vectors_path)
            if len(texts) == len(self._vectors):
                self._index = {text: i for i, text in enumerate(texts)}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [
            t for t in dict.fromkeys(texts) if t in self.uncached or (t not in self._index and t not in self._new)
        ]
        computed = dict(zip(missing, self.inner.embed_documents(missing), strict=True)) if missing else {}
        if self.recording:
            self._new.update((t, v) for t, v in computed.items() if t not in self.uncached)

        def vector(text: str) -> list[float]:
            if text in computed:
                return computed[text]
            if text in self._new:
                return self._new[text]
            return self._vectors[self._index[text]].tolist()

        return [vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if text in self.uncached:
            return self.inner.embed_query(text)  # a question: as the store's own embedder answers it
        return self.embed_documents([text])[0]

    async def aembed_query(self, text: str) -> list[float]:
        if text in self.uncached:
            return await self.inner.aembed_query(text)  # a question: as the store's own embedder answers it
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        if len(texts) == 1 and texts[0] in self.uncached:  # the Postgres store embeds its search query this way
            return await self.inner.aembed_documents(texts)
        return await asyncio.to_thread(self.embed_documents, texts)

    def save(self) -> None:
        """Write the vectors recorded since loading to the cache files."""
        if not self._new:
            return
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        texts = [*self._index, *self._new]
        added = np.asarray(list(self._new.values()), dtype=np.float32)
        vectors = np.concatenate([self._vectors, added]) if len(self._vectors) else added
        np.save(self._vectors_path, vectors)
        self._texts_path.write_text(json.dumps(texts))
        self._index, self._vectors, self._new = {t: i for i, t in enumerate(texts)}, vectors, {}


class Preembedded(Embeddings):
    """``inner``, with ``texts`` (and any ``add``-ed) embedded up front and served from memory: a search timed
    through it times the store and the re-rank alone, without embedding the question. While ``serving`` is
    False every text goes to ``inner``, as without this wrapper."""

    def __init__(self, inner: Embeddings, texts: frozenset[str] = frozenset()):
        self.inner = inner
        self.serving = True
        self.vectors: dict[str, list[float]] = {}
        self.add(texts)

    def add(self, texts) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.inner.embed_documents(missing), strict=True))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not self.serving:
            return self.inner.embed_documents(texts)
        self.add(texts)  # a text not embedded beforehand is embedded now, and kept
        return [self.vectors[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if not self.serving:
            return self.inner.embed_query(text)  # as the store's own embedder answers a query (its cache too)
        return self.embed_documents([text])[0]
