"""The analog forecaster, the backtest and the forecast engine (all tiers and fallbacks).

Synthetic prices only. The StockLLM tier runs end to end on the tiny random Llama of
``tests.fixtures_tinyllama``; the path-adapter tier uses a small scripted model manager so that a
well-formed and a malformed answer can both be produced on demand.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from assistant import analog, backtest
from assistant.types import EngineRequest
from ingest.errors import FinqaError

PATTERN = [2.5, -2.5, 2.5, -2.5, 2.5]  # % daily returns: a distinctive zig-zag
AFTER = [1.5] * 5  # what always follows it


def _series(code: str, n: int = 700, *, seed: int = 0, plant_every: int = 40, end_with_pattern: bool = True,
            start: str = "2020-01-02") -> pd.DataFrame:
    """A noisy random walk with PATTERN followed by AFTER planted every ``plant_every`` days."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0, 0.8, n)
    i = 30
    while i + 10 < n - 5:
        r[i : i + 5] = PATTERN
        r[i + 5 : i + 10] = AFTER
        i += plant_every
    if end_with_pattern:
        r[-5:] = PATTERN
    close = 100 * np.exp(np.cumsum(r) / 100)
    days = pd.bdate_range(start, periods=n)
    return pd.DataFrame({"code": code, "date": days, "open": close, "high": close * 1.005, "low": close * 0.995,
                         "close": close, "adj_close": close, "volume": 1e6 + rng.integers(0, 1e5, n)})


# Every knob spelled out: the tests must not move when the tuned defaults do.
SMALL = analog.AnalogConfig(k=8, k_frac=1.0, lookback=5, w_ret=1.0, w_mkt=0.0, w_rel=0.0, w_range=0.0, w_trend=0.0,
                            w_volume=0.0, w_vol=0.0, weighting="uniform", center=False, shrink=1.0, max_age_days=None)


# --- the analog ------------------------------------------------------------------------------------
def test_analog_finds_a_planted_repeating_pattern():
    bars = _series("AAA")
    bank = analog.build_bank(bars, config=SMALL, max_horizon=5)
    fc = analog.forecast(bank, "AAA", 5)
    assert fc.n_neighbours == 8
    # every neighbour is a planted pattern end: its next 5 days are +1.5% each
    finals = [nb["final_return_pct"] for nb in fc.neighbours]
    assert np.allclose(finals, 7.5, atol=1e-6)
    assert fc.p_rise > 0.85
    assert fc.median[-1] == pytest.approx(7.5, abs=1e-6)
    assert np.all(np.diff(fc.median) > 0)  # the path climbs day by day
    close, low, high = fc.path_prices()
    assert close[-1] == pytest.approx(fc.last_close * np.exp(0.075))
    assert np.all(low <= close) and np.all(close <= high)


def test_planted_future_window_cannot_leak_into_an_earlier_forecast():
    base = _series("AAA", n=400, end_with_pattern=False)
    as_of = base["date"].iloc[300].date()
    # The query window for as_of, copied into another code dated AFTER as_of and followed by a
    # crash: the perfect (distance 0) neighbour, but only known in the future.
    q = base[base["date"] <= pd.Timestamp(as_of)].tail(40)
    future_days = pd.bdate_range(pd.Timestamp(as_of) + pd.Timedelta(days=30), periods=50)
    crash = np.r_[q["close"].to_numpy(), q["close"].iloc[-1] * np.exp(-np.arange(1, 11) * 0.05)]
    planted = pd.DataFrame({"code": "ZZZ", "date": future_days, "open": crash, "high": crash, "low": crash,
                            "close": crash, "adj_close": crash, "volume": 1e6})
    cfg = replace(SMALL, k=5)
    clean = analog.build_bank(base, config=cfg, max_horizon=5)
    leaky = analog.build_bank(pd.concat([base, planted]), config=cfg, max_horizon=5)
    # the plant really is the query's twin
    qrow = leaky.row_at("AAA", as_of)
    twin = leaky.row_at("ZZZ", future_days[39].date())
    assert np.allclose(leaky.X[qrow], leaky.X[twin])
    a = analog.forecast(clean, "AAA", 5, last_day=as_of)
    b = analog.forecast(leaky, "AAA", 5, last_day=as_of)
    assert a.p_rise == b.p_rise
    assert np.array_equal(a.median, b.median) and np.array_equal(a.low, b.low)
    assert all(nb["code"] == "AAA" for nb in b.neighbours)
    # and with the twin's future known, it IS found first: the test would catch a leak
    later = analog.forecast(leaky, "ZZZ", 5, last_day=future_days[39].date())
    assert later.neighbours  # sanity: the bank works for the planted code too


def test_neighbours_are_point_in_time_for_every_horizon():
    bars = pd.concat([_series("AAA", 300, seed=1), _series("BBB", 300, seed=2)])
    bank = analog.build_bank(bars, config=replace(SMALL, k=30), max_horizon=7)
    rows = bank.rows_for("BBB")[100::37]
    for h in (1, 3, 7):
        for r, nb in zip(rows, analog.find_neighbours(bank, rows, h)):
            assert (bank.known[nb.rows, h - 1] <= bank.end_date[r]).all()
            assert len(nb.rows) == 30


