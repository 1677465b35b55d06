"""What memory keeps and how it is read back: the store's namespaces, timestamps, versions, episodes, facts
and retrieval. Nothing here calls a model or knows a memory kind."""
