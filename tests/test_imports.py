"""Local imports: every file shape from small synthetic fixtures, malformed files, warrant-code
files, re-import idempotence, and an import killed with SIGKILL then resumed."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ingest.imports import import_paths
from ingest.store import Store

FIXTURES = Path(__file__).parent / "data" / "imports"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(data_dir):
    s = Store(data_dir.store_path)
    yield s
    s.close()


@pytest.fixture
def files(tmp_path):
    """A private copy of the fixture tree, so tests may damage files."""
    dst = tmp_path / "imports"
    shutil.copytree(FIXTURES, dst)
    return dst


def _news(store: Store) -> dict[str, object]:
    return {a.url: a for a in store.articles()}


def test_import_every_shape(store, files):
    report = import_paths(store, [files], progress=False)

    assert report["files"] == 7
    assert report["errors"] == []
    assert report["prices"] == {"2330": 5, "2454": 3, "6488": 0, "AAPL": 3}

    # twstock shape: capacity is shares (volume), transaction the number of trades
    bars = store.bars("2330")
    assert len(bars) == 5
    first = bars.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"]) == (100.0, 102.0, 99.0, 101.0)
    assert (first["volume"], first["turnover"], first["transactions"], first["change"]) == (1000, 101000, 50, 1.0)
    assert first["source"] == "twse"
    assert str(bars.index[-1].date()) == "2025-03-07"
    assert len(store.bars("2454")) == 3  # named {code}.csv

    # header-only twstock file: 0 rows, reported, not an error
    assert any(p.endswith("環球晶_6488_stocks.csv") for p in report["empty"])

    # warrant prices filed under a company's name: not stored under either code
    assert store.bars("2449").empty and store.bars("085133").empty
    assert "京元電 (085133)" in report["unresolved"]
    (skip,) = [s for s in report["skipped"] if s["file"].endswith("京元電_085133_stocks.csv")]
    assert "085133" in skip["reason"] and "2449" in skip["reason"]

    # Yahoo shape: a US symbol is registered, adjusted close kept, null rows skipped
    aapl = store.bars("AAPL")
    assert len(aapl) == 3 and "2015-06-03" not in {str(d.date()) for d in aapl.index}
    assert aapl.iloc[0]["adj_close"] == pytest.approx(120.25)
    assert aapl.iloc[0]["source"] == "yahoo" and aapl.iloc[0]["volume"] == 30_000_000
    assert [(c.code, c.market) for c in store.symbols()] == [("AAPL", "US")]
    from ingest.companies import get_directory

    assert get_directory().resolve("AAPL").market == "US"

    # company-list news: resolved from names (the warrant code 089953 is ignored)
    news = _news(store)
    zh = news["https://news.example.test/zh/1"]
    assert zh.code == "2330" and zh.language == "zh"
    assert zh.description == "台積電第一季營收成長。"
    assert zh.content == "台積電表示&AI需求強勁"
    assert zh.published_at == datetime(2025, 4, 17, 0, 30, tzinfo=timezone.utc)
    assert zh.source == "經濟日報"
    assert news["https://news.example.test/en/1"].code == "2330"
    assert news["https://news.example.test/en/1"].language == "en"
    assert news["https://news.example.test/zh/asus"].code == "2357"
    assert news["https://news.example.test/zh/asus"].language == "zh"  # detected from CJK text
    assert news["https://news.example.test/en/acer"].code == "2353"  # no code in the file at all
    # listed under both TSMC and ASUS: stored once, under the company its title names first
    assert news["https://news.example.test/en/shared"].code == "2357"
    # an unlisted company: stored without a code and reported
    assert news["https://news.example.test/en/ingrasys"].code is None
    assert "鴻佰 (Ingrasys)" in report["unresolved"] and "Garage+" in report["unresolved"]
    assert "https://removed.com" not in news

    # raw newsapi answer: company found in each article's text
    assert news["https://news.example.test/raw/1"].code == "2454"
    assert news["https://news.example.test/raw/2"].code == "2454"  # first named: 聯發科 before 鴻海
    assert news["https://news.example.test/raw/3"].code is None
    assert any("headlines.json" in u for u in report["unresolved"])

    assert report["news"] == {"": 2, "2330": 2, "2353": 1, "2357": 2, "2454": 2}
    status = store.status()
    assert status["news"] == {"": 2, "2330": 2, "2353": 1, "2357": 2, "2454": 2}


def test_reimport_is_idempotent(store, files):
    import_paths(store, [files], progress=False)
    before = store.status()
    again = import_paths(store, [files], progress=False)
    assert store.status() == before
    assert set(again["prices"].values()) == {0}
    assert set(again["news"].values()) == {0}
    assert again["errors"] == []


def test_raw_answer_named_for_a_company(store, tmp_path):
    src = json.loads((FIXTURES / "news" / "headlines.json").read_text(encoding="utf-8"))
    path = tmp_path / "台積電_news.json"
    path.write_text(json.dumps(src, ensure_ascii=False), encoding="utf-8")
    report = import_paths(store, [path], progress=False)
    assert report["news"] == {"2330": 3}  # the file name names the company: all its articles


def test_malformed_csv_reports_line_and_goes_on(store, files):
    path = files / "twse" / "台積電_2330_stocks.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3].startswith("2,2025-03-05,")
    lines[3] = lines[3].replace("102.0,102.5", "102.0,1o2.5")  # line 4 of the file: a bad number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_paths(store, [files / "twse", files / "yahoo"], progress=False)

    assert report["errors"] == [
        {"file": str(path), "line": 4, "error": "column 'high': '1o2.5' is not a number"}
    ]
    assert store.bars("2330").empty  # the malformed file is rejected whole
    assert len(store.bars("2454")) == 3 and len(store.bars("AAPL")) == 3  # the rest went on


@pytest.mark.parametrize(
    "name, text, line, fragment",
    [
        ("2330.csv", ",date,capacity,turnover,open,high,low,close,change,transaction\n"
                     "0,2025-03-03,1,1,1,1,1,1,0,1\n0,2025-03-04,1,1,1,1,1,1,0,1\n"
                     "0,2025-03-05,1,1,1,1,1,1,0,1\n0,2025-03-06,1,1,1,1,1,1,0,1,9,9\n", 5, "malformed CSV"),
        ("2330.csv", ",date,capacity,turnover,open,high,low,close,change,transaction\n"
                     "0,2025-03-03,1,1,1,1,1,1,0,1\n0,03/04/2025,1,1,1,1,1,1,0,1\n", 3, "not a date"),
        ("2330.csv", ",date,capacity,turnover,open,high,low,close,change,transaction\n"
                     "\n0,2025-03-03,1,1,1,1,1,-5,0,1\n", 3, "negative"),
        ("AAPL.csv", "Date,Open,High,Low,Close,Adj Close,Volume\n2015-06-01,1,1,1,1,1,1\n"
                     "2015-06-02,1,1,1,abc,1,1\n", 3, "'abc' is not a number"),
        ("prices.csv", "when,price\n2025-01-01,3\n", 1, "unrecognised CSV header"),
        ("2330.csv", "date,open,high,low,close,volume\n2025-01-02,1,2,0.5,1.5,100\n2025-01-03,abc,2,1,1,100\n", 3,
         "column 'open': 'abc' is not a number"),
        ("prices.csv", "date,close\n2025-01-02,1\n", None, "add a 'code' column or name the file by its code"),
        # prices that cannot all be right, and a day written twice (the second had overwritten the first)
        ("2330.csv", "date,open,high,low,close,volume\n2025-01-02,1,2,0.5,1.5,100\n2025-01-03,1,0.9,1.2,1,100\n", 3,
         "high 0.9 is below low 1.2"),
        ("2330.csv", "date,open,high,low,close,volume\n2025-01-02,1,2,0.5,2.5,100\n", 2, "close 2.5 is above the day's high 2"),
        ("2330.csv", ",date,capacity,turnover,open,high,low,close,change,transaction\n"
                     "0,2025-03-03,1,1,1,1,1,1,0,1\n0,2025-03-03,1,1,1,1,1,1,0,1\n", 3, "2025-03-03 again (first on line 2)"),
        ("prices.csv", "code,date,close\n2330,2025-01-02,1\n2330,2025-01-02,2\n", 3, "2330 2025-01-02 again (first on line 2)"),
        ("news.json", '[\n  {"name_zh": "台積電",\n   "news": [}\n]\n', 3, "invalid JSON"),
        ("news.json", '{"status": "error", "code": "apiKeyInvalid", "message": "no"}', 1, "apiKeyInvalid"),
        ("news.json", '{"something": 1}', 1, "unrecognised JSON"),
    ],
)
def test_malformed_files(store, tmp_path, name, text, line, fragment):
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(FIXTURES / "twse" / "2454.csv", good / "2454.csv")

    report = import_paths(store, [bad.parent, good], progress=False)

    assert len(report["errors"]) == 1
    err = report["errors"][0]
    assert err["file"] == str(bad) and err["line"] == line and fragment in err["error"]
    assert report["prices"].get("2454") == 3
    assert store.bars("2330").empty and store.bars("AAPL").empty


def test_missing_paths_and_unknown_codes(store, tmp_path):
    (tmp_path / "notes.txt").write_text("hi", encoding="utf-8")
    unknown = tmp_path / "9999.csv"
    unknown.write_text(",date,capacity,turnover,open,high,low,close,change,transaction\n"
                       "0,2025-03-03,1,1,1,1,1,1,0,1\n", encoding="utf-8")
    report = import_paths(store, [tmp_path / "nope", tmp_path / "notes.txt", unknown], progress=False)
    assert {e["error"] for e in report["errors"]} == {"no such file or folder", "not a .csv or .json file"}
    assert report["unresolved"] == ["9999"] and store.price_codes() == []


def test_cli_import_and_status(data_dir, files, capsys):
    from assistant.cli import main

    rc = main(["ingest", "import", str(files), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["prices"]["2330"] == 5

    rc = main(["ingest", "status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert status["prices"]["2330"] == {"rows": 5, "first": "2025-03-03", "last": "2025-03-07"}
    assert status["news"]["2330"] == 2

    (files / "broken.json").write_text("{", encoding="utf-8")
    rc = main(["ingest", "import", str(files / "broken.json"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out["errors"][0]["line"] == 1


# --- interrupted import ----------------------------------------------------------------------------
N_FILES, N_ROWS = 120, 250

_CHILD = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from ingest.imports import import_paths
from ingest.store import Store
import_paths(Store(sys.argv[1]), [sys.argv[2]], progress=False)
"""


