"""The company directory: a user's words (codes, Chinese or English names) to listed companies.

Why offline: resolution happens on every chat message and in every import, so it must not
depend on a network. The directory is built once per process from ``twstock.codes`` (the stocks
and ETFs of TWSE 上市 and TPEx 上櫃; warrants, ETNs, preferred shares and the like are left out on
purpose, so that a warrant code such as 089953 never passes for 台積電), the English alias table
``ingest/data/aliases_en.csv``, and the extra symbols the store knows (US tickers registered by
Yahoo-style imports).

Two kinds of lookups with different trade-offs:

* ``resolve(query)`` treats the whole query as a name or code. It only accepts exact matches
  (after normalisation: case, width, Traditional/Simplified, punctuation, corporate suffixes):
  a wrong company is worse than none, so near misses return ``None`` and ``suggest()`` offers
  close matches instead.
* ``find_in_text(text)`` finds companies mentioned inside free text. It is a longest-match scan
  over an index built once (a dict keyed by CJK surface forms, and compiled regexes with ASCII
  word boundaries for Latin names and codes). Short Chinese names that are also everyday words
  (世界, 統一, 巨大 ...) and four-digit numbers that look like years only count in a stock-like
  context, because the router acts on whatever this returns.
"""
from __future__ import annotations

import csv
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .cjk import CJK_CHARS
from .cjk import has_cjk as _has_cjk
from .errors import UnknownCompanyError
from .types import Company

log = logging.getLogger(__name__)

ALIASES_PATH = Path(__file__).with_name("data") / "aliases_en.csv"

# twstock's type/market vocabulary → ours. 創新板 (TWSE's innovation board) companies are
# ordinary TWSE-listed stocks that twstock fetches like any other, so they are kept.
# Suggestions for a name that did not resolve: at least this score (0-100), and within this of
# the best one (see CompanyDirectory.suggest_scored).
SUGGEST_FLOOR, SUGGEST_SPREAD = 70.0, 15.0
_KINDS = {"股票": "stock", "ETF": "etf", "創新板": "stock"}
_MARKETS = {"上市": "TWSE", "上櫃": "TPEx", "上市臺灣創新板": "TWSE"}

# Priorities of the ways a key can point at a company: when two companies share a normalised
# key, the better (lower) priority wins; a tie means the key is ambiguous and is not used.
# US tickers come last so that an ADR ticker imported from Yahoo ("UMC") never shadows the
# Taiwan company that the same word names.
# An ADR ticker ("TSM") comes after them all: it names the Taiwan company only when the store
# holds no US series of that ticker.
_P_CODE, _P_NAME, _P_EN, _P_ALIAS, _P_STRIPPED, _P_US, _P_ADR = 0, 1, 2, 3, 4, 5, 6

_CODE_RE = re.compile(r"^\s*(\d{4,6}[A-Za-z]?)(?:\.(TW|TWO))?\s*$", re.IGNORECASE)
_US_RE = re.compile(r"^\s*\$?([A-Za-z][A-Za-z.\-]{0,9})\s*$")
_NON_KEY_RE = re.compile(f"[^0-9a-z{CJK_CHARS}+&]+")
# Trailing words that name the legal form rather than the company.
_EN_SUFFIXES = re.compile(
    r"(?:\s+|,)(?:co|corp|corporation|company|inc|incorporated|ltd|limited|plc|holdings?|group|"
    r"co\.?,? ?ltd)\.?$",
    re.IGNORECASE,
)
_ZH_SUFFIXES = ("股份有限公司", "有限公司", "控股公司", "公司", "集團", "科技", "電子", "國際", "控股", "股份")
_TWSTOCK_NAME_NOISE = re.compile(r"(?:\*|-KY|－KY)+$", re.IGNORECASE)

# Characters that name the same thing but that t2s leaves apart.
_CHAR_FOLD = str.maketrans({"臺": "台"})

