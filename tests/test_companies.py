"""Company directory: resolution, suggestions, free-text mentions, the CLI, store symbols.

Built from the real ``twstock.codes`` table and the repo's alias table (both offline).
"""
from __future__ import annotations

import csv
import json

import pytest

from ingest import companies
from ingest.companies import ALIASES_PATH, build_directory
from ingest.errors import UnknownCompanyError
from ingest.types import Company


@pytest.fixture(scope="module")
def directory():
    return build_directory()


@pytest.mark.parametrize(
    "query, code",
    [
        # codes, with and without market suffixes, any case
        ("2330", "2330"), ("2330.TW", "2330"), ("2330.tw", "2330"), ("6488.TWO", "6488"), (" 2454 ", "2454"),
        ("0050", "0050"), ("00631L", "00631L"), ("00631l", "00631L"),
        # Traditional, Simplified, 臺/台, full names
        ("台積電", "2330"), ("台积电", "2330"), ("臺積電", "2330"), ("台灣積體電路製造", "2330"),
        ("聯發科", "2454"), ("联发科", "2454"), ("鴻海", "2317"), ("鸿海", "2317"), ("鴻海精密", "2317"),
        ("廣達", "2382"), ("广达", "2382"), ("日月光投控", "3711"), ("日月光", "3711"), ("台達電", "2308"),
        ("聯電", "2303"), ("中華電", "2412"), ("國泰金", "2882"), ("长荣", "2603"), ("宏碁", "2353"),
        ("華碩", "2357"), ("富邦金", "2881"), ("元大台灣50", "0050"), ("環球晶", "6488"),
        # short forms and legal suffixes
        ("京元電", "2449"), ("京元電子", "2449"), ("益登科技", "3048"), ("世芯", "3661"), ("世芯-KY", "3661"),
        # English names and aliases, any case, punctuation-insensitive
        ("TSMC", "2330"), ("tsmc", "2330"), ("Taiwan Semiconductor", "2330"),
        ("Taiwan Semiconductor Manufacturing", "2330"), ("Taiwan Semiconductor Manufacturing Co., Ltd.", "2330"),
        ("MediaTek", "2454"), ("mediatek", "2454"), ("Hon Hai", "2317"), ("Foxconn", "2317"),
        ("Hon Hai Precision", "2317"), ("Quanta", "2382"), ("Quanta Computer Inc.", "2382"), ("ASE", "3711"),
        ("Delta Electronics", "2308"), ("UMC", "2303"), ("United Microelectronics", "2303"),
        ("Chunghwa Telecom", "2412"), ("Cathay Financial", "2882"), ("Evergreen Marine", "2603"),
        ("Acer", "2353"), ("Asus", "2357"), ("ASUS", "2357"), ("Fubon Financial", "2881"),
        ("Yuanta Taiwan 50", "0050"), ("Lite-On", "2301"), ("LITEON", "2301"), ("lite on", "2301"),
        ("KYEC", "2449"), ("EverFocus", "5484"), ("Techman Robot", "4585"), ("達明機器人", "4585"),
    ],
)
def test_resolve_known_names(directory, query, code):
    found = directory.resolve(query)
    assert found is not None, query
    assert found.code == code


def test_company_fields(directory):
    tsmc = directory.resolve("TSMC")
    assert (tsmc.name_zh, tsmc.name_en, tsmc.market, tsmc.kind) == ("台積電", "TSMC", "TWSE", "stock")
    assert directory.get("6488").market == "TPEx"
    assert directory.get("6488.TWO").symbol == "6488.TWO"
    assert directory.get("0050").kind == "etf"
    assert directory.get("00679B").market == "TPEx"


@pytest.mark.parametrize("query", ["089953", "085133", "07496P", "TSMCC", "台機電", "Ingrasys", "雲達科技",
                                   "矽品", "", "   ", "9999", "Taiwan"])
def test_unknown_and_non_listed_do_not_resolve(directory, query):
    assert directory.resolve(query) is None


def test_warrants_are_not_in_the_directory(directory):
    import twstock

    warrant = next(code for code, info in twstock.codes.items() if "權證" in info.type)
    assert directory.get(warrant) is None
    kinds = {c.kind for c in directory.companies.values()}
    assert kinds == {"stock", "etf"}


