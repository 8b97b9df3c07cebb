"""What the keyword way into the news costs and brings: ``Retrieval.keyword_news`` beside the dense
search that QA always runs.

For each question (English and Chinese), times the dense search QA uses for an open question
(``Retrieval.news``, k = 40 for Chinese, 10 for English) and the keyword lookup
(``keyword_terms`` + ``Retrieval.keyword_news``) on an indexed data dir, and counts the chunks
the keywords bring that the dense search did not return. Prints p50 per path and the ratio
(dense + keywords) / dense measured in the same run. There is no target; the number says what
the extra recall costs.

    python bench/news_keywords.py --data-dir DIR [--repeat 5]

DIR must hold an index (``finqa ingest import ../shared/data/news`` then ``finqa index build``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = [
    "什麼是CoWoS先進封裝？", "川普關稅對台灣科技業有什麼影響？", "台積電為什麼被美國調查？", "輝達在美國投資多少",
    "鴻海電動車業務最新消息", "What did MediaTek announce about Dimensity chips?", "How do tariffs affect laptop prices?",
    "Nvidia AI supercomputer investment in the US",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from assistant.engines.qa import keyword_terms
    from index.retrieval import get_retrieval
    from ingest.cjk import has_cjk
    from ingest.config import configure

    settings = configure(data_dir=Path(args.data_dir))
    r = get_retrieval(settings)
    if not r.news("warm-up", k=1):
        print(f"nothing indexed in {args.data_dir}: run `finqa ingest import` and `finqa index build` first")
        return 1
    r.keyword_news("warm-up", ["warm"])
    dense_ms: list[float] = []
    keyword_ms: list[float] = []
    for q in QUESTIONS:
        k = 40 if has_cjk(q) else 10
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            dense = r.news(q, k=k)
            t1 = time.perf_counter()
            extra = r.keyword_news(q, keyword_terms(q))
            t2 = time.perf_counter()
            dense_ms.append(1000 * (t1 - t0))
            keyword_ms.append(1000 * (t2 - t1))
        new = {h.url for h in extra} - {h.url for h in dense}
        print(f"{q[:48]:<50} dense {len(dense):3d}  keywords {len(extra):3d}  new articles {len(new):3d}")
    d, kw = statistics.median(dense_ms), statistics.median(keyword_ms)
    print(f"p50 dense {d:.1f} ms, keywords {kw:.1f} ms; ratio (dense + keywords) / dense {(d + kw) / d:.2f}")

    # What a user waits for: QA's whole retrieval step (searches, company filter, reranking),
    # with the keyword lookup and with it switched off (here only, by replacing the method).
    from assistant.engines.qa import QAEngine
    from assistant.types import EngineRequest
    from index.retrieval import Retrieval

    engine = QAEngine(settings=settings.model_copy(update={"cpu_only": True}))

    def qa_ms() -> float:
        times = []
        for q in QUESTIONS:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                engine.gather_contexts(EngineRequest(message=q))
                times.append(1000 * (time.perf_counter() - t0))
        return statistics.median(times)

    with_kw = qa_ms()
    real = Retrieval.keyword_news
    Retrieval.keyword_news = lambda self, *a, **kw: []  # type: ignore[method-assign]
    try:
        without = qa_ms()
    finally:
        Retrieval.keyword_news = real  # type: ignore[method-assign]
    print(f"QA retrieval step p50: {with_kw:.0f} ms with keywords, {without:.0f} ms without; "
          f"ratio {with_kw / without:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
