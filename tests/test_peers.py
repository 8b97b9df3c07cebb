"""A company's peers ("who are TSMC's competitors?", "台積電的同業有哪些"): its industry from the
company directory, the stored peers with their recent change (point in time), the directory's
others, and the classification's limit said; comparisons and news questions are not taken."""
from __future__ import annotations

from datetime import date

import pytest

from assistant.peers import RECENT_SESSIONS, is_peers_question, peers_answer
from assistant.types import EngineRequest
from ingest.types import PriceBar


@pytest.mark.parametrize("message, code, expected", [
    ("Who are TSMC's competitors?", "2330", True), ("2330 peers", "2330", True), ("台積電的競爭對手有哪些", "2330", True),
    ("台積電的同業有哪些", "2330", True), ("聯發科的主要對手是誰", "2454", True), ("who competes with MediaTek?", "2454", True),
    # the comparison with the industry, a news question, and no company are other questions
    ("2330 vs its industry", "2330", False), ("did TSMC beat its peers in April 2025?", "2330", False),
    ("台積電跟同業比", "2330", False), ("TSMC competitors news", "2330", False), ("who are the competitors?", None, False),
    ("TSMC price", "2330", False),
])
def test_which_questions_ask_for_peers(message, code, expected):
    assert is_peers_question(message, code) is expected


def _bars(code: str, closes: list[float]) -> list[PriceBar]:
    days = [date(2025, 4, 1 + i) for i in range(len(closes))]
    return [PriceBar(code=code, date=d, open=c, high=c, low=c, close=c, volume=1e6) for d, c in zip(days, closes)]


def test_peers_are_the_industry_with_the_stored_ones_moves(data_dir):
    from ingest.store import open_store

    store = open_store(data_dir.store_path)
    n = RECENT_SESSIONS + 1
    store.upsert_bars(_bars("2330", [100.0] * (n - 1) + [110.0])  # +10% over the last 20 sessions
                      + _bars("2454", [200.0] * (n - 1) + [190.0])  # -5%
                      + _bars("2317", [50.0] * (n - 1) + [80.0]))  # another industry: no peer
    a = peers_answer(EngineRequest(message="Who are TSMC's competitors?", code="2330"), store)
    assert "**2330 TSMC (台積電)** is in the exchange's Semiconductors industry (半導體業)" in a.answer
    assert "- 2330 TSMC (台積電) (the company asked about): +10.00%\n- 2454 MediaTek (聯發科): -5.00%" in a.answer
    assert "2317" not in a.answer and a.indicators["stored_peers"] == {"2330": 0.1, "2454": -0.05}
    assert "2303 UMC (聯電)" in a.answer and "2303" in a.indicators["others"] and "2454" not in a.indicators["others"]
    assert a.indicators["members"] > 50  # the directory's whole industry, counted
    assert "not a judgement of who competes with whom" in a.answer
    # point in time: as of the last day, its bar is not seen (2330 flat, 2454 flat)
    last = date(2025, 4, n)
    before = peers_answer(EngineRequest(message="2330 peers", code="2330", as_of=last), store)
    assert before.indicators["stored_peers"] == {"2330": 0.0, "2454": 0.0}
    zh = peers_answer(EngineRequest(message="台積電的同業有哪些", code="2330"), store)
    assert "屬於證交所分類的「半導體業」" in zh.answer and "- 2330 台積電（本公司）：+10.00%" in zh.answer
    etf = peers_answer(EngineRequest(message="0050 peers", code="0050"), store)
    assert "no industry" in etf.answer and not etf.indicators


def test_the_assistant_answers_a_peers_question_from_the_directory(data_dir):
    """It had searched the news and quoted a bond purchase as TSMC's competitors."""
    from assistant.service import Assistant
    from ingest.store import open_store

    open_store(data_dir.store_path).upsert_bars(_bars("2330", [100.0, 101.0]) + _bars("2454", [100.0, 99.0]))
    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer("台積電的競爭對手有哪些")
    assert a.route == "qa" and a.code == "2330" and "半導體業" in a.answer and not a.citations
