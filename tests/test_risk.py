"""Risk and return from the store (``assistant.risk``): which questions, drawdown, an investment's
value after Taiwan's costs, beta and correlation against independent computations, the market
proxy, the as-of rule, follow-ups, and the router."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from assistant.holdings import Stake, parse_stake
from assistant.periods import Period
from assistant.risk import Job, is_risk_question, max_drawdown, risk_answer, risk_kind
from assistant.types import EngineRequest
from ingest.types import PriceBar

DAYS = [d.date() for d in pd.bdate_range("2025-01-02", periods=60)]
# 2330: up to 120, down to 60 (-50%), back above 120 on session 6, then flat at 125.
CLOSES_2330 = [100.0, 110.0, 120.0, 90.0, 60.0, 90.0, 130.0] + [125.0] * 53
RNG = np.random.default_rng(7)
MARKET = 100 * np.cumprod(1 + RNG.normal(0, 0.01, 60))
# 2454 moves 1.5x the market plus its own noise; 2317 moves on its own.
OTHER = 200 * np.cumprod(1 + 1.5 * np.r_[0, np.diff(MARKET) / MARKET[:-1]] + RNG.normal(0, 0.005, 60))
ALONE = 50 * np.cumprod(1 + RNG.normal(0, 0.01, 60))


def bars(code, closes):
    return [PriceBar(code=code, date=d, open=float(c), high=float(c), low=float(c), close=float(c), volume=1e6)
            for d, c in zip(DAYS, closes)]


@pytest.fixture
def store(data_dir):
    from ingest.store import open_store

    s = open_store(data_dir.store_path)
    s.upsert_bars(bars("2330", CLOSES_2330) + bars("2454", OTHER) + bars("2317", ALONE))
    return s


def ask(store, message, *, codes=None, as_of=None, today=DAYS[-1], previous=None):
    from assistant.slots import parse_slots

    slots = parse_slots(message)
    code = slots.code or (codes or [None])[0]
    return risk_answer(EngineRequest(message=message, code=code, codes=codes or list(slots.codes), as_of=as_of,
                                     follows_price_question=previous), store, today=today)


@pytest.mark.parametrize("message, kind", [
    ("what's the max drawdown of 2330 in 2025?", "drawdown"), ("2330 drawdown", "drawdown"), ("台積電最大回撤", "drawdown"),
    ("compare the risk of 2330 and 2454", "risk"), ("比較台積電和聯發科的風險", "risk"),
    ("2330 2454 2317 哪個風險最高", "risk"), ("which is the riskiest of 2330, 2454 and 2317?", "risk"),
    ("how far is TSMC from its peak?", "drawdown"), ("how much has 2330 fallen from its high?", "drawdown"),
    ("台積電離高點還有多遠", "drawdown"), ("鴻海的drawdown", "drawdown"),
    # a biggest drop with no day said: the profile, worst day and drawdown together (it had been
    # this year's prices); one day said is the extremes; "which stock" ranks the market
    ("MediaTek's biggest drop", "risk"), ("聯發科最大跌幅", "risk"), ("what was MediaTek's biggest drop?", "risk"),
    ("biggest drop in a single day for 2330", "extremes"), ("which stock had the biggest drop last week?", None),
    # how long a recovery took is the drawdown's (it had searched the news); one ahead is the future's
    ("how long did it take MediaTek to recover?", "drawdown"), ("台積電多久才收復前高", "drawdown"),
    ("how long will it take to recover?", None),
    ("2330 beta", "beta"), ("台積電的beta", "beta"), ("台積電的β值", "beta"), ("correlation between 2330 and 2454", "correlation"),
    ("台積電和聯發科的相關性", "correlation"), ("do 2330 and 2454 move together?", "correlation"),
    ("How much would NT$10,000 invested in TSMC on 2024-09-02 be worth?", "investment"),
    ("if I had bought 2330 on 2025-01-02", "investment"), ("如果 2025-01-02 買一張台積電 現在賺多少", "investment"),
    ("2330 return since 2025-01-02", "investment"), ("台積電今年以來的報酬", "investment"),
    # volatility over a span named: over it, not the last 20 sessions (the indicator)
    ("2330 volatility in 2025", "risk"), ("2330 2454 volatility comparison 2025", "risk"), ("2330 volatility", None),
    ("What would 100k in TSMC a year ago be worth today?", "investment"), ("10萬買台積電一年前 現在多少", "investment"),
    ("Which day in April 2025 had the biggest drop for TSMC?", "extremes"), ("台積電4月哪天跌最多", "extremes"),
    ("台積電最好的一天", "extremes"), ("聯發科今年最慘的一天", "extremes"),  # they had been forecasts
    ("what was TSMC's biggest gain in a single day this year?", "extremes"), ("2330 largest drop in one session", "extremes"),
    ("台積電套牢在1100怎麼辦", "position"), ("I'm stuck at 1100 on TSMC", "position"),  # a cost, stated as trapped
    ("2317 Sharpe ratio", "risk"), ("台積電夏普比率", "risk"), ("risk-adjusted return of 2454", "risk"),
    # the future is the forecaster's; a return with no span, or a return *to* something, is news
    ("what will NT$100,000 in TSMC be worth next year?", None), ("如果買台積電明年會賺多少", None),
    ("TSMC shareholder returns", None), ("TSMC returns to growth in 2025", None), ("2330 close", None),
    # a company and "risk", nothing else, is its risk profile; the risks of its business are news
    ("台積電風險", "risk"), ("2330 risk?", "risk"), ("what are the risks for TSMC?", None),
    # a month's change is no lot bought on its first session; "how much did I make?" is
    ("how much did TSMC gain in May?", None), ("how much did I make on 2330 since 2025-01-02?", "investment"),
    ("我有一個問題想問台積電", None), ("I have a question about 2330", None),
    # the lot, priced: "台積電一張幾股" had been a news question
    ("台積電一張幾股", "cost"), ("2330 lot size", "cost"), ("how many shares in a lot of 2454?", "cost"),
    ("if I buy 3 lots of 2317 how much do I need?", "cost"), ("how much is 1 share of TSMC?", "cost"),
    ("what's 1 lot of TSMC in USD?", "cost"), ("what does a lot of 2330 cost?", "cost"),
    # as a follow-up: "那風險呢" after a forecast had been the forecast again
    ("那風險呢", "risk"), ("and its risk?", "risk"), ("what about the risk?", "risk"),
    # a position's costs asked in the future tense are still its arithmetic (it had searched the news);
    # the price's future is the forecaster's
    ("I bought 5,000 shares of 2317 at 150: how much tax will I pay if I sell now?", "position"),
    ("I bought 2330 at 1000, will it rise?", None),
])
def test_which_questions(message, kind):
    """(See the cases.) Volatility over a span named is the risk profile's over it."""
    from assistant.technicals import is_indicator_question

    assert risk_kind(message) == kind
    if "volatility" in message:
        assert is_indicator_question(message, "2330") is (kind is None)
    assert is_risk_question(message, "2330") is (kind is not None)
    assert not is_risk_question(message, None)


@pytest.mark.parametrize("message, stake", [
    ("if I had invested NT$100,000 in 2330 on 2025-01-02", Stake(amount=100_000)),
    ("put $10k into 2330 on 2025-01-02", Stake(amount=10_000)),
    ("100000 TWD in TSMC since 2025-01-02", Stake(amount=100_000)),
    ("how many shares of 2330 can I buy with 100,000 NT$?", Stake(amount=100_000)),  # the currency after the number
    ("50k NT into 2454 on 2025-01-02", Stake(amount=50_000)),
    ("如果 2025-01-02 投資 10萬 在台積電", Stake(amount=100_000)),
    ("如果 2025年1月2日 投入十萬元買台積電", Stake(amount=100_000)),
    ("if I had bought 3 lots of 2330 on 2025-01-02", Stake(shares=3000)),
    ("如果 2025-01-02 買一張台積電", Stake(shares=1000)),
    ("if I bought 500 shares of 2454 on 2025-01-02", Stake(shares=500)),
    ("if I had bought 2330 on 2025-01-02", Stake()),  # neither the code nor the date is an amount
    ("If I invest 100000 in TSMC today, how many shares can I buy?", Stake(amount=100_000)),  # a bare sum after "invest"
    ("how many shares of 2330 can I buy with 250,000?", Stake(amount=250_000)), ("投入300000買聯發科", Stake(amount=300_000)),
    ("I have 3 questions about 2330", Stake()), ("with 2330 at 950", Stake()),
])
def test_stakes(message, stake):
    assert parse_stake(message) == stake


def test_max_drawdown_by_hand():
    closes = pd.Series(CLOSES_2330[:8], index=pd.to_datetime(DAYS[:8]))
    dd, peak, trough, back = max_drawdown(closes)
    assert dd == pytest.approx(60 / 120 - 1)
    assert (peak.date(), trough.date(), back.date()) == (DAYS[2], DAYS[4], DAYS[6])
    never = max_drawdown(pd.Series([3.0, 2.0, 1.0], index=pd.to_datetime(DAYS[:3])))
    assert never[0] == pytest.approx(-2 / 3) and never[3] is None


def test_drawdown_answer(store):
    a = ask(store, "2330 drawdown")
    assert a.engine == "qa:prices" and "**-50.00%**" in a.answer
    assert f"from the 120.00 close on {DAYS[2]} to 60.00 on {DAYS[4]}, 2 sessions later" in a.answer
    assert f"regained that peak on {DAYS[6]}" in a.answer
    assert a.indicators["max_drawdown"] == pytest.approx(-0.5) and a.indicators["recovered_date"] == DAYS[6].isoformat()
    assert any("whole stored history" in n for n in a.notices)
    assert len(a.bars) == 60 and a.citations[0].source == "TWSE"
    zh = ask(store, "台積電最大回撤")
    assert "最大回撤為 **-50.00%**" in zh.answer and f"{DAYS[6]} 收復前高" in zh.answer


def test_drawdown_as_of_sees_nothing_from_the_as_of_day_on(store):
    """As of the day of the 60 close, the fall so far is 120 → 90: the trough must not leak."""
    a = ask(store, "2330 drawdown", as_of=DAYS[4])
    assert "**-25.00%**" in a.answer and "has not regained" in a.answer
    assert all(b.date < DAYS[4] for b in a.bars)