@pytest.mark.parametrize("query", ["TSMCC", "台機電", "台机电", "tsmc corp x"])
def test_suggestions_for_typos(directory, query):
    suggestions = directory.suggest(query)
    assert suggestions and suggestions[0] == "2330 台積電 (TSMC)"
    assert len(suggestions) <= 5


@pytest.mark.parametrize("query, first", [
    # a one-letter typo beats longer names that merely contain the query (fubon MEDIA TECHnology)
    ("Mediatec", "2454 聯發科 (MediaTek)"), ("Foxcon", "2317 鴻海 (Hon Hai)"),
    ("Delta Electronic", "2308 台達電 (Delta Electronics)"), ("Evergren", "2603 長榮 (Evergreen Marine)"),
])
def test_the_closest_spelling_comes_first(directory, query, first):
    assert directory.suggest(query)[0] == first


def test_a_taiwan_name_running_into_a_group_word_names_the_group(directory):
    """"Taiwan's semiconductor sector" had been TSMC ("Taiwan Semiconductor"), so the sector's summary
    was TSMC's news; "Taiwan Semiconductor stock price" still is TSMC."""
    assert directory.mention_spans("Taiwan semiconductor sector") == []
    assert directory.mention_spans("taiwan semiconductor industry outlook") == []
    assert [c for *_, c in directory.mention_spans("Taiwan Semiconductor stock price")] == ["2330"]


def test_a_mistyped_code_suggests_the_codes_one_keystroke_away(directory):
    """"23300" (a digit added), "233" (one dropped), "2331" (one mistyped): the codes one edit away,
    biggest first (a fuzzy ratio had offered ETFs such as 00972 that merely share digits)."""
    assert directory.suggest("23300")[0] == "2330 台積電 (TSMC)"
    assert directory.suggest("233")[0] == "2330 台積電 (TSMC)"
    from rapidfuzz.distance import Levenshtein

    assert all(Levenshtein.distance("9999", s.split()[0]) <= 1 for s in directory.suggest("9999"))


def test_resolve_or_raise_and_json(directory):
    assert directory.resolve_or_raise("MediaTek").code == "2454"
    with pytest.raises(UnknownCompanyError) as info:
        directory.resolve_or_raise("TSMCC")
    assert info.value.suggestions[0].startswith("2330")
    assert "TSMCC" in str(info.value)

    ok = directory.resolve_json("台积电")
    assert ok == {"query": "台积电", "code": "2330", "name_zh": "台積電", "name_en": "TSMC", "market": "TWSE"}
    bad = directory.resolve_json("TSMCC")
    assert bad["code"] is None and bad["query"] == "TSMCC"
    assert set(bad) == {"query", "code", "name_zh", "name_en", "market", "suggestions"}
    assert bad["suggestions"][0] == "2330 台積電 (TSMC)"


@pytest.mark.parametrize(
    "text, codes",
    [
        ("forecast 2330 next 5 days", ["2330"]),
        ("台積電最近新聞情緒如何？", ["2330"]),
        ("台积电最近新闻情绪如何？", ["2330"]),
        ("那聯發科呢？", ["2454"]),
        ("How is TSMC doing?", ["2330"]),
        ("UMC and ASE beat MediaTek; Delta Electronics too", ["2303", "3711", "2454", "2308"]),
        ("鴻海(2317)與廣達", ["2317", "2382"]),
        ("2317 and 2330 and 2317 again", ["2317", "2330"]),
        ("compare 6488.TWO with 2330.TW", ["6488", "2330"]),
        ("买台积电还是联发科", ["2330", "2454"]),
        ("Foxconn, also called Hon Hai", ["2317"]),
        ("forecast 2002 next week", ["2002"]),  # a listed code in the year range, alone: a code
        ("世界先進的股價", ["5347"]),
        ("統一呢？", ["1216"]),
        ("统一股价", ["1216"]), ("统一未来一周股价预测", ["1216"]),  # Simplified context words count too
        ("政府統一規範", []), ("統一發票中獎", []),
        ("巨大股價如何", ["9921"]),
        ("台灣大哥大", ["3045"]),
        # traps: substrings, years, dates, amounts, everyday words
        ("PHASE one of the plan", []),
        ("ASEAN growth", []),
        ("Revenue in 2025 rose 30%", []),
        ("2025年營收成長", []),
        ("On 2025-05-29 the index fell", []),
        ("report dated 5/29/2025", []),
        ("in the 2020s", []),
        ("May 2024 sales", []),
        ("what happened on qingming 2025", []), ("market summary 2024", []), ("chip stocks 2025", []),
        ("2025 price", ["2025"]), ("forecast 2025", ["2025"]),  # 千興, asked of as a company
        ("TSMC results for 2024", ["2330"]),
        ("Q1 2025 TSMC", ["2330"]),
        ("The price was NT$2330", []),
        ("目標價2330元", []),
        ("世界經濟很差", []),
        ("這個產品非常巨大", []),
        ("可成功嗎", []),
        ("南亞地區", []),
        ("台灣大學的研究", []),
        ("the delta of the option", []),
        ("hello there", []),
        ("", []),
        # acronyms of four letters or more also in lower case; three-letter ones and words not
        ("tsmc in march 2025", ["2330"]),
        ("how is ctbc doing", ["2891"]),
        ("the ase of it", []),
        ("chem stocks", []),
    ],
)
def test_find_in_text(directory, text, codes):
    assert [c.code for c in directory.find_in_text(text)] == codes


