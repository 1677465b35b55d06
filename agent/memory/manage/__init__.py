"""A user's memory as they manage it through the SDK (the memory page and the command line): listing, editing,
history and restore, review decisions, export and import, and adding earlier chats."""