def test_investment_after_costs(store):
    a = ask(store, f"if I had invested NT$100,000 in 2330 on {DAYS[0]}")
    # 1,000 shares at 100, worth 125,000; fees 142.50 + 178.125, tax 375 on the sale.
    cost, back = 100_000 + 142.5, 125_000 - 178.125 - 375
    assert "worth **NT$125,000**" in a.answer and "+25.00%" in a.answer
    assert f"NT${back:,.0f} comes back for NT${cost:,.0f} paid: {back / cost - 1:+.2%}" in a.answer
    assert "fell as far as -50.00%" in a.answer
    assert a.indicators["shares"] == pytest.approx(1000) and a.indicators["net_return"] == pytest.approx(back / cost - 1)
    lot = ask(store, f"如果 {DAYS[0]} 買一張台積電 現在賺多少")
    assert "買進 1 張（1,000 股），成本 NT$100,000" in lot.answer and "市值 **NT$125,000**" in lot.answer


def test_an_investment_at_a_spans_low_or_high_is_held_to_the_last_close(store):
    """"At the January low": bought at January's lowest close (60 on the fifth session), held to
    the last close (125); "最高點" the highest (130), said in a notice."""
    low = ask(store, "if I had bought 2330 at the January 2025 low, what would it be worth now?")
    assert low.indicators["buy_date"] == DAYS[4].isoformat() and low.indicators["sell_date"] == DAYS[-1].isoformat()
    assert low.indicators["price_return"] == pytest.approx(125 / 60 - 1)
    assert any("Bought at the span's lowest close" in n for n in low.notices)
    high = ask(store, "如果在2025年1月最高點買進台積電，現在賺多少")
    assert high.indicators["buy_close"] == 130.0 and high.indicators["price_return"] == pytest.approx(125 / 130 - 1)
    assert any("以期間最高收盤" in n for n in high.notices)
    plain = ask(store, "if I had bought 2330 in January 2025, what would it be worth now?")  # no extreme: the first session
    assert plain.indicators["buy_date"] == DAYS[0].isoformat()


def test_an_investment_over_a_range_with_one_year_written_and_n_months_ago(store):
    # "from Jan 2 to Jan 8 2025": bought at the 01-02 close (100), sold at the 01-08 close (60),
    # not from 01-08 to today as when the yearless first day was dropped.
    a = ask(store, "2330 return from Jan 2 to Jan 8 2025")
    assert (a.indicators["buy_date"], a.indicators["sell_date"]) == ("2025-01-02", "2025-01-08")
    assert a.indicators["price_return"] == pytest.approx(-0.40)
    zh = ask(store, "台積電2025年1月2日到1月8日的報酬")
    assert (zh.indicators["buy_date"], zh.indicators["sell_date"]) == ("2025-01-02", "2025-01-08")
    # "two months ago": bought on that day (or the next session), held to the last close.
    ago = ask(store, "if I had invested NT$100,000 in 2330 two months ago")
    start = DAYS[-1].replace(month=DAYS[-1].month - 2)
    first = min(d for d in DAYS if d >= start)
    assert ago.indicators["buy_date"] == first.isoformat() and ago.indicators["sell_date"] == DAYS[-1].isoformat()


def test_an_annualised_return_under_a_year_is_said_not_to_be_annualised(store):
    a = ask(store, f"2330 annualized return since {DAYS[0]}")
    assert a.indicators["annualised_net_return"] is None
    assert any("less than a year: the return is not annualised" in n for n in a.notices)
    assert not any("annualised" in n for n in ask(store, f"2330 return since {DAYS[0]}").notices)


def test_investment_on_a_day_without_trading_or_before_the_store(store):
    saturday = DAYS[2] + pd.Timedelta(days=(5 - DAYS[2].weekday()) % 7)
    a = ask(store, f"if I had bought 2330 on {saturday.isoformat()}")
    assert any("no trading day" in n for n in a.notices)
    early = ask(store, "if I had bought 2330 on 2024-06-03")
    assert any(f"start on {DAYS[0]}" in n for n in early.notices)
    none = ask(store, "if I had bought 2330")
    assert "Say when the money went in" in none.answer and not none.bars


def test_correlation_and_beta_against_numpy(store):
    rets = pd.DataFrame({"2454": OTHER, "2317": ALONE, "2330": CLOSES_2330}).pct_change().dropna()
    a = ask(store, "correlation between 2454 and 2317", codes=["2454", "2317"])
    r = float(np.corrcoef(rets["2454"], rets["2317"])[0, 1])
    assert f"{r:+.2f}" in a.answer and a.indicators["correlation"]["2454/2317"] == pytest.approx(r)
    assert a.indicators["sessions"] == 59 and {b.code for b in a.bars} == {"2454", "2317"}
    beta = ask(store, "2454 beta against 2317", codes=["2454", "2317"])
    slope = np.polyfit(rets["2317"], rets["2454"], 1)[0]
    assert beta.indicators["beta"] == pytest.approx(slope) and beta.indicators["benchmark"] == "2317"


def _index_returns() -> pd.Series:
    """The stored companies' equal-weighted index, by hand: each session the mean of their daily returns."""
    closes = pd.DataFrame({"2330": CLOSES_2330, "2454": OTHER, "2317": ALONE})
    return closes.pct_change().mean(axis=1).iloc[1:]


def test_beta_uses_0050_when_stored_else_the_stored_companies_equal_weighted(store):
    """Without 0050 (it had said only "run finqa ingest prices 0050") the market is the stored
    companies' equal-weighted index, said so, and never charted; with 0050 stored, 0050."""
    a = ask(store, "2454 beta")
    m, s = _index_returns(), pd.Series(OTHER).pct_change().iloc[1:]
    assert a.indicators["benchmark"] == "MARKET" and a.indicators["beta"] == pytest.approx(s.cov(m) / m.var())
    assert "against the equal-weighted index of the 3 stored companies" in a.answer
    assert "the stored companies' equal-weighted index stands for the market" in a.answer
    assert {b.code for b in a.bars} == {"2454"}
    corr = ask(store, "2454 correlation with the market")
    assert corr.indicators["correlation"]["2454/MARKET"] == pytest.approx(s.corr(m))
    assert "0050 is not stored" in corr.answer
    lone = Job(req=EngineRequest(message="2454 beta", code="2454"), store=store, code="2454", period=Period("latest"),
               visible=DAYS[-1], zh=False, notices=[], asked="2454 beta")
    assert lone.benchmark() == "MARKET"
    store.upsert_bars(bars("0050", MARKET))
    b = ask(store, "2454 beta")
    assert b.indicators["benchmark"] == "0050" and "0050 stands for the market" in b.answer
    assert 1.3 < b.indicators["beta"] < 1.7  # built as 1.5x the market plus noise
    c = ask(store, "2454 correlation with the market")
    assert "0050 stands for the market" in c.answer
    both = ask(store, "beta of 2454 and 2317", codes=["2454", "2317"])  # each against the market
    assert both.indicators["benchmark"] == "0050" and both.indicators["companies"]["2317"]["benchmark"] == "0050"
    assert both.answer.count("has a beta of") == 2


def test_too_few_common_sessions(store):
    a = ask(store, f"correlation between 2454 and 2317 from {DAYS[0]} to {DAYS[10]}", codes=["2454", "2317"])
    assert "too few" in a.answer and not a.bars


def test_through_the_assistant_with_follow_ups(store, data_dir):
    from assistant.router import IntentClassifier
    from assistant.service import Assistant
    from assistant.slots import ChatSession, parse_slots

    for message in ("2330 drawdown", "2330 beta", "2330 return since 2025-01-02"):
        decision = IntentClassifier().decide(message, parse_slots(message))
        assert decision.route == "qa" and "risk" in decision.reason, message
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("2330 drawdown", session=session)
    assert first.engine == "qa:prices" and "-50.00%" in first.answer
    other = asst.answer("and 2454?", session=session)
    assert other.code == "2454" and other.indicators["max_drawdown"] == pytest.approx(
        max_drawdown(pd.Series(OTHER))[0])
    # A span of its own keeps the drawdown question; the next company keeps the span.
    early = asst.answer(f"what about from {DAYS[0]} to {DAYS[5]}?", session=session)
    assert early.code == "2454" and early.indicators["end"] == DAYS[5].isoformat()
    again = asst.answer("and 2330?", session=session)
    assert again.code == "2330" and again.indicators["max_drawdown"] == pytest.approx(-0.5)
    assert again.indicators["end"] == DAYS[5].isoformat()
    mine = asst.answer("I hold 1 lot of 2330: how is my portfolio doing?", session=session)
    assert mine.engine == "qa:prices" and "Your portfolio" in mine.answer  # not 2330's overview
    pair = asst.answer("correlation between 2330 and 2454", session=session)
    assert set(pair.indicators["correlation"]) == {"2330/2454"}
    three = asst.answer("and 2317?", session=session)
    assert set(three.indicators["correlation"]) == {"2330/2454", "2330/2317", "2454/2317"}


def test_several_companies_each_get_their_drawdown(store):
    a = ask(store, "2330 and 2454 drawdown", codes=["2330", "2454"])
    assert a.answer.count("maximum drawdown was") == 2 and {b.code for b in a.bars} == {"2330", "2454"}
    assert a.indicators["max_drawdown"] == pytest.approx(-0.5)
    assert a.indicators["companies"]["2454"]["max_drawdown"] == pytest.approx(max_drawdown(pd.Series(OTHER))[0])
    other = max_drawdown(pd.Series(OTHER))[0]  # "which had the smallest drawdown?": side by side, shallowest first
    assert f"Side by side (maximum drawdown, shallowest first): 2454 {other:.2%}, 2330 -50.00%." in a.answer


def test_the_largest_one_day_moves(store):
    a = ask(store, "2330's biggest one-day drop")
    # 90 → 60 is -33.33%, 60 → 90 is +50% (neither close is a limit price, so no limit note).
    assert f"-33.33% on {DAYS[4]} (90.00 → 60.00)" in a.answer and f"+50.00% on {DAYS[5]} (60.00 → 90.00)" in a.answer
    assert "limit" not in a.answer
    assert a.indicators["worst_day"] == DAYS[4].isoformat() and a.indicators["best_change"] == pytest.approx(0.5)
    zh = ask(store, "台積電單日最大跌幅")
    assert f"單日最大跌幅：{DAYS[4]} -33.33%" in zh.answer


def test_a_risk_profile(store):
    a = ask(store, "how risky is 2330?")
    rets = pd.Series(CLOSES_2330).pct_change().dropna()
    assert f"annualised volatility {rets.std() * 250 ** 0.5:.1%}" in a.answer
    assert "maximum drawdown -50.00%" in a.answer and "against the equal-weighted index of the 3 stored companies" in a.answer
    m = _index_returns()
    assert a.indicators["beta"] == pytest.approx(rets.reset_index(drop=True).cov(m.reset_index(drop=True)) / m.var())
    assert a.indicators["down_days"] == pytest.approx(float((rets < 0).mean()))
    store.upsert_bars(bars("0050", MARKET))
    with_beta = ask(store, "is 2454 risky?")
    assert "against 0050" in with_beta.answer and 1.3 < with_beta.indicators["beta"] < 1.7
    assert risk_kind("what are the risks for TSMC from tariffs?") is None


