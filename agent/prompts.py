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

QUOTE_MARK = "<-"
"""Ends a document line with the user's words behind it: 'The user has two children. <- "I have two kids"'."""

SEMANTIC_REQUEST = """Current document:
{document}

Write the updated document: keep every fact in it, add every durable fact the user stated in the
conversation above, when a new fact contradicts an old one keep only the new one, and drop a fact only
when the user takes it back. Reply with the complete document only, one fact per line. End each line you
add or change with the user's own words that state it, copied exactly from their messages, like this:
The user has two children. <- "I have two kids"
"""

PROFILE_INSTRUCTIONS = """You maintain the user's profile.
Record every fact the user stated about themselves in the conversation below. When a new fact contradicts
the profile, replace the old value. Remove a value only when the user takes it back. Leave fields the
conversation says nothing about as they are. For every value you add or change, put the user's own words that
state it in quotes, copied exactly from their messages. How the user wants the assistant to answer is kept elsewhere: do
not record it here."""

COLLECTION_INSTRUCTIONS = """You maintain a collection of memories about the user, one fact per memory.
For each durable fact the user stated in the conversation below: if an existing memory is about the same
thing, update that memory; otherwise insert a new memory. Do not duplicate existing memories. Remove a
memory (ForgetMemory) only when the user takes it back. If the conversation teaches nothing new, call NothingNew.
For every memory you insert or change, put the user's own words that state it in quotes, copied exactly from
their messages.
How the user wants the assistant to answer is kept elsewhere: do not record it here."""

PROCEDURAL_INSTRUCTIONS = """You keep the user's instructions for the assistant: how they want it to answer them
(length, language, tone, what to avoid, how to address them), one instruction per memory, in the imperative
("Keep answers short."). For each such preference the user gave in the conversation below: if an existing
instruction is about the same thing, update it; otherwise insert a new one. Remove one (ForgetMemory) only when
the user takes it back. Facts about the user themselves are not instructions. If the conversation gives no
instruction, call NothingNew. For every instruction you insert or change, put the user's own words that give it
in quotes, copied exactly from their messages."""

VERIFY_INSTRUCTIONS = """You check what a memory writer wants to remember about a user, before it is kept.
Each claim comes with the user's own words it rests on. A claim holds only when those words state it:
- it is what the words say (a plain inference holds: "I coach my son's soccer team" -> "The user has a son"; a
  guess does not: "I love sushi" -> "The user is Japanese");
- it is about the user themself, not someone they mention ("my dad is a lawyer" is not the user's job);
- it keeps the words' polarity ("I never eat pork" never supports "likes pork");
- the user stated it: not a question, a plan or wish, a what-if, or a joke.
A claim marked "no longer true" holds when the user's words take it back or replace it.
Call Verdicts once, with one verdict for every claim."""

VERIFY_REQUEST = """Claims to check:
{claims}"""

CONVERSATION = """<conversation>
{transcript}
</conversation>"""