def test_find_in_text_quoted_news(directory):
    text = ('Classify: "Hon Hai shares rose after Nvidia orders; analysts said Quanta and '
            'Wistron also benefit in 2025."')
    assert [c.code for c in directory.find_in_text(text)] == ["2317", "2382", "3231"]


def test_alias_table_covers_the_largest_companies():
    with ALIASES_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["code"] for r in rows]
    assert len(rows) >= 120
    assert len(set(codes)) == len(codes)
    assert all(r["name_en"].strip() for r in rows)
    listed = companies.listed_companies()
    missing = [c for c in codes if c not in listed]
    assert not missing, f"alias table codes not listed in twstock.codes: {missing}"
    etfs = [c for c in codes if listed[c].kind == "etf"]
    assert len(etfs) >= 10


def test_ambiguous_keys_resolve_to_nothing():
    extra = [Company(code="ZZA", name_zh="ZZA", name_en="Same Name", market="US"),
             Company(code="ZZB", name_zh="ZZB", name_en="Same Name", market="US")]
    d = build_directory(extra)
    assert d.resolve("Same Name") is None
    assert d.resolve("ZZA").code == "ZZA"


def test_store_symbols_join_the_directory(data_dir):
    from ingest.store import open_store

    before = companies.get_directory()
    assert before.resolve("AAPL") is None
    store = open_store(data_dir.store_path)
    store.upsert_symbol(Company(code="AAPL", name_zh="", name_en=None, market="US"))
    store.upsert_symbol(Company(code="UMC", name_zh="", name_en=None, market="US"))  # UMC's ADR ticker
    d = companies.reload()
    assert d.resolve("AAPL").market == "US"
    assert d.resolve("aapl").code == "AAPL"
    assert d.get("AAPL").code == "AAPL"
    # the Taiwan company keeps its name; the ADR is still reachable by code
    assert d.resolve("UMC").code == "2303"
    assert d.get("UMC").market == "US"
    assert [c.code for c in d.find_in_text("AAPL vs TSMC and UMC")] == ["AAPL", "2330", "2303"]
    assert companies.get_directory() is d  # cached until the store gains symbols


def _run_cli(argv, capsys):
    from assistant.cli import main

    rc = main(argv)
    return rc, capsys.readouterr().out


def test_cli_company_resolve_json(data_dir, capsys):
    rc, out = _run_cli(["company", "resolve", "2330", "台积电", "Foxconn", "6488.TWO", "--json"], capsys)
    assert rc == 0
    rows = json.loads(out)
    assert [r["code"] for r in rows] == ["2330", "2330", "2317", "6488"]
    assert all(list(r) == ["query", "code", "name_zh", "name_en", "market"] for r in rows)
    assert rows[3] == {"query": "6488.TWO", "code": "6488", "name_zh": "環球晶", "name_en": "GlobalWafers",
                       "market": "TPEx"}


