"""Forecast evaluations: metric functions against hand-computed values, the ACL18 and walk-forward
protocols on a tiny synthetic Yahoo-style folder (never the shared data), and the CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from finetune import baselines as B
from finetune import eval_forecast as ef
from ingest.errors import FinqaError


# --- metrics -----------------------------------------------------------------------------------
def test_accuracy_and_mcc_hand_computed():
    # tp=3 tn=2 fp=1 fn=1 → MCC = (3*2 - 1*1) / sqrt(4*4*3*3) = 5/12
    y = np.array([1, 1, 1, 1, -1, -1, -1])
    p = np.array([1, 1, 1, -1, -1, -1, 1])
    assert B.accuracy(y, p) == pytest.approx(5 / 7)
    assert B.mcc(y, p) == pytest.approx(5 / 12)
    assert B.mcc(y, y) == pytest.approx(1.0)
    assert B.mcc(y, -y) == pytest.approx(-1.0)


def test_mcc_degenerate_cases_are_zero():
    y = np.array([1, -1, 1, -1, 1])
    assert B.mcc(y, np.ones(5)) == 0.0  # always-rise carries no information
    assert B.mcc(np.ones(5), np.array([1, -1, 1, 1, -1])) == 0.0  # truth of one class
    assert B.mcc(np.array([]), np.array([])) == 0.0
    assert math.isnan(B.accuracy(np.array([]), np.array([])))


def test_mape_and_direction_hand_computed():
    actual = np.array([100.0, 200.0, 50.0])
    pred = np.array([110.0, 190.0, 50.0])
    assert B.mape(actual, pred) == pytest.approx((10.0 + 5.0 + 0.0) / 3)
    # zero actuals and NaNs are left out rather than exploding
    assert B.mape(np.array([0.0, 100.0, np.nan]), np.array([1.0, 102.0, 5.0])) == pytest.approx(2.0)
    assert B.direction_accuracy(np.array([1.0, -2.0, 0.0, 3.0]), np.array([0.5, 1.0, 0.0, 2.0])) == pytest.approx(0.75)


def test_baseline_directions():
    r1 = np.array([1.0, -1.0, 0.0])
    r5 = np.array([-2.0, 3.0, -0.1])
    d = B.baseline_directions(r1, r5)
    assert d["always_rise"].tolist() == [1, 1, 1]
    assert d["momentum_1d"].tolist() == [1, -1, 1]  # ties go to rise
    assert d["reversal_1d"].tolist() == [-1, 1, -1]
    assert d["momentum_5d"].tolist() == [-1, 1, -1]
    assert d["reversal_5d"].tolist() == [1, -1, 1]
    coin = B.random_walk_directions(1000)
    assert set(np.unique(coin)) == {-1, 1} and 0.4 < (coin > 0).mean() < 0.6
    assert np.array_equal(coin, B.random_walk_directions(1000))  # seeded: reproducible


# --- protocols on a tiny synthetic Yahoo-style folder ------------------------------------------
def _write_yahoo(folder, codes=("AAA", "BBB", "CCC", "DDD"), start="2014-09-01", end="2016-01-29"):
    days = pd.bdate_range(start, end)
    for i, code in enumerate(codes):
        rng = np.random.default_rng(i)
        r = rng.normal(0.0003, 0.013, len(days))
        close = 50 * (i + 1) * np.exp(np.cumsum(r))
        adj = close * 0.97  # a dividend adjustment: returns must come from Adj Close
        df = pd.DataFrame({
            "Date": days.strftime("%Y-%m-%d"), "Open": close * (1 + rng.normal(0, 0.003, len(days))),
            "High": close * 1.01, "Low": close * 0.99, "Close": close, "Adj Close": adj,
            "Volume": rng.integers(1e5, 1e6, len(days)),
        })
        df.to_csv(folder / f"{code}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def yahoo_dir(tmp_path_factory):
    return _write_yahoo(tmp_path_factory.mktemp("yahoo"))


def _expected_labels(folder, start="2015-06-03", end="2015-12-31") -> pd.DataFrame:
    """Independent pandas recomputation of the protocol's scored (stock, day) pairs."""
    rows = []
    for path in sorted(folder.glob("*.csv")):
        df = pd.read_csv(path, parse_dates=["Date"])
        r = df["Adj Close"].pct_change() * 100
        ok = (df["Date"] >= start) & (df["Date"] <= end) & (df.index >= 5)
        lab = np.where(r > 0.55, 1, np.where(r < -0.5, -1, 0))
        prev1 = r.shift(1)
        for i in np.flatnonzero(ok & (lab != 0)):
            rows.append({"code": path.stem, "date": df["Date"][i], "label": lab[i], "ret_prev": prev1[i]})
    return pd.DataFrame(rows)