def _write_many(folder: Path) -> list[str]:
    import twstock

    codes = sorted(c for c, i in twstock.codes.items() if i.type == "股票" and i.market == "上市")[:N_FILES]
    folder.mkdir()
    header = ",date,capacity,turnover,open,high,low,close,change,transaction\n"
    import pandas as pd

    days = pd.bdate_range("2020-01-01", periods=N_ROWS)
    for k, code in enumerate(codes):
        rows = [f"{i},{d.date()},{1000 + i},{100000 + i},{10 + k},{11 + k},{9 + k},{10.5 + k},0.5,{i + 1}\n"
                for i, d in enumerate(days)]
        (folder / f"{code}.csv").write_text(header + "".join(rows), encoding="utf-8")
    return codes


def _counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT code, COUNT(*) FROM prices GROUP BY code").fetchall())
    finally:
        con.close()


def test_killed_import_resumes_without_loss_or_duplicates(data_dir, tmp_path):
    folder = tmp_path / "many"
    codes = _write_many(folder)
    db = tmp_path / "kill.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO), "FINQA_DATA_DIR": str(data_dir.data_dir)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db), str(folder)], cwd=REPO, env=env,
                             stderr=subprocess.PIPE, text=True)
    imported = 0
    deadline = time.monotonic() + 120
    try:
        while imported < 5 and time.monotonic() < deadline:
            line = child.stderr.readline()
            if not line:
                break
            imported += line.startswith("imported ")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert imported == 5

    partial = _counts(db)
    assert 5 <= len(partial) < N_FILES, "the import was not interrupted mid-way"
    assert set(partial.values()) == {N_ROWS}, "a file was half-written"

    s = Store(db)
    try:
        report = import_paths(s, [folder], progress=False)
    finally:
        s.close()
    assert report["errors"] == []
    assert sum(report["prices"].values()) == N_ROWS * (N_FILES - len(partial))
    final = _counts(db)
    assert set(final) == set(codes) and set(final.values()) == {N_ROWS}
    con = sqlite3.connect(db)
    try:
        dupes = con.execute("SELECT code, date FROM prices GROUP BY code, date HAVING COUNT(*) > 1").fetchall()
        total = con.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
    finally:
        con.close()
    assert dupes == [] and total == N_FILES * N_ROWS


