"""``finqa eval forecast``: the FinSeer ACL18 protocol and walk-forward path forecasts.

Both read Yahoo-style CSVs (``Date,Open,High,Low,Close,Adj Close,Volume``, symbol = file name)
straight from a folder, so an evaluation never depends on what happens to be in the store.

ACL18 (the FinSeer paper's protocol, ``../shared/data/README.md``): for each stock and each
trading day D from 2015-06-03 to 2015-12-31 the query is the 5 sessions before D, the label the
adjusted-close return of D against D-1 in percent (rise > 0.55, fall < -0.5, freeze otherwise and
not scored), and candidates come from the same stocks with label date strictly before D. The
engine and the trivial baselines are scored on exactly the same queries.

Walk-forward: for every stock and every day with enough history, forecast the close N sessions
later using only windows whose N-session future was known by that day; MAPE and direction of the
final close against the random walk (the last close repeated).
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assistant import analog
from assistant.analog import AnalogConfig
from finetune import baselines
from ingest.errors import FinqaError

log = logging.getLogger(__name__)

ACL18_TEST = (date(2015, 6, 3), date(2015, 12, 31))
# Validation period used to choose the analog configuration: 2014-01 to 2015-05, strictly
# before the test period (its candidates are, as always, only windows known before each query).
ACL18_VALIDATION = (date(2014, 1, 2), date(2015, 5, 29))
ACL18_PERIODS = {"test": ACL18_TEST, "validation": ACL18_VALIDATION}
RISE_PCT, FALL_PCT = 0.55, -0.5
ENGINES = ("analog", "stockllm", "adapter")


def read_yahoo_dir(prices_dir: str | Path) -> pd.DataFrame:
    """All ``*.csv`` of a folder as long-format bars (code = file stem, upper-cased).

    A file that is not Yahoo-shaped is skipped with a warning naming it; an empty folder or a
    folder with no usable file is a FinqaError.
    """
    root = Path(prices_dir)
    if not root.is_dir():
        raise FinqaError(f"--prices {root}: not a folder of Yahoo-style CSVs (Date,Open,High,Low,Close,Adj Close,Volume)")
    frames = []
    for path in sorted(root.glob("*.csv")):
        try:
            df = pd.read_csv(path)
        except Exception as exc:  # noqa: BLE001 - report the file and go on
            log.warning("skipping %s: %s", path.name, exc)
            continue
        cols = {c.strip().lower().replace(" ", "_"): c for c in df.columns}
        if not {"date", "close"} <= cols.keys():
            log.warning("skipping %s: no Date/Close columns (got %s)", path.name, list(df.columns))
            continue
        out = pd.DataFrame({
            "code": path.stem.upper(),
            "date": pd.to_datetime(df[cols["date"]], errors="coerce"),
            "open": pd.to_numeric(df[cols["open"]], errors="coerce") if "open" in cols else np.nan,
            "high": pd.to_numeric(df[cols["high"]], errors="coerce") if "high" in cols else np.nan,
            "low": pd.to_numeric(df[cols["low"]], errors="coerce") if "low" in cols else np.nan,
            "close": pd.to_numeric(df[cols["close"]], errors="coerce"),
            "adj_close": pd.to_numeric(df[cols["adj_close"]], errors="coerce") if "adj_close" in cols else np.nan,
            "volume": pd.to_numeric(df[cols["volume"]], errors="coerce") if "volume" in cols else np.nan,
        })
        out = out[out["date"].notna()]
        if out.empty:
            log.warning("skipping %s: no rows", path.name)
            continue
        frames.append(out)
    if not frames:
        raise FinqaError(f"no Yahoo-style price CSVs in {root}")
    return analog.normalise_bars(pd.concat(frames, ignore_index=True))


def movement(return_pct: np.ndarray) -> np.ndarray:
    """+1 rise (> 0.55%), -1 fall (< -0.5%), 0 freeze."""
    r = np.asarray(return_pct, float)
    return np.where(r > RISE_PCT, 1, np.where(r < FALL_PCT, -1, 0))


@dataclass
class Acl18Queries:
    """The scored queries of one period: bank rows of the day before D, labels, trailing returns."""

    rows: np.ndarray  # bank row whose window ends on D-1 (the query's last day)
    query_dates: np.ndarray  # D
    labels: np.ndarray  # ±1
    ret_1d: np.ndarray  # % return of D-1 (last query day)
    ret_5d: np.ndarray  # % return over the query's 5 sessions (close D-6 → close D-1)


def acl18_queries(bank: analog.WindowBank, start: date, end: date) -> Acl18Queries:
    """Every (stock, D) with D in [start, end], 5 prior sessions, and a non-freeze label."""
    fwd1 = bank.fwd[:, 0]
    known1 = bank.known[:, 0]
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    in_period = ~np.isnat(known1) & (known1 >= lo) & (known1 <= hi)
    # The query needs 5 sessions before D: the window row (D-1) at position >= 4 of its code,
    # plus one more close before it for the 5-day trailing return of the momentum baselines.
    codes = bank.codes
    first = np.r_[True, codes[1:] != codes[:-1]]
    pos = np.arange(len(codes)) - np.maximum.accumulate(np.where(first, np.arange(len(codes)), 0))
    ok = in_period & (pos >= 4)
    rows = np.flatnonzero(ok)
    ret = np.expm1(fwd1[rows] / 100.0) * 100.0
    lab = movement(ret)
    keep = lab != 0
    rows, lab = rows[keep], lab[keep]
    # Trailing returns from the bank's own log returns (row i's fwd over 1 day = return of i+1).
    logc = _log_adj(bank)
    r1 = np.expm1((logc[rows] - logc[rows - 1]) / 100.0) * 100.0
    back5 = np.where(pos[rows] >= 5, rows - 5, rows - pos[rows])
    r5 = np.expm1((logc[rows] - logc[back5]) / 100.0) * 100.0
    return Acl18Queries(rows=rows, query_dates=known1[rows], labels=lab, ret_1d=r1, ret_5d=r5)


def _log_adj(bank: analog.WindowBank) -> np.ndarray:
    """Cumulative log adjusted close (×100) per row, rebuilt from the 1-day forward returns."""
    f = np.nan_to_num(bank.fwd[:, 0])
    codes = bank.codes
    out = np.zeros(len(codes))
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    for s, e in zip(starts, ends):
        out[s + 1 : e] = np.cumsum(f[s : e - 1])
    return out


def score_acl18(bank: analog.WindowBank, q: Acl18Queries, *, progress: bool = False) -> dict[str, Any]:
    """Analog predictions and baselines on the same queries."""
    pred = analog.predict_rows(bank, q.rows, 1, progress=progress)
    direction = pred.direction()
    # A query whose window lacks the history the features need gets the pool base rate's call:
    # still scored (the protocol scores every query), never dropped to flatter the number.
    invalid = ~bank.valid[q.rows]
    if invalid.any():
        direction = np.where(invalid, np.where(pred.base_rate > 0.5, 1, -1), direction)
    base = baselines.baseline_directions(q.ret_1d, q.ret_5d)
    return {
        "n": int(len(q.labels)),
        "accuracy": baselines.accuracy(q.labels, direction),
        "mcc": baselines.mcc(q.labels, direction),
        "baselines": baselines.score_directions(q.labels, base),
        "_p_rise": pred.p_rise,
        "_invalid": int(invalid.sum()),
    }


def evaluate_acl18(
    prices_dir: str | Path,
    *,
    engine: str = "analog",
    settings: Any = None,
    progress: bool = True,
    period: tuple[date, date] = ACL18_TEST,
    config: AnalogConfig | None = None,
) -> dict[str, Any]:
    """The FinSeer ACL18 protocol; returns ``{"n","accuracy","mcc","engine","baselines"}``."""
    if engine not in ENGINES:
        raise FinqaError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    t0 = time.perf_counter()
    bars = read_yahoo_dir(prices_dir)
    bank = analog.build_bank(bars, config=config or analog.DEFAULT_CONFIG, max_horizon=1)
    q = acl18_queries(bank, *period)
    if len(q.rows) == 0:
        raise FinqaError(f"no scorable ACL18 queries between {period[0]} and {period[1]} in {prices_dir}")
    if engine == "analog":
        res = score_acl18(bank, q, progress=progress)
        if res["_invalid"]:
            log.info("%d queries had too little history for the features; scored with the base-rate call", res["_invalid"])
    else:
        res = _score_with_model(bank, bars, q, engine=engine, settings=settings, progress=progress)
    out = {"n": res["n"], "accuracy": res["accuracy"], "mcc": res["mcc"], "engine": engine,
           "baselines": res["baselines"]}
    log.info("acl18 %s: n=%d accuracy=%.4f mcc=%.4f in %.1fs", engine, out["n"], out["accuracy"], out["mcc"],
             time.perf_counter() - t0)
    return out


def _score_with_model(bank, bars, q: Acl18Queries, *, engine: str, settings: Any, progress: bool) -> dict[str, Any]:
    """StockLLM (or the movement adapter) over the FinSeer prompt with analog-retrieved candidates.

    Needs the model manager; where a model cannot be loaded that is a FinqaError saying so (an
    evaluation never silently swaps in another engine).
    """
    from assistant.engines.forecast import movement_p_rise_batch
    from assistant.models import ModelUnavailable, get_model_manager
    from ingest.config import get_settings

    settings = settings or get_settings()
    manager = get_model_manager(settings)
    spec = settings.forecaster
    if engine == "adapter":
        # The movement adapter of `finqa finetune forecaster --format movement` (ACL18 scores
        # rise/fall; the path adapter answers another question): the configured one, else the
        # data dir's adapters/forecaster-movement.
        default = Path(settings.adapters_dir) / "forecaster-movement"
        adapter = spec.adapter or (str(default) if default.is_dir() else None)
        if adapter is None:
            raise FinqaError(
                "engine 'adapter' needs a movement adapter: train one with `finqa finetune forecaster --format "
                f"movement --output {default}` or set FINQA_FORECASTER__ADAPTER")
        spec = spec.model_copy(update={"adapter": adapter})
    try:
        loaded = manager.load(spec)
    except ModelUnavailable as exc:
        raise FinqaError(f"engine {engine!r} needs the model {spec.base}"
                         f"{' + ' + spec.adapter if spec.adapter else ''}, which cannot be loaded here: {exc}") from exc
    p = movement_p_rise_batch(manager, loaded, bank, bars, q.rows, progress=progress)
    direction = np.where(p > 0.5, 1, -1)
    return {
        "n": int(len(q.labels)),
        "accuracy": baselines.accuracy(q.labels, direction),
        "mcc": baselines.mcc(q.labels, direction),
        "baselines": baselines.score_directions(q.labels, baselines.baseline_directions(q.ret_1d, q.ret_5d)),
    }


def evaluate_walkforward(
    prices_dir: str | Path,
    *,
    horizon: int,
    engine: str = "analog",
    progress: bool = True,
    config: AnalogConfig | None = None,
    min_history: int = 60,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Final-close forecasts ``horizon`` sessions ahead for every stock and day, point in time.

    "Enough history": at least ``min_history`` sessions of the stock before the forecast day,
    valid features, and at least ``k`` eligible neighbours. Returns
    ``{"n","mape","direction_accuracy","random_walk": {...},"ratio"}``.
    """
    if engine != "analog":
        raise FinqaError("walk-forward path evaluation runs the analog engine only; the path adapter "
                         "needs a GPU-sized run per day (use --engine analog)")
    if not 1 <= horizon <= 60:
        raise FinqaError(f"--horizon must be 1..60 trading days (got {horizon})")
    t0 = time.perf_counter()
    cfg = config or analog.DEFAULT_CONFIG
    bars = read_yahoo_dir(prices_dir)
    bank = analog.build_bank(bars, config=cfg, max_horizon=horizon)
    rows = walkforward_rows(bank, horizon, min_history=min_history, start=start, end=end)
    if len(rows) == 0:
        raise FinqaError(f"no stock in {prices_dir} has more than {min_history} sessions plus {horizon} ahead")
    pred = analog.predict_rows(bank, rows, horizon, progress=progress)
    rows_ok = pred.n_neighbours >= min(cfg.k, 10)
    rows, med = rows[rows_ok], pred.median_final[rows_ok]
    res = score_paths(bank, rows, med, horizon)
    log.info("walkforward h=%d: n=%d mape=%.4f rw=%.4f ratio=%.4f in %.1fs", horizon, res["n"], res["mape"],
             res["random_walk"]["mape"], res["ratio"], time.perf_counter() - t0)
    return res


