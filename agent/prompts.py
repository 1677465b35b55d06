"""Prompt texts: the chatbot's system prompt and the memory writers' instructions."""

SYSTEM_PROMPT = """You are a helpful and friendly assistant with a long-term memory of the user.
Use what you remember when it is relevant; never invent facts about the user.

What you remember about the user:
{memory}

How the user wants you to answer (their own preferences; follow them):
{instructions}

Current time (UTC): {time}"""

INSTRUCTIONS_SECTION = """

How the user wants you to answer (their own preferences; follow them):
{instructions}"""
"""Added to a system prompt of an assistant's own that has no ``{instructions}``: every prompt carries them."""

NO_INSTRUCTIONS = "(none given)"

NO_MEMORY = "(nothing yet)"
EMPTY_DOCUMENT = "(empty)"

SEMANTIC_INSTRUCTIONS = """You maintain a short document of facts about the user: their name, where they live,
work, relationships, preferences and plans. How the user wants the assistant to answer is kept elsewhere: do not
record it here."""

SEMANTIC_REQUEST = """Current document:
{document}

Write the updated document: keep every fact in it, add every durable fact the user stated in the
conversation above, when a new fact contradicts an old one keep only the new one, and drop a fact only
when the user takes it back. Reply with the complete document only, one fact per line."""

PROFILE_INSTRUCTIONS = """You maintain the user's profile.
Record every fact the user stated about themselves in the conversation below. When a new fact contradicts
the profile, replace the old value. Remove a value only when the user takes it back. Leave fields the
conversation says nothing about as they are. How the user wants the assistant to answer is kept elsewhere: do
not record it here."""

COLLECTION_INSTRUCTIONS = """You maintain a collection of memories about the user, one fact per memory.
For each durable fact the user stated in the conversation below: if an existing memory is about the same
thing, update that memory; otherwise insert a new memory. Do not duplicate existing memories. Remove a
memory (ForgetMemory) only when the user takes it back. If the conversation teaches nothing new, call NothingNew.
How the user wants the assistant to answer is kept elsewhere: do not record it here."""

PROCEDURAL_INSTRUCTIONS = """You keep the user's instructions for the assistant: how they want it to answer them
(length, language, tone, what to avoid, how to address them), one instruction per memory, in the imperative
("Keep answers short."). For each such preference the user gave in the conversation below: if an existing
instruction is about the same thing, update it; otherwise insert a new one. Remove one (ForgetMemory) only when
the user takes it back. Facts about the user themselves are not instructions. If the conversation gives no
instruction, call NothingNew."""

CONVERSATION = """<conversation>
{transcript}
</conversation>"""