# Two-character Chinese names that are everyday words: they count in free text only when a
# stock-like word follows (see _ZH_CONTEXT_AFTER), or when the message is little more than the name.
_COMMON_ZH = {
    "統一", "南亞", "大同", "巨大", "創意", "世界", "陽明", "漢唐", "創見", "可成", "力成", "華新",
    "智原", "達發", "智易", "元太", "信邦", "美律", "群光", "上銀", "光明", "全家", "中華", "聯合",
    "時報", "幸福", "地球", "全國", "信義", "新華", "中天", "大樹", "鳳凰", "正道", "無敵", "三星",
    "惠普", "花王", "全新", "大立", "橘子", "辣椒", "安心", "五福", "精華", "大成", "國產", "華夏",
    "大洋", "東洋", "太子", "卓越", "進階", "典範", "樂意", "大量", "必應", "宏觀", "數字", "互動",
}
_ZH_CONTEXT_AFTER = re.compile(
    r"^\s*(?:\(|（|\d{4}|股價|股票|股份|股東|公司|集團|營收|財報|走勢|新聞|消息|情緒|預測|概念股|"
    r"的股|這檔|呢|怎麼|如何|表現|目標價|EPS|股利|配息|法說|未來"
    # the same words in Simplified characters ("统一股价", "统一未来一周")
    r"|股价|股东|集团|营收|财报|走势|新闻|情绪|预测|这档|怎么|表现|目标价|法说|未来)"
)
# Longer names that sit inside common words: name → continuations that veto the match.
_BLOCKED_CONTINUATION = {"台灣大": ("學",), "台湾大": ("学",)}
# A company's English name that starts with "Taiwan" and runs into a word for a group ("Taiwan
# semiconductor sector", "Taiwan cement stocks") names the group, not the company.
_GROUP_AFTER = re.compile(r"\s*(?:sector|industry|industries|stocks|shares|companies|firms|makers|names|space)\b", re.I)
# Latin aliases that are ordinary English words: resolvable as a whole query, but not matched
# inside free text (where "delta", "giant" or "yuan" rarely mean the company).
_TEXT_EXCLUDED_LATIN = {
    "delta", "giant", "yuan", "solomon", "evergreen", "cathay", "mega", "merry", "elan", "parade",
    "faraday", "chroma", "tripod", "catcher", "onyx", "bora", "president", "fortune", "first bank",
    "momo", "edom", "win semi", "e.sun", "esun", "fet", "emc", "ase group", "taiwan 50", "transcend",
    "auras", "vanguard", "sas", "csc", "sym", "techman", "genius", "everlight",
}
# Tokens that look like tickers but are ordinary words or units in upper-case text.
# Four-letter-or-longer acronyms that are also words (or word stems) in lower case.
_LOWERCASE_NOT_ACRONYM = {"CHEM", "ABLE", "BEST", "CASH", "CORE", "DATA", "FIRE", "GOLD", "LIFE",
                          "MEGA", "NOVA", "STAR", "TEAM", "WELL", "WISE", "YOUNG"}
