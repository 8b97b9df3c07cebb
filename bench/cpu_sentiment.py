"""Classification speed of the trained CPU sentiment classifier (sentences per second).

    python bench/cpu_sentiment.py MODEL_DIR CSV [--limit N] [--threads T]

Prints sentences/s over the CSV's texts (batched, sorted by length, as the assistant calls it)
and, as a reference, the same texts through a bare ``SentenceTransformer.encode`` of the packaged
MiniLM (the frozen-embedding baseline), so the ratio shows what the head and padding cost.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("csv")
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from assistant.cpu_sentiment import load_classifier_dir, packaged_minilm_path
    from finetune.data_sentiment import read_sentiment_csv

    texts = read_sentiment_csv(args.csv).texts[: args.limit]
    clf = load_classifier_dir(args.model_dir)
    clf.predict(texts[:16])
    t0 = time.perf_counter()
    clf.predict(texts)
    ours = len(texts) / (time.perf_counter() - t0)

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(packaged_minilm_path(), device="cpu")
    st.max_seq_length = clf.max_length
    st.encode(texts[:16])
    t0 = time.perf_counter()
    st.encode(texts, batch_size=64)
    bare = len(texts) / (time.perf_counter() - t0)
    members = len(getattr(clf, "members", [clf]))
    lexical = " + lexical n-grams" if hasattr(clf, "lexical") else ""
    print(f"classifier ({members} member{'s' if members > 1 else ''}{lexical}): {ours:.0f} sentences/s on {len(texts)} texts (max_length {clf.max_length}, "
          f"{torch.get_num_threads()} threads); bare MiniLM encode: {bare:.0f}/s; ratio {ours / bare:.2f}")


if __name__ == "__main__":
    main()
