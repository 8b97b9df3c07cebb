"""Windows per second over all shared price files (twse/ and acl18/price/).

Reads the CSVs straight from ../shared/data (no store needed), then times the vectorised
window builders against a naive per-window pandas loop on the same data (a sample of it, the
loop being slow), and prints both rates and their ratio.

    python bench/windows.py [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import pandas as pd

from ingest.indicators import prepare_bars
from ingest.windows import WINDOW_SPECS, build_candidates, window_arrays, window_vectors

YAHOO = {"Date": "date", "Open": "open", "High": "high", "Low": "low", "Close": "close",
         "Adj Close": "adj_close", "Volume": "volume"}


def load_prices(root: Path) -> pd.DataFrame:
    frames = []
    for path in sorted((root / "twse").glob("*.csv")):
        df = pd.read_csv(path, index_col=0)
        if df.empty:
            continue
        m = re.search(r"_(\w+)_stocks\.csv$", path.name)
        df["code"] = m.group(1) if m else path.stem
        df = df.rename(columns={"capacity": "volume"})
        frames.append(df[["code", "date", "open", "high", "low", "close", "volume"]])
    for path in sorted((root / "acl18" / "price").glob("*.csv")):
        df = pd.read_csv(path).rename(columns=YAHOO)
        df["code"] = path.stem
        frames.append(df[["code", "date", "open", "high", "low", "close", "adj_close", "volume"]])
    bars = pd.concat(frames, ignore_index=True)
    for col in ("open", "high", "low", "close", "volume"):
        bars[col] = pd.to_numeric(bars[col].astype(str).str.replace(",", ""), errors="coerce")
    return bars


def naive_windows(bars: pd.DataFrame, history: int, horizon: int) -> int:
    """The obvious loop: one DataFrame slice per window. The reference we must beat."""
    n = 0
    for _, g in bars.sort_values(["code", "date"]).groupby("code"):
        g = g.reset_index(drop=True)
        for end in range(history - 1, len(g) - horizon):
            _h = g.iloc[end - history + 1: end + 1]
            _t = g.iloc[end + 1: end + 1 + horizon]
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    args = ap.parse_args()
    bars = load_prices(Path(args.data))
    print(f"bars: {len(bars):,} rows, {bars['code'].nunique()} codes")

    total, t0 = 0, time.perf_counter()
    for history, horizon in WINDOW_SPECS:
        total += len(window_arrays(bars, history, horizon)["code"])
    dt = time.perf_counter() - t0
    print(f"multi-day windows {WINDOW_SPECS}: {total:,} in {dt:.2f}s = {total / dt:,.0f} windows/s")

    t0 = time.perf_counter()
    meta, _ = window_vectors(bars)
    dt = time.perf_counter() - t0
    print(f"5-day window vectors (indicators included): {len(meta):,} in {dt:.2f}s = {len(meta) / dt:,.0f} windows/s")

    sample = prepare_bars(bars[bars["code"].isin(sorted(bars["code"].unique())[:5])])
    t0 = time.perf_counter()
    cands = build_candidates(sample)
    dt = time.perf_counter() - t0
    print(f"FinSeer candidate objects (5 codes, 14 indicators): {len(cands):,} in {dt:.2f}s = {len(cands) / dt:,.0f}/s")

    t0 = time.perf_counter()
    n_fast = len(window_arrays(sample, 30, 5)["code"])
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_naive = naive_windows(sample, 30, 5)
    slow = time.perf_counter() - t0
    assert n_fast == n_naive, (n_fast, n_naive)
    print(f"(30,5) windows on 5 codes: vectorised {n_fast / fast:,.0f}/s vs naive loop {n_naive / slow:,.0f}/s "
          f"= {slow / fast:,.1f}x")


if __name__ == "__main__":
    main()