def test_batch_predictions_match_single_forecasts():
    bars = pd.concat([_series("AAA", 300, seed=1), _series("BBB", 300, seed=2)])
    cfg = replace(analog.DEFAULT_CONFIG, k=20)
    bank = analog.build_bank(bars, config=cfg, max_horizon=3)
    rows = bank.rows_for("AAA")[200:210]
    batch = analog.predict_rows(bank, rows, 3)
    for i, r in enumerate(rows):
        nb = analog.find_neighbours(bank, np.array([r]), 3)[0]
        single = analog.summarise(bank, int(r), nb, 3)
        assert batch.p_rise[i] == pytest.approx(single.p_rise)
        assert batch.n_neighbours[i] == single.n_neighbours


# --- backtest ------------------------------------------------------------------------------------
def test_backtest_is_point_in_time_shuffling_the_future_changes_no_earlier_step():
    bars = pd.concat([_series("AAA", 400, seed=1), _series("BBB", 400, seed=2)], ignore_index=True)
    cut = bars["date"].sort_values().unique()[300]
    shuffled = bars.copy()
    future = shuffled["date"] >= cut
    rng = np.random.default_rng(7)
    for code in ("AAA", "BBB"):
        m = future & (shuffled["code"] == code)
        vals = shuffled.loc[m, ["open", "high", "low", "close", "adj_close", "volume"]].to_numpy()
        shuffled.loc[m, ["open", "high", "low", "close", "adj_close", "volume"]] = vals[rng.permutation(len(vals))]
    cfg = analog.DEFAULT_CONFIG
    a = backtest.walk_forward(analog.build_bank(bars, config=cfg, max_horizon=5), "AAA", 5, use_cache=False)
    b = backtest.walk_forward(analog.build_bank(shuffled, config=cfg, max_horizon=5), "AAA", 5, use_cache=False)
    cut_iso = pd.Timestamp(cut).date().isoformat()
    early_a = [s for s in a.steps if s["end_date"] < cut_iso]
    early_b = [s for s in b.steps if s["end_date"] < cut_iso]
    assert len(early_a) > 100 and len(early_a) == len(early_b)
    assert [s["p_rise"] for s in early_a] == [s["p_rise"] for s in early_b]
    assert [s["pred"] for s in early_a] == [s["pred"] for s in early_b]
    # ... while later steps do change (the shuffle was real)
    assert [s["p_rise"] for s in a.steps[-50:]] != [s["p_rise"] for s in b.steps[-50:]]


def test_backtest_scores_and_baselines_and_cache():
    bars = pd.concat([_series("AAA", 300, seed=1), _series("BBB", 300, seed=2)], ignore_index=True)
    bank = analog.build_bank(bars, max_horizon=1)
    backtest.clear_cache()
    res = backtest.walk_forward(bank, "AAA", 1)
    assert res.n == len(res.steps) > 100
    pred = np.array([s["pred"] for s in res.steps])
    actual = np.array([s["actual"] for s in res.steps])
    assert res.hit_rate == pytest.approx((pred == actual).mean())
    assert res.baselines["always_rise"]["hit_rate"] == pytest.approx((actual > 0).mean())
    assert set(res.baselines) == {"always_rise", "momentum_1d", "reversal_1d", "momentum_5d", "reversal_5d", "random_walk"}
    assert backtest.walk_forward(bank, "AAA", 1) is res  # cached per (code, last date, horizon)
    assert set(res.to_json()) >= {"engine", "hit_rate", "mcc", "n", "baselines", "horizon"}


# --- the engine ---------------------------------------------------------------------------------------
def _store_with(data_dir, codes=("2330", "2454", "2317"), n=250, end=date(2025, 5, 30)):
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    store = open_store(data_dir.store_path)
    for c in codes:
        store.upsert_bars(synthetic_bars(c, n, end))
    return store


def open_store_last(settings):
    from ingest.store import open_store

    return open_store(settings.store_path).last_bar_date("2330")


def _engine(settings, **kw):
    from assistant.engines.forecast import ForecastEngine

    return ForecastEngine(settings, **kw)


def test_engine_cpu_tier_calendar_chart_backtest_and_text(data_dir):
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    ans = _engine(settings).run(EngineRequest(message="forecast 2330 next 5 days", code="2330", horizon_days=5))
    fc = ans.forecast
    assert ans.route == "forecast" and fc.engine == "analog"
    assert fc.as_of == "2025-05-29"
    # XTAI: after Thursday 2025-05-29 come Monday 06-02 (05-30 is the Dragon Boat holiday) ...
    assert [p.date for p in fc.path] == ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]
    assert all(p.low <= p.close <= p.high for p in fc.path)
    assert 0.0 <= fc.p_rise <= 1.0
    bt = fc.backtest
    assert bt["engine"]["name"] == "analog" and bt["engine"]["n"] > 50
    assert {"always_rise", "momentum_1d", "reversal_1d", "random_walk"} <= set(bt["baselines"])
    assert fc.figure is not None and any(t.type == "candlestick" for t in fc.figure.data)
    assert "P(rise)" in ans.answer and "analog" in ans.answer and "baseline" in ans.answer
    assert "always rise " in ans.answer and "1-day momentum " in ans.answer and "always_rise" not in ans.answer
    assert "cpu_only" in (ans.fallback_reason or "")
    j = ans.to_json()
    assert j["forecast"]["path"][0]["date"] == "2025-06-02" and "figure" not in j["forecast"]


