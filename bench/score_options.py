"""Option scoring throughput: one batched forward pass against one pass per (prompt, option).

``ModelManager.score_options`` scores every prompt x option pair in right-padded batches and
projects only the option positions onto the vocabulary. This prints pairs/s for the batched call
and for the naive loop (batch size 1) on the same prompts, same model, same run, and the ratio.
Also checks the two agree (max |dP|). Target: batched >= 3 x the naive loop.

    python bench/score_options.py [--model DIR] [--prompts 32] [--batch 16] [--labels 3|7]

Without --model it builds the tests' tiny random Llama in a temporary folder; with a real model
folder (e.g. Llama-FinSent-S on a GPU box) the same comparison applies.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder or id (default: a freshly built tiny Llama)")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--labels", type=int, choices=(3, 7), default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from assistant.models import ModelManager
    from assistant.prompts import render_sentiment_prompt, sentiment_labels
    from ingest.config import EngineModel, Settings

    model = args.model
    if model is None:
        from tests.fixtures_tinyllama import build_tiny_llama

        model = str(build_tiny_llama(Path(tempfile.mkdtemp(prefix="finqa-bench-")) / "tiny"))
    manager = ModelManager(Settings(data_dir=Path(tempfile.mkdtemp()), device_map="auto"))
    loaded = manager.load(EngineModel(base=model))
    labels = sentiment_labels(args.labels)
    headlines = [
        "TSMC monthly revenue rose {}% from a year earlier, beating estimates.",
        "MediaTek shares fell {}% after a weak outlook for smartphone chips.",
        "Foxconn kept its full-year guidance unchanged at {} percent growth.",
        "台積電{}月營收創新高，法人看好後市。",
    ]
    prompts = [render_sentiment_prompt(headlines[i % 4].format(i + 3), labels=args.labels) for i in range(args.prompts)]
    pairs = len(prompts) * len(labels)

    def timed(batch: int) -> tuple[float, list[dict[str, float]]]:
        best, out = float("inf"), []
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = manager.score_options(loaded, prompts, labels, batch_size=batch)
            best = min(best, time.perf_counter() - start)
        return best, out

    timed(args.batch)  # warm-up
    t_batched, batched = timed(args.batch)
    t_single, single = timed(1)
    diff = max(abs(a[k] - b[k]) for a, b in zip(batched, single) for k in labels)
    print(f"model: {loaded.name} ({loaded.quantization}, {loaded.device})")
    print(f"{len(prompts)} prompts x {len(labels)} options = {pairs} pairs, best of {args.repeats}")
    print(f"batched (batch {args.batch}): {pairs / t_batched:8.1f} pairs/s  ({t_batched:.3f} s)")
    print(f"one pair per pass:      {pairs / t_single:8.1f} pairs/s  ({t_single:.3f} s)")
    print(f"speed-up: {t_single / t_batched:.2f}x   max |dP| batched vs single: {diff:.2e}")


if __name__ == "__main__":
    main()
