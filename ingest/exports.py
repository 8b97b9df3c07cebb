"""Export stored daily bars as CSV: ``finqa ingest export 2330 2454 --start 2025-01-01 --out bars.csv``.

Why: the store is SQLite, and a user who wants the numbers behind an answer in a spreadsheet or a
notebook should not have to write SQL. The columns are the plain OHLCV shape that ``finqa ingest
import`` reads back (``code,date,open,high,low,close,volume``), so an export moved to another data
dir imports as the same bars. A file is written beside its target and renamed over it, so an
interrupted export never leaves half a file where a complete one is expected.
"""
from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import IO

import pandas as pd

from .store import Store

COLUMNS = ["code", "date", "open", "high", "low", "close", "volume"]


def export_frame(store: Store, codes: list[str], start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """The stored bars of ``codes`` from ``start`` to ``end`` (both inclusive), by code then date."""
    frames = []
    for code in codes:
        bars = store.bars(code, start=start, end=end)
        if bars.empty:
            continue
        df = bars.reset_index()
        df["code"] = code
        df["date"] = df["date"].dt.date.astype(str)
        df["volume"] = df["volume"].round().astype("Int64")  # shares: whole numbers, a gap stays empty
        frames.append(df[COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def write_csv(frame: pd.DataFrame, out: str | Path | None, stream: IO[str] | None = None) -> None:
    """``frame`` as CSV to ``out`` (atomically: a temporary file renamed over it) or to ``stream``."""
    if out is None:
        assert stream is not None
        frame.to_csv(stream, index=False)
        return
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            frame.to_csv(f, index=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["COLUMNS", "export_frame", "write_csv"]