def test_engine_answers_in_chinese_and_respects_as_of(data_dir):
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    ans = _engine(settings).run(EngineRequest(message="台積電明天會漲嗎", code="2330", horizon_days=1,
                                              as_of=date(2025, 3, 3)))
    assert "上漲機率" in ans.answer and "回測" in ans.answer
    assert ans.forecast.as_of < "2025-03-03"  # only bars strictly before as_of
    assert ans.forecast.path[0].date == "2025-03-03"


def test_a_horizon_the_history_cannot_backtest_says_so(data_dir):
    """60 days ahead on a short history: no walk-forward step fits, and the answer says there is
    no track record instead of "n/a of 0 times; baselines: ."."""
    import ui
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings, n=150)
    for message, zh in (("forecast 2330 next 60 days", False), ("預測台積電未來60天", True)):
        ans = _engine(settings).run(EngineRequest(message=message, code="2330", horizon_days=60))
        assert ans.forecast.backtest["engine"]["n"] == 0
        assert ("沒有任何歷史命中率" if zh else "no track record at all") in ans.answer
        assert "n/a" not in ans.answer and "baselines: ." not in ans.answer and "簡單基準：。" not in ans.answer
    assert "No backtest possible" in ui.render_forecast(ans.forecast)


def test_engine_bad_input(data_dir):
    from ingest import config
    from ingest.store import open_store
    from tests.fixture_data import synthetic_bars

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings, codes=("2330",))
    engine = _engine(settings)
    with pytest.raises(FinqaError, match="finqa ingest prices 2454"):
        engine.run(EngineRequest(message="forecast 2454", code="2454"))
    open_store(settings.store_path).upsert_bars(synthetic_bars("2317", 12, date(2025, 5, 30)))
    with pytest.raises(FinqaError, match="only 12 trading days"):
        engine.run(EngineRequest(message="forecast 2317", code="2317"))
    with pytest.raises(FinqaError, match="1 to 60"):
        engine.run(EngineRequest(message="forecast 2330", code="2330", horizon_days=61))
    with pytest.raises(FinqaError, match="before 2020-01-01"):
        engine.run(EngineRequest(message="forecast 2330", code="2330", as_of=date(2020, 1, 1)))


def test_stockllm_tier_end_to_end_with_the_tiny_llama(tiny_settings):
    from assistant.models import get_model_manager
    from assistant.prompts import MOVEMENT_OPTIONS, render_finseer_prompt

    _store_with(tiny_settings)
    engine = _engine(tiny_settings)
    ans = engine.run(EngineRequest(message="forecast 2330 tomorrow", code="2330", horizon_days=1))
    fc = ans.forecast
    assert fc.engine == "stockllm" and "stockllm" in ans.engine
    assert "StockLLM" in ans.answer
    # P(rise) is the tiny model's scored probability on the rendered FinSeer prompt, no sampling.
    bars = engine.store.all_bars()
    bank = engine.bank(bars, 1)
    row = bank.row_at("2330")
    query, candidates = engine.finseer_inputs(bank, bars, row, "2330", date(2025, 6, 2))
    assert len(candidates) == 5
    assert all(c["candidate_date"] < "2025-06-02" for c, _ in candidates)
    messages = render_finseer_prompt(query, candidates, "2330", "2025-06-02")
    assert messages[1]["content"].endswith("Query: On 2025-06-02, the movement of $2330 is [blank].\n")
    probs = get_model_manager(tiny_settings).score_options(
        get_model_manager(tiny_settings).load(tiny_settings.forecaster), [messages], MOVEMENT_OPTIONS)[0]
    assert fc.p_rise == pytest.approx(probs["rise"] / (probs["rise"] + probs["fall"]), abs=1e-4)
    bt = fc.backtest
    assert bt["engine"]["name"] == "stockllm" and 0 < bt["engine"]["n"] <= 40
    assert "analog" in bt  # the CPU tier is always computed too


def test_fallback_when_the_forecaster_model_cannot_be_loaded(tiny_settings, tmp_path):
    from ingest import config
    from ingest.config import EngineModel

    settings = config.configure(**{**tiny_settings.model_dump(), "forecaster": EngineModel(base=str(tmp_path / "missing-model"))})
    _store_with(settings)
    ans = _engine(settings).run(EngineRequest(message="forecast 2330", code="2330", horizon_days=5))
    assert ans.forecast.engine == "analog"
    assert "missing-model" in ans.fallback_reason
    assert "No model answered because" in ans.answer and "missing-model" in ans.answer


