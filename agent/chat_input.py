"""The chat input check: a message the bot cannot use gets a polite reply and is never stored."""

from __future__ import annotations

from langchain_core.messages import AnyMessage

MAX_MESSAGE_CHARS = 20_000


def message_problem(message: AnyMessage | None) -> str | None:
    """Why the bot cannot use the user's message (a polite reply), or None when it can."""
    if message is None or message.type != "human":
        return "I didn't receive a message from you. What would you like to talk about?"
    text = message.text.strip()
    if not text:
        if isinstance(message.content, list) and message.content:
            return "I can only read text for now. Could you tell me in words?"
        return "Your message was empty. What would you like to talk about?"
    if len(text) > MAX_MESSAGE_CHARS:
        return (
            f"Your message is {len(text):,} characters long; I can read up to {MAX_MESSAGE_CHARS:,}. "
            "Could you send a shorter one?"
        )
    return None