def test_cli_company_resolve_failure_exits_nonzero(data_dir, capsys):
    rc, out = _run_cli(["company", "resolve", "TSMC", "TSMCC", "--json"], capsys)
    assert rc != 0
    ok, bad = json.loads(out)
    assert ok["code"] == "2330"
    assert bad["code"] is None and bad["suggestions"][0] == "2330 台積電 (TSMC)"

    rc, out = _run_cli(["company", "resolve", "台機電"], capsys)
    assert rc != 0 and "2330 台積電 (TSMC)" in out


def test_without_mentions_leaves_what_the_message_says_besides_the_names(directory):
    assert directory.without_mentions("TSMC last week").split() == ["last", "week"]
    assert directory.without_mentions("台積電 上週").split() == ["上週"]
    assert directory.without_mentions("2330 2025-04").split() == ["2025-04"]
    assert directory.without_mentions("聯發科跟台積電").split() == ["跟"]
    assert directory.without_mentions("hello").split() == ["hello"]
    assert directory.mention_spans("AAPL vs 2330")[-1][2] == "2330"


def test_an_adr_ticker_names_the_taiwan_company_with_a_notice(data_dir):
    from assistant.slots import parse_slots
    from ingest.store import open_store

    d = companies.reload()
    assert d.resolve("TSM").code == "2330" and d.resolve("$tsm").code == "2330"
    assert [c.code for c in d.find_in_text("TSM and ASX earnings")] == ["2330", "3711"]
    assert d.find_in_text("tsm") == []  # a lower-case three-letter word is no ticker
    assert [c.code for c in d.adr_mentions("TSM vs TSMC")] == ["2330"]
    assert d.adr_mentions("UMC price") == [] and d.adr_mentions("CHT") == []  # names of their own
    slots = parse_slots("how did TSM do last month?", None, d)
    assert slots.code == "2330"
    assert any("TSM is the US ADR of 2330" in n and "5 shares" in n and "NT$" in n for n in slots.notices)
    assert any("美國存託憑證" in n for n in parse_slots("TSM 股價", None, d).notices)
    assert not any("ADR" in n for n in parse_slots("TSMC price", None, d).notices)
    # a store that holds the ADR's own US series keeps the ticker for it
    open_store(data_dir.store_path).upsert_symbol(Company(code="TSM", name_zh="", name_en=None, market="US"))
    d = companies.reload()
    assert d.resolve("TSM").code == "TSM" and d.resolve("TSMC").code == "2330"
    assert [c.code for c in d.find_in_text("TSM vs 2330")] == ["TSM", "2330"]
    assert d.adr_mentions("TSM vs 2330") == []


def test_taiwan_nicknames_name_their_company_in_either_script():
    """"護國神山" is TSMC and "發哥" MediaTek, as Taiwan's investors write them ("護國神山還能撐嗎" had
    named no company); "神山" alone is no company."""
    directory = companies.get_directory()
    for text, code in (("護國神山還能撐嗎", "2330"), ("护国神山股价", "2330"), ("發哥今天漲多少", "2454"), ("发哥的新闻", "2454")):
        assert [c.code for c in directory.find_in_text(text)] == [code], text
    assert directory.find_in_text("神山") == []


def test_the_alias_table_reads_adr_ratios(tmp_path):
    table = tmp_path / "aliases.csv"
    table.write_text("code,name_en,aliases,adr\n2330,TSMC,Taiwan Semiconductor,TSM:5\n2317,Hon Hai,Foxconn\n",
                     encoding="utf-8")
    rows = companies.load_aliases(table)
    assert rows == [("2330", "TSMC", ("Taiwan Semiconductor",), ("TSM", 5)), ("2317", "Hon Hai", ("Foxconn",), None)]


def test_an_industry_s_members_are_its_listed_stocks(directory):
    """What a company's peers and its industry comparison read: TWSE/TPEx stocks of that industry."""
    members = directory.industry_members("半導體業")
    codes = {c.code for c in members}
    assert {"2330", "2454", "2303"} <= codes and "2317" not in codes and "0050" not in codes
    assert all(c.kind == "stock" and c.market in ("TWSE", "TPEx") for c in members)
    assert directory.industry_members("no such industry") == []
