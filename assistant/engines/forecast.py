"""The forecaster engine: "forecast 2330 next 5 days" → path, band, P(rise), backtest, chart.

Three tiers, best first, and the CPU tier is *always* computed (it is the path when no model
answers and the baseline when one does):

* **Movement** (StockLLM as released, ``settings.forecaster``): the FinSeer prompt with the top-5
  candidate sequences retrieved from ``price_windows`` strictly before the query date (the
  Chroma index through ``index.retrieval``; when nothing is indexed, the same 5-day sequences
  found by the analog's in-memory search), P(rise) from the scores of ``rise`` and ``fall``:
  no sampling.
* **Path** (the adapter of ``finqa finetune forecaster --format path``; ``settings.
  forecaster_path_adapter`` or ``<data_dir>/adapters/forecaster-path``): the path prompt from
  ``assistant.prompts`` (the very words of training), parsed by ``parse_path_answer``; a malformed
  answer is an error the answer reports, and the analog path is used instead.
* **Analog** (``assistant.analog``): nearest historical windows whose future was already known.

Point in time: with ``as_of`` = D every bar dated D or later is cut *before* anything is
computed, so the bank, the query window and the backtest cannot see them.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingest.errors import FinqaError
from ingest.limits import is_stock_code, limit_prices

from .. import analog, backtest
from ..i18n import answers_zh, reason_zh
from ..price_records import asks_new_extreme
from ..slots import asks_profit_ahead, target_move, target_price, to_simplified
from ..types import Answer, EngineRequest, Forecast, ForecastPoint

log = logging.getLogger(__name__)

MAX_HORIZON = 60
CHART_BARS = 120  # bars shown before the forecast
MODEL_BACKTEST_STEPS = 40  # a language model per step is costly: backtest the last N steps
MIN_HISTORY = 30  # sessions a code needs before the analog's features exist
MAX_COMPANIES = 4  # forecasts in one answer ("forecast 2330, 2454 and 2317")
FINSEER_K = 5


@dataclass
class _Tier:
    """What one model tier produced, or why it did not."""

    name: str
    p_rise: float | None = None
    path: list[float] | None = None
    reason: str | None = None  # why it did not answer
    model: str | None = None

# "2330 price target", "台積電目標價多少": the analysts' number, which finqa does not store.
_ANALYST_TARGET = re.compile(r"\bprice targets?\b|\btarget prices?\b|目标价")


class ForecastEngine:
    """Forecasts with the best tier that works; see the module docstring."""

    def __init__(self, settings: Any = None, *, store: Any = None, manager: Any = None,
                 retrieval: Any = None, directory: Any = None, config: analog.AnalogConfig | None = None) -> None:
        from ingest.config import get_settings

        self.settings = settings or get_settings()
        self._store = store
        self._manager = manager
        self._retrieval = retrieval
        self._directory = directory
        self.config = config or analog.DEFAULT_CONFIG
        self._banks: dict[tuple, analog.WindowBank] = {}
        self._lock = threading.Lock()

    # --- plumbing ------------------------------------------------------------------------------
    @property
    def store(self) -> Any:
        if self._store is None:
            from ingest.store import open_store

            self._store = open_store(self.settings.store_path)
        return self._store

    @property
    def manager(self) -> Any:
        if self._manager is None:
            from ..models import get_model_manager

            self._manager = get_model_manager(self.settings)
        return self._manager

    def _company(self, code: str) -> Any:
        try:
            if self._directory is None:
                from ingest.companies import get_directory

                self._directory = get_directory()
            return self._directory.get(code)
        except Exception as exc:  # names are decoration; a forecast must not fail on them
            log.warning("company lookup failed for %s: %s", code, exc)
            return None

    def describe(self) -> str:
        if self.settings.cpu_only:
            return "analog (CPU tier, nearest historical windows): cpu_only is set"
        spec = self.settings.forecaster
        path = self._path_adapter()
        extra = f"; path adapter {path}" if path else ""
        reason = self.manager.precheck(spec) if hasattr(self.manager, "precheck") else None
        if reason:
            return f"analog (CPU tier, nearest historical windows){extra}: {reason}"
        return f"{spec.base} for P(rise) when it loads{extra}; analog (CPU tier) always"

    def _path_adapter(self) -> str | None:
        if self.settings.forecaster_path_adapter:
            return self.settings.forecaster_path_adapter
        default = Path(self.settings.adapters_dir) / "forecaster-path"
        return str(default) if default.is_dir() else None

    def bank(self, bars: pd.DataFrame, horizon: int) -> analog.WindowBank:
        """The window bank of ``bars`` (every stored code: cross-sectional neighbours), cached."""
        last = str(bars["date"].max()) if len(bars) else ""
        key = (len(bars), last, bars["code"].nunique() if len(bars) else 0, horizon, self.config)
        with self._lock:
            hit = self._banks.get(key)
        if hit is None:
            hit = analog.build_bank(bars, config=self.config, max_horizon=horizon)
            with self._lock:
                if len(self._banks) > 8:
                    self._banks.clear()
                self._banks[key] = hit
        return hit

    # --- the engine ------------------------------------------------------------------------------
    def run(self, req: EngineRequest) -> Answer:
        """The forecast of the company asked; several companies ("forecast 2330 and 2454", "which
        will rise more, 2330 or 2454?") get one each, side by side (:meth:`_several`)."""
        codes = list(dict.fromkeys(c for c in [req.code, *req.codes] if c))
        answer = self._several(req, codes) if len(codes) > 1 else self._one(req)
        if _ANALYST_TARGET.search(to_simplified(req.message).lower()) and target_price(req.message) is None:
            zh = answers_zh(req.message)  # "2330 price target": an analysts' number finqa does not have
            answer.notices.append("finqa 不儲存分析師的目標價；以下是它根據歷史股價做的預測與回測，不是目標價。" if zh else
                                  "finqa stores no analysts' price targets; below is its own forecast from the price history, "
                                  "with its backtest, not a target price.")
        return answer

    def _several(self, req: EngineRequest, codes: list[str]) -> Answer:
        """Each company's forecast with its own backtest, then their P(rise) side by side and a
        plain word that a higher one is no pick. Every forecast is on the answer's ``forecasts``
        (``--json`` prints them; the UI charts them together), the first also as its ``forecast``;
        a company that cannot be forecast is said so."""
        from dataclasses import replace

        zh = answers_zh(req.message)
        answers: list[Answer] = []
        notices = list(req.notices)
        tried = 0
        for code in codes:  # up to MAX_COMPANIES forecasts: a company that cannot be forecast frees its place
            if len(answers) == MAX_COMPANIES:
                break
            tried += 1
            try:
                answers.append(self._one(replace(req, code=code, codes=[code], notices=[])))
            except FinqaError as exc:
                notices.append(f"{code}：{exc}" if zh else f"{code}: {exc}")
        if tried < len(codes):
            left = ", ".join(codes[tried:])
            notices.append(f"一次最多預測 {MAX_COMPANIES} 家公司；未預測：{left}。" if zh else
                           f"At most {MAX_COMPANIES} companies are forecast at once; not forecast: {left}.")
        if not answers:
            raise FinqaError(" ".join(notices[len(req.notices):]))
        for a in answers:
            notices.extend(n for n in a.notices if n not in notices)
        parts = [a.answer for a in answers]
        if len(answers) > 1:
            ranked = sorted(answers, key=lambda a: -a.forecast.p_rise)  # every _one answer carries its forecast
            sep = "、" if zh else ", "
            side = sep.join(f"{a.code} {a.forecast.p_rise:.1%}" for a in ranked)
            parts.append(f"上漲機率並列：{side}。機率較高不代表較好的選擇：每個預測能否勝過簡單基準，看它自己的回測。" if zh else
                         f"P(rise) side by side: {side}. A higher one is no pick: whether each forecast beats the trivial "
                         "baselines is in its own backtest above.")
        first = answers[0]
        return Answer(route="forecast", engine=first.engine, answer="\n\n".join(parts), forecast=first.forecast,
                      notices=notices, fallback_reason=first.fallback_reason, code=first.code,
                      forecasts=[a.forecast for a in answers if a.forecast is not None])

    @staticmethod
    def _horizon_to_day(req: EngineRequest, last: date, market: str, notices: list[str], zh: bool) -> int | None:
        """The trading sessions from the last bar to the day a forecast question names ahead of it
        ("next Friday", "the end of the month", "下週五"), clamped to MAX_HORIZON and said; ``None``
        when it names no such day."""
        from datetime import timedelta

        from ingest.calendar import next_sessions

        from ..periods import names_yearless_date, parse_period
        from ..price_facts import STALE_DAYS, TAIPEI

        today = req.as_of or datetime.now(TAIPEI).date()
        period = parse_period(req.message, today)
        if period.label == "today" and period.end is not None and period.end > last:
            return 1  # "will 2330 rise today?": the next session, however old the last bar is
        said = None
        if req.as_of is None and (today - last).days > STALE_DAYS and period.kind in ("day", "range"):
            # a stale store: a day named relative to today ("月底", "next Friday") is read from the
            # store's end, as the price answers read "this week" (it had been 60 sessions, clamped)
            moved = parse_period(req.message, last + timedelta(days=1))
            if moved != period and moved.kind in ("day", "range") and moved.end is not None:
                period = moved
                said = (f"資料庫的股價只到 {last.isoformat()}：問題中相對於今天的日子以資料的最後一天為準。" if zh else
                        f"The store's prices end on {last.isoformat()}, so the day named relative to today is read "
                        "from there.")
        if (period.kind in ("day", "range") and period.end is not None and period.end <= last
                and names_yearless_date(req.message)):
            # "where will 2454 be by end of June?": the next June, not the last one
            end = period.end.replace(year=period.end.year + 1) if not (period.end.month == 2 and period.end.day == 29) \
                else period.end.replace(year=period.end.year + 1, day=28)
            period = type(period)(period.kind, period.start, end, label=end.isoformat())
        if period.kind not in ("day", "range") or period.end is None or period.end <= last:
            return None
        if said:
            notices.append(said)
        # the exchange's sessions after the last bar (never more than the calendar days), up to that day
        sessions = sum(d <= period.end for d in next_sessions(market, last, (period.end - last).days))
        day = period.end.isoformat()
        if sessions < 1:  # the days up to it are a weekend or holidays: the next session is the nearest
            notices.append(f"{last.isoformat()} 之後到 {day} 沒有交易日：預測下一個交易日。" if zh else
                           f"No session falls between the last stored bar ({last.isoformat()}) and {day}: forecasting "
                           "the next one.")
            return 1
        horizon = min(sessions, MAX_HORIZON)
        if zh:
            notices.append(f"{day} 是最後一筆股價（{last.isoformat()}）之後第 {sessions} 個交易日"
                           + (f"，超過 {MAX_HORIZON} 日上限，改預測 {horizon} 個交易日。" if horizon < sessions else "：預測到那一天。"))
        else:
            notices.append(f"{day} is {sessions} trading day{'s' if sessions != 1 else ''} after the last stored bar "
                           f"({last.isoformat()})" + (f", past the {MAX_HORIZON}-day limit: forecasting {horizon} instead."
                                                      if horizon < sessions else ": the forecast runs to that day."))
        return horizon

    def _one(self, req: EngineRequest) -> Answer:
        code = (req.code or "").strip()
        if not code:
            raise FinqaError("Which company should I forecast? For example: `forecast 2330 next 5 days`.")
        horizon = int(req.horizon_days or 5)
        if not 1 <= horizon <= MAX_HORIZON:
            raise FinqaError(f"The horizon must be 1 to {MAX_HORIZON} trading days (got {horizon}).")
        zh = answers_zh(req.message)

        bars = self.store.all_bars()
        # Neighbours come from the same market only: the cross-sectional market feature of a
        # Taiwan day must not average in US stocks (different sessions, different regime).
        group = market_group(code)
        bars = bars[bars["code"].map(market_group) == group]
        if req.as_of is not None:  # point in time: nothing dated as_of or later exists for us
            bars = bars[bars["date"] < pd.Timestamp(req.as_of)]
        own = bars[bars["code"] == code]
        if own.empty:
            if self.store.last_bar_date(code) is not None and req.as_of is not None:
                raise FinqaError(f"No prices of {code} before {req.as_of}: pick a later date.")
            raise FinqaError(f"No prices for {code} are stored. Run `finqa ingest prices {code}` to fetch them, then ask again.")
        if len(own) < MIN_HISTORY:
            raise FinqaError(
                f"{code} has only {len(own)} trading days of prices up to {own['date'].max().date()}; the forecaster "
                f"needs at least {MIN_HISTORY}. Fetch more with `finqa ingest prices {code} --since YYYY-MM`."
            )
        company = self._company(code)
        market = getattr(company, "market", None) or _guess_market(code)
        notices = list(req.notices)
        if not req.horizon_named:  # "will 2330 rise by next Friday?", "月底前會漲嗎": the sessions up to that day
            horizon = self._horizon_to_day(req, own["date"].max().date(), market, notices, zh) or horizon
        limit = _LIMIT.search(to_simplified(req.message).lower())
        if limit is not None and is_stock_code(code) and not req.horizon_named:
            horizon = 1  # "台積電會不會漲停": the next session's limit

        bank = self.bank(bars, horizon)
        row = bank.row_at(code)
        assert row is not None
        if not bank.valid[row]:
            raise FinqaError(f"{code}: too little clean history before {bank.end_date[row]} for a forecast.")
        nb = analog.find_neighbours(bank, np.array([row]), horizon)[0]
        if len(nb.rows) < 10:
            raise FinqaError(
                f"Too little history to forecast {horizon} trading days ahead: only {len(nb.rows)} past windows "
                f"of the stored stocks have a known {horizon}-day future before {bank.end_date[row]}. "
                "Ingest more history or ask for a shorter horizon."
            )
        fc = analog.summarise(bank, row, nb, horizon)
        target, target_what = target_price(req.message), None
        if target is None and limit is not None and is_stock_code(code):
            up = limit.group(0) in ("涨停", "limit up", "limit-up")
            target = limit_prices(fc.last_close)[1 if up else 0]  # (down, up), rounded to the tick as the exchange does
            target_what = ("漲停價" if up else "跌停價") if zh else f"the limit-{'up' if up else 'down'} price"
        if target is None and (move := target_move(req.message)) is not None:
            # "how likely is 2330 to go up 5% in a month?": the price 5% from the last close
            target = fc.last_close * (1 + move)
            size = f"{abs(move) * 100:g}%"
            target_what = f"收盤{'上漲' if move > 0 else '下跌'} {size}" if zh else f"a {size} {'rise' if move > 0 else 'fall'}"
        if target is None and asks_profit_ahead(req.message) and is_stock_code(code):
            # "will I make money if I buy now?": a lot bought at the last close pays off above this price
            from ..holdings import SHARES_PER_LOT, breakeven_price

            target = breakeven_price(code, fc.last_close, SHARES_PER_LOT)
            target_what = ("回本價：一張以最後收盤買進，計入買賣手續費與證交稅" if zh else
                           "the break-even price of a lot bought at the last close, after both fees and the tax")
        if target is None and (extreme := asks_new_extreme(req.message)) is not None:
            # "will TSMC hit a new high?": the target is the record close of the visible history.
            closes = own.set_index("date")["close"].astype(float).sort_index(ascending=False)
            day = closes.idxmax() if extreme == "high" else closes.idxmin()  # the latest of equal records, as the price answer
            target = float(closes.loc[day])
            when = pd.Timestamp(day).date().isoformat()
            target_what = ((f"資料庫中最高收盤，{when}" if extreme == "high" else f"資料庫中最低收盤，{when}") if zh else
                           f"the {'highest' if extreme == 'high' else 'lowest'} stored close, {when}")
        odds = (analog.target_odds(bank, nb, horizon, 100.0 * np.log(target / fc.last_close))
                if target is not None and target != fc.last_close else None)
        from ingest.calendar import next_sessions

        dates = next_sessions(market, fc.as_of, horizon)
        closes, lows, highs = fc.path_prices()

        movement = self._movement_tier(bank, bars, row, code, dates[0], nb)
        path_tier = self._path_tier(bars, code, company, fc, horizon, dates)

        engine = "analog"
        p_rise = fc.p_rise
        if movement.p_rise is not None:
            engine, p_rise = "stockllm", movement.p_rise
        if path_tier.path is not None:
            # The adapter's path, with the analog's band placed around it (relative widths).
            model_path = np.asarray(path_tier.path, float)
            lows = model_path * (lows / closes)
            highs = model_path * (highs / closes)
            closes = model_path
            if movement.p_rise is None:
                engine = "adapter"
                p_rise = float(model_path[-1] > fc.last_close)
        path = [ForecastPoint(date=d.isoformat(), close=round(float(c), 4), low=round(float(lo), 4), high=round(float(hi), 4))
                for d, c, lo, hi in zip(dates, closes, lows, highs)]

        bt = self._backtests(bank, bars, code, horizon, engine, company)
        forecast = Forecast(
            code=code,
            name_zh=getattr(company, "name_zh", None),
            name_en=getattr(company, "name_en", None),
            as_of=fc.as_of.isoformat(),
            horizon_days=horizon,
            path=path,
            p_rise=round(float(p_rise), 4),
            engine=engine,
            last_close=fc.last_close,
            backtest=bt,
            target=round(float(target), 4) if odds is not None else None,
        )
        try:
            from ..charts import candlestick_figure

            own_bars = own.set_index("date").sort_index().tail(CHART_BARS)
            label = getattr(company, "display", None) or code
            forecast.figure = candlestick_figure(own_bars, forecast, title=f"{label}: {horizon}-day forecast ({engine})")
        except Exception as exc:  # a chart failure must not lose the forecast
            log.warning("chart failed for %s: %s", code, exc)

        reasons = [t.reason for t in (movement, path_tier) if t.reason]
        text = _summary(forecast, fc, movement, path_tier, zh=zh,
                        target_line=(_target_line(target, fc.last_close, horizon, odds, fc.n_neighbours, zh,
                                                  what=target_what)
                                     if odds is not None else None))
        return Answer(
            route="forecast",
            engine=f"forecast:{engine}" + (f" ({movement.model})" if engine == "stockllm" and movement.model else ""),
            answer=text,
            forecast=forecast,
            notices=notices,
            fallback_reason="; ".join(reasons) if engine == "analog" and reasons else None,
            code=code,
        )

    # --- tiers -------------------------------------------------------------------------------------
    def _movement_tier(self, bank: analog.WindowBank, bars: pd.DataFrame, row: int, code: str,
                       query_date: date, nb: analog.Neighbours) -> _Tier:
        tier = _Tier("stockllm")
        if self.settings.cpu_only:
            tier.reason = "models are switched off (cpu_only)"
            return tier
        from ..models import ModelUnavailable

        try:
            loaded = self.manager.load(self.settings.forecaster)
        except ModelUnavailable as exc:
            tier.reason = f"the forecaster model {self.settings.forecaster.base} could not be loaded: {exc.reason}"
            return tier
        tier.model = getattr(loaded, "name", self.settings.forecaster.base)
        try:
            query, candidates = self.finseer_inputs(bank, bars, row, code, query_date)
            from ..prompts import MOVEMENT_OPTIONS, render_finseer_prompt

            messages = render_finseer_prompt(query, candidates, code, query_date.isoformat())
            probs = self.manager.score_options(loaded, [messages], MOVEMENT_OPTIONS)[0]
            tier.p_rise = float(probs["rise"] / max(probs["rise"] + probs["fall"], 1e-12))
        except ModelUnavailable as exc:  # e.g. CUDA out of memory while scoring
            tier.reason = f"the forecaster model failed while scoring: {exc.reason}"
        return tier

    def finseer_inputs(self, bank: analog.WindowBank, bars: pd.DataFrame, row: int, code: str,
                       query_date: date) -> tuple[dict, list[tuple[dict, float]]]:
        """The FinSeer query dict and the top-5 candidates strictly before ``query_date``.

        Candidates come from the ``price_windows`` index when it holds any (the one point-in-time
        filter, ``before=query_date``); otherwise from the analog's in-memory 5-day windows with a
        label day before ``query_date`` (the same rule, applied to the same bars).
        """
        query = finseer_query(bank, row, code, query_date)
        try:
            from ingest.windows import query_sequence
            from index.retrieval import get_retrieval

            _, vector = query_sequence(bars, code, query_date)
            retrieval = self._retrieval or get_retrieval(self.settings)
            hits = retrieval.windows(list(vector), before=query_date, k=FINSEER_K, indicator="adjusted_close")
            if hits:
                return query, [(h.candidate, float(h.score)) for h in hits]
        except Exception as exc:  # no index yet, or a Chroma problem: fall back to in-memory
            log.info("price_windows retrieval unavailable (%s); using in-memory candidates", exc)
        return query, finseer_candidates(bank, row, FINSEER_K)

    def _path_tier(self, bars: pd.DataFrame, code: str, company: Any, fc: analog.AnalogForecast,
                   horizon: int, dates: list[date]) -> _Tier:
        tier = _Tier("adapter")
        adapter = self._path_adapter()
        if adapter is None:
            return tier  # not trained: nothing to report, the analog path is the path
        if self.settings.cpu_only:
            tier.reason = "models are switched off (cpu_only)"
            return tier
        from ingest.config import EngineModel

        from ..models import ModelUnavailable
        from ..prompts import PathParseError, parse_path_answer, path_prompt_for_bars

        spec = EngineModel(base=self.settings.forecaster_path_base, adapter=adapter)
        try:
            loaded = self.manager.load(spec)
        except ModelUnavailable as exc:
            tier.reason = f"the path adapter {adapter} could not be loaded: {exc.reason}"
            return tier
        tier.model = getattr(loaded, "name", adapter)
        own = bars[bars["code"] == code].sort_values("date")
        messages = path_prompt_for_bars(code, own.tail(path_history_length(horizon)), horizon, fc.as_of)
        try:
            text = self.manager.generate(loaded, messages, max_new_tokens=24 * horizon + 16)
            points = parse_path_answer(text, horizon)
        except PathParseError as exc:
            tier.reason = f"the path adapter's answer could not be read ({exc}); using the analog path"
            log.warning("path adapter answer rejected: %s", exc)
            return tier
        except ModelUnavailable as exc:
            tier.reason = f"the path adapter failed while generating: {exc.reason}"
            return tier
        tier.path = [float(c) for _, c in points]
        return tier

    # --- backtests ---------------------------------------------------------------------------------
    def _backtests(self, bank: analog.WindowBank, bars: pd.DataFrame, code: str, horizon: int,
                   engine: str, company: Any) -> dict[str, Any]:
        """Walk-forward hit rate of the answering engine (and the analog) beside the baselines."""
        out: dict[str, Any] = {"horizon": horizon}
        a = backtest.walk_forward(bank, code, horizon, engine="analog")
        out["analog"] = _bt_json(a)
        out["baselines"] = a.baselines
        chosen = a
        if engine == "stockllm":
            try:
                loaded = self.manager.load(self.settings.forecaster)
                pred = lambda b, rows, h: movement_p_rise_batch(self.manager, loaded, b, bars, rows, retrieval=None)  # noqa: E731
                chosen = backtest.walk_forward(bank, code, horizon, engine="stockllm", predictor=pred,
                                               max_steps=MODEL_BACKTEST_STEPS)
                out["stockllm"] = _bt_json(chosen)
            except Exception as exc:
                log.warning("stockllm backtest failed: %s", exc)
                out["note"] = f"the StockLLM backtest failed ({exc}); the analog's is shown"
        elif engine == "adapter":
            out["note"] = ("the path adapter is not backtested step by step (one generation per day is too slow "
                           "for a chat answer); the analog's walk-forward hit rate is shown")
        if chosen is not a:
            # Baselines on the same steps as the engine's (the model tier runs fewer steps).
            out["baselines_same_steps"] = chosen.baselines
        out["engine"] = _bt_json(chosen)
        return _clean(out)


def _bt_json(r: backtest.BacktestResult) -> dict[str, Any]:
    j = r.to_json()
    return {"name": j["engine"], "hit_rate": _finite(j["hit_rate"]), "mcc": _finite(j["mcc"]), "n": j["n"],
            "start": j["start"], "end": j["end"]}


def _finite(x: Any) -> float | None:
    """NaN (no step to score) → None, so ``finqa chat --json`` stays valid JSON."""
    return float(x) if x is not None and np.isfinite(x) else None


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return _finite(obj)
    return obj


def market_group(code: str) -> str:
    """"US" for ticker symbols (AAPL), "TW" for Taiwan codes (2330, 00878, 6488)."""
    return "US" if code[:1].isalpha() else "TW"


def _guess_market(code: str) -> str:
    return "US" if code[:1].isalpha() else "TWSE"


def path_history_length(horizon: int) -> int:
    """History length of the training window spec closest to ``horizon`` (longest on ties)."""
    from ..prompts import PATH_WINDOWS

    best = min(PATH_WINDOWS, key=lambda s: (abs(s[1] - horizon), -s[0]))
    return best[0]


# --- FinSeer inputs from a window bank (engine, backtest and the ACL18 model evaluation) ---------------
def finseer_query(bank: analog.WindowBank, row: int, code: str, query_date: date | str) -> dict[str, Any]:
    """The query dict: the 5 sessions ending at ``row`` (strictly before ``query_date``)."""
    from ..prompts import finseer_query as render_query

    seq = np.arange(row - 4, row + 1)
    seq = seq[(seq >= 0) & (bank.codes[np.maximum(seq, 0)] == bank.codes[row])]
    return render_query(code, str(query_date)[:10], [str(d) for d in bank.end_date[seq]],
                        [round(float(x), 4) for x in bank.adj[seq]])


def finseer_candidates(bank: analog.WindowBank, row: int, k: int = FINSEER_K,
                       nb: analog.Neighbours | None = None) -> list[tuple[dict, float]]:
    """Top-k candidate dicts (label day known by the query's last bar) with similarity scores.

    Uses the analog's 1-day neighbour search: a candidate is a 5-day window whose next-day
    label (``known[:, 0]``) is on or before the query window's last day, i.e. strictly before the
    query date.
    """
    from ..prompts import finseer_candidate

    if nb is None or bank.max_horizon < 1:
        nb = analog.find_neighbours(bank, np.array([row]), 1, k=k)[0]
    out: list[tuple[dict, float]] = []
    for r, d in zip(nb.rows[:k], nb.dist[:k]):
        seq = np.arange(r - 4, r + 1)
        seq = seq[(seq >= 0) & (bank.codes[np.maximum(seq, 0)] == bank.codes[r])]
        ret = float(np.expm1(bank.fwd[r, 0] / 100.0) * 100.0)
        mv = "rise" if ret > 0.55 else "fall" if ret < -0.5 else "freeze"
        cand = finseer_candidate(str(bank.codes[r]), str(bank.known[r, 0]), mv,
                                 [str(x) for x in bank.end_date[seq]], [round(float(x), 4) for x in bank.adj[seq]])
        out.append((cand, round(1.0 / (1.0 + float(d)), 4)))
    return out


def movement_p_rise_batch(manager: Any, loaded: Any, bank: analog.WindowBank, bars: pd.DataFrame,
                          rows: np.ndarray, *, progress: bool = False, retrieval: Any = None,
                          batch: int = 16) -> np.ndarray:
    """StockLLM's P(rise) for many query rows (walk-forward backtest, ACL18 model evaluation).

    Each query's candidates come from the in-memory search (label day before the query date).
    """
    from ..prompts import MOVEMENT_OPTIONS, render_finseer_prompt

    rows = np.asarray(rows, dtype=np.int64)
    nbs = analog.find_neighbours(bank, rows, 1, k=FINSEER_K)
    prompts = []
    for r, nb in zip(rows, nbs):
        qd = bank.known[r, 0] if not np.isnat(bank.known[r, 0]) else bank.end_date[r] + np.timedelta64(1, "D")
        code = str(bank.codes[r])
        prompts.append(render_finseer_prompt(finseer_query(bank, int(r), code, str(qd)),
                                             finseer_candidates(bank, int(r), FINSEER_K, nb), code, str(qd)))
    out = np.empty(len(rows))
    it = range(0, len(prompts), batch)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc="stockllm", unit="batch")
    for s in it:
        probs = manager.score_options(loaded, prompts[s : s + batch], MOVEMENT_OPTIONS)
        out[s : s + batch] = [p["rise"] / max(p["rise"] + p["fall"], 1e-12) for p in probs]
    return out