_TICKER_STOPWORDS = {
    "A", "I", "AI", "IT", "ON", "ALL", "ARE", "AN", "AT", "BE", "BY", "DO", "GO", "IF", "IN", "IS",
    "ME", "NO", "OF", "OR", "SO", "TO", "UP", "US", "WE", "CEO", "CFO", "EPS", "ETF", "GDP", "IPO",
    "USD", "NTD", "TWD", "EU", "UK", "PC", "TV", "Q1", "Q2", "Q3", "Q4", "YOY", "QOQ", "NT", "OK",
    "AM", "PM", "HR", "PR", "RE", "NEW", "ONE", "CAN", "HAS", "FOR", "AND", "THE", "NOW", "SEE",
}
# Words that make a following/preceding 4-digit number a year rather than a code.
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:in|since|by|of|from|to|until|till|before|after|during|year|fy|cy|q[1-4]|h[12]|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|fiscal|early|late|mid|end"
    # "summer 2025", "qingming 2025", "market summary 2024", "chip stocks 2025": a season, holiday or
    # topic before the number
    r"|spring|summer|autumn|fall|winter|qingming|tomb[- ]sweeping|dragon boat|mid-autumn|new year|holidays?|festival"
    r"|summary|recap|review|news|headlines|stocks|markets?|performance|returns?|outlook|results|earnings)"
    r"[\s,.\-]*|[/\-年.]\s*|西元|民國)$",
    re.IGNORECASE,
)
# After any bare number: a date, an amount or a unit, not a code ("2025年", "2330元", "1200%");
# but "2330 年線" / "2330月線" are the code's 240- and 20-day moving averages.
_NOT_CODE_AFTER = re.compile(r"^\s*(?:(?:年|月|日)(?![線线])|/\d|-\d|%|元|億|萬|張|點|塊|美元|台幣|萬元)")
# After a year-like number (1900-2100) only.
_YEAR_AFTER = re.compile(r"^(?:s\b|'s|財年|年度|\s*(?:Q[1-4]|H[12])\b)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    return _t2s().convert(text) if _has_cjk(text) else text


def normalize_key(text: str) -> str:
    """The comparison key of a name: NFKC width folding, lower case, Simplified script, 臺→台,
    and no spaces or punctuation (so "Lite-On", "LITEON" and "lite on" meet)."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_FOLD).strip().lower()
    text = _TWSTOCK_NAME_NOISE.sub("", text)
    return _NON_KEY_RE.sub("", _to_simplified(text))


def _strip_suffixes(text: str) -> str:
    """Drop legal-form words ("Inc.", "股份有限公司", "科技" ...) so "益登科技" meets "益登"."""
    text = unicodedata.normalize("NFKC", text).strip()
    prev = None
    while prev != text:
        prev = text
        text = _EN_SUFFIXES.sub("", text).strip(" ,.")
        for suf in _ZH_SUFFIXES:
            if len(text) > len(suf) + 1 and text.endswith(suf):
                text = text[: -len(suf)]
    return text


@dataclass(frozen=True)
class _Form:
    """One surface form used by the free-text scanner."""

    text: str
    code: str
    needs_context: bool = False


@dataclass
class CompanyDirectory:
    """Every company the user may name, with the lookup indexes built once."""

    companies: dict[str, Company]
    prominence: dict[str, int] = field(default_factory=dict)  # alias-table order: smaller = bigger company
    _keys: dict[str, tuple[int, set[str]]] = field(default_factory=dict, repr=False)
    _cjk: dict[str, _Form] = field(default_factory=dict, repr=False)
    _cjk_first: frozenset[str] = field(default=frozenset(), repr=False)
    _cjk_max: int = 0
    _latin_ci: re.Pattern[str] | None = field(default=None, repr=False)
    _latin_cs: re.Pattern[str] | None = field(default=None, repr=False)
    _latin_forms: dict[str, str] = field(default_factory=dict, repr=False)
    _latin_names: dict[str, str] | None = field(default=None, repr=False)  # latin_names(), once built
    _choices: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _adr: dict[str, str] = field(default_factory=dict, repr=False)  # ADR ticker → Taiwan code it names

    def __post_init__(self) -> None:
        self._build()

    # --- building -------------------------------------------------------------------------------
    def _add_key(self, key: str, code: str, prio: int) -> None:
        if not key:
            return
        cur = self._keys.get(key)
        if cur is None or prio < cur[0]:
            self._keys[key] = (prio, {code})
        elif prio == cur[0]:
            cur[1].add(code)

    def _build(self) -> None:
        cjk: dict[str, set[tuple[str, bool]]] = {}
        latin: dict[str, set[str]] = {}
        latin_cs: dict[str, set[str]] = {}
        choices: list[tuple[str, str]] = []

        def add_cjk(form: str, code: str) -> None:
            form = unicodedata.normalize("NFKC", form).translate(_CHAR_FOLD).strip()
            form = _TWSTOCK_NAME_NOISE.sub("", form)
            if len(form) < 2:
                return
            needs = len(form) == 2 and (code not in self.prominence or form in _COMMON_ZH)
            for variant in {form, _to_simplified(form)}:
                cjk.setdefault(variant, set()).add((code, needs))

        def add_latin(form: str, code: str) -> None:
            form = unicodedata.normalize("NFKC", form).strip()
            if len(form) < 2 or form.lower() in _TEXT_EXCLUDED_LATIN:
                return
            letters = re.sub(r"[^A-Za-z]", "", form)
            # Acronyms (ASE, UMC, TRI) only match in capitals: "ase" or "Tri" are other words.
            if form.isupper() and len(letters) <= 6:
                if form not in _TICKER_STOPWORDS:
                    latin_cs.setdefault(form, set()).add(code)
                # Users type "tsmc" and "kyec": an acronym of four letters or more (and no
                # digits) is no English word, so it also matches in lower case.
                if letters == form and len(letters) >= 4 and form not in _LOWERCASE_NOT_ACRONYM:
                    latin.setdefault(form.lower(), set()).add(code)
            else:
                latin.setdefault(form.lower(), set()).add(code)

        tickers: list[str] = []
        for code, c in self.companies.items():
            self._add_key(normalize_key(code), code, _P_US if c.market == "US" else _P_CODE)
            if c.market == "US":
                if code.isupper() and len(code) >= 2 and code not in _TICKER_STOPWORDS:
                    tickers.append(code)
            if c.name_zh and c.name_zh != code:
                self._add_key(normalize_key(c.name_zh), code, _P_NAME)
                self._add_key(normalize_key(_strip_suffixes(c.name_zh)), code, _P_STRIPPED)
                choices.append((normalize_key(c.name_zh), code))
                if _has_cjk(c.name_zh):
                    add_cjk(c.name_zh, code)
                else:
                    # Latin twstock names ("TPK-KY", "M31"): the full form always, the bare one
                    # only when long enough not to be an acronym of something else.
                    latin_cs.setdefault(c.name_zh, set()).add(code)
                    bare = _TWSTOCK_NAME_NOISE.sub("", c.name_zh)
                    if len(bare) >= 5:
                        add_latin(bare, code)
            if c.name_en:
                self._add_key(normalize_key(c.name_en), code, _P_EN)
                self._add_key(normalize_key(_strip_suffixes(c.name_en)), code, _P_STRIPPED)
                choices.append((normalize_key(c.name_en), code))
                add_latin(c.name_en, code) if not _has_cjk(c.name_en) else add_cjk(c.name_en, code)
            for alias in c.aliases:
                self._add_key(normalize_key(alias), code, _P_ALIAS)
                self._add_key(normalize_key(_strip_suffixes(alias)), code, _P_STRIPPED)
                choices.append((normalize_key(alias), code))
                add_cjk(alias, code) if _has_cjk(alias) else add_latin(alias, code)

        for ticker in tickers:  # only where no Taiwan name already uses the word
            if ticker not in latin_cs and ticker.lower() not in latin:
                latin_cs[ticker] = {ticker}
        self._adr = {}
        for code, c in self.companies.items():
            if c.adr and c.market != "US":
                ticker, _ = c.adr
                self._add_key(normalize_key(ticker), code, _P_ADR)
                if ticker not in latin_cs:  # an imported US series of the ticker keeps it
                    latin_cs[ticker] = {code}
                    self._adr[ticker] = code
        # Drop forms that point at several companies: ambiguity is resolved by asking, not guessing.
        self._cjk = {}
        for form, entries in cjk.items():
            codes = {code for code, _ in entries}
            if len(codes) == 1:
                self._cjk[form] = _Form(form, codes.pop(), all(needs for _, needs in entries))
        self._cjk_first = frozenset(f[0] for f in self._cjk)
        self._cjk_max = max((len(f) for f in self._cjk), default=0)
        self._latin_forms = {}
        for table in (latin, latin_cs):
            for form, codes in table.items():
                if len(codes) == 1:
                    self._latin_forms[form] = next(iter(codes))
        self._latin_names = None  # rebuilt from these forms when next asked
        self._latin_ci = _alternation({f for f, c in latin.items() if len(c) == 1}, re.IGNORECASE)
        self._latin_cs = _alternation({f for f, c in latin_cs.items() if len(c) == 1}, 0)
        self._choices = sorted(set(choices), key=lambda kc: self.prominence.get(kc[1], 10**6))
        log.debug("company directory: %d companies, %d keys", len(self.companies), len(self._keys))

    def latin_names(self) -> dict[str, str]:
        """Each company's one-word Latin names ("TSMC", "MediaTek", "Foxconn") that name it alone,
        as written in the directory, with its code: what a mistyped name is compared against.
        Built once per directory (every chat message asks for it)."""
        if self._latin_names is None:
            out: dict[str, str] = {}
            for company in self.companies.values():
                for name in (company.name_en or "", *company.aliases):
                    if re.fullmatch(r"[A-Za-z]{4,}", name) and self._latin_forms.get(name.lower()) == company.code:
                        out.setdefault(name, company.code)
            self._latin_names = out
        return self._latin_names

    # --- exact lookups --------------------------------------------------------------------------
    def industry_members(self, industry: str) -> list[Company]:
        """The TWSE/TPEx stocks of TWSE's industry ``industry`` (its Chinese name, 半導體業), in the
        directory's order: a company's peers, and what its change is set against."""
        return [c for c in self.companies.values()
                if c.industry == industry and c.kind == "stock" and c.market in ("TWSE", "TPEx")]

    def get(self, code: str) -> Company | None:
        """The company with this code (``2330``, ``2330.TW``, ``6488.TWO``, ``aapl``), or None."""
        if not code:
            return None
        m = _CODE_RE.match(code)
        if m:
            return self.companies.get(m.group(1).upper())
        return self.companies.get(code.strip().upper())

    def _lookup(self, key: str) -> Company | None:
        hit = self._keys.get(key)
        if hit and len(hit[1]) == 1:
            return self.companies[next(iter(hit[1]))]
        return None

    def resolve(self, query: str) -> Company | None:
        """The one company the whole query names, or None (no guessing on near misses)."""
        if not query or not query.strip():
            return None
        q = unicodedata.normalize("NFKC", query).strip()
        if _CODE_RE.match(q):
            found = self.get(q)
            if found is not None:
                return found
        found = self._lookup(normalize_key(q))
        if found is None and _US_RE.match(q):
            found = self.get(q.lstrip("$"))
        if found is None:
            stripped = _strip_suffixes(q)
            if stripped != q:
                found = self._lookup(normalize_key(stripped))
        return found

    def resolve_or_raise(self, query: str) -> Company:
        found = self.resolve(query)
        if found is None:
            raise UnknownCompanyError(query, self.suggest(query))
        return found

    def resolve_json(self, query: str) -> dict[str, Any]:
        """The object ``finqa company resolve --json`` prints for one input."""
        found = self.resolve(query)
        if found is None:
            return {"query": query, "code": None, "name_zh": None, "name_en": None, "market": None,
                    "suggestions": self.suggest(query)}
        return {"query": query, **found.to_json()}

    # --- suggestions ----------------------------------------------------------------------------
    def label(self, company: Company) -> str:
        """How a company is shown in suggestions: ``2330 台積電 (TSMC)``."""
        name = _TWSTOCK_NAME_NOISE.sub("", company.name_zh) if company.name_zh else ""
        en = f" ({company.name_en})" if company.name_en else ""
        return f"{company.code} {name}{en}".replace("  ", " ").strip()

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """Close matches for a query that did not resolve, best first, bigger companies first on ties."""
        return self.suggest_scored(query, n)[0]

    def suggest_scored(self, query: str, n: int = 5) -> tuple[list[str], float]:
        """:meth:`suggest`, plus the best match's score (0-100): how sure the first suggestion is,
        for callers weighing several candidate words against each other."""
        from rapidfuzz import fuzz, process

        key = normalize_key(query or "")
        if not key:
            return [], 0.0
        if key.isdigit():
            # "23300", "2303x": codes one keystroke away (a digit added, dropped or mistyped), the
            # biggest companies first; a fuzzy ratio had offered any code sharing digits (00972 for 23300)
            from rapidfuzz.distance import Levenshtein

            near = [c for c in self.companies if Levenshtein.distance(key, c) <= 1]
            if near:
                near.sort(key=lambda c: (self.prominence.get(c, 10**6), c))
                return [self.label(self.companies[c]) for c in near[:n]], 100.0 * (1 - 1 / max(len(key), 1))
        short = _has_cjk(key) or len(key) <= 4
        scorer = fuzz.ratio if short else fuzz.WRatio
        hits = process.extract(key, [k for k, _ in self._choices], scorer=scorer, limit=max(50, n * 10),
                               score_cutoff=55)
        best: dict[str, float] = {}
        order: dict[str, int] = {}
        for choice, score, idx in hits:
            if not short:
                # WRatio alone scores a long name that merely contains the query as high as a
                # one-letter typo ("mediatec" in "fubonmediatechnology" 90, "mediatek" 87.5):
                # ranking on its mean with the plain ratio puts the typo first.
                score = 0.5 * score + 0.5 * fuzz.ratio(key, choice)
            code = self._choices[idx][1]
            if score > best.get(code, -1):
                best[code] = score
                order.setdefault(code, idx)
        ranked = sorted(best, key=lambda c: (-round(best[c]), self.prominence.get(c, 10**6), order[c]))
        if not ranked:
            return [], 0.0
        top = best[ranked[0]]
        # A Latin name finqa does not cover at all ("Nvidia", "Samsung") scores 55-66 against
        # whatever shares a few letters with it; suggesting those is noise, while a typo scores 75
        # or more. Chinese names are 2-4 characters, so one wrong character ("台機電") already
        # scores 67: they keep the lower cutoff, as do codes.
        floor = SUGGEST_FLOOR if re.search(r"[a-z]", key) and not _has_cjk(key) else 0.0
        kept = [c for c in ranked if best[c] >= max(floor, top - SUGGEST_SPREAD)]
        return [self.label(self.companies[c]) for c in kept[:n]], top

    # --- free text ------------------------------------------------------------------------------
    def find_in_text(self, text: str) -> list[Company]:
        """Companies mentioned in free text, in order of appearance, each once."""
        seen: set[str] = set()
        out: list[Company] = []
        for _, _, code in self.mention_spans(text):
            if code not in seen:
                seen.add(code)
                out.append(self.companies[code])
        return out

    def adr_mentions(self, text: str) -> list[Company]:
        """Taiwan companies that ``text`` names by their US ADR ticker only ("TSM price"), so
        that the answer can say it is about the Taiwan listing, in NT$, not the ADR in US$."""
        if not text or not self._adr:
            return []
        tokens = dict.fromkeys(re.findall(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])", text))
        return [self.companies[self._adr[t]] for t in tokens if t in self._adr]

    def without_mentions(self, text: str, first: str = " ") -> str:
        """``text`` (NFKC-folded) with every company mention blanked: what the message says
        besides naming companies ("TSMC last week" → " last week"). ``first`` takes the place
        of the first mention, so that a question can be asked again of another company."""
        folded = unicodedata.normalize("NFKC", text or "").translate(_CHAR_FOLD)
        spans = self.mention_spans(folded)
        for i in range(len(spans) - 1, -1, -1):
            start, end, _ = spans[i]
            folded = folded[:start] + (first if i == 0 else " ") + folded[end:]
        return folded

    def mention_spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, code)`` of each company mention, in order, positions in the NFKC-folded
        text (which keeps the length of Latin, digits and CJK)."""
        if not text:
            return []
        text = unicodedata.normalize("NFKC", text).translate(_CHAR_FOLD)
        spans: list[tuple[int, int, str, int]] = []  # start, end, code, kind (0 explicit, 1 name, 2 year-like code)
        spans += self._scan_cjk(text)
        for pattern in (self._latin_ci, self._latin_cs):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                form = " ".join(m.group(1).split())
                code = self._latin_forms.get(form) or self._latin_forms.get(form.lower())
                if code and form.lower().startswith("taiwan ") and _GROUP_AFTER.match(text, m.end(1)):
                    continue  # "Taiwan semiconductor sector", "Taiwan cement stocks": a group, not TSMC or 1101
                if code:
                    spans.append((m.start(1), m.end(1), code, 1))
        spans += self._scan_codes(text)
        # Longest match wins where spans overlap; then keep order of appearance.
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        kept: list[tuple[int, int, str, int]] = []
        end = -1
        for s in spans:
            if s[0] >= end:
                kept.append(s)
                end = s[1]
        # A year-like bare number only counts when nothing more explicit was mentioned.
        if any(k != 2 for *_, k in kept):
            kept = [s for s in kept if s[3] != 2]
        return [(a, b, code) for a, b, code, _ in kept]

    def mentions(self, text: str, code: str) -> bool:
        """Whether ``text`` names the company ``code`` (any of its names, or the code itself).

        Why: news is filed under a code when newsapi's full-text search matched one of the
        company's names anywhere, so a graphics-card review that names TSMC once in passing is
        filed under 2330. Sentiment and "latest news" answers keep to articles that name it.
        """
        return any(c.code == code for c in self.find_in_text(text))

    def _scan_cjk(self, text: str) -> list[tuple[int, int, str, int]]:
        spans = []
        i, n = 0, len(text)
        forms, first, max_len = self._cjk, self._cjk_first, self._cjk_max
        bare = None
        while i < n:
            if text[i] not in first:
                i += 1
                continue
            for length in range(min(max_len, n - i), 1, -1):
                form = forms.get(text[i:i + length])
                if form is None:
                    continue
                rest = text[i + length:]
                if any(rest.startswith(b) for b in _BLOCKED_CONTINUATION.get(form.text, ())):
                    continue
                if form.needs_context:
                    if bare is None:
                        bare = re.sub(r"[\s\W_]|那|呢|的|嗎|吗|么|麼|怎樣|怎样", "", text)
                    # Counts when a stock-like word follows, or when the message is just the name.
                    if not (_ZH_CONTEXT_AFTER.match(rest) or bare == form.text):
                        continue
                spans.append((i, i + length, form.code, 1))
                i += length - 1
                break
            i += 1
        return spans

    def _scan_codes(self, text: str) -> list[tuple[int, int, str, int]]:
        spans = []
        for m in _TEXT_CODE_RE.finditer(text):
            raw, suffix = m.group(1), m.group(2)
            company = self.companies.get(raw.upper())
            if company is None or company.market == "US":
                continue
            if suffix:
                spans.append((m.start(), m.end(), company.code, 0))
                continue
            before, after = text[: m.start()], text[m.end():]
            if _NOT_CODE_AFTER.match(after) or re.search(r"[/\-]\s*$", before[-2:]):
                continue  # part of a date or an amount
            year_like = raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100
            if year_like and (_YEAR_AFTER.match(after) or _YEAR_BEFORE.search(before[-24:])):
                continue  # "in 2025", "May 2024", "2020s": a year
            spans.append((m.start(), m.end(), company.code, 2 if year_like else 0))
        return spans


# Codes in free text: 4-6 digits with an optional letter (00631L) and market suffix, bounded by
# non-alphanumerics in ASCII terms (CJK characters next to a code are fine: "台積電2330").
_TEXT_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z.,$])(\d{4,6}[A-Za-z]?)(?:\.(TWO|TW)\b)?(?![0-9A-Za-z]|[.,]\d)", re.IGNORECASE
)


