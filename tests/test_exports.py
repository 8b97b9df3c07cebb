"""``finqa ingest export``: the stored bars as the CSV that ``finqa ingest import`` reads back."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from assistant.cli import main
from ingest.exports import COLUMNS, export_frame, write_csv
from ingest.types import PriceBar


@pytest.fixture
def stored(data_dir):
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    store.upsert_bars([PriceBar(code=code, date=date(2025, 3, d), open=base + d, high=base + d + 5, low=base + d - 5,
                                close=base + d + 1, volume=1_000_000 + d)
                       for code, base in (("2330", 1000.0), ("2454", 1300.0)) for d in (3, 4, 5, 6, 7)])
    return store


def test_the_frame_is_each_code_s_bars_in_the_span(stored):
    frame = export_frame(stored, ["2454", "2330"], date(2025, 3, 4), date(2025, 3, 6))
    assert list(frame.columns) == COLUMNS
    assert list(zip(frame["code"], frame["date"])) == [(c, f"2025-03-0{d}") for c in ("2454", "2330") for d in (4, 5, 6)]
    first = frame.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"], first["volume"]) == (1304.0, 1309.0, 1299.0,
                                                                                            1305.0, 1_000_004)
    assert export_frame(stored, ["2317"]).empty and list(export_frame(stored, ["2317"]).columns) == COLUMNS


def test_export_then_import_into_another_data_dir_gives_the_same_bars(stored, data_dir, tmp_path, capsys):
    import ingest.config as config
    from ingest.store import open_store

    out = tmp_path / "out" / "bars.csv"
    assert main(["--data-dir", str(data_dir.data_dir), "ingest", "export", "2330", "聯發科", "--out", str(out)]) == 0
    other = tmp_path / "other"
    try:
        assert main(["--data-dir", str(other), "ingest", "import", str(out), "--json"]) == 0
        copy = open_store(config.get_settings().store_path)
        for code in ("2330", "2454"):
            pd.testing.assert_frame_equal(copy.bars(code)[["open", "high", "low", "close", "volume"]],
                                          stored.bars(code)[["open", "high", "low", "close", "volume"]], check_dtype=False)
    finally:
        config._current = None
    assert not [p for p in out.parent.iterdir() if p.name != "bars.csv"]  # no temporary file left beside it


def test_to_standard_output_and_the_errors(stored, data_dir, capsys):
    import ingest.config as config

    try:
        assert main(["--data-dir", str(data_dir.data_dir), "ingest", "export", "2330", "--start", "2025-03-06"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines == ["code,date,open,high,low,close,volume", "2330,2025-03-06,1006.0,1011.0,1001.0,1007.0,1000006",
                         "2330,2025-03-07,1007.0,1012.0,1002.0,1008.0,1000007"]
        # one company without bars: the others are written, the exit status says something is missing
        assert main(["--data-dir", str(data_dir.data_dir), "ingest", "export", "2330", "2317", "--end", "2025-03-03"]) == 1
        assert capsys.readouterr().out.splitlines()[1:] == ["2330,2025-03-03,1003.0,1008.0,998.0,1004.0,1000003"]
        for argv, said in ((["2330", "--start", "2025-13-01"], "--start must look like YYYY-MM-DD"),
                           (["2330", "--start", "2025-03-07", "--end", "2025-03-03"], "is before --start"),
                           (["2330", "--start", "2030-01-01"], "nothing to export"), (["9999"], "Unknown company")):
            assert main(["--data-dir", str(data_dir.data_dir), "ingest", "export", *argv]) == 2
            assert said in capsys.readouterr().err
    finally:
        config._current = None


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "bars.csv"
    target.write_text("old,complete,file\n", encoding="utf-8")
    frame = pd.DataFrame({c: [1] for c in COLUMNS})

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        write_csv(frame, target)
    assert target.read_text(encoding="utf-8") == "old,complete,file\n" and [p.name for p in tmp_path.iterdir()] == ["bars.csv"]
    monkeypatch.undo()
    buf = io.StringIO()
    write_csv(frame, None, buf)
    assert buf.getvalue().splitlines()[0] == ",".join(COLUMNS)


@pytest.mark.parametrize("message, asks", [
    ("Export the data as CSV", True), ("export 2330 prices to a spreadsheet", True), ("台積電股價匯出excel", True),
    ("can I download this table?", True), ("把聯發科股價存成csv", True),
    ("TSMC export restrictions news", False), ("download 2330", False), ("how do export controls hit 2330?", False),
])
def test_which_questions_ask_to_take_the_data_out(message, asks):
    from assistant.small_talk import asks_export

    assert asks_export(message) is asks


def test_the_assistant_points_at_the_download_button_and_the_command(data_dir):
    from assistant.service import Assistant

    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    en = asst.answer("export 2330 prices to a spreadsheet")
    assert en.engine == "help" and "`finqa ingest export 2330 --start 2025-01-01 --out 2330.csv`" in en.answer
    assert "Download table (CSV)" in en.answer
    zh = asst.answer("台積電股價匯出excel")
    assert "介面" in zh.answer and "finqa ingest export 2330" in zh.answer
    assert asst.answer("download 2330").answer.startswith("The chat reads the stored data")  # a fetch, not an export
