"""Memory writes on the platform's run queue: the per-user writer threads, the queued write runs and the write
lock that keeps one writer at a time."""
