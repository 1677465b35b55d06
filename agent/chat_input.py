"""The chat input check: what the user sent that the bot cannot use gets a polite reply and is never stored.

What a run sends is the block of messages after the bot's last reply. The last must be a human message with
text; each message, the block's characters and its count are bounded (`agent.limits`), so no input, however
it reached the thread, makes an oversized prompt.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AnyMessage

from agent import limits


def new_input(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The messages after the bot's last reply: what this turn sent."""
    replies = [i for i, message in enumerate(messages) if message.type == "ai"]
    return list(messages[replies[-1] + 1 :] if replies else messages)


def message_problem(message: AnyMessage | None) -> str | None:
    """Why the bot cannot use the user's message (a polite reply), or None when it can."""
    if message is None or message.type != "human":
        return "I didn't receive a message from you. What would you like to talk about?"
    text = message.text.strip()
    if not text:
        if isinstance(message.content, list) and message.content:
            return "I can only read text for now. Could you tell me in words?"
        return "Your message was empty. What would you like to talk about?"
    return None


def size_problem(block: Sequence[AnyMessage]) -> str | None:
    """Why the block of messages a turn sent is too large to read (a polite reply), or None."""
    sizes = [limits.message_chars(message) for message in block]
    longest = max(sizes, default=0)
    if longest > (most := limits.MESSAGE_CHARS.value()):
        return f"Your message is {longest:,} characters long; I can read up to {most:,}. Could you send a shorter one?"
    if len(block) > (most := limits.INPUT_MESSAGES.value()):
        return f"You sent {len(block)} messages at once; I can read up to {most} in one turn. Could you send fewer?"
    total = sum(sizes)
    if total > (most := limits.INPUT_CHARS.value()):
        return (
            f"Your messages come to {total:,} characters; I can read up to {most:,} in one turn. "
            "Could you send less at once?"
        )
    return None
