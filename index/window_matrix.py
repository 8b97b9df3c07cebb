"""An in-memory, exact copy of the ``price_windows`` collection for fast filtered search.

Why: Chroma's local engine answers an unfiltered query on 100k windows in about a millisecond,
but a range filter such as ``as_of < D`` (which every point-in-time query has) makes it fetch
the matching ids from its metadata store first, and the query takes hundreds of milliseconds
(``bench/retrieve.py``: p50 ~800 ms through LlamaIndex and through a bare ``collection.query``
alike). The vectors are small (26 numbers), so the whole collection fits in a float32 matrix:
a masked dot product over it is exact and takes a few milliseconds. Chroma stays the store of
record; this copy is reloaded whenever the collection changes (its generation or its count).
The mask itself comes from ``index.retrieval.filter_mask``, the same filters Chroma would get.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_PAGE = 20_000


@dataclass
class WindowMatrix:
    """Row-aligned arrays of one collection: ids, unit vectors, metadata columns, documents."""

    ids: np.ndarray            # (n,) object
    vectors: np.ndarray        # (n, dim) float32, L2-normalised
    columns: dict[str, np.ndarray]
    present: dict[str, np.ndarray]  # (n,) bool per key: rows that have it (missing never matches)
    documents: list[str]
    count: int
    generation: int
    checked_at: float = 0.0  # time.monotonic() of the last count check against Chroma

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def metadata(self, row: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, col in self.columns.items():
            if not self.present[key][row]:
                continue
            value = col[row]
            out[key] = value.item() if hasattr(value, "item") else value
        return out

    def top_k(self, query: np.ndarray, mask: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Rows of the ``k`` highest cosine similarities among ``mask``; ties broken by id.

        Rows are sorted by ``as_of`` at load time, so the rows an as-of cut keeps are a prefix:
        only that prefix is multiplied (a view, no copy).
        """
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return []
        q = np.asarray(query, dtype=np.float32)
        norm = float(np.linalg.norm(q))
        if norm == 0:
            return []
        hi = int(rows[-1]) + 1
        sims = self.vectors[:hi] @ (q / norm)
        if rows.size < hi:
            sims[~mask[:hi]] = -np.inf
        k = min(k, int(rows.size))
        part = np.argpartition(-sims, k - 1)[:k] if k < hi else np.arange(hi)
        order = sorted(part.tolist(), key=lambda r: (-float(sims[r]), self.ids[r]))[:k]
        return [(r, float(sims[r])) for r in order if np.isfinite(sims[r])]


def load_matrix(collection: Any, generation: int) -> WindowMatrix:
    """Read every vector, metadata row and document of ``collection`` into memory."""
    count = int(collection.count())
    ids: list[str] = []
    embs: list[np.ndarray] = []
    metas: list[dict[str, Any]] = []
    docs: list[str] = []
    for offset in range(0, count, _PAGE):
        got = collection.get(include=["embeddings", "metadatas", "documents"], limit=_PAGE, offset=offset)
        ids.extend(got["ids"])
        embs.append(np.asarray(got["embeddings"], dtype=np.float32))
        metas.extend(m or {} for m in got["metadatas"])
        docs.extend(d or "" for d in got["documents"])
    dim = embs[0].shape[1] if embs and embs[0].ndim == 2 else 0
    vectors = np.concatenate(embs) if embs else np.zeros((0, dim), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0)
    keys = sorted({k for m in metas for k in m})
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for key in keys:
        values = [m.get(key) for m in metas]
        present[key] = np.array([v is not None for v in values], dtype=bool)
        kinds = {type(v) for v in values if v is not None}
        if kinds <= {int}:
            columns[key] = np.array([0 if v is None else v for v in values], dtype=np.int64)
        elif kinds <= {int, float}:
            columns[key] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        elif kinds <= {str}:
            columns[key] = np.array(["" if v is None else v for v in values], dtype=str)
        else:  # mixed types: compare as Python objects
            columns[key] = np.array(values, dtype=object)
    id_arr = np.array(ids, dtype=object)
    if "as_of" in columns and len(ids):
        order = np.argsort(np.where(present["as_of"], columns["as_of"], np.iinfo(np.int64).max), kind="stable")
        id_arr, vectors, docs = id_arr[order], np.ascontiguousarray(vectors[order]), [docs[i] for i in order]
        columns = {key: col[order] for key, col in columns.items()}
        present = {key: p[order] for key, p in present.items()}
    log.info("loaded %d windows (dimension %d) into memory", len(ids), dim)
    return WindowMatrix(id_arr, vectors, columns, present, docs, count, generation)