# --- the answer text ----------------------------------------------------------------------------------
# "台積電會不會漲停", "will 2330 hit limit down tomorrow?": the odds of the daily limit price.
_LIMIT = re.compile(r"涨停|跌停|\blimit[- ](?:up|down)\b")


def _target_line(target: float, last: float, horizon: int, odds: tuple[float, float], n: int, zh: bool,
                 what: str | None = None) -> str:
    """The odds of a target from the neighbours' paths, said as shares of the past, not promises.
    ``what`` names a target the user did not write as a number ("the highest stored close")."""
    end, touch = odds
    move = target / last - 1.0
    up = target > last
    if zh:
        where = "以上" if up else "以下"
        return (f"目標 {target:,.2f}（{what + '；' if what else ''}距收盤 {move:+.2%}）：與目前走勢最相似的 {n} 段歷史走勢中，{_pct(end)} 在第 {horizon} 日"
                f"收在 {target:,.2f} {where}，{_pct(touch)} 在 {horizon} 個交易日內至少一天收在 {target:,.2f} {where}。"
                "這是過去的比例，不是保證。")
    way = "at or above" if up else "at or below"
    return (f"Target {target:,.2f} ({what + '; ' if what else ''}{move:+.2%} from the last close): of the {n} past windows most like today, "
            f"{_pct(end)} closed {way} it on day {horizon} and {_pct(touch)} closed {way} it at least once within "
            f"the {horizon} trading day{'s' if horizon != 1 else ''}. Shares of the past, not a promise.")


