"""``finqa route`` and ``finqa chat`` through the real CLI entry point, on a small fixture store
and index (synthetic bars and articles, real index build), with the CPU tiers (cpu_only)."""
from __future__ import annotations

import io
import json
import pytest

from assistant.cli import main
from tests.test_sentiment_engine import save_random_cpu_classifier

ROUTE_KEYS = ["query", "route", "code", "horizon_days"]


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    """Store + news/window index + a CPU sentiment classifier, built once for the module."""
    import ingest.config as config
    from tests.fixture_data import build_fixture_data

    d = tmp_path_factory.mktemp("chat") / "finqa-data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINQA_DATA_DIR", str(d))
        settings = build_fixture_data(d, n_bars=200, cpu_only=True)
        save_random_cpu_classifier(settings)
    config._current = None
    return d


@pytest.fixture
def cli_env(fixture_dir, monkeypatch):
    import ingest.config as config

    monkeypatch.setenv("FINQA_DATA_DIR", str(fixture_dir))
    monkeypatch.setenv("FINQA_CPU_ONLY", "1")
    yield fixture_dir
    config._current = None


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# --- finqa route -------------------------------------------------------------------------------
def test_route_json_one_object_per_line(data_dir, capsys):
    rc = main(["route", "forecast 2330 next 5 days", "台積電最近新聞情緒如何？",
               "Explain what a yield curve inversion implies for equities.", "鸿海下个月走势", "--json"])
    assert rc == 0
    rows = _json_lines(capsys.readouterr().out)
    assert all(list(r) == ROUTE_KEYS for r in rows)
    assert rows == [
        {"query": "forecast 2330 next 5 days", "route": "forecast", "code": "2330", "horizon_days": 5},
        {"query": "台積電最近新聞情緒如何？", "route": "sentiment", "code": "2330", "horizon_days": None},
        {"query": "Explain what a yield curve inversion implies for equities.", "route": "qa", "code": None,
         "horizon_days": None},
        {"query": "鸿海下个月走势", "route": "forecast", "code": "2317", "horizon_days": 21},
    ]


def test_route_reads_stdin(data_dir, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("forecast 2454 tomorrow\n\n聯發科新聞是利多還是利空？\n什么是市盈率\n"))
    assert main(["route", "-", "--json"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert [(r["route"], r["code"], r["horizon_days"]) for r in rows] == [
        ("forecast", "2454", 1), ("sentiment", "2454", None), ("qa", None, None)]


def test_route_session_option_keeps_follow_ups(data_dir, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("forecast 2330 next 2 weeks\nand 2454?\n那鴻海呢？\n"))
    assert main(["route", "-", "--json", "--session"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert [(r["route"], r["code"], r["horizon_days"]) for r in rows] == [
        ("forecast", "2330", 10), ("forecast", "2454", 10), ("forecast", "2317", 10)]


def test_route_plain_text(data_dir, capsys):
    assert main(["route", "forecast 2330 next 5 days"]) == 0
    assert capsys.readouterr().out.split()[:3] == ["forecast", "2330", "5"]


# --- finqa chat --json, one per route -------------------------------------------------------------
def _chat(capsys, *args) -> dict:
    rc = main(["chat", *args, "--json"])
    out = capsys.readouterr().out
    assert rc == 0, out
    rows = _json_lines(out)
    assert len(rows) == 1
    return rows[0]


def test_chat_forecast_json(cli_env, capsys):
    out = _chat(capsys, "forecast 2330 next 5 days")
    assert (out["route"], out["code"]) == ("forecast", "2330")
    assert out["engine"] and out["answer"]
    f = out["forecast"]
    assert f["code"] == "2330" and f["horizon_days"] == 5 and len(f["path"]) == 5
    assert all(set(p) == {"date", "close", "low", "high"} and p["low"] <= p["close"] <= p["high"] for p in f["path"])
    assert 0.0 <= f["p_rise"] <= 1.0 and isinstance(f["backtest"], dict)
    assert f["path"][0]["date"] > f["as_of"]


def test_chat_forecast_as_of(cli_env, capsys):
    from ingest.store import open_store

    bars = open_store(cli_env / "store.sqlite").bars("2330")
    as_of = bars.index[150].date()
    out = _chat(capsys, "forecast 2330 next 3 days", "--as-of", as_of.isoformat())
    assert out["forecast"]["as_of"] < as_of.isoformat()
    assert len(out["forecast"]["path"]) == 3


def test_chat_sentiment_json(cli_env, capsys):
    out = _chat(capsys, "台積電最近新聞情緒如何？")
    assert out["route"] == "sentiment" and out["code"] == "2330"
    s = out["sentiment"]
    assert set(s["counts"]) == {"negative", "neutral", "positive"} and sum(s["counts"].values()) == 4
    assert -1.0 <= s["score"] <= 1.0
    assert all({"title", "url", "label", "p"} <= set(i) for i in s["items"])
    assert out["engine"] == "sentiment:cpu-minilm"


def test_chat_qa_json(cli_env, capsys):
    out = _chat(capsys, "Explain what a yield curve inversion implies for equities.")
    assert out["route"] == "qa" and out["engine"] == "qa:cpu-extractive"
    assert out["answer"].startswith("CPU tier (extractive; no language model loaded:")
    assert out["citations"] and all(set(c) == {"n", "title", "source", "date", "url"} for c in out["citations"])
    assert out["citations"][0]["title"] == "What a yield curve inversion means for equities"


def test_chat_bad_input(cli_env, capsys):
    assert "Please type a question" in _chat(capsys, "   ")["answer"]
    huge = _chat(capsys, "Why did TSMC shares fall? " + "x " * 3000)
    assert any("4,000" in n for n in huge["notices"])
    unknown = _chat(capsys, "forecast TSMCC next week")
    assert "TSMCC" in unknown["answer"] and "Did you mean: 2330" in unknown["answer"]
    missing = _chat(capsys, "forecast 2603 next week")
    assert "finqa ingest prices 2603" in missing["answer"]
    clamped = _chat(capsys, "forecast 2330 next 100 days")
    assert clamped["forecast"]["horizon_days"] == 60 and any("60" in n for n in clamped["notices"])


def test_chat_bad_as_of_is_a_clear_error(cli_env, capsys):
    assert main(["chat", "forecast 2330", "--as-of", "2025-13-01", "--json"]) == 2
    assert "--as-of must be a date" in capsys.readouterr().err


def test_interactive_chat_keeps_the_session(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("forecast 2330 next 5 days\nand 2454?\n\nexit\nnever read\n"))
    assert main(["chat", "--json"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert [(r["route"], r["code"]) for r in rows] == [("forecast", "2330"), ("forecast", "2454")]


def test_interactive_chat_streams_text_until_eof(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("台積電最近新聞情緒如何？\n那聯發科呢？\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert out.count("[engine: sentiment:cpu-minilm]") == 2
    assert "2454" in out


def test_chat_plain_text_prints_sources(cli_env, capsys):
    assert main(["chat", "Why did TSMC shares fall?"]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out and "[1]" in out and "[engine: qa:cpu-extractive]" in out


def test_assistant_engine_status(cli_env):
    from assistant.service import get_assistant
    from ingest.config import configure

    status = get_assistant(configure()).engine_status()
    assert set(status) == {"forecast", "sentiment", "qa"}
    assert "CPU" in status["qa"] and "cpu_only" in status["qa"]
    assert all(isinstance(v, str) and v for v in status.values())