def test_acl18_output_keys_and_protocol(yahoo_dir):
    res = ef.evaluate_acl18(yahoo_dir, progress=False)
    assert set(res) == {"n", "accuracy", "mcc", "engine", "baselines"}
    assert res["engine"] == "analog"
    assert set(res["baselines"]) == {"always_rise", "momentum_1d", "reversal_1d", "momentum_5d", "reversal_5d"}
    for v in res["baselines"].values():
        assert set(v) == {"accuracy", "mcc"}
    exp = _expected_labels(yahoo_dir)
    assert res["n"] == len(exp)  # every non-freeze day of the period, freeze days skipped
    assert res["baselines"]["always_rise"]["accuracy"] == pytest.approx((exp["label"] > 0).mean())
    mom = np.where(exp["ret_prev"] >= 0, 1, -1)
    assert res["baselines"]["momentum_1d"]["accuracy"] == pytest.approx((mom == exp["label"]).mean())
    assert res["baselines"]["reversal_1d"]["accuracy"] == pytest.approx(1 - (mom == exp["label"]).mean())
    assert 0.0 <= res["accuracy"] <= 1.0 and -1.0 <= res["mcc"] <= 1.0
    json.dumps(res)  # plain JSON types only


def test_acl18_validation_period_from_the_cli(yahoo_dir, data_dir, capsys):
    """``--period validation`` scores 2014-01-02..2015-05-29 (where the defaults were chosen), same keys."""
    from assistant.cli import main

    assert main(["eval", "forecast", "--prices", str(yahoo_dir), "--period", "validation", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res) == {"n", "accuracy", "mcc", "engine", "baselines"}
    exp = _expected_labels(yahoo_dir, "2014-01-02", "2015-05-29")
    assert res["n"] == len(exp) != len(_expected_labels(yahoo_dir))
    assert res["baselines"]["always_rise"]["accuracy"] == pytest.approx((exp["label"] > 0).mean())
    with pytest.raises(SystemExit) as exc:
        main(["eval", "forecast", "--prices", str(yahoo_dir), "--period", "2016"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_acl18_queries_use_only_candidates_before_the_query_date(yahoo_dir):
    """Every neighbour of every scored query has its label day strictly before the query date."""
    from assistant import analog

    bars = ef.read_yahoo_dir(yahoo_dir)
    bank = analog.build_bank(bars, max_horizon=1)
    q = ef.acl18_queries(bank, *ef.ACL18_TEST)
    sample = q.rows[:: max(1, len(q.rows) // 50)]
    nbs = analog.find_neighbours(bank, sample, 1)
    qdates = dict(zip(q.rows, q.query_dates))
    for r, nb in zip(sample, nbs):
        assert len(nb.rows) > 0
        assert (bank.known[nb.rows, 0] < qdates[r]).all()


def test_walkforward_output_keys_and_random_walk(yahoo_dir):
    res = ef.evaluate_walkforward(yahoo_dir, horizon=5, progress=False)
    assert set(res) == {"n", "mape", "direction_accuracy", "random_walk", "ratio"}
    assert set(res["random_walk"]) == {"mape", "direction_accuracy"}
    assert res["n"] > 100
    assert res["ratio"] == pytest.approx(res["mape"] / res["random_walk"]["mape"])
    assert res["mape"] > 0 and res["random_walk"]["mape"] > 0


def test_walkforward_random_walk_mape_matches_hand_computation(tmp_path):
    """One stock: the random walk's MAPE equals mean |C[t+h]/C[t] - 1| over the scored days."""
    _write_yahoo(tmp_path, codes=("ONE",), start="2015-01-01", end="2015-12-31")
    res = ef.evaluate_walkforward(tmp_path, horizon=3, progress=False, min_history=150)
    df = pd.read_csv(tmp_path / "ONE.csv")
    adj = df["Adj Close"].to_numpy()
    close = df["Close"].to_numpy()
    # The evaluation scores every day t >= 150 with 3 sessions ahead (by then the features have
    # their history and far more than 10 windows have a known 3-day future).
    t = np.arange(150, len(df) - 3)
    actual = close[t] * adj[t + 3] / adj[t]
    expected = np.mean(np.abs(close[t] - actual) / actual) * 100
    assert res["n"] == len(t)
    assert res["random_walk"]["mape"] == pytest.approx(expected, rel=1e-9)


def test_bad_inputs(tmp_path, yahoo_dir):
    with pytest.raises(FinqaError, match="not a folder"):
        ef.evaluate_acl18(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FinqaError, match="no Yahoo-style"):
        ef.evaluate_acl18(tmp_path / "empty")
    with pytest.raises(FinqaError, match="unknown engine"):
        ef.evaluate_acl18(yahoo_dir, engine="magic")
    with pytest.raises(FinqaError, match="horizon"):
        ef.evaluate_walkforward(yahoo_dir, horizon=0)


def test_model_engine_that_cannot_load_is_a_clear_error(yahoo_dir, data_dir):
    from ingest import config
    from ingest.config import EngineModel

    settings = config.configure(data_dir=data_dir.data_dir, forecaster=EngineModel(base=str(data_dir.data_dir / "no-such-model")))
    try:
        from assistant.models import reset_model_manager

        reset_model_manager()
    except ImportError:
        pass
    with pytest.raises(FinqaError, match="cannot be loaded"):
        ef.evaluate_acl18(yahoo_dir, engine="stockllm", settings=settings, progress=False)


def test_acl18_through_stockllm_with_the_tiny_llama(tmp_path, tiny_settings):
    """engine='stockllm' scores the FinSeer prompt of every query with the (tiny) model."""
    _write_yahoo(tmp_path, codes=("AAA", "BBB"), start="2015-03-02", end="2015-07-31")
    res = ef.evaluate_acl18(tmp_path, engine="stockllm", settings=tiny_settings, progress=False)
    assert res["engine"] == "stockllm"
    analog_res = ef.evaluate_acl18(tmp_path, engine="analog", progress=False)
    assert res["n"] == analog_res["n"] > 0  # same queries
    assert res["baselines"] == analog_res["baselines"]
    assert 0.0 <= res["accuracy"] <= 1.0


def test_tuning_scores_the_validation_period_only(yahoo_dir):
    """``tune_acl18`` ranks configurations by validation MCC; its queries all precede the test period."""
    from assistant import analog

    grid = [{"k": 50, "weighting": "uniform"}, {"k": 200}]
    res = ef.tune_acl18(yahoo_dir, grid)
    assert [r["config"] for r in sorted(res, key=lambda r: -r["mcc"])] == [r["config"] for r in res]
    assert {tuple(sorted(r["config"].items())) for r in res} == {tuple(sorted(g.items())) for g in grid}
    bank = analog.build_bank(ef.read_yahoo_dir(yahoo_dir), max_horizon=1)
    q = ef.acl18_queries(bank, *ef.ACL18_VALIDATION)
    assert q.query_dates.max() < np.datetime64(ef.ACL18_TEST[0])
    assert all(r["n"] == len(q.rows) for r in res)
