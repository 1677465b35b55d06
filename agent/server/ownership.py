"""The thread and assistant metadata keys that say whose something is; only the server sets them."""

OWNER = "owner"  # threads and assistants: the user who created them
WRITER_OF = "writer_of"  # memory-writer threads: the user whose memory they write
RESERVED_METADATA = (OWNER, WRITER_OF)
