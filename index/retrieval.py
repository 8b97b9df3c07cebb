"""Point-in-time retrieval of news chunks and price windows: the ONE place the as-of rule lives.

The rule: a question, forecast or evaluation *as of day D* may only see items dated strictly
before D. Dates are Taiwan dates: ``before=D`` (a ``date``) means "strictly before D 00:00
Asia/Taipei"; a timezone-aware ``datetime`` is used as that instant; a naive ``datetime`` is
read as Asia/Taipei wall time. News chunks carry ``published_at`` (the article's UTC instant as
a unix timestamp, so an article published 2024-01-09 20:00 UTC is dated 2024-01-10 in Taipei
and is not visible as of 2024-01-10); price windows carry ``as_of`` (the timestamp of their
label day's 00:00 Asia/Taipei, see ``ingest.types.Candidate``). Both are filtered with the same
``field < cutoff`` built by :func:`metadata_filters`, in LlamaIndex ``MetadataFilters`` form, which
the Chroma vector store translates into its ``where`` clause. Nothing else in finqa filters by
date, so nothing else can get it wrong.
"""
from __future__ import annotations

import ast
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ingest.config import Settings
from ingest.errors import FinqaError

from . import chroma as ch

log = logging.getLogger(__name__)

TAIPEI = ZoneInfo("Asia/Taipei")
KEYWORD_THREADS = 4  # concurrent $contains lookups in keyword_news


# --- the point-in-time convention ------------------------------------------------------------
def day_timestamp(d: date) -> int:
    """Unix timestamp of ``d`` 00:00 Asia/Taipei: how a window's as-of day is stored."""
    return int(datetime.combine(d, dtime(0, 0), tzinfo=TAIPEI).timestamp())


