"""Misspelt question words are read as the word meant, said in a notice, and nothing else moves."""
from __future__ import annotations

import pytest

from assistant.typos import correct_typos


@pytest.mark.parametrize("message, fixed, fixes", [
    ("tsmc stock pirce today", "tsmc stock price today", ["pirce → price"]),
    ("forcast 2330", "forecast 2330", ["forcast → forecast"]),
    ("sentimnet of 2454", "sentiment of 2454", ["sentimnet → sentiment"]),
    ("2330 volumne last week", "2330 volume last week", ["volumne → volume"]),
    ("台積電pirce", "台積電price", ["pirce → price"]),
    ("Prcie of TSMC", "Price of TSMC", ["Prcie → Price"]), ("TSMC PIRCE", "TSMC PRICE", ["PIRCE → PRICE"]),
])
def test_one_slip_is_read_as_the_keyword(message, fixed, fixes):
    assert correct_typos(message) == (fixed, fixes)


@pytest.mark.parametrize("message", [
    "Is TSMC losing money?",  # one letter from "closing", and a word
    "what is the prize for winning?",  # a letter replaced is not corrected: real words would turn
    "2330 closed at what price?", "forest fires and newts", "the dividend was divided", "Prince Housing news",
    "sentiment of \u201cTSMC prcie hike\u201d",  # quoted text is classified as written
    "forecast 2330 next 5 days", "chat about 2330", "",
])
def test_words_and_quotes_are_left_alone(message):
    assert correct_typos(message) == (message, [])


def test_the_assistant_routes_the_corrected_question_and_says_so(data_dir):
    from datetime import date

    from assistant.service import Assistant
    from ingest.store import open_store
    from ingest.types import PriceBar

    open_store(data_dir.store_path).upsert_bars([PriceBar(code="2330", date=date(2025, 3, 5), open=1000.0, high=1010.0,
                                                          low=990.0, close=1005.0, volume=1000)])
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("2330 pirce on 2025-03-05")
    assert a.engine == "qa:prices" and "1,005.00" in a.answer and "Read as: pirce → price." in a.notices
    zh = asst.answer("台積電pirce 2025-03-05")
    assert "將拼錯的字讀作：pirce → price。" in zh.notices
    assert not any("Read as" in n for n in asst.answer("2330 price on 2025-03-05").notices)


@pytest.mark.parametrize("message, fixed, fixes", [
    ("TSCM price", "TSMC price", ["TSCM → TSMC (2330)"]), ("TMSC forecast", "TSMC forecast", ["TMSC → TSMC (2330)"]),
    ("Mediatk news", "MediaTek news", ["Mediatk → MediaTek (2454)"]),
    ("mediatk news", "MediaTek news", ["mediatk → MediaTek (2454)"]),
    ("Foxcon stock", "Foxconn stock", ["Foxcon → Foxconn (2317)"]),
    ("Mediatk and TSCM", "MediaTek and TSMC", ["Mediatk → MediaTek (2454)", "TSCM → TSMC (2330)"]),
])
def test_a_mistyped_company_name_is_read_as_the_company(message, fixed, fixes):
    from assistant.typos import correct_company_typos
    from ingest.companies import get_directory

    assert correct_company_typos(message, get_directory()) == (fixed, fixes)


@pytest.mark.parametrize("message", [
    "speed of TSMC chips",  # one slip from ASPEED, but an English word (and a company is named)
    "memory prices this year",  # eMemory
    "Quant funds are selling",  # a letter added to a five-letter word: not Quanta
    "quanta of energy",  # lower case and short
    'classify "TSCM beats estimates"',  # quoted text is classified as written
    "TSMC price", "",
])
def test_words_and_named_companies_are_no_mistyped_company(message):
    from assistant.typos import correct_company_typos
    from ingest.companies import get_directory

    assert correct_company_typos(message, get_directory()) == (message, [])


def test_the_assistant_answers_for_a_mistyped_company_and_asks_about_a_mistyped_chinese_one(data_dir):
    from datetime import date

    from assistant.service import Assistant
    from ingest.store import open_store
    from ingest.types import PriceBar

    open_store(data_dir.store_path).upsert_bars([PriceBar(code="2330", date=date(2025, 3, 5), open=1000.0, high=1010.0,
                                                          low=990.0, close=1005.0, volume=1000)])
    asst = Assistant(data_dir.model_copy(update={"cpu_only": True}))
    a = asst.answer("TSCM price on 2025-03-05")
    assert a.engine == "qa:prices" and a.code == "2330" and "1,005.00" in a.answer
    assert "Read as: TSCM → TSMC (2330)." in a.notices
    zh = asst.answer("台機電股價")  # 機 for 積: several names one character away, so it asks
    assert zh.engine == "router" and "找不到名為「台機電」的上市櫃公司。您是指：2330 台積電" in zh.answer


@pytest.mark.parametrize("message, code", [
    ("https://tw.stock.yahoo.com/quote/2330.TW", "2330"), ("https://goodinfo.tw/tw/StockDetail.asp?STOCK_ID=2454", "2454"),
    ("https://www.cnyes.com/twstock/2317", "2317"),
])
def test_a_pasted_quote_page_is_read_as_its_company(data_dir, message, code):
    """A quote page's address alone is the company it shows (it had searched the news for the
    address); a search address or an address beside a question is left as written."""
    from assistant.service import Assistant
    from assistant.typos import read_quote_link

    assert read_quote_link(message) == (code, [f"{message} → {code}"])
    assert read_quote_link("https://www.google.com/search?q=2330")[1] == []
    a = Assistant(data_dir.model_copy(update={"cpu_only": True})).answer(message)
    assert a.code == code and any(f"→ {code}" in n for n in a.notices)
