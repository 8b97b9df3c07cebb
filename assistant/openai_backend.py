"""A client for any OpenAI-compatible server (vLLM, TGI) with the model manager's API.

Why no ``openai`` package: we need two endpoints and two features (SSE streaming of chat
completions, prompt log-probabilities through ``/v1/completions`` with ``echo``), which ``requests``
does in a page, and every failure must become :class:`ModelUnavailable` naming the server.

Option scoring uses vLLM's prompt log-probabilities: ``POST /v1/completions`` with
``echo=true, logprobs=1, max_tokens=0`` returns the log-probability of every prompt token. For each
prompt P and option O we score the texts P and P+O in one request and subtract: the difference is
log p(O | P) (the server tokenises P+O itself, so cross-boundary merges are its own business; the
manager moves trailing spaces onto the option first, so boundaries fall between words). A server
that refuses echo/logprobs raises :class:`ModelUnavailable` with its message.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)


def _unavailable(reason: str):
    from assistant.models import ModelUnavailable

    return ModelUnavailable(reason)


class OpenAIBackend:
    """One model on one OpenAI-compatible server."""

    def __init__(self, base_url: str, model: str, *, timeout: float = 60.0, api_key: str | None = None) -> None:
        url = base_url.rstrip("/")
        if not url.endswith("/v1"):
            url += "/v1"
        self.base_url = url
        self.model = model
        self.timeout = timeout
        parts = urlsplit(url)
        self.hostport = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        self.session = requests.Session()
        self.session.trust_env = False  # never route a loopback/LAN model server through a proxy
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    # ---------------------------------------------------------------- http
    def _post(self, path: str, payload: dict[str, Any], *, stream: bool = False) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.post(url, json=payload, stream=stream, timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise _unavailable(f"the model server at {self.hostport} is not reachable (connection refused or down)") from exc
        except requests.Timeout as exc:
            raise _unavailable(f"the model server at {self.hostport} did not answer within {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise _unavailable(f"the model server at {self.hostport} failed: {exc}") from exc
        if resp.status_code >= 400:
            message = _error_message(resp)
            resp.close()
            raise _unavailable(f"the model server at {self.hostport} answered HTTP {resp.status_code}: {message}")
        return resp

    # ---------------------------------------------------------------- generation
    def generate_stream(
        self,
        messages_or_prompt: str | list[dict[str, str]],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """Stream text: chat messages go to ``/chat/completions``, a raw prompt to ``/completions``."""
        chat = not isinstance(messages_or_prompt, str)
        payload: dict[str, Any] = {
            "model": self.model,
            "max_tokens": int(max_new_tokens),
            "temperature": float(temperature),
            "stream": True,
        }
        if stop:
            payload["stop"] = list(stop)
        if chat:
            payload["messages"] = list(messages_or_prompt)
        else:
            payload["prompt"] = messages_or_prompt
        resp = self._post("/chat/completions" if chat else "/completions", payload, stream=True)
        try:
            for event in _sse_events(resp):
                if "error" in event:
                    raise _unavailable(f"the model server at {self.hostport} failed mid-answer: "
                                       f"{_message_of(event['error'])}")
                for choice in event.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
                    if piece:
                        yield piece
        except requests.RequestException as exc:
            raise _unavailable(f"the model server at {self.hostport} dropped the stream ({exc})") from exc
        finally:
            resp.close()

    # ---------------------------------------------------------------- scoring
    def option_logprobs(
        self, prompts: Sequence[str], options: Sequence[str], *, batch_size: int = 16
    ) -> list[list[float]]:
        """``[prompt][option]`` summed log-probabilities of each option after each prompt."""
        from assistant.models import _move_trailing_spaces

        texts: list[str] = []
        index: list[tuple[int, list[int]]] = []  # per prompt: (text id of prompt, text ids of prompt+option)
        for prompt in prompts:
            ids = []
            base = None
            for option in options:
                p_text, o_text = _move_trailing_spaces(prompt, option)
                if base is None:
                    base = len(texts)
                    texts.append(p_text)
                texts.append(p_text + o_text)
                ids.append(len(texts) - 1)
            index.append((base, ids))
        totals: list[float] = []
        size = max(1, int(batch_size))
        for start in range(0, len(texts), size):
            totals.extend(self._prompt_logprob_sums(texts[start:start + size]))
        return [[totals[i] - totals[base] for i in ids] for base, ids in index]

    def _prompt_logprob_sums(self, texts: list[str]) -> list[float]:
        payload = {
            "model": self.model,
            "prompt": texts,
            "max_tokens": 0,
            "echo": True,
            "logprobs": 1,
            "temperature": 0.0,
        }
        data = self._post("/completions", payload).json()
        choices = sorted(data.get("choices") or [], key=lambda c: c.get("index", 0))
        if len(choices) != len(texts):
            raise _unavailable(
                f"the model server at {self.hostport} returned {len(choices)} results for {len(texts)} prompts"
            )
        sums = []
        for text, choice in zip(texts, choices):
            lp = choice.get("logprobs") or {}
            token_lps = lp.get("token_logprobs")
            if not token_lps:
                raise _unavailable(
                    f"the model server at {self.hostport} returned no prompt log-probabilities "
                    "(it needs echo=true with logprobs, as vLLM supports)"
                )
            offsets = lp.get("text_offset") or list(range(len(token_lps)))
            # Only the echoed prompt: a server that generates anyway appends tokens past len(text).
            sums.append(sum(x for x, off in zip(token_lps, offsets) if x is not None and off < len(text)))
        return sums


def _sse_events(resp: requests.Response) -> Iterator[dict[str, Any]]:
    """Parse ``data: {...}`` server-sent events until ``data: [DONE]``."""
    data_lines: list[str] = []
    for raw in resp.iter_lines(decode_unicode=False):
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if line.startswith(":"):
            continue  # comment / keep-alive
        if line == "":
            if data_lines:
                payload = "\n".join(data_lines)
                data_lines = []
                if payload.strip() == "[DONE]":
                    return
                yield json.loads(payload)
            continue
        if line.startswith("data:"):
            data_lines.append(line[5:].lstrip())
    if data_lines:
        payload = "\n".join(data_lines)
        if payload.strip() != "[DONE]":
            yield json.loads(payload)


def _message_of(err: Any) -> str:
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    return str(err)[:300]


def _error_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:300]
    if isinstance(body, dict):
        if "error" in body:
            return _message_of(body["error"])
        if "message" in body:
            return str(body["message"])[:300]
    return str(body)[:300]


__all__ = ["OpenAIBackend"]