def test_json_and_the_ui_views(store, data_dir):
    """``--json`` carries the numbers under ``indicators``; the UI charts one company's bars as a
    candlestick and several companies' closes side by side."""
    import json

    import ui

    one = ask(store, f"if I had invested NT$100,000 in 2330 on {DAYS[0]}")
    out = one.to_json()
    assert out["engine"] == "qa:prices" and out["indicators"]["value"] == pytest.approx(125_000)
    assert len(out["prices"]) == 60 and out["citations"][0]["n"] == 1
    ctl = ui.ChatController(object(), data_dir, session_factory=dict)
    details, plot, _ = ctl.result_views(one)
    assert "2330 TSMC (台積電) daily prices" in details
    assert json.loads(plot.value["plot"])["data"][0]["type"] == "candlestick"
    pair = ask(store, "correlation between 2454 and 2317", codes=["2454", "2317"])
    traces = json.loads(ctl.result_views(pair)[1].value["plot"])["data"]
    assert {t["name"].split()[0] for t in traces} == {"2454", "2317"}


def test_the_sharpe_ratio_is_the_annualised_mean_return_over_the_volatility(store):
    """Recomputed from the stored closes of the span the answer reports: mean daily return × 250
    over the standard deviation × √250 (risk-free rate 0)."""
    a = ask(store, "2330 Sharpe ratio")
    assert risk_kind("2330 Sharpe ratio") == "risk" and risk_kind("台積電夏普比率") == "risk"
    n = a.indicators
    closes = store.bars("2330", start=date.fromisoformat(n["start"]), end=date.fromisoformat(n["end"]))["close"]
    rets = closes.astype(float).pct_change().dropna()
    assert n["mean_return_annualised"] == pytest.approx(rets.mean() * 250)
    assert n["sharpe"] == pytest.approx(rets.mean() * 250 / (rets.std() * np.sqrt(250)))
    assert f"Sharpe ratio {n['sharpe']:.2f} (the mean daily return annualised" in a.answer and "risk-free rate 0" in a.answer
    assert "夏普比率" in ask(store, "台積電夏普比率").answer


def test_which_is_riskier_names_the_most_volatile_and_the_deepest_drawdown(store):
    a = ask(store, "which is riskier, 2330 or 2317?", codes=["2330", "2317"])
    assert a.answer.count("annualised volatility") == 2
    vol = {c: a.indicators["companies"][c]["volatility_annualised"] for c in ("2330", "2317")}
    assert f"the most volatile was {'2330 TSMC (台積電)' if vol['2330'] > vol['2317'] else '2317 Hon Hai (鴻海)'}" in a.answer
    assert "the deepest drawdown 2330 TSMC (台積電)'s (-50.00%)" in a.answer
    zh = ask(store, "聯發科跟台積電哪個風險比較高", codes=["2454", "2330"])
    assert "回撤最深的是 2330 台積電（-50.00%）" in zh.answer


@pytest.mark.parametrize("message, kind", [
    ("which stock had the biggest drawdown in 2025?", "drawdown"), ("most volatile stocks", "volatility"),
    ("哪檔股票波動最小", "volatility"), ("which stocks had the worst single-day drop?", "extremes"),
    ("rank the stocks by risk", "volatility"),
    # no "which": the superlative before the stocks (波動最小的股票 had gone to the news)
    ("波動最小的股票", "volatility"), ("回撤最深的公司", "drawdown"), ("stocks with the lowest volatility", "volatility"),
    ("最近漲最多的股票", None),
    ("which stock rose the most in 2025?", None), ("how volatile is the market?", None),
    ("which stocks will be the most volatile next month?", None),
    ("compare the volatility of all semiconductor stocks", "volatility"),  # it had searched the news
])
def test_which_questions_rank_by_risk(message, kind):
    from assistant.risk_rankings import risk_ranking_kind

    assert risk_ranking_kind(message, []) == kind
    assert risk_ranking_kind(message, ["2330"]) is None  # a company named: its own answer


def test_a_ranking_by_risk(store):
    from assistant.risk_rankings import risk_ranking

    store.upsert_bars([PriceBar(code="AAPL", date=d, open=c, high=c, low=c, close=c, volume=1.0)
                       for d, c in zip(DAYS, [100.0, 1.0] * 30)])  # a US symbol: wild, but not ranked
    deepest = risk_ranking(EngineRequest(message="which stock had the biggest drawdown?"), store, today=DAYS[-1])
    rows = deepest.ranking["drawdown"]
    assert [r["code"] for r in rows][0] == "2330" and rows[0]["value"] == pytest.approx(-0.5)
    assert "AAPL" not in deepest.answer and "1. 2330 TSMC (台積電) -50.00%" in deepest.answer
    vols = {c: float(pd.Series(x).pct_change().std() * 250 ** 0.5) for c, x in
            (("2330", CLOSES_2330), ("2454", OTHER), ("2317", ALONE))}
    calm = risk_ranking(EngineRequest(message="least volatile stocks"), store, today=DAYS[-1])
    assert [r["code"] for r in calm.ranking["volatility"]] == sorted(vols, key=vols.get)
    assert calm.ranking["volatility"][0]["value"] == pytest.approx(min(vols.values()))
    # As of DAYS[30]: every window ends before it.
    early = risk_ranking(EngineRequest(message="most volatile stocks", as_of=DAYS[30]), store, today=DAYS[-1])
    assert all(r["end"] < DAYS[30].isoformat() for r in early.ranking["volatility"])
    none = risk_ranking(EngineRequest(message="most volatile stocks", as_of=DAYS[10]), store, today=DAYS[-1])
    assert not none.ranking and "at least 20 sessions of price changes" in none.answer
    # by industry: each one's median over its stored companies (it had ranked the companies)
    from statistics import median

    industries = risk_ranking(EngineRequest(message="which industry is the most volatile?"), store, today=DAYS[-1])
    rows = industries.ranking["volatility"]
    expected = {"半導體業": median([vols["2330"], vols["2454"]]), "其他電子業": vols["2317"]}
    assert {r["code"]: r["value"] for r in rows} == pytest.approx(expected)
    assert rows[0]["code"] == max(expected, key=expected.get) and "among 2 industries" in industries.answer
    assert "Semiconductors (半導體業)" in industries.answer and "(2: 2330, 2454)" in industries.answer
    zh = risk_ranking(EngineRequest(message="哪個產業回撤最深"), store, today=DAYS[-1])
    assert "資料庫中 2 個產業" in zh.answer and zh.ranking["drawdown"][0]["code"] == "半導體業"
    # by the Sharpe ratio, as the company risk answers compute it ("risk-adjusted" had ranked by volatility)
    sharpes = {c: float(pd.Series(x).pct_change().mean() * 250) / vols[c] for c, x in
               (("2330", CLOSES_2330), ("2454", OTHER), ("2317", ALONE))}
    best = risk_ranking(EngineRequest(message="which stock has the best risk-adjusted return?"), store, today=DAYS[-1])
    assert [r["code"] for r in best.ranking["sharpe"]] == sorted(sharpes, key=sharpes.get, reverse=True)
    assert best.ranking["sharpe"][0]["value"] == pytest.approx(max(sharpes.values()))
    assert best.ranking["sharpe"][0]["unit"] == "ratio" and any("risk-free" in n for n in best.notices)
    assert risk_ranking(EngineRequest(message="哪檔股票夏普比率最高"), store, today=DAYS[-1]).ranking["sharpe"]


def test_a_ranking_by_risk_through_the_assistant_and_the_ui(store, data_dir):
    import ui
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("哪檔股票回撤最大")
    assert a.engine == "qa:prices" and "最大回撤最深" in a.answer and a.ranking["drawdown"][0]["code"] == "2330"
    table = ui.ChatController(object(), data_dir, session_factory=dict).result_views(a)[2]
    assert table.value["data"][0][:2] == ["drawdown", 1] and "-50.00%" in table.value["data"][0]


def test_now_ends_an_investment_it_is_not_its_span(store):
    a = ask(store, "如果去年買台積電現在賺多少", today=date(2026, 3, 1))
    assert a.indicators["buy_date"] == DAYS[0].isoformat() and "市值" in a.answer
    en = ask(store, "if I had bought TSMC last year, what would it be worth now?", today=date(2026, 3, 1))
    assert en.indicators["buy_date"] == DAYS[0].isoformat()
    # "年初" alone is the start of this year (it had asked when the shares were bought)
    start = ask(store, "年初買台積電到現在賺多少", today=DAYS[-1] + timedelta(days=1))
    first = min(d for d in DAYS if d.year == DAYS[-1].year)
    assert start.indicators["buy_date"] == first.isoformat(), start.answer


@pytest.mark.parametrize("message, positions", [
    ("I hold 2 lots of 2330 and 500 shares of 2454, how did my portfolio do?", [("2330", 2000.0), ("2454", 500.0)]),
    ("我持有台積電3張、聯發科2張", [("2330", 3000.0), ("2454", 2000.0)]),
    ("my portfolio: TSMC 1000 shares, MediaTek 1 lot", [("2330", 1000.0), ("2454", 1000.0)]),
    ("I own 2330 and 2454", [("2330", None), ("2454", None)]),
    # English names among Chinese: to_simplified sets them apart, which must not shift the reading
    ("我持有TSMC 2張、聯發科3張", [("2330", 2000.0), ("2454", 3000.0)]),
    ("我持有MediaTek 2張和台積電1張", [("2454", 2000.0), ("2330", 1000.0)]),
    # shares written as a product; "I have" or "我有" with quantities; "my 2 lots of"
    ("my portfolio: 2330 x 1000, 2454 x 500", [("2330", 1000.0), ("2454", 500.0)]),
    ("我有台積電2張和鴻海5張，上個月賺多少", [("2330", 2000.0), ("2317", 5000.0)]),
    ("I have 3 lots of 2317 and 200 shares of 2330", [("2317", 3000.0), ("2330", 200.0)]),
    ("how did my 2 lots of 2330 do in April 2025?", [("2330", 2000.0)]),
    # a space, not a comma, between positions: 3 張 is 台積電's, not also 鴻海's (鴻海 had held 3 張)
    ("我有台積電3張 鴻海10張 現在市值多少", [("2330", 3000.0), ("2317", 10000.0)]),
    ("my portfolio: 2330 2 lots 2454 500 shares", [("2330", 2000.0), ("2454", 500.0)]),
])
def test_positions_are_read_next_to_each_name(message, positions):
    from assistant.holdings import parse_positions

    assert risk_kind(message) == "portfolio"
    assert parse_positions(message) == positions