def instant_timestamp(ts: datetime) -> int:
    """Unix timestamp of an instant; naive datetimes are Asia/Taipei wall time."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=TAIPEI)
    return int(math.floor(ts.timestamp()))


def taipei_date(ts: datetime) -> date:
    """The Taiwan calendar day of an instant (naive = already Taipei time)."""
    if ts.tzinfo is None:
        return ts.date()
    return ts.astimezone(TAIPEI).date()


def cutoff_timestamp(before: date | datetime | None) -> int | None:
    """The exclusive upper bound for ``before``: items need ``timestamp < cutoff``."""
    if before is None:
        return None
    if isinstance(before, datetime):
        return instant_timestamp(before)
    if isinstance(before, date):
        return day_timestamp(before)
    raise FinqaError(f"an as-of date must be a date or datetime, got {before!r}")


def metadata_filters(
    *,
    time_key: str,
    before: date | datetime | None = None,
    codes: Sequence[str] | None = None,
    exclude_codes: Sequence[str] | None = None,
    language: str | None = None,
    indicator: str | None = None,
    after: date | datetime | None = None,
) -> Any:
    """The LlamaIndex ``MetadataFilters`` for a query; ``None`` when nothing is filtered.

    ``time_key`` is ``published_at`` for news and ``as_of`` for windows; the cut is always
    ``time_key < cutoff_timestamp(before)``. ``after`` (news around a day asked about) adds
    ``time_key >= cutoff_timestamp(after)``: a lower bound, which can never let the future in.
    """
    from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

    filters: list[MetadataFilter] = []
    codes = [str(c) for c in codes] if codes else []
    if len(codes) == 1:
        filters.append(MetadataFilter(key="code", value=codes[0], operator=FilterOperator.EQ))
    elif codes:
        filters.append(MetadataFilter(key="code", value=codes, operator=FilterOperator.IN))
    excluded = [str(c) for c in exclude_codes] if exclude_codes else []
    if len(excluded) == 1:
        filters.append(MetadataFilter(key="code", value=excluded[0], operator=FilterOperator.NE))
    elif excluded:
        filters.append(MetadataFilter(key="code", value=excluded, operator=FilterOperator.NIN))
    if language:
        filters.append(MetadataFilter(key="language", value=language, operator=FilterOperator.EQ))
    if indicator:
        filters.append(MetadataFilter(key="indicator", value=indicator, operator=FilterOperator.EQ))
    cutoff = cutoff_timestamp(before)
    if cutoff is not None:
        filters.append(MetadataFilter(key=time_key, value=cutoff, operator=FilterOperator.LT))
    floor = cutoff_timestamp(after)
    if floor is not None:
        filters.append(MetadataFilter(key=time_key, value=floor, operator=FilterOperator.GTE))
    return MetadataFilters(filters=filters) if filters else None


def chroma_where(filters: Any) -> dict | None:
    """The Chroma ``where`` clause of ``metadata_filters(...)``, translated exactly as LlamaIndex does."""
    if filters is None:
        return None
    from llama_index.vector_stores.chroma.base import _to_chroma_filter

    return _to_chroma_filter(filters) or None


def filter_mask(filters: Any, columns: dict[str, np.ndarray], present: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Evaluate ``metadata_filters(...)`` over in-memory columns: the same rule, for numpy.

    Semantics follow Chroma's: a row without the key never matches.
    """
    if filters is None or not filters.filters:
        return np.ones(n, dtype=bool)
    from llama_index.core.vector_stores.types import FilterCondition, FilterOperator, MetadataFilters

    masks = []
    for f in filters.filters:
        if isinstance(f, MetadataFilters):
            masks.append(filter_mask(f, columns, present, n))
            continue
        col = columns.get(f.key)
        if col is None:
            masks.append(np.zeros(n, dtype=bool))
            continue
        op, v = f.operator, f.value
        if op == FilterOperator.EQ:
            m = col == v
        elif op == FilterOperator.NE:
            m = col != v
        elif op == FilterOperator.IN:
            m = np.isin(col, list(v))
        elif op == FilterOperator.NIN:
            m = ~np.isin(col, list(v))
        elif op == FilterOperator.LT:
            m = col < v
        elif op == FilterOperator.LTE:
            m = col <= v
        elif op == FilterOperator.GT:
            m = col > v
        elif op == FilterOperator.GTE:
            m = col >= v
        else:
            raise ValueError(f"filter operator {op} is not supported in memory")
        masks.append(np.asarray(m, dtype=bool) & present[f.key])
    if filters.condition == FilterCondition.OR:
        return np.logical_or.reduce(masks)
    return np.logical_and.reduce(masks)


# --- results ---------------------------------------------------------------------------------
@dataclass
class NewsHit:
    """One retrieved news chunk. ``score`` is cosine similarity (higher = closer)."""

    id: str
    score: float
    code: str | None
    date: str
    title: str
    url: str
    source: str | None
    text: str
    language: str | None
    published_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "score": round(self.score, 6), "code": self.code, "date": self.date,
                "title": self.title, "url": self.url, "source": self.source, "language": self.language,
                "text": self.text}


@dataclass
class WindowHit:
    """One retrieved candidate sequence. ``score`` is cosine similarity of the numeric vectors
    (or of the text embeddings for ``windows_text``); ``dtw`` is set when DTW re-ranked the hits
    (then the list is ordered by it, smallest first)."""

    id: str
    score: float
    code: str
    date: str
    as_of: date
    movement: str | None
    indicator: str
    next_return: float | None
    candidate: dict[str, Any]
    text: str
    dtw: float | None = None

    @property
    def values(self) -> list[float]:
        return [float(v) for v in self.candidate.get(f"{self.indicator}_list", [])]

    def to_json(self) -> dict[str, Any]:
        out = {"id": self.id, "score": round(self.score, 6), "code": self.code, "date": self.date,
               "movement": self.movement, "indicator": self.indicator, "next_return": self.next_return,
               "text": self.text}
        if self.dtw is not None:
            out["dtw"] = round(self.dtw, 6)
        return out


