"""Forecaster training examples from the store's price windows, split by time without leakage.

Two formats, both rendered by :mod:`assistant.prompts` so that training and inference share one
template:

* ``movement``: the FinSeer/StockLLM prompt. Each labelled 5-day sequence (adjusted close) is a
  query dated on its label day D; its candidates are the 5 nearest other sequences (cosine on the
  numeric window vectors of :func:`ingest.windows.build_candidates`) whose ``as_of`` -- their own
  label day -- is strictly before D, so a candidate's movement is known when the query is asked.
  The answer is ``rise`` or ``fall``; freeze days are skipped, as in the paper.
* ``path``: the multi-day windows (1,1), (5,5), (30,5), (90,30) as bars in the prompt and the
  next closes as the answer (``render_path_prompt`` / ``render_path_target``).

:func:`time_split` puts the latest examples in the eval split and drops every training example
whose target is not finished before the first eval example's as-of date (a purge gap): the
model is never trained on a price that an evaluation window is asked to predict or shows.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ingest.errors import FinqaError

logger = logging.getLogger(__name__)


@dataclass
class ForecastExample:
    """One training example and the dates that decide which split it may go to.

    ``as_of`` is the last day the prompt shows; ``target_end`` the last day the answer depends on.
    """

    code: str
    as_of: date
    target_end: date
    prompt: list[dict[str, str]]
    completion: list[dict[str, str]]

    def row(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "completion": self.completion}


def time_split(examples: list[ForecastExample], eval_fraction: float = 0.1) -> tuple[list[ForecastExample], list[ForecastExample]]:
    """Split by time: eval = the latest ``eval_fraction`` by as-of date; train = targets ending before it.

    Guarantees ``max(train.target_end) < min(eval.as_of)``. Training examples whose targets reach
    into the eval period are dropped (not moved): keeping them would leak eval prices.
    """
    if not examples:
        return [], []
    if not 0 < eval_fraction < 1:
        raise FinqaError(f"eval fraction must be between 0 and 1, got {eval_fraction}")
    as_of = sorted({e.as_of for e in examples})
    ordered = sorted(examples, key=lambda e: e.as_of)
    n_eval = max(1, int(round(len(ordered) * eval_fraction)))
    cutoff = ordered[len(ordered) - n_eval].as_of
    if cutoff == as_of[0]:
        raise FinqaError("too few distinct dates for a time split: ingest a longer price history")
    eval_set = [e for e in examples if e.as_of >= cutoff]
    train = [e for e in examples if e.target_end < cutoff]
    purged = len(examples) - len(eval_set) - len(train)
    logger.info("time split at %s: %d train, %d eval, %d purged (targets overlapping the eval period)",
                cutoff, len(train), len(eval_set), purged)
    if not train:
        raise FinqaError(f"no training examples end before {cutoff}: ingest a longer price history")
    return train, eval_set


def _rows(df: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for ts, vals in zip(df.index, df[list(columns)].to_numpy(dtype="float64")):
        row = {"date": pd.Timestamp(ts).date().isoformat()}
        row.update({c: float(v) for c, v in zip(columns, vals)})
        out.append(row)
    return out


def path_messages(code: str, history: pd.DataFrame, horizon: int, as_of: date) -> list[dict[str, str]]:
    """The path prompt for a history DataFrame: ``assistant.prompts.path_prompt_for_bars``, the
    same function the forecaster engine calls at inference."""
    from assistant.prompts import path_prompt_for_bars

    return path_prompt_for_bars(code, history, horizon, as_of)


def build_path_examples(bars: pd.DataFrame, *, windows: list[tuple[int, int]] | None = None,
                        stride: int = 1, max_per_spec: int | None = None) -> list[ForecastExample]:
    """Path examples for every (history, horizon) window; ``stride`` keeps every n-th as-of day."""
    from assistant.prompts import PATH_WINDOWS, render_path_target
    from ingest.windows import build_windows

    out: list[ForecastExample] = []
    for history, horizon in windows or PATH_WINDOWS:
        ws = build_windows(bars, history, horizon)
        ws = ws[::max(1, stride)]
        if max_per_spec and len(ws) > max_per_spec:
            pick = np.linspace(0, len(ws) - 1, max_per_spec).round().astype(int)
            ws = [ws[i] for i in sorted(set(pick.tolist()))]
        for w in ws:
            target = render_path_target(_rows(w.target, ("close",)))
            out.append(ForecastExample(
                code=w.code, as_of=w.as_of, target_end=pd.Timestamp(w.target.index[-1]).date(),
                prompt=path_messages(w.code, w.history, horizon, w.as_of),
                completion=[{"role": "assistant", "content": target}],
            ))
        logger.info("path windows (%d, %d): %d examples", history, horizon, len(ws))
    return out


def build_movement_examples(bars: pd.DataFrame, *, k: int = 5, min_candidates: int = 1,
                            max_examples: int | None = None) -> list[ForecastExample]:
    """FinSeer movement examples with candidates retrieved strictly before each query's date."""
    from assistant.prompts import finseer_candidate, render_finseer_prompt, render_finseer_target
    from ingest.windows import build_candidates

    cands = build_candidates(bars, indicators=("adjusted_close",))
    if not cands:
        raise FinqaError("no labelled 5-day price sequences in the store: ingest prices first")
    as_of = np.array([c.as_of for c in cands], dtype="datetime64[D]")
    vecs = np.array([c.vector for c in cands], dtype="float64")
    queries = [i for i, c in enumerate(cands) if c.movement in ("rise", "fall")]
    if max_examples and len(queries) > max_examples:
        pick = np.linspace(0, len(queries) - 1, max_examples).round().astype(int)
        queries = [queries[i] for i in sorted(set(pick.tolist()))]
    out: list[ForecastExample] = []
    for qi in queries:
        q = cands[qi]
        before = np.flatnonzero(as_of < np.datetime64(q.as_of, "D"))  # strictly before the query date
        if before.size < min_candidates:
            continue
        sims = vecs[before] @ vecs[qi]
        top = before[np.argsort(-sims, kind="stable")[:k]]
        scored = []
        for j in top:
            c = cands[j]
            cdict = finseer_candidate(c.code, c.as_of.isoformat(), c.movement or "freeze",
                                      [d.isoformat() for d in c.dates], [round(v, 4) for v in c.values])
            scored.append((cdict, float(vecs[j] @ vecs[qi])))
        query = {
            "query_stock": q.code,
            "query_date": q.as_of.isoformat(),
            "recent_date_list": [d.isoformat() for d in q.dates],
            "adjusted_close_list": [round(v, 4) for v in q.values],
        }
        out.append(ForecastExample(
            code=q.code, as_of=q.dates[-1], target_end=q.as_of,
            prompt=render_finseer_prompt(query, scored, q.code, q.as_of.isoformat()),
            completion=[{"role": "assistant", "content": render_finseer_target(q.movement)}],
        ))
    logger.info("movement: %d examples (freeze days skipped) from %d sequences", len(out), len(cands))
    return out