def test_a_portfolio_by_hand(store):
    a = ask(store, f"I hold 2 lots of 2330 and 500 shares of 2454: my portfolio from {DAYS[1]} to {DAYS[6]}?",
            codes=["2330", "2454"])
    # From the close before DAYS[1] (DAYS[0]) to DAYS[6].
    v0 = 2000 * CLOSES_2330[0] + 500 * OTHER[0]
    v1 = 2000 * CLOSES_2330[6] + 500 * OTHER[6]
    assert a.indicators["value_start"] == pytest.approx(v0) and a.indicators["value_end"] == pytest.approx(v1)
    assert f"worth **NT${v1:,.0f}** at the {DAYS[6]} closes" in a.answer and f"{v1 / v0 - 1:+.2%}" in a.answer
    assert "2 lots of 2330 TSMC (台積電): NT$260,000" in a.answer
    recent = ask(store, "我持有台積電3張", today=DAYS[-1])
    assert "近 20 個交易日" in recent.answer and recent.indicators["start"] == DAYS[-21].isoformat()
    cut = ask(store, "I hold 1 lot of 2330: how is my portfolio doing?", as_of=DAYS[5])
    assert cut.indicators["end"] == DAYS[4].isoformat() and all(b.date < DAYS[5] for b in cut.bars)
    none = ask(store, "I own 2330 and 2454", codes=["2330", "2454"])
    assert "Say how much of each you hold" in none.answer
    # a day asked is that day's value (from the close before it), not the latest close
    on = ask(store, f"I hold 2 lots of 2330: what was my portfolio worth on {DAYS[6]}?", codes=["2330"])
    assert on.indicators["end"] == DAYS[6].isoformat() and on.indicators["value_end"] == pytest.approx(2000 * CLOSES_2330[6])
    assert on.indicators["start"] == DAYS[5].isoformat()
    # selling it all: one order a holding, each paying the fee (0.1425%, at least NT$20) and the tax
    sold = ask(store, f"I hold 2 lots of 2330 and 500 shares of 2454: what if I sell everything, from {DAYS[1]} to {DAYS[6]}?",
               codes=["2330", "2454"])
    a_value, b_value = 2000 * CLOSES_2330[6], 500 * OTHER[6]
    fees = max(20.0, a_value * 0.001425) + max(20.0, b_value * 0.001425)
    tax = (a_value + b_value) * 0.003
    assert sold.indicators["sell_fees"] == pytest.approx(fees) and sold.indicators["sell_tax"] == pytest.approx(tax)
    assert f"leave **NT${a_value + b_value - fees - tax:,.0f}**" in sold.answer
    assert "sell_net" not in a.indicators


def test_portfolio_follow_ups_ask_of_the_same_holdings(store, data_dir):
    """"what's it worth?", "how did it do in <span>?", "which one lost more?" and "what if I sell
    everything?" after a portfolio are about its holdings (over its span when they name none); a
    question that names a company of its own is not."""
    from assistant.followups import carry_portfolio
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    held, today = "I hold 2 lots of 2330 and 3 lots of 2454", DAYS[-1]
    assert carry_portfolio("what's it worth?", held, today) == (
        "I hold 2,000 shares of 2330 and 3,000 shares of 2454: what's it worth? over the last 20 trading days")
    assert carry_portfolio("how did it do in April 2025?", held, today).endswith(": how did it do in April 2025?")
    assert carry_portfolio("我的持股現在值多少", held, today).startswith("I hold 2,000 shares of 2330")
    # "how much did I make since January?" (it had gone to the news), "我賺了多少"
    assert carry_portfolio("how much did I make since January?", held, today).endswith(": how much did I make since January?")
    assert carry_portfolio("我賺了多少", held, today).startswith("I hold 2,000 shares of 2330")
    assert carry_portfolio("2317 price", held, today) == "2317 price"
    assert carry_portfolio("what's it worth?", "2330 price", today) == "what's it worth?"
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer(f"I hold 2 lots of 2330 and 500 shares of 2454: my portfolio from {DAYS[1]} to {DAYS[6]}?",
                        session=session, as_of=DAYS[-1])
    worth = asst.answer("what's it worth?", session=session, as_of=DAYS[-1])
    assert worth.indicators["value_end"] == pytest.approx(first.indicators["value_end"])  # the same span
    assert any("Read as" in n for n in worth.notices)
    sell = asst.answer("what if I sell everything?", session=session, as_of=DAYS[-1])
    assert "sell_net" in sell.indicators
    # "which holding is the biggest risk?" (it had searched the news): each holding's share of the
    # portfolio's risk; "should I rebalance?": the holdings, and no verdict
    session = ChatSession()
    asst.answer("I hold 2 lots of 2330 and 500 shares of 2454", session=session, as_of=DAYS[-1])
    risk = asst.answer("which holding is the biggest risk?", session=session, as_of=DAYS[-1])
    assert "share of the portfolio's risk" in risk.answer, risk.answer
    rebalance = asst.answer("should I rebalance?", session=session, as_of=DAYS[-1])
    assert rebalance.engine == "qa:prices" and "finqa does not tell you whether to buy or sell" in rebalance.answer
    # in Chinese, "總市值多少" / "風險高嗎" after the holdings are of them (they had searched the news)
    for asked in ("總市值多少", "帳面損益多少", "風險高嗎"):
        assert carry_portfolio(asked, held, today).startswith("I hold 2,000 shares of 2330"), asked
    session = ChatSession()
    asst.answer("我有台積電2張、聯發科500股", session=session, as_of=DAYS[-1])
    value = asst.answer("總市值多少", session=session, as_of=DAYS[-1])
    assert value.engine == "qa:prices" and "value_end" in value.indicators
    zh_risk = asst.answer("風險高嗎", session=session, as_of=DAYS[-1])
    assert "組合年化波動度" in zh_risk.answer, zh_risk.answer