def _cosine(similarity: float | None) -> float:
    """LlamaIndex's Chroma store reports exp(-distance); cosine distance = 1 - cosine."""
    if similarity is None or similarity <= 0:
        return -1.0
    return 1.0 + math.log(similarity)


def _none_if_blank(value: Any) -> Any:
    return None if value in ("", None) else value


# --- DTW re-ranking --------------------------------------------------------------------------
def _znorm(x: np.ndarray) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    sd = x.std(axis=-1, keepdims=True)
    return (x - mu) / np.where(sd > 1e-12, sd, 1.0)


def dtw_distances(query: Sequence[float], candidates: Sequence[Sequence[float]]) -> np.ndarray:
    """DTW distance of each candidate sequence to the query, both z-normalised (shape, not level).

    Vectorised over candidates: the dynamic programme loops over the (short) sequence grid only.
    Candidates of another length than the query get ``inf``.
    """
    q = _znorm(np.asarray(query, dtype=np.float64))
    n = len(candidates)
    out = np.full(n, np.inf)
    same = [i for i, c in enumerate(candidates) if len(c) == len(q)]
    if not same or len(q) == 0:
        return out
    c = _znorm(np.asarray([candidates[i] for i in same], dtype=np.float64))  # (m, L)
    L = len(q)
    cost = np.abs(c[:, :, None] - q[None, None, :])  # (m, L, L)
    acc = np.full((c.shape[0], L + 1, L + 1), np.inf)
    acc[:, 0, 0] = 0.0
    for i in range(1, L + 1):
        for j in range(1, L + 1):
            best = np.minimum(np.minimum(acc[:, i - 1, j], acc[:, i, j - 1]), acc[:, i - 1, j - 1])
            acc[:, i, j] = cost[:, i - 1, j - 1] + best
    out[same] = acc[:, L, L]
    return out


# --- the retrieval service -------------------------------------------------------------------
@dataclass
class _Cached:
    generation: int
    collection: Any
    store: Any = None
    index: Any = None
    matrix: Any = None


WINDOW_BACKENDS = ("memory", "llamaindex", "chroma")
MATRIX_RECHECK_S = 2.0