def walkforward_rows(bank: analog.WindowBank, horizon: int, *, min_history: int = 60,
                     start: date | None = None, end: date | None = None) -> np.ndarray:
    """Rows with ``min_history`` sessions behind them, valid features and a known target."""
    codes = bank.codes
    first = np.r_[True, codes[1:] != codes[:-1]]
    pos = np.arange(len(codes)) - np.maximum.accumulate(np.where(first, np.arange(len(codes)), 0))
    ok = bank.valid & (pos >= min_history) & ~np.isnat(bank.known[:, horizon - 1])
    if start is not None:
        ok &= bank.end_date >= np.datetime64(start, "D")
    if end is not None:
        ok &= bank.end_date <= np.datetime64(end, "D")
    return np.flatnonzero(ok)


def score_paths(bank: analog.WindowBank, rows: np.ndarray, median_final_pct: np.ndarray, horizon: int) -> dict[str, Any]:
    """MAPE and direction of the final close for the analog and the random walk."""
    last = bank.close[rows]
    # The actual close N sessions later, from the adjusted return applied to the raw close (a
    # split inside the horizon would otherwise look like a crash).
    actual = last * np.exp(bank.fwd[rows, horizon - 1] / 100.0)
    predicted = last * np.exp(median_final_pct / 100.0)
    m = baselines.mape(actual, predicted)
    rw = baselines.mape(actual, last)
    rw_dir = baselines.random_walk_directions(len(rows))
    return {
        "n": int(len(rows)),
        "mape": m,
        "direction_accuracy": baselines.direction_accuracy(actual - last, predicted - last),
        "random_walk": {"mape": rw, "direction_accuracy": baselines.direction_accuracy(actual - last, rw_dir)},
        "ratio": m / rw if rw else float("nan"),
    }


# ----------------------------------------------------------------------------------------------
# Tuning (validation period only) -- kept so the choice of DEFAULT_CONFIG can be re-run.
# ----------------------------------------------------------------------------------------------
def tune_acl18(prices_dir: str | Path, grid: list[dict[str, Any]], *, period: tuple[date, date] = ACL18_VALIDATION) -> list[dict[str, Any]]:
    """Score each config of ``grid`` (AnalogConfig overrides) on the validation period only."""
    bars = read_yahoo_dir(prices_dir)
    results = []
    for overrides in grid:
        cfg = AnalogConfig(**{**asdict(analog.DEFAULT_CONFIG), **overrides})
        bank = analog.build_bank(bars, config=cfg, max_horizon=1)
        q = acl18_queries(bank, *period)
        res = score_acl18(bank, q)
        results.append({"config": overrides, "n": res["n"], "accuracy": res["accuracy"], "mcc": res["mcc"]})
        log.info("%s → acc %.4f mcc %.4f", overrides, res["accuracy"], res["mcc"])
    return sorted(results, key=lambda r: -r["mcc"])