def _alternation(forms: Iterable[str], flags: int) -> re.Pattern[str] | None:
    forms = sorted(set(forms), key=len, reverse=True)
    if not forms:
        return None
    body = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    return re.compile(rf"(?<![0-9A-Za-z])({body})(?![0-9A-Za-z])", flags)


# --- construction ------------------------------------------------------------------------------
def _parse_adr(cell: str | None) -> tuple[str, int] | None:
    """``"TSM:5"`` → ``("TSM", 5)``: the NYSE ticker and the Taiwan shares one ADR stands for."""
    if not cell or not cell.strip():
        return None
    ticker, _, ratio = cell.strip().partition(":")
    return ticker.strip().upper(), int(ratio or 1)


def load_aliases(path: Path = ALIASES_PATH) -> list[tuple[str, str | None, tuple[str, ...], tuple[str, int] | None]]:
    """Rows of the alias table: (code, English name, aliases, ADR), in the table's order (by size)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("code") or "").strip()
            if not code:
                continue
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            rows.append((code, (row.get("name_en") or "").strip() or None, aliases, _parse_adr(row.get("adr"))))
    return rows


def listed_companies() -> dict[str, Company]:
    """Stocks and ETFs of TWSE and TPEx from twstock's offline code table."""
    import twstock

    out: dict[str, Company] = {}
    for code, info in twstock.codes.items():
        kind, market = _KINDS.get(info.type), _MARKETS.get(info.market)
        if kind and market:
            out[code] = Company(code=code, name_zh=info.name, name_en=None, market=market, kind=kind,
                                industry=(info.group or None) if kind == "stock" else None)
    return out