class _ScriptedManager:
    """Stands in for the model manager: fixed path answers, no movement model."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prompts: list = []

    def load(self, spec):
        from assistant.models import ModelUnavailable

        if spec.adapter is None:
            raise ModelUnavailable("no StockLLM here")
        return type("Loaded", (), {"name": f"{spec.base} + {spec.adapter}"})()

    def generate(self, loaded, messages, max_new_tokens=0):
        self.prompts.append(messages)
        return self.text


def test_path_adapter_answer_is_used_word_for_word_prompt(data_dir, tmp_path):
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, forecaster_path_adapter=str(tmp_path / "adapter"))
    _store_with(settings)
    text = "2025-06-02 close=700\n2025-06-03 close=701.5\n2025-06-04 close=703"
    mgr = _ScriptedManager(text)
    ans = _engine(settings, manager=mgr).run(EngineRequest(message="forecast 2330 3 days", code="2330", horizon_days=3))
    assert ans.forecast.engine == "adapter"
    assert [p.close for p in ans.forecast.path] == [700.0, 701.5, 703.0]
    from assistant.prompts import render_path_prompt

    user = mgr.prompts[0][1]["content"]
    assert user.startswith("Stock: 2330") and "Forecast the closing price for each of the next 3 trading days" in user
    assert mgr.prompts[0][0] == render_path_prompt("2330", None, [{"date": "2025-01-01", "open": 1, "high": 1, "low": 1,
                                                                   "close": 1, "volume": 1}], 3, "2025-01-01")[0]
    # Word for word the prompt the training recipe builds from the same bars.
    from assistant.engines.forecast import path_history_length
    from finetune.data_forecaster import path_messages
    from ingest.store import open_store

    bars = open_store(settings.store_path).bars("2330")
    history = bars.tail(path_history_length(3))
    assert mgr.prompts[0] == path_messages("2330", history, 3, history.index[-1].date())


def test_malformed_path_answer_is_surfaced_not_dropped(data_dir, tmp_path):
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, forecaster_path_adapter=str(tmp_path / "adapter"))
    _store_with(settings)
    mgr = _ScriptedManager("I think it will go up a lot!")
    ans = _engine(settings, manager=mgr).run(EngineRequest(message="forecast 2330", code="2330", horizon_days=5))
    assert ans.forecast.engine == "analog"
    assert "could not be read" in ans.fallback_reason
    assert "could not be read" in ans.answer


def test_real_tiny_path_adapter_garbage_is_reported(tiny_settings, tiny_lora_dir):
    """The path tier through the real model manager (tiny base + LoRA): its random text cannot be
    read as a path, and the answer says so instead of silently drawing something."""
    from ingest import config

    settings = config.configure(**{**tiny_settings.model_dump(), "forecaster_path_adapter": tiny_lora_dir,
                                   "cpu_only": False})
    _store_with(settings)
    ans = _engine(settings).run(EngineRequest(message="forecast 2330 next 2 days", code="2330", horizon_days=2))
    assert ans.forecast.engine == "stockllm"  # P(rise) still from the movement model
    assert len(ans.forecast.path) == 2
    assert "path adapter" in ans.answer and "could not be read" in ans.answer


def test_movement_candidates_come_from_the_price_windows_index_point_in_time(data_dir):
    """With ``price_windows`` indexed, the FinSeer candidates are the index's hits (through
    ``index.retrieval``, the one as-of filter), all labelled strictly before the query date."""
    from index.retrieval import get_retrieval
    from index.windows_index import build_windows
    from ingest import config
    from ingest.windows import query_sequence

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    store = _store_with(settings, n=90)
    build_windows(store, settings, progress=False)
    engine = _engine(settings)
    bars = engine.store.all_bars()
    for query_date in (date(2025, 6, 2), date(2025, 4, 1)):
        cut = bars[bars["date"] < pd.Timestamp(query_date)]
        bank = engine.bank(cut, 1)
        query, cands = engine.finseer_inputs(bank, cut, bank.row_at("2330"), "2330", query_date)
        _, vector = query_sequence(cut, "2330", query_date)
        hits = get_retrieval(settings).windows(list(vector), before=query_date, k=5, indicator="adjusted_close")
        assert [c for c, _ in cands] == [h.candidate for h in hits]
        assert [s for _, s in cands] == pytest.approx([h.score for h in hits])
        assert len(cands) == 5
        assert query["recent_date_list"][-1] < query_date.isoformat()
        assert all(c["candidate_date"] < query_date.isoformat() for c, _ in cands)


def test_engine_path_median_matches_the_evaluated_median():
    """The path the chat shows and the number the walk-forward evaluation scores are one median."""
    bars = pd.concat([_series("AAA", 300, seed=1), _series("BBB", 300, seed=2)])
    bank = analog.build_bank(bars, max_horizon=4)
    row = bank.row_at("AAA")
    single = analog.summarise(bank, row, analog.find_neighbours(bank, np.array([row]), 4)[0], 4)
    batch = analog.predict_rows(bank, [row], 4)
    assert single.median[-1] == pytest.approx(batch.median_final[0])
    assert single.p_rise == pytest.approx(batch.p_rise[0])


def test_several_companies_named_are_each_forecast_side_by_side(data_dir):
    """"forecast 2330 and 2454": each company's own forecast and backtest, the same as asked
    alone, then their P(rise) side by side with the word that a higher one is no pick; the first
    is the answer's forecast, all are on its forecasts (--json prints them). A company without
    prices is said so, the others still come."""
    from assistant.service import Assistant
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    asst = Assistant(settings)
    ans = asst.answer("forecast 2330 and 2454 next 5 days")
    assert ans.route == "forecast" and ans.forecast is not None and ans.forecast.code == "2330"
    assert [f.code for f in ans.forecasts] == ["2330", "2454"] and ans.forecasts[0] is ans.forecast
    assert [f["code"] for f in ans.to_json()["forecasts"]] == ["2330", "2454"]
    alone = {c: asst.answer(f"forecast {c} next 5 days") for c in ("2330", "2454")}
    for c, single in alone.items():
        assert single.answer in ans.answer  # the same forecast and backtest as asked alone
    side = sorted(alone.values(), key=lambda a: -a.forecast.p_rise)
    assert (f"P(rise) side by side: {side[0].code} {side[0].forecast.p_rise:.1%}, {side[1].code} "
            f"{side[1].forecast.p_rise:.1%}. A higher one is no pick") in ans.answer
    zh = asst.answer("台積電和聯發科未來5天走勢")
    assert "上漲機率並列：" in zh.answer and "機率較高不代表較好的選擇" in zh.answer
    missing = asst.answer("forecast 2330 and 2603 next 5 days")
    assert missing.forecast.code == "2330" and any("2603" in n and "finqa ingest prices 2603" in n for n in missing.notices)
    assert "side by side" not in missing.answer and [f.code for f in missing.forecasts] == ["2330"]
    assert "forecasts" not in missing.to_json()

    # in a conversation about both forecasts: which is likelier to rise, which looks better, another
    # horizon, the backtest (they had been both prices side by side, a news search, the first alone, and
    # "which company?")
    from assistant.slots import ChatSession

    session = ChatSession()
    asst.answer("預測台積電下週", session=session)
    asst.answer("那聯發科呢", session=session)
    likelier = asst.answer("哪個比較有機會漲", session=session)
    assert likelier.route == "forecast" and sorted(f.code for f in likelier.forecasts) == ["2330", "2454"]
    session = ChatSession()
    asst.answer("forecast 2330 and 2454 next 10 days", session=session)
    better = asst.answer("which one looks better?", session=session)
    assert [f.code for f in better.forecasts] == ["2330", "2454"] and "A higher one is no pick" in better.answer
    assert better.forecast.horizon_days == 10
    longer = asst.answer("what about 20 days?", session=session)
    assert [f.code for f in longer.forecasts] == ["2330", "2454"] and longer.forecast.horizon_days == 20
    session = ChatSession()
    asst.answer("預測台積電下週", session=session)
    backtest = asst.answer("回測準嗎", session=session)  # the forecast's own backtest beside the baselines
    assert backtest.route == "forecast" and backtest.code == "2330" and "5 日方向的回測" in backtest.answer, backtest.answer
    # "跟聯發科比呢" / "compare with 2454" right after a forecast: both forecasts, at its horizon (they had
    # compared the two companies' past prices)
    session = ChatSession()
    asst.answer("預測台積電未來10天", session=session)
    beside = asst.answer("跟聯發科比呢", session=session)
    assert [f.code for f in beside.forecasts] == ["2330", "2454"] and beside.forecast.horizon_days == 10
    session = ChatSession()
    asst.answer("forecast 2330 next week", session=session)
    assert [f.code for f in asst.answer("compare with 2454", session=session).forecasts] == ["2330", "2454"]

    from assistant.engines import forecast as fc

    monkey_max = fc.MAX_COMPANIES
    fc.MAX_COMPANIES = 2
    try:  # a company that cannot be forecast frees its place for the next one named
        capped = asst.answer("forecast 2603 2330 2454 2317")
        assert [f.code for f in capped.forecasts] == ["2330", "2454"]
        assert any("2603" in n for n in capped.notices) and any("not forecast: 2317" in n for n in capped.notices)
    finally:
        fc.MAX_COMPANIES = monkey_max


@pytest.mark.parametrize("message, target", [
    ("台積電會漲到1000嗎", 1000.0), ("will 2330 reach 1,000?", 1000.0), ("鴻海會跌破150嗎", 150.0),
    ("2330 above NT$1200 next month", 1200.0), ("台積電未來5天會漲到1,050元嗎", 1050.0),
    ("will 2330 go above 1000 in 20 days", 1000.0),
    ("forecast 2330 next 5 days", None), ("2330 over 10 days", None), ("will TSMC rise 5% next week", None),
    ("2330 above 10 days", None), ("台積電突破10天線", None),
    ("will 2330 reach its price target of 1,200?", 1200.0), ("台積電目標價1200", 1200.0), ("2330 price target", None),
    ("台積電目標價多少", None), ("2330 price target in 30 days", None),
    ("golden cross 2330", None), ("death cross 2454?", None), ("will 2330 cross 1000", 1000.0),
    # a bare "over" before a year is a span, not a price; "go over" still reaches
    ("Compare TSMC, MediaTek and UMC over 2025", None), ("TSMC over 2025.", None), ("will 2330 go over 2025?", 2025.0),
    ("will 2330 be over 1,200?", 1200.0), ("2330 over 2000.5", 2000.5),
    ("台積電今年會到1200嗎", 1200.0), ("台積電能到1500嗎", 1500.0), ("台積電會到10天線嗎", None),
    # the verb's other forms (the odds had been an "explanatory question" for the news)
    ("what are the odds TSMC hits 1000 by the end of June?", 1000.0), ("chance 2330 reaches 1000", 1000.0),
    ("if it breaks 900", 900.0), ("golden crosses 2", None),
    ("TSMC hits 52-week high", None), ("2330 top 10 holdings", None),  # a span and a count, no price
])
def test_a_target_price_is_read_only_after_a_word_of_reaching(message, target):
    from assistant.engines.forecast import target_price

    assert target_price(message) == target


@pytest.mark.parametrize("message, move", [
    ("how likely is 2330 to go up 5% in a month", 0.05), ("台積電會漲10%嗎", 0.10), ("chance 2454 falls 3% next week", -0.03),
    ("2330 up 2.5% tomorrow?", 0.025), ("台積電下週會跌超過5%嗎", -0.05), ("聯發科會漲2成嗎", 0.20),
    ("2330 with a 5% stop", None), ("2330 rose 5% today", None), ("forecast 2330 next 5 days", None),
])
def test_a_move_to_reach_is_read_as_a_share_of_the_last_close(message, move):
    from assistant.slots import target_move

    assert target_move(message) == (pytest.approx(move) if move is not None else None)


def test_a_day_named_ahead_sets_the_horizon_to_the_sessions_up_to_it(data_dir):
    """"Forecast 2330 until 2025-05-16" with the last bar on Friday 2025-05-09: the five sessions of
    the week after, said; a horizon named in words wins; past the limit it is clamped and said."""
    from assistant.service import Assistant
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    asst = Assistant(settings)
    a = asst.answer("forecast 2330 as of 2025-05-12 until 2025-05-16")
    assert a.forecast.horizon_days == 5 and a.forecast.as_of == "2025-05-09"
    assert any("2025-05-16 is 5 trading days after the last stored bar (2025-05-09)" in n for n in a.notices)
    named = asst.answer("forecast 2330 next 3 days as of 2025-05-12 until 2025-05-16")
    assert named.forecast.horizon_days == 3 and not any("trading days after the last stored bar" in n for n in named.notices)
    far = asst.answer("forecast 2330 as of 2025-01-06 until 2025-06-30")
    assert far.forecast.horizon_days == 60 and any("past the 60-day limit" in n for n in far.notices)
    # to the end of May: 15 weekdays after 05-09, less the Dragon Boat Festival holiday on Friday 05-30
    month_end = asst.answer("will 2330 rise by the end of the month? as of 2025-05-12")
    assert month_end.forecast.horizon_days == 14 and any("2025-05-31 is 14 trading days" in n for n in month_end.notices)
    today = asst.answer("will 2330 rise today?")  # the next session however old the store is, not 60 sessions
    assert today.forecast.horizon_days == 1 and not any("past the 60-day limit" in n for n in today.notices)
    plain = asst.answer("forecast 2330 as of 2025-05-12")
    assert plain.forecast.horizon_days == 5 and not any("after the last stored bar" in n for n in plain.notices)
    # a stale store (its bars end long before today): a day named relative to today is read from its
    # end (the end of "this" month had been today's month, 60 sessions away, clamped); a month with no
    # year named ahead is the next one, not the last one
    from ingest.calendar import next_sessions

    last = open_store_last(settings)
    june = asst.answer("where will 2330 be by end of June?")
    expected = sum(d <= date(last.year, 6, 30) for d in next_sessions("TWSE", last, (date(last.year, 6, 30) - last).days))
    assert june.route == "forecast" and june.forecast.horizon_days == expected
    assert any("is read from there" in n for n in june.notices)
    rest = asst.answer("forecast 2330 for the rest of the month")
    assert rest.forecast.horizon_days <= 2 and not any("past the 60-day limit" in n for n in rest.notices)
    from assistant.slots import ChatSession

    session = ChatSession()  # a follow-up keeps the horizon named before; it names no day of its own
    asst.answer("forecast 2330 next 10 days as of 2025-05-12", session=session)
    assert asst.answer("and 2454?", session=session).forecast.horizon_days == 10
    # "when will it get back to X?" cannot be dated: the odds within the horizon, said so (it had
    # been read as a look back, and answered from the news)
    when = asst.answer("when will 2330 get back to 1100?")
    assert when.route == "forecast" and any("finqa cannot say when: below are the odds within the next 5 trading days; "
                                            "add \"within 60 days\"" in n for n in when.notices)
    zh = asst.answer("台積電什麼時候會回到1100？未來20天內")
    assert zh.forecast.horizon_days == 20 and any("finqa 無法預測「什麼時候」：以下是未來 20 個交易日內的機率。" in n for n in zh.notices)


def test_an_analysts_price_target_is_said_to_be_no_part_of_the_data(data_dir):
    """"2330 price target" asks for an analysts' number finqa does not store: the forecast comes
    with a notice that it is finqa's own, not a target price; a target with a number is the odds
    of reaching it, with no such notice."""
    from assistant.service import Assistant
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    asst = Assistant(settings)
    # asked bare, the news is searched for the analysts' numbers, with the forecast to ask for beside them
    a = asst.answer("2330 price target")
    assert a.route == "qa" and any("analysts' reports (target prices, ratings)" in n for n in a.notices)
    assert any("`forecast 2330 next 20 days`" in n for n in a.notices)
    assert any("券商與法人的研究報告" in n for n in asst.answer("台積電目標價多少").notices)
    # with a horizon, it is the forecaster's, said to be no target price
    ahead = asst.answer("2330 price target in 30 days")
    assert ahead.route == "forecast" and any("finqa stores no analysts' price targets" in n for n in ahead.notices)
    odds = asst.answer("will 2330 reach its price target of 1,200?")
    assert "Target 1,200.00" in odds.answer and not any("analysts" in n for n in odds.notices)
    assert not any("analysts" in n for n in asst.answer("forecast 2330 next 5 days").notices)
    up = asst.answer("how likely is 2330 to go up 5% in the next 5 days?")  # a move: the price 5% above the last close
    last = up.forecast.last_close
    assert f"Target {last * 1.05:,.2f} (a 5% rise; +5.00% from the last close)" in up.answer
    assert up.forecast.target == pytest.approx(last * 1.05, abs=1e-3)  # charted as a dotted line
    assert asst.answer("forecast 2330 next 5 days").forecast.target is None
    down = asst.answer("台積電未來5天會跌超過3%嗎")
    assert f"目標 {last * 0.97:,.2f}（收盤下跌 3%；距收盤 -3.00%）" in down.answer
    from ingest.limits import limit_prices

    limit = asst.answer("台積電會不會漲停")  # the next session's limit-up price, as the exchange rounds it
    assert limit.route == "forecast" and limit.forecast.horizon_days == 1
    assert f"目標 {limit_prices(last)[1]:,.2f}（漲停價" in limit.answer
    floor = asst.answer("will 2330 hit limit down tomorrow?")
    assert floor.route == "forecast" and f"Target {limit_prices(last)[0]:,.2f} (the limit-down price" in floor.answer
    assert "within the 1 trading day." in floor.answer
    # "will I make money?": the odds of closing above the break-even price of a lot bought now (fees and tax)
    from assistant.holdings import breakeven_price

    profit = asst.answer("if I buy 2330 now, will I make money in a month?")
    even = breakeven_price("2330", last, 1000)
    assert profit.route == "forecast" and profit.forecast.horizon_days == 21 and even > last * 1.005
    assert f"Target {even:,.2f} (the break-even price of a lot bought at the last close, after both fees and the tax" in profit.answer
    zh = asst.answer("如果我現在買台積電，一個月後會賺錢嗎")
    assert zh.route == "forecast" and f"目標 {even:,.2f}（回本價" in zh.answer


def test_target_odds_are_the_neighbours_weighted_shares():
    bank = analog.build_bank(pd.concat([_series("A", seed=1), _series("B", seed=2)]), max_horizon=5)
    row = bank.row_at("A")
    nb = analog.find_neighbours(bank, np.array([row]), 5)[0]
    paths = bank.fwd[nb.rows, :5]
    w = nb.weights / nb.weights.sum()
    up = float(np.quantile(paths[:, -1], 0.7))
    end, touch = analog.target_odds(bank, nb, 5, up)
    assert end == pytest.approx(float(w @ (paths[:, -1] >= up))) and touch == pytest.approx(float(w @ (paths >= up).any(axis=1)))
    assert 0 < end <= touch < 1  # reaching it once is at least as likely as closing there
    down_end, down_touch = analog.target_odds(bank, nb, 5, -abs(up))
    assert down_end == pytest.approx(float(w @ (paths[:, -1] <= -abs(up)))) and down_end <= down_touch


def test_a_forecast_asked_about_a_target_gives_its_odds(data_dir):
    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    engine = _engine(settings)
    plain = engine.run(EngineRequest(message="forecast 2330 next 5 days", code="2330", horizon_days=5))
    last = plain.forecast.last_close
    target = round(last * 1.03, 2)
    ans = engine.run(EngineRequest(message=f"will 2330 reach {target} in 5 days?", code="2330", horizon_days=5))
    line = next(x for x in ans.answer.splitlines() if x.startswith("Target"))
    assert f"Target {target:,.2f} (+3.00% from the last close)" in line and "at or above it on day 5" in line
    assert ans.forecast.to_json() == plain.forecast.to_json()  # the forecast itself is unchanged
    zh = engine.run(EngineRequest(message=f"台積電會跌破{round(last * 0.95)}嗎", code="2330", horizon_days=5))
    assert "以下" in zh.answer and "目標" in zh.answer
    assert not any(x.startswith("Target") for x in plain.answer.splitlines())


def test_a_new_high_ahead_is_the_odds_of_passing_the_record_close(data_dir):
    """"Will TSMC hit a new high?": the target is the highest close the store held before the
    as-of date (never one after it), and the router sends the question to the forecaster."""
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots
    from ingest import config
    from ingest.store import open_store

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    engine = _engine(settings)
    as_of = date(2025, 3, 1)
    bars = open_store(settings.store_path).bars("2330", end=as_of - timedelta(days=1))
    record = float(bars["close"].max())
    when = bars.index[bars["close"] == record][-1].date().isoformat()
    ans = engine.run(EngineRequest(message="will TSMC hit a new high in 5 days?", code="2330", horizon_days=5,
                                   as_of=as_of))
    line = next(x for x in ans.answer.splitlines() if x.startswith("Target"))
    assert line.startswith(f"Target {record:,.2f} (the highest stored close, {when}; ")
    low = engine.run(EngineRequest(message="台積電會創新低嗎", code="2330", horizon_days=5, as_of=as_of))
    assert "資料庫中最低收盤" in low.answer and "以下" in low.answer
    for message, route in (("will TSMC hit a new high next month?", "forecast"), ("台積電會創新高嗎", "forecast"),
                           ("台積電股價創新高了嗎", "qa"), ("is 2330 at a new high?", "qa"), ("did 2330 make a new high?", "qa")):
        assert IntentClassifier().decide(message, parse_slots(message)).route == route, message


def test_the_forecast_names_its_closest_past_windows_none_of_them_after_its_data(data_dir):
    """The analog's three closest windows are listed (company, last day, what followed), the way
    FinSeer shows its retrieved sequences; each one's following days were known by the forecast's
    last bar, so the line can never quote the future."""
    import re

    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings)
    engine = _engine(settings)
    ans = engine.run(EngineRequest(message="forecast 2330 next 5 days", code="2330", horizon_days=5,
                                   as_of=date(2025, 3, 3)))
    line = next(x for x in ans.answer.splitlines() if x.startswith("Closest past windows (the first 3 of "))
    days = re.findall(r"to (\d{4}-\d{2}-\d{2}) \(then [+-]\d+\.\d+%\)", line)
    assert len(days) == 3
    store_days = sorted({d.isoformat() for d in open_store_days(settings, "2330")})
    for day in days:  # five sessions after each window's last day still come before the forecast's data ends
        later = [d for d in store_days if d > day]
        assert len(later) >= 5 and later[4] <= ans.forecast.as_of
    zh = engine.run(EngineRequest(message="台積電未來五天預測", code="2330", horizon_days=5, as_of=date(2025, 3, 3)))
    assert "最相似的過去走勢（共 " in zh.answer and "（其後 " in zh.answer


def open_store_days(settings, code):
    from ingest.store import open_store

    return [d.date() for d in open_store(settings.store_path).bars(code).index]


def test_worst_case_expected_return_and_baselines_are_read_from_the_forecast_just_given(data_dir):
    """"forecast 2330 next 10 days", then "worst case?", "how much could I lose on 2 lots?", "what is
    the expected return?", "compare with the backtest baselines" and "最壞情況呢" / "3張最多賠多少": the
    forecast's own numbers (its band, expected close and backtest), in money for a size (they had all
    searched the news and found nothing); a company or a horizon named is a question of its own."""
    from assistant.forecast_followups import forecast_followup_kind
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    from ingest import config

    settings = config.configure(data_dir=data_dir.data_dir, cpu_only=True)
    _store_with(settings, codes=("2330", "2454"))
    asst, session = Assistant(settings), ChatSession()
    first = asst.answer("forecast 2330 next 10 days", session=session)
    end, last = first.forecast.path[-1], first.forecast.last_close
    worst = asst.answer("worst case?", session=session)
    assert worst.engine == "forecast:follow-up" and worst.code == "2330"
    assert worst.forecast is not None and worst.forecast.path == first.forecast.path  # charted again in the UI
    assert f"- **10% low {end.low:,.2f} ({end.low / last - 1:+.2%})**" in worst.answer, worst.answer
    lose = asst.answer("how much could I lose on 2 lots?", session=session)
    from assistant.holdings import signed_money

    assert f"{signed_money(2000 * (end.low - last))} on 2 lots" in lose.answer and "before fees and taxes" in lose.answer
    expected = asst.answer("what is the expected return?", session=session)
    assert expected.answer.splitlines()[1] == f"- **expected close {end.close:,.2f} ({end.close / last - 1:+.2%})**"
    bt = first.forecast.backtest["engine"]
    base = asst.answer("compare with the backtest baselines", session=session)
    assert f"right {100 * bt['hit_rate']:.1f}% of {bt['n']} times" in base.answer
    zh = ChatSession()
    both = asst.answer("台積電和聯發科未來5天走勢", session=zh)
    worst_zh = asst.answer("3張最多賠多少", session=zh)
    assert [f.code for f in worst_zh.forecasts] == [f.code for f in both.forecasts]
    for fc in both.forecasts:
        low = fc.path[-1].low
        assert f"3 張 {signed_money(3000 * (low - fc.last_close))}" in worst_zh.answer, worst_zh.answer
    assert forecast_followup_kind("最壞情況呢") == "downside" and forecast_followup_kind("預期報酬多少") == "expected"
    other = asst.answer("worst case for 2454?", session=session)  # a company named: its own question
    assert other.engine != "forecast:follow-up"
    assert forecast_followup_kind("what is TSMC's dividend?") is None
    # its accuracy, and a baseline by name, are the backtest (they had searched the news)
    for asked in ("準確率多少", "how accurate is it?", "跟隨機漫步比呢", "does it beat momentum?", "準不準", "is it reliable?"):
        assert forecast_followup_kind(asked) == "backtest", asked
    accuracy = asst.answer("準確率多少", session=zh)
    assert accuracy.engine == "forecast:follow-up" and "回測" in accuracy.answer and "隨機漫步" in accuracy.answer
    # "why this number?" / "為什麼" / "這個預測用了哪些資料": how its numbers were made, with its own figures
    for asked in ("why this number?", "why?", "為什麼", "這個預測用了哪些資料", "how did you get that?", "為什麼是這個數字"):
        assert forecast_followup_kind(asked) == "why", asked
    assert forecast_followup_kind("why did it fall?") is None  # the past move: a question of its own
    session = ChatSession()
    first = asst.answer("forecast 2330 next 10 days", session=session)
    why = asst.answer("why this number?", session=session)
    fc, end, bt = first.forecast, first.forecast.path[-1], first.forecast.backtest["engine"]
    assert why.engine == "forecast:follow-up" and f"P(rise) {fc.p_rise:.1%} is the weighted share" in why.answer, why.answer
    assert f"expected close {end.close:,.2f}" in why.answer and "no news, no financial statements" in why.answer
    from assistant.analog import AnalogConfig

    assert f"only {AnalogConfig().shrink:.0%} of it kept" in why.answer and f"right {100 * bt['hit_rate']:.1f}%" in why.answer
    why_zh = asst.answer("這個預測用了哪些資料", session=zh)
    assert "沒有新聞或財報" in why_zh.answer and len(why_zh.forecasts) == 2
