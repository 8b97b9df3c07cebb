"""News embedding throughput: the index pipeline against a bare ``SentenceTransformer.encode``.

The pipeline (``index.news_index.build_news``: chunking, the id check against Chroma, batched
embedding through the shared embedder, writing nodes through LlamaIndex's Chroma store) should
cost little over the model itself. Both sides embed the same chunk texts, with the same model
and batch size, in the same run; the bare encode runs before and after the pipeline and its
mean is the reference. Target: pipeline texts/s >= 0.8 x bare texts/s.

    python bench/embed.py [--news ../shared/data/news/newsapi_companies.json] [--synthetic N]

Uses the real newsapi file when it exists (imported through ``ingest.imports``), else N
synthetic articles.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

DEFAULT_NEWS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "news" / "newsapi_companies.json"


def synthetic_articles(n: int):
    from ingest.types import Article

    rng = np.random.default_rng(0)
    words = ("TSMC MediaTek revenue capex chips AI demand margin guidance quarter shipment wafer "
             "台積電 聯發科 營收 晶片 需求 毛利率 出貨 法說會 股價 上漲 下跌").split()
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    return [Article(url=f"https://synthetic.example/{i}", title=" ".join(rng.choice(words, 8)),
                    published_at=start + timedelta(hours=i), code="2330",
                    content=" ".join(rng.choice(words, int(rng.integers(40, 400)))), language="en")
            for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS)
    parser.add_argument("--synthetic", type=int, default=800, help="articles to generate when --news is missing")
    args = parser.parse_args()

    from ingest.config import configure
    from ingest.store import Store

    from index.embeddings import get_embedder
    from index.news_index import build_news, chunk_articles, make_splitter

    with tempfile.TemporaryDirectory() as tmp:
        settings = configure(data_dir=Path(tmp) / "data")
        store = Store(settings.store_path)
        if args.news.is_file():
            from ingest.imports import import_paths

            import_paths(store, [args.news])
            source = str(args.news.resolve())
        else:
            store.upsert_articles(synthetic_articles(args.synthetic))
            source = f"{args.synthetic} synthetic articles"
        articles = store.articles()
        embedder = get_embedder(settings)
        model = embedder.model
        texts = [c.text for c in chunk_articles(articles, make_splitter(settings, embedder))]
        print(f"source: {source}")
        print(f"articles: {len(articles)}, chunks: {len(texts)}, model: {settings.embedding_model}, "
              f"batch size: {settings.embedding_batch_size}, torch threads: {__import__('torch').get_num_threads()}")
        model.encode(texts[:64], batch_size=settings.embedding_batch_size)  # warm-up

        def bare() -> float:
            t0 = time.perf_counter()
            model.encode(texts, batch_size=settings.embedding_batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
            return time.perf_counter() - t0

        bare1 = bare()
        t0 = time.perf_counter()
        report = build_news(store, settings, progress=False)
        pipeline = time.perf_counter() - t0
        bare2 = bare()
        assert report["added"] == len(texts), report
        t0 = time.perf_counter()
        again = build_news(store, settings, progress=False)
        rebuild = time.perf_counter() - t0
        bare_s = (bare1 + bare2) / 2
        bare_tps, pipe_tps = len(texts) / bare_s, len(texts) / pipeline
        print(f"bare SentenceTransformer.encode: {bare_tps:8.1f} texts/s  ({bare1:.2f}s, {bare2:.2f}s)")
        print(f"index pipeline (build_news):     {pipe_tps:8.1f} texts/s  ({pipeline:.2f}s, chunk+check+embed+write)")
        print(f"ratio pipeline/bare: {pipe_tps / bare_tps:.3f}  (target >= 0.8)")
        print(f"second build (nothing new): added {again['added']} in {rebuild:.2f}s")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
