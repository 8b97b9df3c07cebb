"""``finqa demo`` and ``finqa ui`` through the real CLI.

- ``--from`` tiny fixture files (written in tmp) with ``--no-ui``: import (wrong news codes resolved
  from the names), index, status table, engine tiers;
- the live watchlist against the loopback fake TWSE, and the clean failure when TWSE cannot be
  reached (a message that suggests ``--from``, no stack trace, in about a second);
- ``finqa ui --auth`` in a subprocess: prints its URL and tiers, refuses anonymous requests, and
  answers an authenticated ``/chat``.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.ui_server import free_port

REPO = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 240  # a hang guard for a subprocess on a loaded machine, not a speed assertion


@pytest.fixture
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("FINQA_") or key == "NEWSAPI_KEY":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FINQA_CPU_ONLY", "1")
    yield monkeypatch
    import ingest.config as config

    config._current = None


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("demo") / "data"


def _main(argv: list[str]) -> int:
    from assistant.cli import main

    return main(argv)


def test_demo_from_files_no_ui(tmp_path, demo_dir, clean_env, capsys):
    from ingest.store import open_store
    from tests.fixture_data import write_import_files

    paths = write_import_files(tmp_path / "files", n_bars=150)
    rc = _main(["demo", "--from", *map(str, paths), "--no-ui", "--data-dir", str(demo_dir)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("code") and "bars" in line and "news" in line)
    rows = {line.split()[0]: line.split() for line in lines[header + 1:header + 4]}
    # code, bars, first, last, news: 150 bars each; news resolved from the names despite wrong codes
    assert {c: (r[1], r[4]) for c, r in rows.items()} == {"2317": ("150", "3"), "2330": ("150", "4"),
                                                          "2454": ("150", "3")}
    assert "import: 4 files; prices for 3 codes (450 new bars); news for 3 codes (10 new articles)" in out
    assert "index: news" in out and "price windows" in out
    tiers = out[out.index("engines:"):]
    for route in ("forecast", "sentiment", "qa"):
        assert f"  {route}" in tiers
    assert "analog" in tiers
    store = open_store(demo_dir / "store.sqlite")
    assert {a.code for a in store.articles()} == {"2330", "2454", "2317"}
    # Running it again adds nothing (imports upsert, the index is incremental).
    assert _main(["demo", "--from", *map(str, paths), "--no-ui", "--data-dir", str(demo_dir)]) == 0
    again = capsys.readouterr().out
    assert "added 0" in again and store.status()["prices"]["2330"]["rows"] == 150


def test_demo_trains_the_cpu_sentiment_classifier_once(tmp_path, demo_dir, clean_env, capsys):
    """--sentiment-data trains the CPU tier once; the sentiment route then classifies with it."""
    import csv

    from tests.fixture_data import write_import_files

    rows = ([(f"Profit rose sharply and the outlook improved {i}", "positive") for i in range(10)]
            + [(f"Losses widened and the shares collapsed {i}", "negative") for i in range(10)]
            + [(f"The company will hold its meeting on day {i}", "neutral") for i in range(10)])
    sent_csv = tmp_path / "sent.csv"
    with sent_csv.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("text", "label"), *rows])
    paths = write_import_files(tmp_path / "files", n_bars=150)
    argv = ["demo", "--from", *map(str, paths), "--sentiment-data", str(sent_csv), "--no-ui",
            "--data-dir", str(tmp_path / "d")]
    assert _main(argv) == 0
    out = capsys.readouterr().out
    assert "sentiment: CPU classifier saved to" in out and "validation weighted F1" in out
    assert "CPU tier (MiniLM classifier) not trained yet" not in out[out.index("engines:"):]
    folder = tmp_path / "d" / "adapters" / "sentiment-embedded"
    assert (folder / "lexical.npz").is_file()  # trained as `finqa finetune` trains it: with the n-gram model
    assert _main(argv) == 0
    assert "CPU classifier already trained" in capsys.readouterr().out


def test_demo_live_watchlist_from_fake_twse(tmp_path, clean_env, capsys):
    from ingest.prices import taipei_today
    from ingest.store import open_store
    from tests.fakes.twse import FakeExchange

    with FakeExchange(until=taipei_today()) as fake:
        clean_env.setenv("FINQA_TWSE_URL", fake.url)
        clean_env.setenv("FINQA_TPEX_URL", fake.url)
        clean_env.setenv("FINQA_TWSE_PERIOD_S", "0.01")
        rc = _main(["demo", "--no-ui", "--data-dir", str(tmp_path / "live")])
        out, err = capsys.readouterr()
        requested = {h.code for h in fake.hits}
    assert rc == 0, err
    assert requested == {"2330", "2454", "2317"}
    status = open_store(tmp_path / "live" / "store.sqlite").status()
    assert set(status["prices"]) == {"2330", "2454", "2317"}
    assert all(v["rows"] > 200 for v in status["prices"].values())  # 12 months back + the current one
    assert "news: skipped (set NEWSAPI_KEY" in out and "engines:" in out


def test_demo_offline_fails_cleanly_and_suggests_from(tmp_path, clean_env, capsys):
    closed = free_port()  # nothing listens there
    clean_env.setenv("FINQA_TWSE_URL", f"http://127.0.0.1:{closed}")
    rc = _main(["demo", "--no-ui", "--data-dir", str(tmp_path / "offline")])
    out, err = capsys.readouterr()
    assert rc == 2
    assert "Could not reach TWSE/TPEx" in err and "finqa demo --from" in err
    assert "Traceback" not in err + out
    rc = _main(["demo", "--from", str(tmp_path / "nope"), "--no-ui", "--data-dir", str(tmp_path / "offline")])
    assert rc == 2 and "no such file or folder" in capsys.readouterr().err


def test_ui_command_with_auth(demo_dir, clean_env):
    """``finqa ui`` in its own process over the demo's data: URL and tiers printed, auth enforced."""
    import requests
    from gradio_client import Client

    if not (demo_dir / "store.sqlite").exists():
        pytest.skip("needs the data of test_demo_from_files_no_ui")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINQA_") and k != "NEWSAPI_KEY"}
    env.update({"FINQA_CPU_ONLY": "1", "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ui", "--port", str(port), "--auth", "ann:s3cret",
         "--data-dir", str(demo_dir)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not any(line.startswith("  qa") for line in seen):
            assert proc.poll() is None, "".join(seen)
            assert time.monotonic() < deadline, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                pass
        url = next(line.split("finqa UI: ", 1)[1].strip() for line in seen if line.startswith("finqa UI: "))
        assert url == f"http://127.0.0.1:{port}/"
        assert any(line.startswith("  forecast") and "analog" in line for line in seen)
        assert requests.get(url + "config", timeout=30).status_code == 401  # anonymous: refused
        with pytest.raises(Exception):
            Client(url, auth=("ann", "wrong"), verbose=False)
        client = Client(url, auth=("ann", "s3cret"), verbose=False)
        answer = client.predict("forecast 2330 next 5 days", api_name="/chat")
        assert "P(rise)" in answer
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
