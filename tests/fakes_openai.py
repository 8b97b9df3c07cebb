"""A loopback OpenAI-compatible server (the parts vLLM serves) for backend tests.

Endpoints: ``POST /v1/chat/completions`` and ``POST /v1/completions``, streamed as SSE or not, and
``/v1/completions`` with ``echo=true, logprobs=N, max_tokens=0`` answering prompt log-probabilities
like vLLM. Its "tokeniser" splits text into whitespace-prefixed words, and a token's log-probability
is ``token_logprobs.get(token, default_logprob)``; so tests know the exact answer:
log p(" rise" | prompt) = ``token_logprobs[" rise"]``.

Switches: ``fail_status`` (answer every request with that HTTP status), ``refuse_echo`` (a 400 as a
server without prompt logprobs gives), ``stream_error`` (an error event mid-stream).
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

_TOKEN_RE = re.compile(r"\s*\S+|\s+")


def fake_tokenize(text: str) -> list[tuple[str, int]]:
    """``(token, char offset)`` pairs: each token is a word with its leading whitespace."""
    return [(m.group(0), m.start()) for m in _TOKEN_RE.finditer(text)]


class FakeOpenAIServer:
    """Start with :meth:`start`; ``base_url`` is ``http://127.0.0.1:PORT/v1``."""

    def __init__(self, reply: str = "TSMC revenue rose 40% [1]. This is not investment advice.") -> None:
        self.reply = reply
        self.token_logprobs: dict[str, float] = {}
        self.default_logprob = -3.0
        self.fail_status: int | None = None
        self.refuse_echo = False
        self.stream_error = False
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> "FakeOpenAIServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((self.path, body))
                fake._handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -------------------------------------------------------------- handlers
    def _handle(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        if self.fail_status:
            return _json(h, self.fail_status, {"error": {"message": "fake server failure", "type": "server_error"}})
        if h.path == "/v1/chat/completions":
            return self._chat(h, body)
        if h.path == "/v1/completions":
            return self._completions(h, body)
        return _json(h, 404, {"error": {"message": f"no route {h.path}"}})

    def _pieces(self, max_tokens: int) -> list[str]:
        words = [t for t, _ in fake_tokenize(self.reply)]
        return words[: max(0, int(max_tokens))]

    def _chat(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        pieces = self._pieces(body.get("max_tokens", 16))
        if not body.get("stream"):
            return _json(h, 200, {"id": "x", "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(pieces)}, "finish_reason": "stop"}]})
        events = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
        events += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
        if self.stream_error:
            events.insert(2, {"error": {"message": "engine crashed"}})
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        _sse(h, events)

    def _completions(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        prompts = body.get("prompt")
        prompts = prompts if isinstance(prompts, list) else [prompts]
        if body.get("echo"):
            if self.refuse_echo:
                return _json(h, 400, {"error": {"message": "echo is not supported with logprobs", "type": "invalid"}})
            choices = []
            for i, text in enumerate(prompts):
                toks = fake_tokenize(text)
                lps = [None] + [self.token_logprobs.get(t, self.default_logprob) for t, _ in toks[1:]]
                choices.append({"index": i, "text": text, "finish_reason": "length", "logprobs": {
                    "tokens": [t for t, _ in toks], "token_logprobs": lps,
                    "text_offset": [o for _, o in toks],
                    "top_logprobs": [None] + [{t: lp} for (t, _), lp in zip(toks[1:], lps[1:])]}})
            return _json(h, 200, {"id": "x", "object": "text_completion", "choices": choices})
        pieces = self._pieces(body.get("max_tokens", 16))
        if body.get("stream"):
            return _sse(h, [{"choices": [{"index": 0, "text": p}]} for p in pieces])
        return _json(h, 200, {"choices": [{"index": 0, "text": "".join(pieces)}]})


def _json(h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def _sse(h: BaseHTTPRequestHandler, events: list[dict[str, Any]]) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/event-stream")
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(b": keep-alive\n\n")
    for event in events:
        h.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        h.wfile.flush()
    h.wfile.write(b"data: [DONE]\n\n")
    h.wfile.flush()
    h.close_connection = True


@pytest.fixture
def fake_openai():
    """A running :class:`FakeOpenAIServer` on 127.0.0.1, stopped after the test."""
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


__all__ = ["FakeOpenAIServer", "fake_openai", "fake_tokenize"]
