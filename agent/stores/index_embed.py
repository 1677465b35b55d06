"""The store index's embedder, as langgraph.json names it (`store.index.embed`).

The server loads this file by path, as a module of its own. Taking the package's instance here,
rather than making one, keeps a single copy of the model per process: the one the server warms
up when it starts (`agent.server.webapp`).
"""

from agent.stores.embeddings import embed

embed.serves_store_index = True  # so the server loads the model when it starts, not on the first turn

__all__ = ["embed"]
