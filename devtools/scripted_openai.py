"""An OpenAI-compatible chat-completions endpoint over the scripted brain, for server tests.

Run standalone to point a real `langgraph dev` (or `make demo`) at it:
    python -m devtools.scripted_openai --port 8765 [--mode forgetful]
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 OPENAI_API_KEY=scripted make demo
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from devtools.scripted_brain import MODES, normalize_tool_choice, respond


def _text(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def to_messages(payload: list[dict]) -> list[BaseMessage]:
    """OpenAI chat messages as LangChain messages (only what the brain reads)."""
    converted: list[BaseMessage] = []
    for m in payload:
        role, text = m.get("role"), _text(m.get("content"))
        if role in ("system", "developer"):
            converted.append(SystemMessage(text))
        elif role == "user":
            converted.append(HumanMessage(text))
        elif role == "tool":
            converted.append(ToolMessage(text, tool_call_id=m.get("tool_call_id", "")))
        else:
            converted.append(AIMessage(text))
    return converted


class ScriptedOpenAI:
    """Serves /v1/chat/completions on 127.0.0.1 in a background thread; records each request."""

    def __init__(self, port: int = 0, latency: float = 0.0, mode: str = "honest"):
        self.latency = latency
        self.mode = mode  # how the brain writes memory: one of devtools.scripted_brain.MODES
        # Fault injection: predicates on the request body.
        self.fail_if = None  # answer with HTTP 500
        self.stall_if = None  # answer only after `stall_seconds` (a model that times out)
        self.malform_if = None  # answer with a tool call whose arguments are not JSON
        self.stall_seconds = 30.0
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def extraction_requests(self) -> list[dict]:
        """Requests made by the memory writers (they carry the conversation transcript)."""
        with self._lock:
            return [r for r in self.requests if "<conversation>" in json.dumps(r.get("messages"))]

    def prompts(self) -> list[str]:
        """Every request's messages, each flattened to one string."""
        with self._lock:
            return ["\n".join(_text(m.get("content")) for m in r["messages"]) for r in self.requests]

    def complete(self, request: dict) -> AIMessage:
        with self._lock:
            self.requests.append(request)
        if self.latency:
            time.sleep(self.latency)
        return respond(
            to_messages(request.get("messages", [])),
            request.get("tools") or [],
            normalize_tool_choice(request.get("tool_choice")),
            self.mode,
        )

    def _handler(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if endpoint.fail_if is not None and endpoint.fail_if(request):
                    with endpoint._lock:
                        endpoint.requests.append(request)
                    return self._send(500, {"error": {"message": "injected failure", "type": "server_error"}})
                if endpoint.stall_if is not None and endpoint.stall_if(request):
                    time.sleep(endpoint.stall_seconds)
                message = endpoint.complete(request)
                if endpoint.malform_if is not None and endpoint.malform_if(request) and request.get("tools"):
                    return self._send(200, _malformed(request))
                if request.get("stream"):
                    return self._stream(request, message)
                return self._send(200, _completion(request, message))

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, request: dict, message: AIMessage) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in _chunks(request, message):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        return Handler


def _tool_calls(message: AIMessage) -> list[dict]:
    return [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
        for c in message.tool_calls
    ]


def _usage(request: dict, message: AIMessage) -> dict:
    prompt = sum(len(_text(m.get("content"))) for m in request.get("messages", [])) // 4
    completion = len(message.text) // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(request: dict, message: AIMessage) -> dict:
    body: dict = {"role": "assistant", "content": message.text or None}
    if message.tool_calls:
        body["tool_calls"] = _tool_calls(message)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "scripted"),
        "choices": [{"index": 0, "message": body, "finish_reason": "tool_calls" if message.tool_calls else "stop"}],
        "usage": _usage(request, message),
    }


def _malformed(request: dict) -> dict:
    name = request["tools"][0]["function"]["name"]
    call = {
        "id": f"call_{uuid.uuid4().hex[:8]}",
        "type": "function",
        "function": {"name": name, "arguments": "{not json"},
    }
    body = _completion(request, AIMessage(content=""))
    body["choices"][0]["message"]["tool_calls"] = [call]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


def _chunks(request: dict, message: AIMessage):
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.get("model", "scripted"),
    }

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    if message.tool_calls:
        for i, call in enumerate(_tool_calls(message)):
            yield chunk({"tool_calls": [{"index": i, **call}]})
        yield chunk({}, "tool_calls")
    else:
        words = message.text.split(" ")
        for i, word in enumerate(words):
            yield chunk({"content": word + (" " if i < len(words) - 1 else "")})
        yield chunk({}, "stop")
    if (request.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": _usage(request, message)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    parser.add_argument("--mode", default="honest", choices=list(MODES), help="how the brain writes memory")
    args = parser.parse_args()
    with ScriptedOpenAI(args.port, args.latency, args.mode) as endpoint:
        print(f"scripted OpenAI-compatible endpoint at {endpoint.base_url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
