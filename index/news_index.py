"""Index stored news articles into the ``news`` collection, incrementally.

Why stable chunk ids (a hash of the url, the chunk number and a hash of the chunk's text): the
store already deduplicates articles by url, so the same article always yields the same ids; a
rebuild asks Chroma which ids it has and embeds only the rest. The text hash makes a chunk whose
text changed (a new chunk size, a better rule for what of a body is article text) a new id, and
the rebuild deletes the ids that no current chunk has, so the index never mixes old and new
chunks of one article. Chunks are counted in the embedding model's own tokens and
capped at its maximum input length, so no chunk is silently truncated by the model.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from ingest.config import Settings
from ingest.types import Article

from . import chroma as ch
from .embeddings import Embedder, get_embedder
from .retrieval import instant_timestamp, taipei_date

log = logging.getLogger(__name__)

# Room for the passage prefix and the [CLS]/[SEP] tokens inside the model's window.
_SPECIAL_TOKEN_MARGIN = 16


@dataclass(frozen=True)
class NewsChunk:
    id: str
    text: str
    metadata: dict[str, Any]


def chunk_id(url: str, number: int, text: str) -> str:
    """Stable id of chunk ``number`` of the article at ``url``, holding ``text``."""
    url_key = hashlib.sha1(url.encode("utf-8")).hexdigest()[:24]
    text_key = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return f"news-{url_key}-{number}-{text_key}"


def article_metadata(article: Article) -> dict[str, Any]:
    """The filterable fields of an article; ``published_at`` an int so range filters work."""
    return {
        "code": article.code or "",
        "language": article.language or "",
        "source": article.source or "",
        "url": article.url,
        "title": article.title,
        "published_at": instant_timestamp(article.published_at),
        "date": taipei_date(article.published_at).isoformat(),
    }


def make_splitter(settings: Settings, embedder: Embedder) -> Any:
    """A LlamaIndex ``SentenceSplitter`` measuring chunks in the embedder's tokens."""
    from llama_index.core.node_parser import SentenceSplitter

    size = int(settings.chunk_size)
    max_len = getattr(embedder.model, "max_seq_length", None)
    if max_len:
        size = min(size, int(max_len) - _SPECIAL_TOKEN_MARGIN)
    size = max(size, 32)
    overlap = max(0, min(int(settings.chunk_overlap), size // 4))
    tokenizer = getattr(embedder.model, "tokenizer", None)
    if tokenizer is None or not callable(tokenizer):
        return SentenceSplitter(chunk_size=size, chunk_overlap=overlap)

    def token_ids(text: str) -> list[int]:
        # Ids, not ``tokenizer.tokenize``: the splitter only counts them, and whole articles are
        # longer than the model's window, which ``tokenize`` warns about on every build.
        return tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]

    return SentenceSplitter(chunk_size=size, chunk_overlap=overlap, tokenizer=token_ids)


def chunk_articles(articles: list[Article], splitter: Any) -> list[NewsChunk]:
    """Split every article into chunks with their ids and metadata."""
    chunks: list[NewsChunk] = []
    for article in articles:
        text = article.text
        if not text.strip():
            continue
        meta = article_metadata(article)
        for number, piece in enumerate(splitter.split_text(text)):
            if piece.strip():
                chunks.append(NewsChunk(chunk_id(article.url, number, piece), piece, {**meta, "chunk": number}))
    return chunks


def add_embedded(settings: Settings, collection: Any, ids: list[str], texts: list[str],
                 metadatas: list[dict[str, Any]], embeddings: list[list[float]]) -> None:
    """Write nodes through LlamaIndex's Chroma store, so queries read them back as nodes."""
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=collection)
    nodes = [TextNode(id_=i, text=t, metadata=m, embedding=e) for i, t, m, e in zip(ids, texts, metadatas, embeddings)]
    with ch.chroma_errors(settings):
        store.add(nodes)


def build_news(store: Any, settings: Settings, progress: bool = True, *, batch_size: int | None = None) -> dict[str, int]:
    """Embed the store's articles that are not indexed yet, drop chunks that no longer exist.

    Returns ``{"articles": n, "chunks": total, "added": new, "existing": already indexed,
    "removed": stale chunks deleted}``.
    """
    articles = store.articles()
    embedder = get_embedder(settings)
    collection = ch.open_collection(settings, ch.NEWS, model=settings.embedding_model, dim=embedder.dim)
    chunks = chunk_articles(articles, make_splitter(settings, embedder))
    have = ch.existing_ids(settings, collection, [c.id for c in chunks])
    todo = [c for c in chunks if c.id not in have]
    stale = sorted(ch.all_ids(settings, collection) - {c.id for c in chunks})
    if stale:
        ch.delete_ids(settings, collection, stale)
        log.info("news index: removed %d chunks whose article text changed", len(stale))
    batch = max(1, batch_size or 16 * settings.embedding_batch_size)
    with tqdm(total=len(todo), desc="embedding news", unit="chunk", disable=not progress or not todo) as bar:
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            vectors = embedder.embed_passages([c.text for c in part])
            add_embedded(settings, collection, [c.id for c in part], [c.text for c in part],
                         [c.metadata for c in part], vectors.tolist())
            bar.update(len(part))
    log.info("news index: %d articles, %d chunks, %d new", len(articles), len(chunks), len(todo))
    return {"articles": len(articles), "chunks": len(chunks), "added": len(todo), "existing": len(have),
            "removed": len(stale)}
