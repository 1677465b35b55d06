"""Pydantic schemas of the structured memories that trustcall extracts."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class SemanticDocument(BaseModel):
    """The semantic memory: one free-text document of facts about the user, one fact per line."""

    content: str = Field(description="The facts about the user, one per line.", json_schema_extra={"multiline": True})


class UserProfile(BaseModel):
    """The user's profile: who they are, where they live, what they do and like."""

    name: str | None = Field(default=None, description="The user's preferred name.")
    location: str | None = Field(default=None, description="Where the user currently lives.")
    job: str | None = Field(default=None, description="The user's job or occupation.")
    connections: list[str] = Field(
        default_factory=list,
        description="People the user knows (family, friends, coworkers), e.g. 'sister: Ana'.",
    )
    interests: list[str] = Field(default_factory=list, description="The user's interests, hobbies and preferences.")


class Memory(BaseModel):
    """One fact about the user worth remembering across conversations."""

    content: str = Field(description="The fact, as one short sentence about the user.")
    context: str | None = Field(default=None, description="When or why the fact came up, if it matters.")

    @model_validator(mode="after")
    def _context_adds_something(self) -> Memory:
        # A context that repeats the fact adds nothing, and the in-memory store's index cannot embed
        # one text twice in a write ("Number of embeddings (1) does not match number of indices (2)").
        if self.context is not None and self.context.strip() in ("", self.content.strip()):
            self.context = None
        return self


class Instruction(BaseModel):
    """One instruction of the user's about how the assistant should answer them."""

    content: str = Field(description="The instruction, in the imperative: 'Keep answers short.'")


class NeverKeep(BaseModel):
    """A topic the user wants never remembered."""

    content: str = Field(description="The topic, as the user put it: 'my health', 'my kids' names'.")


class NothingNew(BaseModel):
    """Call this when the conversation teaches nothing new about the user: no new fact, no correction and no
    retraction of a stored memory (small talk, questions, or only facts already remembered)."""

    reason: str = Field(default="", description="In a few words, why there is nothing to remember.")


class ForgetMemory(BaseModel):
    """Call this when the user takes back a stored memory ("forget that ...", "I no longer ..."): it removes
    the memory with this id. Never call it for a memory the user did not take back."""

    json_doc_id: str = Field(description="The id of the stored memory the user took back.")


class Quote(BaseModel):
    """The user's own words behind one fact."""

    fact: str = Field(description="The fact (or the field) these words support, as you wrote it.")
    quote: str = Field(description="The user's exact words that state it, copied from their message, not reworded.")


QUOTES_DESCRIPTION = (
    "For every fact you add or change: the user's own words that state it, copied exactly from their messages "
    "(a few words to a sentence; a 'yes' to your question counts). Never quote the assistant."
)


class Verdict(BaseModel):
    """Whether the user's words state one claim."""

    claim: int = Field(description="The claim's number.")
    holds: bool = Field(description="True only when the user's words state the claim.")
    reason: str = Field(default="", description="When it does not hold: why, in a few words.")


class Verdicts(BaseModel):
    """Your verdict on every numbered claim, one each."""

    verdicts: list[Verdict] = Field(description="One verdict per claim, every claim.")