_pct = backtest.pct_text
_ZH_NAMES = backtest.NAMES_ZH
_EN_NAMES = backtest.NAMES_EN


def _summary(fc: Forecast, a: analog.AnalogForecast, movement: _Tier, path: _Tier, *, zh: bool,
             target_line: str | None = None) -> str:
    """A short human summary: the call, P(rise) (and the odds of a price asked about), who answered
    and why, the track record."""
    label = " ".join(x for x in (fc.code, fc.name_zh if zh else (fc.name_en or fc.name_zh)) if x)
    end = fc.path[-1]
    change = end.close / fc.last_close - 1.0
    bt = fc.backtest.get("engine", {})
    bases = fc.backtest.get("baselines_same_steps") or fc.backtest.get("baselines", {})
    rates = [v.get("hit_rate") for v in bases.values()]
    best = max((r for r in rates if r is not None and np.isfinite(r)), default=float("nan"))
    base_txt = ", ".join(f"{_EN_NAMES.get(k, k)} {_pct(v.get('hit_rate'))}" for k, v in bases.items())
    hit = bt.get("hit_rate")
    beats = hit is not None and np.isfinite(hit) and np.isfinite(best) and hit > best
    reasons = [r for r in (movement.reason, path.reason) if r]
    why = "; ".join(reasons)
    if zh:
        why = "；".join(reason_zh(r) for r in reasons)  # the English reasons stay in fallback_reason
        who = {"stockllm": f"由 StockLLM（{movement.model}）依 FinSeer 提示與 5 個歷史相似序列評分得出上漲機率",
               "adapter": f"價格路徑由微調的路徑模型（{path.model}）產生",
               "analog": "由類比法（CPU 層：歷史上最相似的走勢及其後續報酬）計算"}[fc.engine]
        lines = [
            f"{label} 未來 {fc.horizon_days} 個交易日預測（資料截至 {fc.as_of}，收盤 {fc.last_close:g}）：",
            f"上漲機率 P(rise) = {_pct(fc.p_rise)}；第 {fc.horizon_days} 日預估收盤 {end.close:.2f}"
            f"（{change:+.2%}），10–90% 區間 {end.low:.2f}–{end.high:.2f}。",
            f"{who}。" + (f"未使用語言模型的原因：{why}。" if fc.engine == "analog" and why else
                         (f"（{why}）" if why else "")),
            f"回測（逐步、只用當時已知資料）：{_ZH_NAMES.get(bt.get('name', fc.engine), bt.get('name', fc.engine))}"
            f" 在本檔歷史上 {bt.get('n', 0)} 次的方向命中率 {_pct(hit)}；簡單基準："
            + "、".join(f"{_ZH_NAMES.get(k, k)} {_pct(v.get('hit_rate'))}" for k, v in bases.items()) + "。",
            ("它在本檔歷史上勝過所有簡單基準，但" if beats else "它並未勝過所有簡單基準；")
            + "要穩定勝過「永遠看漲」、動能、反轉與隨機漫步這類簡單基準本來就很難，請把這個預測當作參考，不是投資建議。",
        ]
    else:
        who = {"stockllm": f"P(rise) comes from StockLLM ({movement.model}) scoring 'rise' vs 'fall' on the FinSeer prompt "
                           f"with 5 retrieved past sequences",
               "adapter": f"the path comes from the fine-tuned path adapter ({path.model})",
               "analog": "computed by the analog forecaster (CPU tier: the most similar past windows and what followed)"}[fc.engine]
        lines = [
            f"{label}: {fc.horizon_days}-trading-day forecast from {fc.as_of} (last close {fc.last_close:g}).",
            f"P(rise) = {_pct(fc.p_rise)}; day-{fc.horizon_days} close {end.close:.2f} ({change:+.2%}), "
            f"10-90% band {end.low:.2f}-{end.high:.2f}.",
            f"Engine: {who}." + (f" No model answered because {why}." if fc.engine == "analog" and why else
                                (f" ({why})" if why else "")),
            f"Backtest (walk-forward, point in time) on this stock: {bt.get('name', fc.engine)} called the "
            f"{fc.horizon_days}-day direction right {_pct(hit)} of {bt.get('n', 0)} times; baselines: {base_txt}.",
            ("It beat every trivial baseline here, but " if beats else "It did not beat every trivial baseline; ")
            + "beating always-rise, momentum, reversal and a random walk is genuinely hard, so treat this as a "
            "reference, not investment advice.",
        ]
    if not bt.get("n"):
        # No walk-forward step fitted in the stored history: say so instead of "n/a of 0 times".
        lines[3:] = [
            f"回測：本檔的股價歷史太短，無法對 {fc.horizon_days} 個交易日的預測做逐步回測（每一步都需要一段過去的走勢加上"
            f"其後 {fc.horizon_days} 天），所以這個預測沒有任何歷史命中率可以參考；請格外謹慎看待，這不是投資建議。"
        ] if zh else [
            f"Backtest: none possible. The stored history of this stock is too short to test a {fc.horizon_days}-day "
            f"horizon walk-forward (each step needs a past window plus the {fc.horizon_days} days that followed), "
            "so this forecast has no track record at all: treat it with extra caution, not as investment advice."
        ]
    if (analogs := _analog_line(a, zh)) is not None:
        lines.insert(3, analogs)  # after who answered: the past windows the call was drawn from
    if target_line:
        lines.insert(2, target_line)  # right after P(rise) and the band
    return "\n".join(lines)


ANALOGS_SHOWN = 3


def _analog_line(a: analog.AnalogForecast, zh: bool) -> str | None:
    """The closest past windows the forecast was drawn from (FinSeer's retrieved sequences, in the
    CPU tier's terms): each one's company, last day and what followed over the horizon. The days
    that followed each were all known by the last bar the forecast sees (the bank's no-lookahead
    rule), so none of them is the future."""
    shown = a.neighbours[:ANALOGS_SHOWN]
    if not shown or a.n_neighbours <= 0:
        return None
    parts = []
    for nb in shown:
        change = float(np.exp(nb["final_return_pct"] / 100.0) - 1.0)
        day = str(nb["end_date"])[:10]
        parts.append(f"{nb['code']} 至 {day}（其後 {change:+.2%}）" if zh else f"{nb['code']} to {day} (then {change:+.2%})")
    if zh:
        return f"最相似的過去走勢（共 {a.n_neighbours} 段中的前 {len(shown)} 段）：" + "、".join(parts) + "。"
    return f"Closest past windows (the first {len(shown)} of {a.n_neighbours}): " + "; ".join(parts) + "."
