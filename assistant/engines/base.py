"""What the three engines share: the LlamaIndex ``CustomQueryEngine`` shell and the answer stream.

Why a context variable: LlamaIndex hands a query engine only the query string, but an engine
needs the slots the router already parsed (company, horizon, as-of date, quoted text, chat
history). The router sets :data:`CURRENT` around ``RouterQueryEngine.query`` (same thread, same
context), and each engine reads its :class:`~assistant.types.EngineRequest` from there; called
on its own (no router), an engine builds a plain request from the string.

The typed :class:`~assistant.types.Answer` travels back in ``Response.metadata["finqa_answer"]``;
a streaming answer travels as an :class:`AnswerStream` in ``StreamingResponse.metadata``, whose
text deltas are the ``response_gen`` and whose ``answer`` is set once the deltas are exhausted.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from llama_index.core.base.response.schema import Response, StreamingResponse
from llama_index.core.query_engine import CustomQueryEngine

from ..types import Answer, EngineRequest

log = logging.getLogger(__name__)


@dataclass
class RouteContext:
    """What the router passes to the selector and the engine for one query."""

    request: EngineRequest
    route: str | None = None  # decided before the RouterQueryEngine runs (None: selector decides)
    reason: str = ""
    stream: bool = False


CURRENT: ContextVar[RouteContext | None] = ContextVar("finqa_route_context", default=None)

ANSWER_KEY = "finqa_answer"
STREAM_KEY = "finqa_stream"


class AnswerStream:
    """Text deltas first, then the final :class:`Answer` (``.answer``) once they are consumed.

    ``finish`` receives the full text that was streamed and builds the Answer (citations can only
    be mapped once the model has written its [n] markers).
    """

    def __init__(self, deltas: Iterator[str], finish: Callable[[str], Answer]) -> None:
        self._deltas = deltas
        self._finish = finish
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        parts: list[str] = []
        for delta in self._deltas:
            if delta:
                parts.append(delta)
                yield delta
        self.answer = self._finish("".join(parts))

    @classmethod
    def of(cls, answer: Answer) -> AnswerStream:
        """A finished answer as a one-delta stream (engines that do not generate text)."""
        return cls(iter([answer.answer]), lambda _text: answer)


class FinqaQueryEngine(CustomQueryEngine):
    """A finqa engine as a LlamaIndex query engine. Subclasses implement :meth:`run`
    (and :meth:`run_stream` where they generate text token by token)."""

    route: str = "qa"
    manager: Any = None  # the shared model manager (assistant.models), resolved on first use

    def _manager(self) -> Any:
        """The process-wide model manager, with this engine's settings."""
        if self.manager is None:
            from ..models import get_model_manager

            self.manager = get_model_manager(self.settings)
        return self.manager

    def run(self, req: EngineRequest) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    def run_stream(self, req: EngineRequest) -> AnswerStream:
        return AnswerStream.of(self.run(req))

    def custom_query(self, query_str: str) -> Any:
        ctx = CURRENT.get()
        req = ctx.request if ctx is not None else EngineRequest(message=query_str)
        if ctx is not None and ctx.stream:
            stream = self.run_stream(req)
            return StreamingResponse(response_gen=iter(stream), metadata={STREAM_KEY: stream})
        answer = self.run(req)
        return Response(response=answer.answer, metadata={ANSWER_KEY: answer})


def collect(stream: AnswerStream) -> Answer:
    """Drain a stream and return its final Answer."""
    for _ in stream:
        pass
    assert stream.answer is not None
    return stream.answer


class RunnerEngine(FinqaQueryEngine):
    """Wraps an engine object with ``run(req) -> Answer`` (the forecaster) as a query engine.

    The runner is built on first use (``factory``), so that routing and the other engines work
    even when the forecaster's heavy imports are slow or broken.
    """

    route: str = "forecast"
    factory: Any = None
    runner: Any = None

    def get_runner(self) -> Any:
        if self.runner is None:
            self.runner = self.factory()
        return self.runner

    def run(self, req: EngineRequest) -> Answer:
        return self.get_runner().run(req)
