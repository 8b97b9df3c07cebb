"""Window retrieval speed: 100k synthetic price windows, point-in-time queries.

Builds ``price_windows`` from N synthetic candidates (random unit vectors of the real window
dimension, realistic metadata: 60 codes, as-of days over ten years, 14 indicators) through
``index.windows_index.build_windows``, then times queries with an as-of filter on the same collection
three ways: ``Retrieval.windows`` (default: the exact in-memory copy, ``index.window_matrix``),
``Retrieval.windows(backend="llamaindex")`` (``VectorStoreQuery`` + metadata filters on the
``ChromaVectorStore``, on a subset of the queries: it is slow) and a bare ``collection.query``
with the equivalent ``where``. Queries alternate between the paths so that load from other
processes hits all alike. Targets: p95 under 50 ms, overhead ratio (p95 ours / p95 bare) under 1.5.

    python bench/retrieve.py [--n 100000] [--queries 300] [--k 5] [--server HOST:PORT]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def synthetic_candidates(n: int, dim: int, seed: int = 0):
    from ingest.indicators import INDICATORS
    from ingest.types import Candidate

    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    codes = [str(1000 + 37 * i) for i in range(60)]
    start = date(2015, 1, 1)
    days = rng.integers(0, 3650, n)
    code_idx = rng.integers(0, len(codes), n)
    ind_idx = rng.integers(0, len(INDICATORS), n)
    returns = rng.normal(0, 1.5, n)
    values = rng.normal(100, 5, (n, 5))
    out = []
    for i in range(n):
        as_of = start + timedelta(days=int(days[i]))
        r = float(returns[i])
        out.append(Candidate(
            code=codes[code_idx[i]], as_of=as_of, indicator=INDICATORS[ind_idx[i]],
            dates=tuple(as_of - timedelta(days=j) for j in range(6, 1, -1)),
            values=tuple(float(v) for v in values[i]),
            movement="rise" if r > 0.55 else "fall" if r < -0.5 else "freeze",
            next_return=r, vector=tuple(float(x) for x in vectors[i]),
        ))
    return out


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--llamaindex-queries", type=int, default=60,
                        help="how many of the queries also run through the LlamaIndex path (slow at 100k)")
    parser.add_argument("--server", default=None, help="HOST:PORT of a `chroma run` server instead of embedded")
    args = parser.parse_args()

    from ingest.config import configure
    from ingest.store import Store
    from ingest.windows import VECTOR_DIM

    from index import chroma as ch
    from index.retrieval import chroma_where, get_retrieval, metadata_filters
    from index.windows_index import build_windows

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"data_dir": Path(tmp) / "data"}
        if args.server:
            host, port = args.server.rsplit(":", 1)
            overrides.update(chroma_host=host, chroma_port=int(port))
        settings = configure(**overrides)
        if args.server:
            ch.drop_collection(settings, ch.WINDOWS)
        store = Store(settings.store_path)
        t0 = time.perf_counter()
        cands = synthetic_candidates(args.n, VECTOR_DIM)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = build_windows(store, settings, progress=True, candidates=cands)
        build_s = time.perf_counter() - t0
        print(f"{ch.location(settings)}; {args.n} windows of dimension {VECTOR_DIM} "
              f"(generated in {gen_s:.1f}s)")
        print(f"build: {report['added']} added in {build_s:.1f}s ({report['added'] / build_s:,.0f} windows/s)")
        t0 = time.perf_counter()
        again = build_windows(store, settings, progress=False, candidates=cands)
        print(f"second build: added {again['added']} in {time.perf_counter() - t0:.1f}s")

        retrieval = get_retrieval(settings)
        collection = ch.find_collection(settings, ch.WINDOWS)
        rng = np.random.default_rng(1)
        queries = rng.normal(size=(args.queries, VECTOR_DIM))
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        as_ofs = [date(2016, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 3000, args.queries)]
        t0 = time.perf_counter()
        retrieval.windows(queries[0].tolist(), k=args.k)  # loads the in-memory copy
        print(f"first query (loads {report['added']} windows into memory): {time.perf_counter() - t0:.2f}s")
        # warm-up both paths
        for q, d in list(zip(queries, as_ofs))[:10]:
            retrieval.windows(q.tolist(), before=d, k=args.k)
            collection.query(query_embeddings=[q.tolist()], n_results=args.k,
                             where=chroma_where(metadata_filters(time_key="as_of", before=d)))
        ours, bare, li, same, leaks = [], [], [], 0, 0
        for i, (q, d) in enumerate(zip(queries, as_ofs)):
            vec = q.tolist()
            t0 = time.perf_counter()
            hits = retrieval.windows(vec, before=d, k=args.k)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            where = chroma_where(metadata_filters(time_key="as_of", before=d))
            raw = collection.query(query_embeddings=[vec], n_results=args.k, where=where)
            bare.append(time.perf_counter() - t0)
            if i < args.llamaindex_queries:
                t0 = time.perf_counter()
                retrieval.windows(vec, before=d, k=args.k, backend="llamaindex")
                li.append(time.perf_counter() - t0)
            same += len({h.id for h in hits} & set(raw["ids"][0]))
            leaks += sum(h.as_of >= d for h in hits)
        print(f"queries: {args.queries}, k={args.k}, as-of filter on every query")
        print(f"Retrieval.windows (default, in-memory exact): p50 {pct(ours, 50):8.2f} ms  p95 {pct(ours, 95):8.2f} ms")
        print(f"Retrieval.windows(backend='llamaindex'):       p50 {pct(li, 50):8.2f} ms  p95 {pct(li, 95):8.2f} ms"
              f"  ({len(li)} queries)")
        print(f"bare collection.query with the same where:    p50 {pct(bare, 50):8.2f} ms  p95 {pct(bare, 95):8.2f} ms")
        print(f"ratio ours/bare: p50 {pct(ours, 50) / pct(bare, 50):.3f}, p95 {pct(ours, 95) / pct(bare, 95):.3f}; "
              f"llamaindex/bare p95 {pct(li, 95) / pct(bare, 95):.3f}  (targets: p95 < 50 ms, ratio < 1.5)")
        print(f"overlap with bare top-{args.k}: {same}/{args.k * args.queries}; hits dated on/after as-of: {leaks}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
