"""TWSE/TPEx price ingestion through twstock against a loopback fake exchange.

The limiter in most tests runs on a fake clock (its sleeps, and the retry backoff, only move
that clock), so bans and retries with realistic 5 s periods cost no real time.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

from ingest.limiter import RateLimiter
from ingest.prices import _add_months, ingest_prices, month_range, month_str, plan_months, taipei_today
from ingest.store import Store, open_store
from ingest.types import Company, PriceBar
from tests.fakes.twse import FakeExchange, expected_bars

REPO = Path(__file__).resolve().parents[1]
TSMC = Company(code="2330", name_zh="台積電", name_en="TSMC", market="TWSE")
GWC = Company(code="6488", name_zh="環球晶", name_en="GlobalWafers", market="TPEx")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        with self._lock:
            self.sleeps.append(s)
            self.now += s


TODAY = taipei_today()
CURRENT = (TODAY.year, TODAY.month)


def months_back(n: int) -> tuple[int, int]:
    return _add_months(CURRENT, -n)


def first_day(m: tuple[int, int]) -> date:
    return date(m[0], m[1], 1)


@pytest.fixture
def exchange():
    with FakeExchange(until=TODAY) as fake:
        yield fake


@pytest.fixture
def settings(data_dir, exchange):
    return data_dir.model_copy(update={"twse_url": exchange.url, "tpex_url": exchange.url, "twse_period_s": 5.0,
                                       "twse_retries": 3, "http_timeout_s": 5.0})


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def limiter(clock):
    return RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)


@pytest.fixture
def store(settings):
    return open_store(settings.store_path)


def run(store, settings, limiter, companies=(TSMC,), since_back=3, **kw):
    return ingest_prices(store, list(companies), since=first_day(months_back(since_back)), settings=settings,
                         progress=False, limiter=limiter, **kw)


def stored(store: Store, code: str) -> dict[date, dict]:
    df = store.bars(code)
    return {ts.date(): row for ts, row in zip(df.index, df.to_dict("records"))}


def expected(code: str, market: str, months) -> dict[date, dict]:
    out: dict[date, dict] = {}
    for m in months:
        out.update(expected_bars(code, market, m[0], m[1], until=TODAY))
    return out


def assert_matches(store, company, months):
    got, want = stored(store, company.code), expected(company.code, company.market, months)
    assert sorted(got) == sorted(want)
    for d, w in want.items():
        g = got[d]
        for k in ("open", "high", "low", "close", "volume", "turnover", "transactions"):
            assert g[k] == pytest.approx(w[k]), (d, k)


def window_max(times: list[float], period: float) -> int:
    return max(sum(1 for u in times if t <= u < t + period) for t in times)


# --- the happy path ---------------------------------------------------------------------------------
def test_twse_and_tpex_months_are_stored_exactly_through_the_limiter(store, settings, limiter, clock, exchange):
    progress: list[tuple[float, str]] = []
    report = run(store, settings, limiter, companies=(TSMC, GWC), on_progress=lambda f, m: progress.append((f, m)))
    months = month_range(months_back(3), CURRENT)
    assert report["errors"] == []
    for c in (TSMC, GWC):
        entry = report["codes"][c.code]
        assert entry["months_fetched"] == entry["months_planned"] == len(months)
        assert entry["new_rows"] == len(expected(c.code, c.market, months)) > 40
        assert_matches(store, c, months)
        assert store.fetched_months(c.code) == {month_str(m) for m in months}
    # Requests went to the right endpoint per market, each through the limiter.
    assert {h.market for h in exchange.hits if h.code == "2330"} == {"TWSE"}
    assert {h.market for h in exchange.hits if h.code == "6488"} == {"TPEx"}
    assert len(exchange.hits) == 2 * len(months)
    assert clock.sleeps, "8 requests at 3 per 5 s must have waited on the limiter"
    assert [f for f, _ in progress] == sorted(f for f, _ in progress) and progress[-1][0] == pytest.approx(1.0)
    # No-trade days ("--") are not stored; TPEx volumes are lots * 1000 shares.
    tpex = stored(store, "6488")
    assert all(d.day != 10 for d in tpex)
    assert all(row["volume"] % 1000 == 0 for row in tpex.values())


def test_every_request_is_rate_limited(store, settings, clock, exchange):
    grants: list[float] = []

    class Recording(RateLimiter):
        def acquire(self) -> float:
            t = super().acquire()
            grants.append(t)
            return t

    limiter = Recording(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    exchange.script[("2330", month_str(months_back(1)))] = ["429"]
    report = run(store, settings, limiter, companies=(TSMC, GWC), since_back=4)
    assert report["errors"] == []
    assert len(grants) == len(exchange.hits) == 2 * 5 + 1
    assert window_max(grants, 5.0) == 3


# --- incremental ---------------------------------------------------------------------------------------
def test_rerun_fetches_only_the_current_month_and_never_duplicates(store, settings, limiter, exchange):
    run(store, settings, limiter)
    rows_before = len(store.bars("2330"))
    exchange.hits.clear()
    report = run(store, settings, limiter)
    assert [h.month for h in exchange.hits] == [month_str(CURRENT)]
    assert report["codes"]["2330"]["new_rows"] == 0
    assert len(store.bars("2330")) == rows_before
    # An earlier --since adds only the older months, plus the current one.
    exchange.hits.clear()
    run(store, settings, limiter, since_back=5)
    assert [h.month for h in exchange.hits] == [month_str(m) for m in (months_back(5), months_back(4), CURRENT)]
    assert_matches(store, TSMC, month_range(months_back(5), CURRENT))


def test_a_month_fetched_while_it_was_running_is_fetched_again(store, settings, limiter, exchange):
    run(store, settings, limiter)
    prev = month_str(months_back(1))
    # Pretend the last run happened on the 3rd of last month: that month was incomplete then.
    with store.transaction() as conn:
        conn.execute("UPDATE fetched_months SET fetched_at=? WHERE code='2330' AND month=?",
                     (f"{prev}-03T06:00:00Z", prev))
        conn.execute("DELETE FROM prices WHERE code='2330' AND date>=?", (f"{prev}-04",))
    exchange.hits.clear()
    run(store, settings, limiter)
    assert [h.month for h in exchange.hits] == [prev, month_str(CURRENT)]
    assert_matches(store, TSMC, month_range(months_back(3), CURRENT))


def test_imported_history_is_not_fetched_again(store, settings, limiter, exchange):
    # Bars from an import carry no month marks; months before the last stored one count as done.
    old = month_range(months_back(3), months_back(2))
    bars = [PriceBar(code="2330", date=d, open=v["open"], high=v["high"], low=v["low"], close=v["close"],
                     volume=v["volume"], source="import")
            for d, v in expected("2330", "TWSE", old).items()]
    store.upsert_bars(bars)
    assert plan_months(store, "2330", months_back(3), CURRENT) == [months_back(2), months_back(1), CURRENT]
    run(store, settings, limiter)
    assert exchange.months_requested("2330") == [month_str(m) for m in (months_back(2), months_back(1), CURRENT)]


def test_months_before_listing_are_marked_and_not_asked_again(store, settings, limiter, exchange):
    exchange.listed_from["6488"] = month_str(months_back(1))
    report = run(store, settings, limiter, companies=(GWC,))
    assert report["errors"] == [] and report["codes"]["6488"]["months_fetched"] == 4
    assert min(stored(store, "6488")) >= first_day(months_back(1))
    exchange.hits.clear()
    run(store, settings, limiter, companies=(GWC,))
    assert [h.month for h in exchange.hits] == [month_str(CURRENT)]


# --- misbehaving servers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("company", [TSMC, GWC], ids=["twse", "tpex"])
def test_bans_http_errors_and_garbage_are_retried_with_backoff(store, settings, limiter, clock, exchange, company):
    months = month_range(months_back(3), CURRENT)
    scripts = {
        months[0]: ["ban", "403"],          # HTML block page, then HTTP 403
        months[1]: ["429", "500"],          # rate limited, server error
        months[2]: ["empty", "malformed"],  # empty body, broken JSON
        months[3]: ["badrow"],              # a number twstock cannot parse
    }
    for m, actions in scripts.items():
        exchange.script[(company.code, month_str(m))] = list(actions)
    report = run(store, settings, limiter, companies=(company,))
    assert report["errors"] == []
    assert report["codes"][company.code]["months_fetched"] == 4
    assert_matches(store, company, months)
    assert len(exchange.hits) == 4 + sum(len(a) for a in scripts.values())
    # Exponential backoff from the configured period: 5 s, then 10 s, on the fake clock.
    backoffs = [s for s in clock.sleeps if s in (5.0, 10.0)]
    assert backoffs.count(10.0) >= 3 and backoffs.count(5.0) >= 4


def test_wrong_month_answers_are_rejected(store, settings, limiter, exchange):
    m0, m1 = months_back(3), months_back(2)
    exchange.script[("2330", month_str(m0))] = [f"wrong:{month_str(months_back(8))}"]  # only another month
    exchange.script[("2330", month_str(m1))] = [f"mixed:{month_str(months_back(8))}"]  # one stray row
    report = run(store, settings, limiter)
    assert report["errors"] == []
    assert report["codes"]["2330"]["rejected_rows"] == 1
    assert exchange.months_requested("2330").count(month_str(m0)) == 2  # retried
    assert_matches(store, TSMC, month_range(m0, CURRENT))
    assert min(stored(store, "2330")) >= first_day(m0)  # nothing from the stray month


def test_a_month_that_keeps_failing_is_reported_and_the_rest_goes_on(store, settings, limiter, exchange):
    bad = month_str(months_back(2))
    exchange.script[("2330", bad)] = ["500"] * 4 + ["ban"] * 10
    report = run(store, settings, limiter)
    assert len(report["errors"]) == 1
    assert "2330" in report["errors"][0] and bad in report["errors"][0] and "after 4 attempts" in report["errors"][0]
    assert report["codes"]["2330"]["months_fetched"] == 3
    assert bad not in store.fetched_months("2330")
    assert not any(month_str((d.year, d.month)) == bad for d in stored(store, "2330"))
    # The next run retries exactly the failed month (and the current one).
    exchange.script.clear()
    exchange.hits.clear()
    report = run(store, settings, limiter)
    assert report["errors"] == []
    assert [h.month for h in exchange.hits] == [bad, month_str(CURRENT)]
    assert_matches(store, TSMC, month_range(months_back(3), CURRENT))


def test_a_timeout_is_retried(store, settings, limiter, exchange):
    settings = settings.model_copy(update={"http_timeout_s": 0.3})
    exchange.script[("2330", month_str(CURRENT))] = ["slow:1.5"]
    report = run(store, settings, limiter, since_back=0)
    assert report["errors"] == []
    assert exchange.months_requested("2330") == [month_str(CURRENT)] * 2
    assert_matches(store, TSMC, [CURRENT])


def test_a_us_symbol_is_reported_without_a_request(store, settings, limiter, exchange):
    aapl = Company(code="AAPL", name_zh="AAPL", name_en="Apple", market="US")
    report = run(store, settings, limiter, companies=(aapl, TSMC), since_back=0)
    assert exchange.months_requested("AAPL") == []
    assert len(report["errors"]) == 1 and "AAPL" in report["errors"][0] and "import" in report["errors"][0]
    assert report["codes"]["2330"]["months_fetched"] == 1


def test_since_in_the_future_is_a_clear_error(store, settings, limiter):
    from ingest.errors import FinqaError

    with pytest.raises(FinqaError, match="after the current month"):
        ingest_prices(store, [TSMC], since=first_day(_add_months(CURRENT, 2)), settings=settings, progress=False,
                      limiter=limiter)


# --- through the CLI ---------------------------------------------------------------------------------------
def _cli_env(exchange: FakeExchange) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINQA_") and k != "NEWSAPI_KEY"}
    env.update({"FINQA_TWSE_URL": exchange.url, "FINQA_TPEX_URL": exchange.url, "FINQA_TWSE_PERIOD_S": "0.05",
                "FINQA_TWSE_RETRIES": "2", "PYTHONPATH": str(REPO)})
    return env


def test_cli_ingest_prices_and_status(tmp_path, monkeypatch, capsys, exchange):
    from assistant.cli import main

    monkeypatch.setenv("FINQA_TWSE_URL", exchange.url)
    monkeypatch.setenv("FINQA_TPEX_URL", exchange.url)
    monkeypatch.setenv("FINQA_TWSE_PERIOD_S", "0.01")
    d = tmp_path / "cli-data"
    since = month_str(months_back(1))
    try:
        rc = main(["ingest", "prices", "2330", "環球晶", "--since", since, "--json", "--data-dir", str(d)])
        out = json.loads(capsys.readouterr().out)
        assert rc == 0, out
        assert out["errors"] == [] and set(out["codes"]) == {"2330", "6488"}
        assert main(["ingest", "status", "--json", "--data-dir", str(d)]) == 0
        status = json.loads(capsys.readouterr().out)
        for code, market in (("2330", "TWSE"), ("6488", "TPEx")):
            want = expected(code, market, month_range(months_back(1), CURRENT))
            assert status["prices"][code] == {"rows": len(want), "first": min(want).isoformat(),
                                              "last": max(want).isoformat()}
        # A failing month makes the command exit non-zero with the error in the report.
        exchange.script[("2330", month_str(CURRENT))] = ["500"] * 10
        rc = main(["ingest", "prices", "2330", "--since", since, "--json", "--data-dir", str(d)])
        out = json.loads(capsys.readouterr().out)
        assert rc == 1 and len(out["errors"]) == 1 and month_str(CURRENT) in out["errors"][0]
    finally:
        import ingest.config as config

        config._current = None


def test_kill_9_mid_run_leaves_whole_months_and_the_rerun_resumes(tmp_path, exchange):
    """`finqa ingest prices` in a subprocess, killed with SIGKILL while waiting on the exchange."""
    d = tmp_path / "killed"
    since = months_back(3)
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", "prices", "2330", "6488", "--since", month_str(since),
           "--json", "--data-dir", str(d)]
    exchange.stall_after = 5  # 4 months of 2330 and the first of 6488 land; the 6th request hangs
    proc = subprocess.Popen(cmd, env=_cli_env(exchange), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert exchange.stalled.wait(timeout=90), proc.stderr.read().decode() if proc.poll() is not None else "no stall"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    months = month_range(since, CURRENT)
    store = Store(d / "store.sqlite")
    try:
        assert store.fetched_months("2330") == {month_str(m) for m in months}
        assert store.fetched_months("6488") == {month_str(months[0])}
        # Whole months only: exactly the marked months' rows, nothing of the month in flight.
        assert_matches(store, TSMC, months)
        assert_matches(store, GWC, months[:1])
    finally:
        store.close()

    exchange.release()
    n_before = len(exchange.hits)
    done = subprocess.run(cmd, env=_cli_env(exchange), cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = json.loads(done.stdout)
    assert report["errors"] == []
    resumed = [(h.code, h.month) for h in exchange.hits[n_before:]]
    assert resumed == [("2330", month_str(CURRENT))] + [("6488", month_str(m)) for m in months[1:]]
    store = Store(d / "store.sqlite")
    try:
        assert_matches(store, TSMC, months)
        assert_matches(store, GWC, months)
        (dups,) = store._query("SELECT COUNT(*) - COUNT(DISTINCT code || date) FROM prices")[0]
        assert dups == 0
    finally:
        store.close()