def test_plain_ohlcv_csvs_import_by_file_name_or_code_column(store, tmp_path):
    """The table people export ("date,open,high,low,close,volume", "Date,Code,Close", TWSE's
    "日期,證券代號,...,收盤價" with ROC years), matched by header name in any order and case: the code
    from the file name or a code column (several companies in one file, ".TW" allowed), codes that
    are not listed reported and their rows not stored, the rest in one transaction; a rerun adds
    nothing."""
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "2330.csv").write_text("Close,Date,Volume\n1000,2025-01-02,5000\n1010,2025-01-03,\n", encoding="utf-8")
    (folder / "multi.csv").write_text("date,code,open,high,low,close\n2025-01-02,2454.TW,1290,1310,1280,1300\n"
                                      "2025-01-02,9999,1,1,1,1\n2025-01-03,2454,1300,1320,1295,1315\n", encoding="utf-8")
    (folder / "twse.csv").write_text("日期,證券代號,開盤價,最高價,最低價,收盤價,成交股數\n"
                                     '114/01/02,2317,180,182,179,181,"1,000"\n', encoding="utf-8")
    report = import_paths(store, [folder], progress=False)
    assert report["errors"] == [] and report["prices"] == {"2330": 2, "2454": 2, "2317": 1}
    assert report["unresolved"] == ["9999"] and "its 1 rows were not stored" in report["skipped"][0]["reason"]
    tsmc = store.bars("2330")
    assert list(tsmc["close"]) == [1000.0, 1010.0] and tsmc["open"].isna().all()
    mtk = store.bars("2454")
    assert list(mtk["high"]) == [1310.0, 1320.0] and str(mtk.index[0].date()) == "2025-01-02"
    hon = store.bars("2317")
    assert str(hon.index[0].date()) == "2025-01-02" and float(hon["volume"].iloc[0]) == 1000.0
    again = import_paths(store, [folder], progress=False)
    assert again["prices"] == {"2330": 0, "2454": 0, "2317": 0}