def test_each_holding_s_share_of_the_portfolio_risk_by_hand():
    """w_i (Σw)_i / w'Σw on three made-up return paths, written out with plain sums."""
    from assistant.holdings import risk_shares

    days = pd.bdate_range("2025-01-01", periods=6)
    held = pd.DataFrame({"A": [10, 11, 10.5, 11.5, 11, 12], "B": [20, 19, 20, 19.5, 21, 20],
                         "C": [5, 5.5, 5.2, 5.6, 5.4, 5.9]}, index=days)
    qty = {"A": 100.0, "B": 50.0, "C": 300.0}
    got = risk_shares(held, qty)
    r = {c: [held[c].iloc[i] / held[c].iloc[i - 1] - 1 for i in range(1, 6)] for c in qty}
    mean = {c: sum(v) / 5 for c, v in r.items()}
    cov = {(a, b): sum((r[a][i] - mean[a]) * (r[b][i] - mean[b]) for i in range(5)) / 4 for a in qty for b in qty}
    value = {c: held[c].iloc[-1] * q for c, q in qty.items()}
    w = {c: v / sum(value.values()) for c, v in value.items()}
    total = sum(w[a] * w[b] * cov[(a, b)] for a in qty for b in qty)
    for c in qty:
        assert got[c] == pytest.approx(w[c] * sum(cov[(c, b)] * w[b] for b in qty) / total)
    assert sum(got.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("message", ["一張台積電多少錢", "how much does one lot of TSMC cost?",
                                     "how many shares of TSMC can I buy with NT$100,000?", "10萬可以買幾張台積電",
                                     "If I invest 100000 in TSMC today, how many shares can I buy?"])
def test_what_a_lot_costs_questions(message):
    assert risk_kind(message) == "cost"
    assert risk_kind("if I had bought one lot of TSMC on 2025-01-02, how much would one lot be worth now?") == "investment"


def test_what_a_lot_costs_and_what_an_amount_buys(store):
    # The last close is 125: a lot is NT$125,000, with the 0.1425% fee NT$125,178.
    lot = ask(store, "how much does one lot of TSMC cost?")
    assert "1 lot (1,000 shares) costs NT$125,000, **NT$125,178** with the broker's fee" in lot.answer
    assert lot.indicators["lot_cost_with_fee"] == pytest.approx(125_000 * 1.001425)
    three = ask(store, "how much do 3 lots of 2330 cost?")
    assert three.indicators["cost"] == 375_000 and three.indicators["cost_with_fee"] == pytest.approx(375_000 * 1.001425)
    # NT$300,000: two lots (250,000 + 356.25 fee) leave 49,643.75, which buys 396 odd-lot shares
    # (49,500 + 70.54 fee); 397 would cost 49,695.70.
    budget = ask(store, "how many shares of TSMC can I buy with NT$300,000?")
    assert (budget.indicators["lots"], budget.indicators["odd_shares"]) == (2, 396)
    assert budget.indicators["spent"] == pytest.approx(250_000 + 356.25 + 49_500 + 49_500 * 0.001425)
    small = ask(store, "how many shares of TSMC can I buy with NT$1,000?")  # the NT$20 minimum fee
    assert (small.indicators["lots"], small.indicators["odd_shares"]) == (0, 7)  # 7 x 125 + 20 = 895
    assert "NT$1,000 buys **7 shares** as odd lots (less than one lot)" in small.answer and "0 lots" not in small.answer
    assert "可買 **7 股零股**（不到一張）" in ask(store, "1000元可以買幾股台積電").answer
    assert "buys **not a single share**" in ask(store, "how many shares of TSMC can I buy with NT$50?").answer
    cut = ask(store, "一張台積電多少錢", as_of=DAYS[4])  # the close before the as-of day: 90
    assert cut.indicators["close"] == 90.0 and "NT$90,000" in cut.answer


def test_nothing_staked_is_said_not_divided_by(store):
    for message in ("if I had invested NT$0 in 2330 on 2025-01-02", "how much do 0 lots of 2330 cost?",
                    "how many shares of TSMC can I buy with NT$0?"):
        a = ask(store, message)
        assert "must be above zero" in a.answer and not a.bars, message
    assert parse_stake("0 lots of 2330") == Stake(shares=0.0) and not Stake(shares=0.0).positive


def test_a_flat_series_has_no_beta_or_correlation(store):
    store.upsert_bars(bars("2603", [50.0] * 60))  # suspended all along
    beta = ask(store, "beta of 2454 against 2603", codes=["2454", "2603"])
    assert "did not move" in beta.answer and "nan" not in beta.answer.lower()
    # "2454's beta to 2603": the second company is the benchmark too (it had asked for 0050's prices)
    to = ask(store, "what's 2454's beta to 2603?", codes=["2454", "2603"])
    assert "did not move" in to.answer and "0050" not in to.answer
    corr = ask(store, "correlation between 2454 and 2603", codes=["2454", "2603"])
    assert "did not move" in corr.answer and "nan" not in corr.answer.lower() and not corr.indicators["correlation"]


@pytest.mark.parametrize("message, paid, shares", [
    ("I bought 2330 at 1000, how much did I lose?", 1000.0, None),
    ("2330 cost basis 800, 2 lots, profit?", 800.0, 2000.0),
    ("bought 2 lots of TSMC at NT$1,050", 1050.0, 2000.0),
    ("I bought 500 shares of 2330 for 900 each, my profit?", 900.0, 500.0),
    ("我在900買了3張台積電，現在賺多少", 900.0, 3000.0), ("台積電成本850賺多少", 850.0, None), ("我以1,000元買進2張台積電", 1000.0, 2000.0),
    # a comma after a number groups no thousands (it had read 950，2 as 9,502)
    ("我有台積電2張成本950，現在賺多少", 950.0, 2000.0), ("bought 2 lots of TSMC at 1,050.5, my profit?", 1050.5, 2000.0),
    # the size written after the price ("at 1,050, 2 lots" had assumed one lot)
    ("我有台積電成本950，2張，現在賺多少", 950.0, 2000.0), ("I bought 2330 at 1,050, 2 lots, my P&L?", 1050.0, 2000.0),
])
def test_a_price_paid_is_a_position(message, paid, shares):
    from assistant.holdings import parse_paid

    assert risk_kind(message) == "position"
    got, rest = parse_paid(message)
    assert got == paid and parse_stake(rest).shares == shares


@pytest.mark.parametrize("message", [
    "TSMC bought 100 lots of equipment at 5 billion", "I bought 2330 at 1000, will it recover?", "2330 at 1000 next week",
    "if I had invested NT$100,000 in TSMC on 2024-09-02", "how much does a lot of 2330 cost",
    "how many shares of TSMC can I buy with NT$100,000?", "I bought 2 lots of 2330 for NT$200,000",
])
def test_not_positions(message):
    assert risk_kind(message) != "position"


def test_a_position_s_paper_and_net_result_after_costs(store):
    # Bought 2 lots at 100; the last close is 125: +50,000 on paper. Fees 285 (buy) and 356.25
    # (sell) and the 0.3% tax 750 on the 250,000 sale: net 50,000 - 285 - 356.25 - 750.
    a = ask(store, "I bought 2 lots of 2330 at 100, what's my profit?")
    net = 250_000 - 356.25 - 750 - (200_000 + 285)
    assert "bought at 100.00; the " in a.answer and "+25.00% (+25.00 a share)" in a.answer
    assert "On 2 lots (2,000 shares) that is **+NT$50,000** on paper" in a.answer
    assert f"**+NT${net:,.0f}** ({(250_000 - 356.25 - 750) / 200_285 - 1:+.2%})" in a.answer
    assert a.indicators["net_gain"] == pytest.approx(net) and a.indicators["paid"] == 100.0
    one = ask(store, "我在130買了台積電，現在賠多少")  # no quantity: one lot, and said so
    assert "帳面損益 **−NT$5,000**" in one.answer and "以一張計" in one.answer
    cut = ask(store, "I bought 2330 at 100, how am I doing?", as_of=DAYS[4])  # the close before: 90
    assert cut.indicators["close"] == 90.0 and cut.indicators["paper_gain"] == pytest.approx(-10_000)
    assert "must be above zero" in ask(store, "I bought 0 lots of 2330 at 100, profit?").answer
    beside = ask(store, "2330 2 lots at 100, what is my P&L?")  # the price beside the name, no "bought"
    assert beside.indicators["net_gain"] == pytest.approx(net) and beside.indicators["paid"] == 100.0


def test_the_cost_of_selling_a_lot_and_the_smallest_buy(store):
    """Selling one lot of 2330 at the last close (125): fee 178.125, tax 375; the odd-lot price is
    the close per share."""
    sell = ask(store, "how much tax do I pay selling 1 lot of 2330?")
    assert sell.indicators["sell_tax"] == pytest.approx(375.0) and sell.indicators["sell_fee"] == pytest.approx(178.125)
    assert "leave **NT$124,447**" in sell.answer
    assert "證券交易稅 NT$375，實得 **NT$124,447**" in ask(store, "賣一張台積電要繳多少證交稅").answer
    for message in ("what is the minimum to buy 2330?", "2330 odd lot price", "台積電零股"):
        assert risk_kind(message) == "cost", message
    assert "sell_tax" not in ask(store, "how much does a lot of 2330 cost").indicators


@pytest.mark.parametrize("message, expected", [
    ("I bought TSMC at 1000 and MediaTek at 1200", [("2330", 1000.0, None), ("2454", 1200.0, None)]),
    ("我在900買了3張台積電、在1100買了2張聯發科", [("2330", 900.0, 3000.0), ("2454", 1100.0, 2000.0)]),
    ("I bought 2 lots of TSMC at 1000 and 1 lot of MediaTek @ 1200, profit?", [("2330", 1000.0, 2000.0), ("2454", 1200.0, 1000.0)]),
    ("台積電成本900、聯發科成本1100賺多少", [("2330", 900.0, None), ("2454", 1100.0, None)]),
    ("I bought 2330 at 1000, how much did I lose?", [("2330", 1000.0, None)]),
    # no "bought": a size and a price beside each name, and a word of profit or loss
    ("2330 200 shares at 950 and 2454 1 lot at 1100, total P&L", [("2330", 950.0, 200.0), ("2454", 1100.0, 1000.0)]),
    ("TSMC at 1000, what is my P&L?", [("2330", 1000.0, None)]),
])
def test_prices_paid_are_read_beside_each_name(message, expected):
    from assistant.holdings import paid_positions

    assert risk_kind(message) == "position"
    assert paid_positions(message) == expected


def test_several_positions_each_and_in_all(store):
    # 2 lots of 2330 at 100 (last close 125) and 1 lot of 2317 at 40 (last close ALONE[-1]).
    a = ask(store, "I bought 2 lots of 2330 at 100 and 1 lot of 2317 at 40, how am I doing?")
    last = float(ALONE[-1])
    paper = 2000 * 25 + 1000 * (last - 40)
    assert a.indicators["paper_gain"] == pytest.approx(paper)
    fee = lambda v: max(20.0, v * 0.001425)  # noqa: E731
    cost = 200_000 + fee(200_000) + 40_000 + fee(40_000)
    back = 250_000 - fee(250_000) - 750 + 1000 * last - fee(1000 * last) - 3 * last
    assert a.indicators["net_gain"] == pytest.approx(back - cost)
    assert "**Your 2 positions**: NT$240,000 paid" in a.answer
    assert "- 2 lots of 2330 TSMC (台積電) bought at 100.00: " in a.answer and "+NT$50,000 on paper" in a.answer
    assert [p["code"] for p in a.indicators["positions"]] == ["2330", "2317"]
    # the best and the worst named ("which one is worse?" had been left to the reader)
    best, worst = sorted([("2330", 125 / 100 - 1), ("2317", last / 40 - 1)], key=lambda t: -t[1])
    assert f"Best: {best[0]} " in a.answer and f"({best[1]:+.2%}); worst: {worst[0]} " in a.answer
    # the costs of selling said, each (it had been the net alone): "如果全部賣掉要繳多少稅"
    tax = 0.003 * (250_000 + 1000 * last)
    assert a.indicators["sell_tax"] == pytest.approx(tax)
    assert a.indicators["buy_fees"] == pytest.approx(fee(200_000) + fee(40_000))
    assert f"the transaction tax (NT${tax:,.0f})" in a.answer


def test_follow_ups_after_positions_bought_at_a_price_are_about_them(store, data_dir):
    """"I bought 2 lots of 2330 at 100 and 1 lot of 2317 at 40", then "how am I doing?", "what if I
    sell the 2317?", "如果全部賣掉要繳多少稅" and "my portfolio risk": about those positions (they
    had all searched the news); one of them asked about does not narrow the rest."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("I bought 2 lots of 2330 at 100 and 1 lot of 2317 at 40", session=session, as_of=DAYS[-1])
    doing = asst.answer("how am I doing?", session=session, as_of=DAYS[-1])
    assert doing.engine == "qa:prices" and doing.indicators["net_gain"] == pytest.approx(first.indicators["net_gain"])
    one = asst.answer("what if I sell the 2317?", session=session, as_of=DAYS[-1])
    assert one.engine == "qa:prices" and "2317" in one.answer and "2330" not in one.answer.split("[1]")[0]
    everything = asst.answer("如果全部賣掉要繳多少稅", session=session, as_of=DAYS[-1])
    assert [p["code"] for p in everything.indicators["positions"]] == ["2330", "2317"] and "證券交易稅 NT$" in everything.answer
    risk = asst.answer("my portfolio risk", session=session, as_of=DAYS[-1])
    value = 2000 * pd.Series(CLOSES_2330[:59]) + 1000 * pd.Series(ALONE[:59])  # the sessions before the as-of day
    vol = float(value.pct_change().dropna().std() * np.sqrt(250))
    assert risk.indicators["risk"]["volatility_annualised"] == pytest.approx(vol)
    assert "the portfolio's annualised volatility" in risk.answer
    # a move of one holding is the whole portfolio's scenario, and what follows still reads all of them
    move = asst.answer("what if 2317 drops 10%?", session=session, as_of=DAYS[-1])
    assert "2330 TSMC (台積電): NT$250,000 (unchanged)" in move.answer.replace("2 lots of ", "")
    again = asst.answer("my portfolio risk", session=session, as_of=DAYS[-1])
    assert set(again.indicators["risk"]["holdings_volatility"]) == {"2330", "2317"}
    assert asst.answer("2454 price", session=session, as_of=DAYS[-1]).code == "2454"  # a question of its own
    asst.answer("I bought 2 lots of 2330 at 100 and 1 lot of 2317 at 40", session=session, as_of=DAYS[-1])
    rsi = asst.answer("2330 RSI", session=session, as_of=DAYS[-1])  # a holding named, asked of the company
    assert "RSI(14)" in rsi.answer and not any("Read as" in n for n in rsi.notices)


def test_a_position_at_a_price_named_and_its_tax_follow_it(store, data_dir):
    """"我有台積電2張成本100", then "如果漲到150呢" / "那跌到80呢" (the result as if sold there; they
    had been the forecaster's odds) and "要繳多少稅" (it had searched the news); "會漲到150嗎" stays
    the odds; "成本100，賣掉要繳多少稅" sells at the close, not at the cost before the comma."""
    from assistant.holdings import parse_sold
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("我有台積電2張成本100", session=session, as_of=DAYS[-1])
    up = asst.answer("如果漲到150呢", session=session, as_of=DAYS[-1])
    assert up.route == "qa" and "以 100.00 買進、以 150.00 賣出" in up.answer and "價差 **+NT$100,000**" in up.answer
    down = asst.answer("那跌到80呢", session=session, as_of=DAYS[-1])
    assert "以 80.00 賣出" in down.answer and "價差 **−NT$40,000**" in down.answer
    tax = asst.answer("要繳多少稅", session=session, as_of=DAYS[-1])
    assert tax.engine == "qa:prices" and "證券交易稅" in tax.answer
    assert asst.route("我有台積電2張成本100，會漲到150嗎")["route"] == "forecast"
    assert asst.route("I bought 2330 at 100, what if it goes to 150?")["route"] == "qa"
    assert parse_sold("我有台積電2張成本950，賣掉要繳多少稅") is None and parse_sold("成本950，1100賣掉") == 1100.0
    # a recovery named as the price (it had repeated the position at the close)
    assert parse_sold("what if it recovers to 160?") == 160.0 and parse_sold("if it bounces back to 175") == 175.0


def test_a_position_added_in_another_company_joins_those_stated(store, data_dir):
    """"I bought 2 lots of 2330 at 100", then "and 2317, I have 1 lot at 40": both positions and
    their total (it had asked how much of each is held), and "total?" after it is both again (it
    had searched the news); the same in Chinese, where the first price stands away from the name
    ("我100買了2張台積電" then "我還有一張鴻海，成本40", "總共呢"). Without a word that adds
    ("I bought 1 lot of 2317 at 40") a new statement is a position of its own."""
    from assistant.holdings import paid_positions
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    assert paid_positions("and 2317, I have 1 lot at 40") == [("2317", 40.0, 1000.0)]
    assert paid_positions("鴻海我有1張 成本40") == [("2317", 40.0, 1000.0)]
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    for first, added, total in (("I bought 2 lots of 2330 at 100, my P&L?", "and 2317, I have 1 lot at 40", "total?"),
                                ("我100買了2張台積電，現在賺多少", "我還有一張鴻海，成本40", "總共呢")):
        session = ChatSession()
        alone = asst.answer(first, session=session, as_of=DAYS[-1])
        assert alone.indicators["paid"] == 100.0 and alone.indicators["shares"] == 2000.0
        both = asst.answer(added, session=session, as_of=DAYS[-1])
        assert [(p["code"], p["paid"], p["shares"]) for p in both.indicators["positions"]] == [
            ("2330", 100.0, 2000.0), ("2317", 40.0, 1000.0)], both.answer
        # as of DAYS[-1], the last close seen is the day before it
        paper = 2000 * (float(CLOSES_2330[-2]) - 100) + 1000 * (float(ALONE[-2]) - 40)
        assert both.indicators["paper_gain"] == pytest.approx(paper)
        again = asst.answer(total, session=session, as_of=DAYS[-1])
        assert again.indicators["net_gain"] == pytest.approx(both.indicators["net_gain"]), again.answer
    session = ChatSession()
    asst.answer("I bought 2 lots of 2330 at 100, my P&L?", session=session, as_of=DAYS[-1])
    own = asst.answer("I bought 1 lot of 2317 at 40, my P&L?", session=session, as_of=DAYS[-1])
    assert own.code == "2317" and "positions" not in own.indicators and own.indicators["paid"] == 40.0


def test_a_size_written_after_the_price_paid_is_read():
    """"TSMC at 1000, 2 lots and MediaTek at 1200, 1 lot", "台積電成本950，2張": each size after its price
    (one lot had been assumed for each)."""
    from assistant.holdings import paid_positions, parse_positions

    assert paid_positions("I bought TSMC at 1000, 2 lots and MediaTek at 1200, 1 lot") == [("2330", 1000.0, 2000.0),
                                                                                          ("2454", 1200.0, 1000.0)]
    assert parse_positions("我有台積電成本950，2張") == [("2330", 2000.0)]
    assert parse_positions("台積電3張 鴻海10張") == [("2330", 3000.0), ("2317", 10000.0)]


def test_two_purchases_of_one_company_are_one_position_at_the_average_cost(store, data_dir):
    """"500 shares of 2330 at 120 and 500 shares of 2330 at 80" (only the first had been read), and
    after a position "and if I add another 500 shares at 80?" / "再買2張在80" (averaging down, 攤平)."""
    from assistant.holdings import same_company_purchases
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    assert same_company_purchases("I hold 500 shares of 2330 at 120 and 500 shares of 2330 at 80") == [(120.0, 500.0),
                                                                                                      (80.0, 500.0)]
    assert same_company_purchases("I hold 500 shares of 2330 at 120") == []
    assert same_company_purchases("500 shares of 2330 at 120 and 500 shares of 2317 at 80") == []  # two companies
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    one = asst.answer("I hold 500 shares of 2330 at 120 and 500 shares of 2330 at 80", as_of=DAYS[-1])
    assert one.indicators["paid"] == 100.0 and one.indicators["shares"] == 1000.0
    assert any("2 purchases combined (500 shares at 120.00 and 500 shares at 80.00)" in n for n in one.notices)
    session = ChatSession()
    asst.answer("我有台積電2張成本120", session=session, as_of=DAYS[-1])
    more = asst.answer("再買2張在80", session=session, as_of=DAYS[-1])
    assert more.indicators["paid"] == 100.0 and more.indicators["shares"] == 4000.0
    assert any("平均成本 100.00" in n for n in more.notices)


def test_a_risk_and_an_indicator_asked_together_are_both_answered(store, data_dir):
    """"2330 RSI and drawdown": the drawdown, then the indicators, their sources numbered on."""
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("2330 RSI and max drawdown", as_of=DAYS[-1])
    assert "maximum drawdown was **-50.00%**" in a.answer and "RSI(14)" in a.answer
    assert a.answer.index("maximum drawdown") < a.answer.index("RSI(14)")
    assert [c.n for c in a.citations] == [1, 2] and "[2]" in a.answer
    assert a.indicators["max_drawdown"] == -0.5 and "rsi14" in a.indicators  # the numbers of both


def test_a_portfolio_question_without_companies_asks_for_the_holdings(data_dir):
    from assistant.service import Assistant

    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("我的持股價值")
    assert a.engine == "qa:prices" and a.answer.startswith("請寫出每檔的股數或張數")


def test_a_period_alone_after_a_drawdown_asks_the_drawdown_of_that_period(store, data_dir):
    """"and in February 2025?" then "and for 2454?" after a drawdown question: still drawdowns,
    of February, then of 2454's February (not the plain price summary)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer("2330 max drawdown in January 2025", session=session, as_of=DAYS[-1])
    assert "maximum drawdown was **-50.00%**" in first.answer
    feb = asst.answer("and in February 2025?", session=session, as_of=DAYS[-1])
    assert "maximum drawdown" in feb.answer and feb.indicators["start"].startswith("2025-02")
    other = asst.answer("and for 2454?", session=session, as_of=DAYS[-1])
    assert other.code == "2454" and "maximum drawdown" in other.answer and other.indicators["start"].startswith("2025-02")


def test_a_named_spans_return_runs_from_the_close_before_it_as_every_spans_change_does(store):
    """"2330 return in February 2025" is February's change, from the last January close (as the
    span summaries and the movers measure it); "if I had bought in February" buys at February's
    first close; "from Feb 3 to Feb 7" runs from the first day's close."""
    jan_last = max(d for d in DAYS if d.month == 1)
    feb = [d for d in DAYS if d.month == 2]
    plain = ask(store, "2330 return in February 2025")
    assert plain.indicators["buy_date"] == jan_last.isoformat() and "(the last before the span)" in plain.answer
    zh = ask(store, "台積電2025年2月報酬率")
    assert zh.indicators["buy_date"] == jan_last.isoformat() and "期間前最後一個交易日" in zh.answer
    bought = ask(store, "if I had bought 2330 in February 2025, what would it be worth now?")
    assert bought.indicators["buy_date"] == feb[0].isoformat() and "before the span" not in bought.answer
    explicit = ask(store, f"2330 return from {feb[0]} to {feb[4]}")
    assert explicit.indicators["buy_date"] == feb[0].isoformat()


def test_a_return_with_no_span_and_no_purchase_is_the_last_year_of_sessions(store):
    """"2330 return" / "台積電跟聯發科的報酬率比較" name no span and buy nothing: the last 250 sessions
    (here the whole 60 stored), said so; "if I had bought 2330" still asks when."""
    a = ask(store, "2330 return")
    assert a.indicators["buy_date"] == DAYS[0].isoformat() and a.indicators["price_return"] == pytest.approx(0.25)
    assert any("No span named: the last 250 sessions" in n for n in a.notices)
    both = ask(store, "台積電跟聯發科的報酬率比較", codes=["2330", "2454"])
    assert set(both.indicators["companies"]) == {"2330", "2454"} and "比較（股價報酬，高到低）" in both.answer
    assert "Say when the money went in" in ask(store, "if I had bought 2330").answer
    assert risk_kind("compare returns of 2330 and 2454") == "investment" and risk_kind("TSMC shareholder returns") is None


def test_returns_of_several_companies_are_each_computed_then_side_by_side(store):
    a = ask(store, "compare 2330, 2454 and 2317 returns in February 2025", codes=["2330", "2454", "2317"])
    closes = {"2330": CLOSES_2330, "2454": OTHER, "2317": ALONE}
    jan_last = DAYS.index(max(d for d in DAYS if d.month == 1))
    feb_last = DAYS.index(max(d for d in DAYS if d.month == 2))
    expected = {c: closes[c][feb_last] / closes[c][jan_last] - 1 for c in closes}
    for code, r in expected.items():
        assert a.indicators["companies"][code]["price_return"] == pytest.approx(r)
    order = sorted(expected, key=lambda c: -expected[c])
    assert "Side by side (price return, best first): " + ", ".join(f"{c} {expected[c]:+.2%}" for c in order) in a.answer
    assert {b.code for b in a.bars} == set(closes)
    # one "no trading day" notice for all of them, not one per company
    sat = ask(store, "if I had bought 2330 and 2454 on 2025-01-04", codes=["2330", "2454"])
    assert sum("no trading day" in n for n in sat.notices) == 1 and len(sat.indicators["companies"]) == 2


@pytest.mark.parametrize("message, paid, sold", [
    ("I bought 2330 at 900 and sold at 1100, what's my profit?", 900.0, 1100.0),
    ("我900買台積電1100賣掉，賺多少", 900.0, 1100.0), ("我在900買進台積電，在1100賣出，賺多少", 900.0, 1100.0),
    ("I bought 2 lots of TSMC at 1000 and sold them at 950", 1000.0, 950.0),
    ("if I buy 2330 now and sell at 1000, how much do I make?", None, 1000.0),
])
def test_a_sell_price_named_is_a_round_trip(message, paid, sold):
    from assistant.holdings import parse_paid, parse_sold

    assert risk_kind(message) == "position"
    assert parse_sold(message) == sold
    assert (parse_paid(message) or (None,))[0] == paid  # "buy ... and sell at 1000" is no price paid


def test_a_round_trip_and_the_break_even_price_after_costs(store):
    """2 lots bought at 100, sold at 130: +60,000 before costs; buy fee 285, sell fee 370.5, tax 780.
    Bought "now" is bought at the last close (125). The break-even sell price returns the cost
    after both fees and the tax; for a whole lot it is paid x 1.001425 / (1 - 0.001425 - 0.003)."""
    from assistant.holdings import _costs, breakeven_price

    a = ask(store, "I bought 2 lots of 2330 at 100 and sold at 130, what's my profit?")
    net = (260_000 - 370.5 - 780) - (200_000 + 285)
    assert a.indicators["net_gain"] == pytest.approx(net) and a.indicators["gross_gain"] == pytest.approx(60_000)
    assert "bought at 100.00 and sold at 130.00, +30.00 a share (+30.00%)" in a.answer
    assert f"**+NT${net:,.0f}**" in a.answer and not any("newest stored" in n for n in a.notices)
    assert not a.citations and not a.bars and "Computed from the two prices you gave" in a.answer  # no store read
    empty = ask(store, "I bought 2 lots of 2603 at 100 and sold at 130")  # 2603 has no stored prices: none needed
    assert empty.indicators["net_gain"] == pytest.approx(net) and "No prices" not in empty.answer
    even = breakeven_price("2330", 100.0, 2000.0)
    assert even == pytest.approx(100 * 1.001425 / (1 - 0.001425 - 0.003), rel=1e-9)
    cost, back = _costs("2330", 2000 * 100.0, 2000 * even)
    assert back == pytest.approx(cost) and a.indicators["breakeven_price"] == pytest.approx(even)
    # one share: the NT$20 minimum fee dominates, and the bisection still finds the level
    tiny = breakeven_price("2330", 100.0, 1.0)
    assert _costs("2330", 100.0, tiny)[1] == pytest.approx(_costs("2330", 100.0, 100.0)[0]) and tiny > 140
    now = ask(store, "if I buy 2330 now and sell at 130, how much do I make?")
    assert now.indicators["paid"] == 125.0 and now.indicators["bought_at_last_close"] is True
    assert f"bought at the {DAYS[-1]} close of 125.00 and sold at 130.00" in now.answer
    held = ask(store, "what's my breakeven if I bought 2330 at 100?")  # a position: the line is there too
    assert held.indicators["breakeven_price"] == pytest.approx(breakeven_price("2330", 100.0, 1000.0))
    assert "Break-even sell price (no gain, no loss after the fees and the tax):" in held.answer
    zh = ask(store, "我在100買了2張台積電，130賣掉賺多少")
    assert "以 100.00 買進、以 130.00 賣出" in zh.answer and "回本價（不賺不賠的賣價）" in zh.answer


def test_the_companies_most_and_least_correlated_with_one(store):
    """"Which stock is most correlated with 2330?" ranks every other stored company by the
    correlation of its daily returns with 2330's (numpy computes the same); "least" reverses it."""
    rets = pd.DataFrame({"2330": CLOSES_2330, "2454": OTHER, "2317": ALONE}).pct_change().dropna()
    expected = {c: float(np.corrcoef(rets["2330"], rets[c])[0, 1]) for c in ("2454", "2317")}
    most = ask(store, "which stock is most correlated with 2330?")
    order = sorted(expected, key=lambda c: -expected[c])
    assert [r["code"] for r in most.ranking["correlation"]] == order
    assert most.ranking["correlation"][0]["value"] == pytest.approx(expected[order[0]])
    assert f"1. {order[0]} " in most.answer and "the most correlated first" in most.answer
    least = ask(store, "跟台積電連動最低的股票")
    assert [r["code"] for r in least.ranking["correlation"]] == order[::-1] and "最低的在前" in least.answer
    assert [r["code"] for r in ask(store, "哪檔股票跟台積電最像").ranking["correlation"]] == order  # by price moves
    assert [r["code"] for r in ask(store, "which stock moves most like 2330?").ranking["correlation"]] == order
    # "哪個跟台積電最相關" (it had searched the news), "哪檔跟台積電最不相關"
    assert [r["code"] for r in ask(store, "哪個跟台積電最相關").ranking["correlation"]] == order
    assert [r["code"] for r in ask(store, "哪檔跟台積電最不相關").ranking["correlation"]] == order[::-1]
    pair = ask(store, "correlation between 2330 and 2454", codes=["2330", "2454"])  # two named: the pair
    assert not pair.ranking and pair.indicators["correlation"]["2330/2454"] == pytest.approx(expected["2454"])


def test_a_named_span_counts_its_first_session_s_change_from_the_close_before_it(store):
    """"In February" starts with the change from January's last close: 2603 fell 20% on Monday
    2025-02-03, its only fall; a month of 20 sessions is enough to rank (it had needed 21)."""
    from assistant.risk_rankings import risk_ranking

    k = DAYS.index(date(2025, 2, 3))
    closes = [100.0] * k + [80.0 + 0.1 * j for j in range(len(DAYS) - k)]
    store.upsert_bars(bars("2603", closes))
    worst = risk_ranking(EngineRequest(message="which stock had the biggest single-day drop in February 2025?"),
                         store, today=DAYS[-1])
    top = worst.ranking["extremes"][0]
    assert top["code"] == "2603" and top["worst_day"] == "2025-02-03" and top["value"] == pytest.approx(-0.2)
    assert "2025-02-03 to 2025-02-28" in worst.answer and "Left out" not in " ".join(worst.notices)
    one = ask(store, "2603 worst day in February 2025")
    assert "-20.00% on 2025-02-03 (100.00 → 80.00)" in one.answer and one.indicators["worst_day"] == "2025-02-03"
    # The span's own sessions are what it reports, not the base close before it.
    assert one.indicators["start"] == "2025-02-03" and one.indicators["sessions"] == 20
    profile = ask(store, "how risky was 2603 in February 2025?")
    assert profile.indicators["worst_day"] == "2025-02-03" and profile.indicators["down_days"] == pytest.approx(1 / 20)
    # With no span named the window is unchanged: the last 250 sessions, 59 changes from 60 closes.
    assert ask(store, "2603 worst day").indicators["worst_day"] == "2025-02-03"


def test_a_ranking_over_a_span_the_store_does_not_cover_says_what_it_covers(store):
    from assistant.risk_rankings import risk_ranking

    a = risk_ranking(EngineRequest(message="which stock had the worst single day in June 2025?"), store, today=date(2025, 7, 10))
    assert not a.ranking and "No stored company has price changes for 2025-06 to rank" in a.answer
    assert f"The store covers {DAYS[0].isoformat()} to {DAYS[-1].isoformat()}." in a.answer


def test_a_sum_in_a_company_a_year_ago_is_an_investment(store):
    """"What would 100k in TSMC a year ago be worth today?" had gone to the news: NT$100,000 bought
    at the first close on or after the day a year before, worth the latest close."""
    a = ask(store, "What would 100k in TSMC a year ago be worth today?", codes=["2330"], today=date(2026, 1, 5))
    assert a.indicators["buy_date"] == "2025-01-06" and "NT$100,000 bought at the 2025-01-06 close" in a.answer
    zh = ask(store, "10萬買台積電一年前 現在多少", codes=["2330"], today=date(2026, 1, 5))
    assert zh.indicators["buy_date"] == "2025-01-06" and "投入 NT$100,000" in zh.answer


def test_a_span_longer_than_the_stored_history_is_said(store):
    """"2330 1 year return" on a store of 60 sessions: the return from its first stored day, with a
    notice (it had been passed off as a year's); a span the store holds has none."""
    year = ask(store, "2330 1 year return")
    assert "NT$" in year.answer and DAYS[0].isoformat() in year.answer
    assert any("only 59 of the 250 trading days" in n and DAYS[0].isoformat() in n for n in year.notices)
    assert any("只有 59 個交易日" in n for n in ask(store, "台積電一年報酬率").notices)
    assert not any("trading days asked about" in n for n in ask(store, "2330 20 day return").notices)


def test_a_lot_asked_in_us_dollars_is_priced_in_nt_dollars_and_said_so(store):
    """"what's 1 lot of TSMC in USD?": the lot's cost (it had been the day's price), in NT$, with the
    word that finqa stores no exchange rates."""
    a = ask(store, "what's 1 lot of TSMC in USD?")
    assert "1 lot (1,000 shares) costs NT$" in a.answer and any("stores no exchange rates" in n for n in a.notices)


def test_how_dear_a_lot_is_is_its_cost():
    assert risk_kind("2330 一張多貴") == "cost" and risk_kind("台積電兩張多少錢") == "cost"


@pytest.mark.parametrize("message, sold", [
    ("planning to sell my TSMC at 100, how much tax?", 100.0), ("if I sell 2 lots of TSMC at 100 how much tax do I pay?", 100.0),
    ("台積電100賣掉要繳多少稅", 100.0), ("2330 tax if sold at 100", 100.0),
])
def test_a_sale_at_a_price_named_is_not_a_purchase_at_it(store, message, sold):
    """"sell my TSMC at 1100" had been read as bought at 1100 and sold at 1100 (a result of zero),
    and "台積電1100賣掉要繳多少稅" had quoted the news: with no price paid, the sale is priced
    against the last close, its tax said."""
    from assistant.holdings import paid_positions, parse_sold

    assert paid_positions(message) == [] and parse_sold(message) == sold
    assert risk_kind(message) == "position", message
    a = ask(store, message)
    assert a.indicators.get("bought_at_last_close") and ("收盤價 125.00 買進" in a.answer or "close of 125.00" in a.answer), a.answer
    assert "0.3%" in a.answer
    assert paid_positions("I bought TSMC at 100 and want to sell at 150") == [("2330", 100.0, None)]


def test_a_move_s_size_and_a_quantity_written_apart_are_read(store):
    """"if TSMC drops 20% how much do I lose on 3 lots?" had priced one lot, and "台積電跌20%我3張會虧多少"
    (no "if" written) had quoted the news: 3 lots at the last close (125), moved 20%."""
    for message in ("if TSMC drops 20% how much do I lose on 3 lots?", "台積電跌20%我3張會虧多少"):
        assert risk_kind(message) == "scenario", message
        a = ask(store, message)
        assert ("−NT$75,000" in a.answer and ("3 lots of 2330" in a.answer or "2330 台積電 3 張" in a.answer)), a.answer
    assert "a lot (1,000 shares) would be worth" in ask(store, "what if 2330 drops 10%?").answer


def test_lots_of_several_companies_are_priced_together(store):
    """"how much money do I need to buy 1 lot of each of 2330 2454 2317?" had searched the news."""
    message = "how much money do I need to buy 1 lot of each of 2330 2454 2317?"
    assert risk_kind(message) == "cost"
    a = ask(store, message, codes=["2330", "2454", "2317"])
    rows = a.indicators["companies"]
    assert [r["code"] for r in rows] == ["2330", "2454", "2317"] and all(r["lots"] == 1 for r in rows)
    assert a.indicators["total_with_fee"] == pytest.approx(sum(r["cost_with_fee"] for r in rows))
    assert a.answer.startswith(f"1 lot of each (1,000 shares a lot) needs **NT${a.indicators['total_with_fee']:,.0f}**")
    zh = ask(store, "台積電、聯發科各買兩張要多少錢", codes=["2330", "2454"])
    assert zh.indicators["lots"] == 2 and zh.answer.startswith("各買 2 張")


@pytest.mark.parametrize("message, verdict", [
    ("I hold 2 lots of 2330 at 100, should I cut my losses?", True), ("我的台積電成本100，該不該賣", True),
    ("台積電套牢在150怎麼辦", True), ("I bought 2330 at 100, how much did I make?", False),
    ("I hold 2 lots of 2330 at 300, should I average down?", True), ("我有2張台積電成本300，要不要加碼攤平", True),
])
def test_a_verdict_asked_of_a_position_gets_the_numbers_and_no_verdict(store, message, verdict):
    from assistant.risk import risk_answer

    req = EngineRequest(message=message, code="2330", codes=["2330"])
    a = risk_answer(req, store, today=DAYS[-1])
    assert a.indicators.get("paid") is not None
    assert ("finqa does not tell you whether to buy or sell" in a.answer or "finqa 不替你決定買或賣" in a.answer) is verdict


def test_averaging_down_asked_of_a_position_works_out_adding_as_much_again(store):
    """"要不要加碼攤平" / "should I average down?" after a position had repeated it: the same size
    bought again at the last close, the average cost and break-even that gives, and that the money at
    stake doubles (no verdict). Checked by hand: 2 lots at 300, the last close ``c``."""
    from assistant.holdings import breakeven_price
    from assistant.risk import risk_answer

    c = float(store.bars("2330", end=DAYS[-1])["close"].iloc[-1])
    average = (300 + c) / 2
    en = risk_answer(EngineRequest(message="I hold 2 lots of 2330 at 300, should I average down?", code="2330",
                                   codes=["2330"]), store, today=DAYS[-1])
    assert (f"buying the same 2 lots again at the close of {c:,.2f} (about NT${2000 * c:,.0f}) makes 4 lots at an average "
            f"cost of {average:,.2f} (from 300.00), breaking even at {breakeven_price('2330', average, 4000):,.2f}") in en.answer
    zh = risk_answer(EngineRequest(message="我有2張台積電成本300，要不要加碼攤平", code="2330", codes=["2330"]), store,
                     today=DAYS[-1])
    assert f"平均成本由 300.00 降到 {average:,.2f}" in zh.answer and "投入的錢加倍" in zh.answer
    plain = risk_answer(EngineRequest(message="I hold 2 lots of 2330 at 300", code="2330", codes=["2330"]), store,
                        today=DAYS[-1])
    assert "Averaging down" not in plain.answer
    # a second purchase named is read as such (one position at the average cost), not worked out again
    named = risk_answer(EngineRequest(message="I hold 2 lots of 2330 at 300, and if I add another 2 lots at 200?",
                                      code="2330", codes=["2330"]), store, today=DAYS[-1])
    assert "Averaging down, worked out" not in named.answer and named.indicators["paid"] == pytest.approx(250)


def test_selling_part_of_a_position_sells_that_part(store, data_dir):
    """"what if I sell half at 150?" after 2 lots bought at 100 had sold both lots; "賣一半在150呢"
    had ignored the price. Half is sold at it, the rest kept at its cost."""
    from assistant.holdings import sold_fraction
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    assert sold_fraction("what if I sell half at 150?") == 0.5 and sold_fraction("賣掉三分之一") == pytest.approx(1 / 3)
    assert sold_fraction("I sold at 150") is None
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("I hold 2 lots of 2330 at 100", session=session, as_of=DAYS[-1])
    half = asst.answer("what if I sell half at 150?", session=session, as_of=DAYS[-1])
    assert half.indicators["shares"] == 1000 and half.indicators["shares_kept"] == 1000
    assert "+NT$50,000" in half.answer and "That sells 1,000 of the 2,000 shares held" in half.answer
    session = ChatSession()
    asst.answer("我有台積電4張成本100", session=session, as_of=DAYS[-1])
    zh = asst.answer("賣一半在150呢", session=session, as_of=DAYS[-1])
    assert zh.indicators["sold"] == 150 and zh.indicators["shares"] == 2000 and "留下 2 張" in zh.answer


def test_lots_written_as_a_multiplication_and_how_diversified(store, data_dir):
    """"2330 x2 lots" had been read as 2 shares; "how diversified am I?" after the holdings had quoted
    news: the holdings with their weights and the portfolio's risk beside each one's."""
    from assistant.holdings import parse_positions
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    assert parse_positions("My portfolio: 2330 x2 lots, 2454 x1 lot, 2317 x5 lots") == [
        ("2330", 2000.0), ("2454", 1000.0), ("2317", 5000.0)]
    assert parse_positions("2330 x 1000, 2454 x 500") == [("2330", 1000.0), ("2454", 500.0)]
    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    asst.answer("My portfolio: 2330 x2 lots, 2454 x1 lot", session=session, as_of=DAYS[-1])
    spread = asst.answer("how diversified am I?", session=session, as_of=DAYS[-1])
    assert spread.engine == "qa:prices" and "2 lots of 2330" in spread.answer and "annualised volatility" in spread.answer


def test_a_monthly_plan_buys_whole_shares_on_each_month_s_first_session(store):
    """"定期定額台積電每月5000元" / "if I invest 10k a month in 2330" had been a span's summary: each
    month's first session buys whole shares with the 0.1425% fee (at least NT$1), the rest kept as
    cash, valued at the last close beside the same sum put in at once."""
    for message in ("if I invest 10k a month in 2330 since 2025-01-01", "定期定額台積電每月10000元從2025年1月開始"):
        assert risk_kind(message) == "dca", message
        a = ask(store, message)
        n = a.indicators
        firsts = [DAYS[0], next(d for d in DAYS if d.month == 2), next(d for d in DAYS if d.month == 3)]
        closes = {d: c for d, c in zip(DAYS, CLOSES_2330)}
        shares = cash = 0.0
        for d in firsts:
            price = closes[d]
            k = int(10000 // (price * 1.001425))
            while k and k * price + max(1.0, k * price * 0.001425) > 10000:
                k -= 1
            shares += k
            cash += 10000 - (k * price + (max(1.0, k * price * 0.001425) if k else 0.0))
        assert n["purchases"] == 3 and n["shares"] == shares and n["invested"] == 30000
        assert n["total"] == pytest.approx(shares * CLOSES_2330[-1] + cash)
        assert n["return"] == pytest.approx(n["total"] / 30000 - 1)
    assert "at least NT$1" in " ".join(a.notices) or "至少 NT$1" in " ".join(a.notices)
    assert risk_kind("2330 monthly returns") != "dca"


def test_which_would_have_been_better_after_two_investments_invests_both_the_same_way(store, data_dir):
    """"If I had invested NT$100,000 in 2330 on 2025-01-02...", "and in 2454?", then "which would have
    been better?": both investments side by side (it had searched the news; then it compared their
    prices from the close before, which could rank them the other way round)."""
    from assistant.service import Assistant
    from assistant.slots import ChatSession

    asst, session = Assistant(data_dir.model_copy(update={"cpu_only": True})), ChatSession()
    first = asst.answer(f"If I had invested NT$100,000 in 2330 on {DAYS[1]}, how much would I have now?", session=session,
                        as_of=DAYS[-1])
    asst.answer("and in 2454?", session=session, as_of=DAYS[-1])
    both = asst.answer("which would have been better?", session=session, as_of=DAYS[-1])
    assert "Side by side (price return, best first):" in both.answer, both.answer
    got = {c: both.indicators["companies"][c]["price_return"] for c in ("2330", "2454")}
    assert got["2330"] == pytest.approx(first.indicators["price_return"])
    ranked = both.answer.split("Side by side (price return, best first): ")[1]
    assert ranked.index(max(got, key=got.get)) < ranked.index(min(got, key=got.get))


def test_a_risk_ranking_of_a_named_group_ranks_only_its_companies(store):
    """"半導體股哪檔波動最大" / "which electronics stock has the best Sharpe ratio?" had ranked every
    stored company (a cement maker among the electronics): 2330 and 2454 are semiconductors, 2317 is
    not."""
    from assistant.risk_rankings import risk_ranking

    semis = risk_ranking(EngineRequest(message="半導體股哪檔波動最大"), store, today=DAYS[-1])
    assert {r["code"] for r in semis.ranking["volatility"]} == {"2330", "2454"}
    assert "2 家有股價的半導體業公司" in semis.answer
    every = risk_ranking(EngineRequest(message="哪檔股票波動最大"), store, today=DAYS[-1])
    assert {r["code"] for r in every.ranking["volatility"]} == {"2330", "2454", "2317"}
    en = risk_ranking(EngineRequest(message="which semiconductor stock has the best Sharpe ratio?"), store, today=DAYS[-1])
    assert "among the 2 Semiconductors companies with stored prices" in en.answer