def build_directory(extra: Iterable[Company] = (), aliases_path: Path = ALIASES_PATH) -> CompanyDirectory:
    """twstock's listed companies + the alias table + extra symbols (the store's US tickers)."""
    companies = listed_companies()
    prominence: dict[str, int] = {}
    for rank, (code, name_en, aliases, adr) in enumerate(load_aliases(aliases_path)):
        c = companies.get(code)
        if c is None:
            log.warning("alias table: %s is not a listed stock/ETF in twstock.codes; skipped", code)
            continue
        companies[code] = Company(code=c.code, name_zh=c.name_zh, name_en=name_en, market=c.market,
                                  kind=c.kind, aliases=aliases, industry=c.industry, adr=adr)
        prominence[code] = rank
    for c in extra:
        if c.code not in companies:  # twstock's own entry wins for Taiwan codes
            companies[c.code] = c
    return CompanyDirectory(companies=companies, prominence=prominence)


_lock = threading.Lock()
_base: CompanyDirectory | None = None
_cached: tuple[str, int, CompanyDirectory] | None = None


def _store_symbols() -> tuple[str, list[Company]]:
    """Symbols registered in the current data dir's store, without creating a store."""
    try:
        from .config import get_settings

        path = get_settings().store_path
        if not path.exists():
            return str(path), []
        from .store import open_store

        return str(path), [c for c in open_store(path).symbols()]
    except Exception as exc:  # a broken store must not break name resolution
        log.warning("could not read symbols from the store: %s", exc)
        return "", []


def get_directory() -> CompanyDirectory:
    """The process-wide directory; rebuilt cheaply when the store gained symbols."""
    global _base, _cached
    path, symbols = _store_symbols()
    with _lock:
        if _cached is not None and _cached[0] == path and _cached[1] == len(symbols):
            return _cached[2]
        if not symbols:
            if _base is None:
                _base = build_directory()
            directory = _base
        else:
            directory = build_directory(symbols)
        _cached = (path, len(symbols), directory)
        return directory


def reload() -> CompanyDirectory:
    """Forget the cached directory (e.g. after an import registered new symbols)."""
    global _cached
    with _lock:
        _cached = None
    return get_directory()