class Retrieval:
    """News and window retrieval over Chroma, with the as-of rule applied.

    One per process (``get_retrieval``): it holds the Chroma client and the embedder, so nothing
    opens Chroma or loads the model twice. News goes through LlamaIndex
    (``VectorStoreIndex.from_vector_store`` over ``ChromaVectorStore``, ``MetadataFilters``).
    Numeric windows default to an exact in-memory copy of the collection
    (``index.window_matrix``) because Chroma's filtered queries are too slow at 100k windows
    (``bench/retrieve.py``); ``backend="llamaindex"`` (``VectorStoreQuery`` on the
    ``ChromaVectorStore``) and ``backend="chroma"`` (bare ``collection.query``) give the same
    answers from the same filters.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder = None
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    # -- plumbing
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from .embeddings import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    def _collection(self, name: str, *, model: str | None, dim: int | None) -> _Cached | None:
        """The cached collection (reopened after a rebuild); ``None`` when nothing is indexed."""
        gen = ch.generation()
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and cached.generation == gen:
                return cached
            collection = ch.find_collection(self.settings, name)
            if collection is None:
                return None
            if model is not None and dim is not None:
                with ch.chroma_errors(self.settings):
                    ch.check_collection(self.settings, collection, model, dim)
            from llama_index.vector_stores.chroma import ChromaVectorStore

            cached = _Cached(gen, collection, ChromaVectorStore(chroma_collection=collection))
            self._cache[name] = cached
            return cached

    @staticmethod
    def _check_k(k: int) -> int:
        if not isinstance(k, int) or k < 1:
            raise FinqaError(f"k must be a positive number of results, got {k!r}")
        return k

    # -- news
    def _news_collection(self) -> _Cached | None:
        """The news collection, checked against the embedding model; ``None`` when nothing is
        indexed, found out without loading the model."""
        if ch.NEWS not in self._cache and ch.find_collection(self.settings, ch.NEWS) is None:
            return None
        return self._collection(ch.NEWS, model=self.settings.embedding_model, dim=self.embedder.dim)

    def news(
        self,
        query: str,
        *,
        codes: list[str] | None = None,
        language: str | None = None,
        before: date | datetime | None = None,
        k: int = 5,
        after: date | datetime | None = None,
    ) -> list[NewsHit]:
        """The ``k`` news chunks closest to ``query`` among those published strictly before ``before``
        (and, with ``after``, on or after it).

        Returns ``[]`` when nothing matches (no news indexed for those codes, or an as-of date
        before all of it): callers say so in their own words.
        """
        if query is None or not str(query).strip():
            raise FinqaError("Empty query: type what you want to find in the news.")
        k = self._check_k(k)
        cached = self._news_collection()
        if cached is None:
            return []
        embedder = self.embedder
        if cached.index is None:
            from llama_index.core import VectorStoreIndex

            cached.index = VectorStoreIndex.from_vector_store(cached.store, embed_model=embedder.as_llama())
        filters = metadata_filters(time_key="published_at", before=before, codes=codes, language=language,
                                   after=after)
        retriever = cached.index.as_retriever(similarity_top_k=k, filters=filters)
        with ch.chroma_errors(self.settings):
            nodes = retriever.retrieve(str(query).strip())
        return [self._news_hit(n) for n in nodes]

    def latest_news(
        self,
        query: str,
        *,
        codes: list[str] | None,
        before: date | datetime | None = None,
        k: int = 5,
        about: Callable[[str], bool] | None = None,
    ) -> list[NewsHit]:
        """The ``k`` newest articles filed under ``codes`` (``None``: any company's; "latest news"
        names none) published strictly before ``before``, newest first.

        Why a second read path: for "what's the latest on TSMC?" similarity to the wording says
        nothing about recency, and the newest article may rank anywhere. Each article appears
        once, as its first chunk (title, description, opening); ``score`` is still its cosine
        similarity to ``query``, computed from the stored vectors.

        ``about(text)`` (title plus first chunk) keeps only articles that are really about the
        company: news is filed under a code when newsapi's full-text search matched it, so a
        graphics-card review that names TSMC once is filed under 2330. When no article passes,
        the newest ones are returned all the same.
        """
        if query is None or not str(query).strip():
            raise FinqaError("Empty query: type what you want to find in the news.")
        k = self._check_k(k)
        cached = self._news_collection()
        if cached is None:
            return []
        embedder = self.embedder
        where = chroma_where(metadata_filters(time_key="published_at", before=before, codes=codes))
        with ch.chroma_errors(self.settings):
            got = cached.collection.get(where=where, include=["metadatas", "documents"])
        first: dict[str, tuple[int, str, dict[str, Any], str]] = {}
        for chunk_id, md, doc in zip(got["ids"], got["metadatas"], got["documents"]):
            md = md or {}
            url = str(md.get("url") or chunk_id)
            number = int(md.get("chunk", 0) or 0)
            if url not in first or number < first[url][0]:
                first[url] = (number, chunk_id, md, doc or "")
        ordered = sorted(first.values(), key=lambda t: (-int(t[2].get("published_at") or 0), t[1]))
        if about is not None:
            ordered = [t for t in ordered if about(f"{t[2].get('title', '')}\n{t[3]}")] or ordered
        newest = ordered[:k]
        if not newest:
            return []
        with ch.chroma_errors(self.settings):
            rows = cached.collection.get(ids=[t[1] for t in newest], include=["embeddings"])
        by_id = dict(zip(rows["ids"], rows["embeddings"]))
        q = np.asarray(embedder.embed_queries([str(query).strip()]))[0]
        hits: list[NewsHit] = []
        for _number, chunk_id, md, doc in newest:
            emb = by_id[chunk_id]
            vec = np.asarray(emb, dtype=float)
            score = float(vec @ q / max(np.linalg.norm(vec) * np.linalg.norm(q), 1e-12))
            hits.append(_stored_news_hit(chunk_id, score, md, doc))
        return hits

    def keyword_news(
        self,
        query: str,
        terms: Sequence[str],
        *,
        codes: list[str] | None = None,
        before: date | datetime | None = None,
        after: date | datetime | None = None,
        max_df: int = 30,
        cap: int = 200,
    ) -> list[NewsHit]:
        """News chunks that contain one of ``terms`` verbatim, under the same point-in-time filter as
        :meth:`news`, scored by cosine to ``query`` (best first).

        Why a second way in: the packaged MiniLM reads English only, so for a Chinese question the
        chunk holding "先進封裝" or "CoWoS" may rank anywhere by cosine, below the 40 a dense search
        returns. Chroma's ``$contains`` finds it. Only terms that are rare in the indexed news
        (in at most ``max_df`` chunks that pass the filter) are used: a common word such as "台灣"
        says nothing and would only fill the candidates with whatever Chroma stores first.
        """
        if query is None or not str(query).strip():
            raise FinqaError("Empty query: type what you want to find in the news.")
        terms = [t for t in dict.fromkeys(terms) if t and t.strip()]
        if not terms:
            return []
        cached = self._news_collection()
        if cached is None:
            return []
        embedder = self.embedder
        where = chroma_where(metadata_filters(time_key="published_at", before=before, after=after, codes=codes))

        def chunks_with(term: str) -> list[str]:
            return cached.collection.get(where=where, where_document={"$contains": term}, include=[],
                                         limit=max_df + 1)["ids"]

        ids: list[str] = []
        with ch.chroma_errors(self.settings):
            # One lookup per term; they wait on Chroma, so a few threads overlap them
            # (bench/news_keywords.py: about 1.7x faster than one after another on 2 cores).
            with ThreadPoolExecutor(max_workers=KEYWORD_THREADS) as pool:
                for found in pool.map(chunks_with, terms):
                    if len(found) <= max_df:
                        ids.extend(i for i in found if i not in ids)
            if not ids:
                return []
            rows = cached.collection.get(ids=ids[:cap], include=["metadatas", "documents", "embeddings"])
        q = np.asarray(embedder.embed_queries([str(query).strip()]))[0]
        hits: list[NewsHit] = []
        for chunk_id, md, doc, emb in zip(rows["ids"], rows["metadatas"], rows["documents"], rows["embeddings"]):
            md = md or {}
            vec = np.asarray(emb, dtype=float)
            score = float(vec @ q / max(np.linalg.norm(vec) * np.linalg.norm(q), 1e-12))
            hits.append(_stored_news_hit(chunk_id, score, md, doc))
        return sorted(hits, key=lambda h: (-h.score, h.id))

    @staticmethod
    def _news_hit(node_with_score: Any) -> NewsHit:
        node = node_with_score.node
        md = node.metadata or {}
        ts = md.get("published_at")
        return NewsHit(
            id=node.node_id,
            score=_cosine(node_with_score.score),
            code=_none_if_blank(md.get("code")),
            date=str(md.get("date", "")),
            title=str(md.get("title", "")),
            url=str(md.get("url", "")),
            source=_none_if_blank(md.get("source")),
            text=node.get_content(),
            language=_none_if_blank(md.get("language")),
            published_at=datetime.fromtimestamp(int(ts), tz=timezone.utc) if ts not in (None, "") else None,
        )

    # -- price windows
    def windows(
        self,
        vector: Sequence[float],
        *,
        codes: list[str] | None = None,
        exclude_codes: list[str] | None = None,
        before: date | datetime | None = None,
        k: int = 5,
        indicator: str | None = None,
        rerank: str | None = None,
        query_values: Sequence[float] | None = None,
        first_stage_k: int | None = None,
        backend: str = "memory",
    ) -> list[WindowHit]:
        """The ``k`` candidate windows whose numeric vector is closest to ``vector``, as of ``before``.

        ``rerank="dtw"`` fetches ``first_stage_k`` (default ``max(10 k, 50)``) by cosine and
        re-orders them by DTW distance between ``query_values`` and each candidate's values
        (pass ``indicator`` so that like is compared with like).
        """
        k = self._check_k(k)
        vec = [float(v) for v in vector]
        if not vec or not all(math.isfinite(v) for v in vec):
            raise FinqaError("The query window has no usable numbers (empty or not finite).")
        if rerank not in (None, "dtw"):
            raise FinqaError(f"unknown re-ranker {rerank!r}; the only one is 'dtw'")
        if rerank == "dtw" and not query_values:
            raise FinqaError("DTW re-ranking needs the query's values (query_values=...)")
        if backend not in WINDOW_BACKENDS:
            raise FinqaError(f"unknown window backend {backend!r}; one of {', '.join(WINDOW_BACKENDS)}")
        cached = self._collection(ch.WINDOWS, model=ch.WINDOW_VECTOR_MODEL, dim=len(vec))
        if cached is None:
            return []
        fetch = k if rerank is None else max(first_stage_k or 0, 10 * k, 50)
        filters = metadata_filters(time_key="as_of", before=before, codes=codes, exclude_codes=exclude_codes,
                                   indicator=indicator)
        if backend == "memory":
            hits = self._query_memory(cached, vec, fetch, filters)
        elif backend == "chroma":
            hits = self._query_chroma(cached, vec, fetch, filters)
        else:
            hits = self._query_store(cached, vec, fetch, filters)
        if rerank == "dtw" and hits:
            dist = dtw_distances(list(query_values), [h.values for h in hits])
            for h, d in zip(hits, dist):
                h.dtw = float(d)
            hits.sort(key=lambda h: (h.dtw, -h.score))
        return hits[:k]

    def windows_text(
        self,
        query: str | dict,
        *,
        codes: list[str] | None = None,
        exclude_codes: list[str] | None = None,
        before: date | datetime | None = None,
        k: int = 5,
        indicator: str | None = None,
    ) -> list[WindowHit]:
        """FinSeer-style retrieval: the serialised query sequence embedded by the text model.

        Needs ``window_text_embedding`` at build time; returns ``[]`` when that collection is absent.
        """
        text = str(query) if isinstance(query, dict) else query
        if text is None or not str(text).strip():
            raise FinqaError("Empty query sequence.")
        k = self._check_k(k)
        embedder = self.embedder
        cached = self._collection(ch.WINDOWS_TEXT, model=self.settings.embedding_model, dim=embedder.dim)
        if cached is None:
            return []
        vec = embedder.embed_query(str(text))
        filters = metadata_filters(time_key="as_of", before=before, codes=codes, exclude_codes=exclude_codes,
                                   indicator=indicator)
        return self._query_store(cached, vec, k, filters)

    def _query_store(self, cached: _Cached, vec: list[float], k: int, filters: Any) -> list[WindowHit]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        query = VectorStoreQuery(query_embedding=vec, similarity_top_k=k, filters=filters)
        with ch.chroma_errors(self.settings):
            result = cached.store.query(query)
        hits = []
        for node, sim in zip(result.nodes or [], result.similarities or []):
            hits.append(_window_hit(node.node_id, _cosine(sim), node.metadata or {}, node.get_content()))
        return hits

    def _query_memory(self, cached: _Cached, vec: list[float], k: int, filters: Any) -> list[WindowHit]:
        from .window_matrix import load_matrix

        with ch.chroma_errors(self.settings), self._lock:
            matrix = cached.matrix
            now = time.monotonic()
            # Builds in this process bump the generation (reload at once); a build by another
            # process shows in the count, checked at most every MATRIX_RECHECK_S seconds.
            if matrix is None or matrix.generation != cached.generation or now - matrix.checked_at > MATRIX_RECHECK_S:
                count = int(cached.collection.count())
                if matrix is None or matrix.count != count or matrix.generation != cached.generation:
                    matrix = cached.matrix = load_matrix(cached.collection, cached.generation)
                matrix.checked_at = now
        if matrix.count == 0:
            return []
        if len(vec) != matrix.dim:
            raise FinqaError(f"The query window has {len(vec)} numbers but the indexed windows have {matrix.dim}: "
                             f"{ch.REBUILD_HINT}.")
        mask = filter_mask(filters, matrix.columns, matrix.present, matrix.count)
        return [_window_hit(str(matrix.ids[row]), score, matrix.metadata(row), matrix.documents[row])
                for row, score in matrix.top_k(np.asarray(vec), mask, k)]

    def _query_chroma(self, cached: _Cached, vec: list[float], k: int, filters: Any) -> list[WindowHit]:
        """Bare ``collection.query`` with the ``where`` LlamaIndex would send (the reference path)."""
        with ch.chroma_errors(self.settings):
            got = cached.collection.query(query_embeddings=[vec], n_results=k, where=chroma_where(filters),
                                          include=["metadatas", "documents", "distances"])
        return [_window_hit(i, 1.0 - float(d), m or {}, doc or "")
                for i, m, doc, d in zip(got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0])]

    # -- what is indexed
    def stats(self) -> dict[str, Any]:
        """``{"news": N, "price_windows": M, "embedding_model": ...}`` without loading the model."""
        news = ch.find_collection(self.settings, ch.NEWS)
        model = (news.metadata or {}).get("embedding_model") if news is not None else None
        return {
            "news": ch.collection_count(self.settings, ch.NEWS),
            "price_windows": ch.collection_count(self.settings, ch.WINDOWS),
            "embedding_model": model or self.settings.embedding_model,
        }


def _stored_news_hit(chunk_id: str, score: float, md: dict[str, Any], doc: str | None) -> NewsHit:
    """A NewsHit from a chunk read straight from the collection (ids, metadata, document)."""
    ts = md.get("published_at")
    return NewsHit(
        id=chunk_id, score=score, code=_none_if_blank(md.get("code")), date=str(md.get("date", "")),
        title=str(md.get("title", "")), url=str(md.get("url", "")), source=_none_if_blank(md.get("source")),
        text=doc or "", language=_none_if_blank(md.get("language")),
        published_at=datetime.fromtimestamp(int(ts), tz=timezone.utc) if ts not in (None, "") else None,
    )


def _window_hit(node_id: str, score: float, md: dict[str, Any], text: str) -> WindowHit:
    try:
        candidate = ast.literal_eval(text) if text else {}
    except (ValueError, SyntaxError):
        candidate = {}
    as_of_ts = md.get("as_of")
    as_of = (datetime.fromtimestamp(int(as_of_ts), tz=TAIPEI).date() if as_of_ts not in (None, "")
             else date.fromisoformat(str(md.get("date"))))
    nr = md.get("next_return")
    return WindowHit(
        id=node_id,
        score=score,
        code=str(md.get("code", "")),
        date=str(md.get("date", as_of.isoformat())),
        as_of=as_of,
        movement=_none_if_blank(md.get("movement")),
        indicator=str(md.get("indicator", "")),
        next_return=float(nr) if nr not in (None, "") else None,
        candidate=candidate,
        text=text,
    )


_instances: dict[tuple, Retrieval] = {}
_instances_lock = threading.Lock()


def get_retrieval(settings: Settings) -> Retrieval:
    """The process-wide :class:`Retrieval` for these settings (one per index location and model)."""
    key = (ch._key(settings), settings.embedding_model, settings.embedding_query_prefix,
           settings.embedding_passage_prefix, settings.embedding_batch_size)
    with _instances_lock:
        if key not in _instances:
            _instances[key] = Retrieval(settings)
        return _instances[key]


def reset() -> None:
    """Forget retrieval singletons and Chroma clients (tests)."""
    with _instances_lock:
        _instances.clear()
    ch.reset_clients()
