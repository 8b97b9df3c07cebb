"""Index FinSeer-style candidate sequences into ``price_windows`` (and ``price_windows_text``).

Why the stored embedding is the candidate's own numeric vector: similarity of price behaviour
is a question about numbers, and a z-normalised vector of returns and indicators answers it
directly and cheaply; a text model reading serialised digits is the FinSeer alternative, kept
as an option (``window_text_embedding``) in its own collection. Only labelled candidates are
indexed: a candidate whose next day is unknown has no movement to teach a forecast.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

from ingest.config import Settings
from ingest.errors import FinqaError
from ingest.types import Candidate

from . import chroma as ch
from .retrieval import day_timestamp

log = logging.getLogger(__name__)


def candidate_metadata(c: Candidate) -> dict[str, Any]:
    """Filterable fields; ``as_of`` (the label day) as the int timestamp the as-of rule compares."""
    meta: dict[str, Any] = {
        "code": c.code,
        "as_of": day_timestamp(c.as_of),
        "date": c.as_of.isoformat(),
        "movement": c.movement or "",
        "indicator": c.indicator,
    }
    if c.next_return is not None and math.isfinite(float(c.next_return)):
        meta["next_return"] = float(c.next_return)
    return meta


def candidate_document(c: Candidate) -> str:
    """The stored text: the FinSeer candidate dict exactly as the prompt renders it."""
    return str(c.to_finseer_dict())


def load_candidates(store: Any) -> list[Candidate]:
    """All candidate sequences of the stored bars (``ingest.windows.build_candidates``)."""
    try:
        from ingest.windows import build_candidates
    except ImportError as exc:
        raise FinqaError("Price-window building (ingest.windows) is not available in this install.") from exc
    bars = store.all_bars()
    if bars is None or len(bars) == 0:
        return []
    return list(build_candidates(bars))


def _usable(candidates: Iterable[Candidate]) -> tuple[list[Candidate], int]:
    """Labelled candidates with a finite vector, all of one dimension; and how many were skipped."""
    kept, skipped, dim = [], 0, None
    for c in candidates:
        if c.movement is None or not c.vector or not all(math.isfinite(float(v)) for v in c.vector):
            skipped += 1
            continue
        if dim is None:
            dim = len(c.vector)
        elif len(c.vector) != dim:
            raise FinqaError(f"candidate {c.id} has a {len(c.vector)}-number vector, others have {dim}")
        kept.append(c)
    return kept, skipped


def build_windows(store: Any, settings: Settings, progress: bool = True, *,
                  candidates: Iterable[Candidate] | None = None, batch_size: int = 5000) -> dict[str, int]:
    """Add the candidates not indexed yet; returns counts.

    ``candidates`` defaults to every candidate built from the store's bars.
    """
    all_candidates = load_candidates(store) if candidates is None else list(candidates)
    usable, skipped = _usable(all_candidates)
    report = {"candidates": len(all_candidates), "skipped": skipped, "added": 0, "existing": 0}
    if not usable:
        log.info("price windows: nothing to index (%d candidates, %d unlabelled or empty)", len(all_candidates), skipped)
        return report
    # One id per candidate; the same window built twice in one run is indexed once.
    unique = list({c.id: c for c in usable}.values())
    dim = len(unique[0].vector)
    collection = ch.open_collection(settings, ch.WINDOWS, model=ch.WINDOW_VECTOR_MODEL, dim=dim)
    have = ch.existing_ids(settings, collection, [c.id for c in unique])
    todo = [c for c in unique if c.id not in have]
    with tqdm(total=len(todo), desc="indexing price windows", unit="window", disable=not progress or not todo) as bar:
        for start in range(0, len(todo), batch_size):
            part = todo[start:start + batch_size]
            ch.add_raw(settings, collection, [c.id for c in part], [[float(v) for v in c.vector] for c in part],
                       [candidate_metadata(c) for c in part], [candidate_document(c) for c in part])
            bar.update(len(part))
    report.update(added=len(todo), existing=len(have))
    if settings.window_text_embedding:
        report["text_added"] = _build_text(settings, unique, progress)
    log.info("price windows: %s", report)
    return report


def _build_text(settings: Settings, candidates: list[Candidate], progress: bool) -> int:
    """FinSeer style: embed the serialised candidate with the text model into its own collection."""
    from .embeddings import get_embedder

    embedder = get_embedder(settings)
    collection = ch.open_collection(settings, ch.WINDOWS_TEXT, model=settings.embedding_model, dim=embedder.dim)
    have = ch.existing_ids(settings, collection, [c.id for c in candidates])
    todo = [c for c in candidates if c.id not in have]
    batch = 4 * settings.embedding_batch_size
    with tqdm(total=len(todo), desc="embedding price windows", unit="window", disable=not progress or not todo) as bar:
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            docs = [candidate_document(c) for c in part]
            vectors = embedder.embed_passages(docs)
            ch.add_raw(settings, collection, [c.id for c in part], vectors.tolist(),
                       [candidate_metadata(c) for c in part], docs)
            bar.update(len(part))
    return len(todo)
