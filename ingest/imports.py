"""Import local files into the store: twstock CSVs, Yahoo-style CSVs, plain OHLCV CSVs (a date and
a close column at least, the code from a column or the file name) and newsapi JSON.

Why this shape:
- One file, one store transaction (a single ``upsert_bars`` or ``upsert_articles`` call): a run
  killed mid-way leaves whole files or nothing of a file, and a rerun upserts, so it never
  duplicates and simply completes what was missing.
- A malformed file is rejected whole and reported with its line (CSV: the line in the file,
  1-based, header included; JSON: the decoder's line), and the import goes on with the next
  file. Known harmless gaps are not errors: Yahoo's ``null`` rows, twstock rows without a close
  (no trade that day), header-only files, newsapi's ``[Removed]`` items.
- File names and news files carry codes that are often wrong (a warrant code under a company's
  name, ``089953`` for 台積電). Prices are stored under the file's code only when that code is a
  listed stock/ETF or a known US symbol; news companies are resolved from their names first.
  What cannot be resolved is reported, never guessed.
"""
from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .cjk import has_cjk
from .companies import CompanyDirectory, get_directory, reload
from .news import parse_articles
from .store import Store
from .types import Article, Company, PriceBar

log = logging.getLogger(__name__)

TWSTOCK_HEADER = ["", "date", "capacity", "turnover", "open", "high", "low", "close", "change", "transaction"]
YAHOO_HEADER = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
_TW_MARKETS = ("TWSE", "TPEx")
_TWSTOCK_NAME = re.compile(r"^(?P<name>.+)_(?P<code>[0-9A-Za-z]+)_stocks$")
_BARE_CODE = re.compile(r"^(?P<code>\d{4,6}[A-Za-z]?)(?:\.(?:TW|TWO))?$", re.IGNORECASE)
_TICKER = re.compile(r"^[A-Z][A-Z0-9\-]{0,9}(?:\.[A-Z]{1,3})?$")
_MISSING = {"", "null", "nan", "none", "--", "-", "n/a"}
_MAX_ERRORS_PER_FILE = 10


class FileError(Exception):
    """A malformed file: carries the problems as (line, message) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(m for _, m in problems))


@dataclass
class _Outcome:
    """What one file contributed to the report."""

    prices: dict[str, int] = field(default_factory=dict)
    news: dict[str, int] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    empty: bool = False
    symbols: bool = False


# --- entry point ---------------------------------------------------------------------------------
def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    progress: bool = True,
    directory: CompanyDirectory | None = None,
) -> dict[str, Any]:
    """Import files and folders (recursively); report what was stored and what was not.

    Returns ``{"files", "prices": {code: new_rows}, "news": {code: new_articles},
    "unresolved": [names], "errors": [{"file", "line", "error"}], "skipped": [{"file", "reason"}],
    "empty": [files]}``. News without a company is counted under the code ``""``.
    """
    directory = directory or get_directory()
    files, errors = _expand(paths)
    report: dict[str, Any] = {"files": len(files), "prices": {}, "news": {}, "unresolved": [],
                              "errors": errors, "skipped": [], "empty": []}
    new_symbols = False
    for path in tqdm(files, desc="import", unit="file", disable=not progress):
        try:
            out = import_file(store, path, directory)
        except FileError as exc:
            for line, message in exc.problems[:_MAX_ERRORS_PER_FILE]:
                report["errors"].append({"file": str(path), "line": line, "error": message})
            if len(exc.problems) > _MAX_ERRORS_PER_FILE:
                report["errors"].append({"file": str(path), "line": None,
                                         "error": f"... and {len(exc.problems) - _MAX_ERRORS_PER_FILE} more problems"})
            log.warning("%s not imported: %s", path, exc.problems[0][1])
            continue
        except (OSError, UnicodeDecodeError) as exc:
            report["errors"].append({"file": str(path), "line": None, "error": f"cannot read: {exc}"})
            log.warning("%s not imported: %s", path, exc)
            continue
        for code, n in out.prices.items():
            report["prices"][code] = report["prices"].get(code, 0) + n
        for code, n in out.news.items():
            report["news"][code] = report["news"].get(code, 0) + n
        report["unresolved"].extend(u for u in out.unresolved if u not in report["unresolved"])
        report["skipped"].extend(out.skipped)
        if out.empty:
            report["empty"].append(str(path))
        new_symbols |= out.symbols
    if new_symbols:
        reload()  # the directory now knows the new US symbols
    return report


def _expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[dict[str, Any]]]:
    """Files to import, in a stable order; folders are walked for .csv and .json files."""
    files: list[Path] = []
    errors: list[dict[str, Any]] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".csv", ".json")
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not found:
                errors.append({"file": str(p), "line": None, "error": "folder holds no .csv or .json files"})
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in (".csv", ".json"):
                errors.append({"file": str(p), "line": None, "error": "not a .csv or .json file"})
            else:
                files.append(p)
        else:
            errors.append({"file": str(p), "line": None, "error": "no such file or folder"})
    return list(dict.fromkeys(files)), errors


def import_file(store: Store, path: Path, directory: CompanyDirectory) -> _Outcome:
    """Import one file in one transaction; raises FileError when it is malformed."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _import_news(store, path, directory)
    header, has_body = _read_header(path)
    if not any(header) and not has_body:
        return _empty_csv(store, path, directory)
    if header == TWSTOCK_HEADER:
        return _import_twstock(store, path, directory)
    if header == YAHOO_HEADER:
        return _import_yahoo(store, path, directory)
    columns = _generic_columns(header)
    if "date" in columns and "close" in columns:
        return _import_generic(store, path, header, columns, directory)
    raise FileError([(1, f"unrecognised CSV header {header!r}; expected twstock "
                         f"{','.join(TWSTOCK_HEADER)!r}, Yahoo {','.join(YAHOO_HEADER)!r}, or any header with a date "
                         "and a close column (and optionally open, high, low, volume, turnover, code), in English "
                         "or Chinese (日期, 收盤價, 證券代號, ...)")])


# --- CSV -----------------------------------------------------------------------------------------
def _read_header(path: Path) -> tuple[list[str], bool]:
    """The header's fields, and whether any non-blank line follows it."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        has_body = any(line.strip() for line in fh)
    fields = next(csv.reader([first]), []) if first.strip() else []
    return [c.strip() for c in fields], has_body


def _empty_csv(store: Store, path: Path, directory: CompanyDirectory) -> _Outcome:
    """A file with no rows (twstock writes ``""`` for a month range without data): 0 rows, reported."""
    m = _TWSTOCK_NAME.match(path.stem) or _BARE_CODE.match(path.stem)
    code = m.group("code").upper() if m else path.stem.upper()
    company = directory.get(code)
    if m and (company is None or company.market not in _TW_MARKETS):
        return _not_listed(path, code, m.groupdict().get("name"), directory)
    log.info("imported %s: no rows", path.name)
    return _Outcome(prices={company.code if company else code: 0}, empty=True)


# Parsed with the csv module row by row rather than pandas: the files are small (hundreds to a
# few thousand rows), every bad cell must be reported with its exact line, and on frames this
# size pandas' per-call overhead costs about 50x more than parsing the rows directly.
_TWSTOCK_FIELDS = {"open": "open", "high": "high", "low": "low", "close": "close", "capacity": "volume",
                   "turnover": "turnover", "change": "change", "transaction": "transactions"}
_YAHOO_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Adj Close": "adj_close",
                 "Volume": "volume"}


def _number(raw: str, column: str) -> float | None:
    value = raw.replace(",", "").strip()
    if column == "change":  # twstock marks ex-dividend days with a leading X
        value = value.lstrip("X+ ")
    if value.lower() in _MISSING:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"column {column!r}: {raw!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"column {column!r}: {raw!r} is not a finite number")
    return number


def _inconsistent(values: dict[str, float | None]) -> str | None:
    """Why a bar's prices cannot all be right (a high below the low, an open or close outside the
    day's range), or ``None``: a swapped column or a typo would otherwise be stored and charted."""
    high, low = values.get("high"), values.get("low")
    if high is not None and low is not None and high < low:
        return f"high {high:g} is below low {low:g}"
    for name in ("open", "close"):
        v = values.get(name)
        if v is None:
            continue
        if high is not None and v > high + 1e-9:
            return f"{name} {v:g} is above the day's high {high:g}"
        if low is not None and v < low - 1e-9:
            return f"{name} {v:g} is below the day's low {low:g}"
    return None


def _date(raw: str, column: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    # TWSE's own exports write the ROC (民國) year: 114/01/02 is 2025-01-02
    if (m := re.fullmatch(r"(\d{2,3})[/-](\d{1,2})[/-](\d{1,2})", raw.strip())) is not None:
        try:
            return date(int(m.group(1)) + 1911, int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(f"column {column!r}: {raw!r} is not a date (YYYY-MM-DD, or the ROC year's 114/01/02)")


def _rows(path: Path, width: int, problems: list[tuple[int | None, str]]) -> Iterator[tuple[int, list[str]]]:
    """(line, row) for every non-blank row after the header that has ``width`` fields; a row of
    another width, or a CSV the csv module cannot read on, goes to ``problems`` with its line."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                if len(row) != width:
                    problems.append((reader.line_num, f"malformed CSV: expected {width} fields, found {len(row)}"))
                    continue
                yield reader.line_num, row
        except csv.Error as exc:
            problems.append((reader.line_num, f"malformed CSV: {exc}"))


def _read_bars(path: Path, header: list[str], date_col: str, fields: dict[str, str], code: str,
               source: str) -> tuple[list[PriceBar], int]:
    """Bars of every row with a close, and how many rows had none (days without trades).

    Raises FileError listing every bad row with its line in the file (header = line 1).
    """
    index = {name: i for i, name in enumerate(header)}
    bars: list[PriceBar] = []
    without_close = 0
    problems: list[tuple[int | None, str]] = []
    seen: dict[date, int | None] = {}  # each day's first line: a day written twice is an error, not a silent overwrite
    for line, row in _rows(path, len(header), problems):
        try:
            day = _date(row[index[date_col]], date_col)
            values = {name: _number(row[index[col]], col) for col, name in fields.items()}
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        if any(v is not None and v < 0 for k, v in values.items() if k != "change"):
            problems.append((line, "negative price or volume"))
            continue
        if (why := _inconsistent(values)) is not None:
            problems.append((line, why))
            continue
        if day in seen:
            problems.append((line, f"{day.isoformat()} again (first on line {seen[day]})"))
            continue
        seen[day] = line
        if values["close"] is None:
            without_close += 1
            continue
        if values.get("transactions") is not None:
            values["transactions"] = int(values["transactions"])
        bars.append(PriceBar(code=code, date=day, source=source, **values))
    if problems:
        raise FileError(problems)
    return bars, without_close


def _import_twstock(store: Store, path: Path, directory: CompanyDirectory) -> _Outcome:
    stem = path.stem
    m = _TWSTOCK_NAME.match(stem) or _BARE_CODE.match(stem)
    if not m:
        raise FileError([(None, "cannot tell the stock code from the file name: expected "
                                "'{name}_{code}_stocks.csv' or '{code}.csv'")])
    code = m.group("code").upper()
    name = m.groupdict().get("name")
    company = directory.get(code)
    us = {c.code for c in store.symbols() if c.market == "US"}
    if company is None or (company.market not in _TW_MARKETS and code not in us):
        return _not_listed(path, code, name, directory)

    bars, _ = _read_bars(path, TWSTOCK_HEADER, "date", _TWSTOCK_FIELDS, company.code,
                         "twse" if company.market == "TWSE" else "tpex")
    out = _Outcome(empty=not bars)
    out.prices[company.code] = store.upsert_bars(bars) if bars else 0
    log.info("imported %s: %d bars of %s, %d new", path.name, len(bars), company.code, out.prices[company.code])
    return out


# A plain OHLCV table as people export it ("date,open,high,low,close,volume", "Date,Close",
# "日期,開盤價,最高價,最低價,收盤價,成交股數", with or without a code column): header names matched
# case-insensitively, in English or Chinese (Simplified or Traditional), columns in any order.
_GENERIC_NAMES = {
    "date": ("date", "day", "trade_date", "trading_date", "日期", "交易日", "交易日期"),
    "code": ("code", "symbol", "ticker", "stock_id", "stock_code", "证券代号", "證券代號", "股票代号", "股票代號", "代号", "代號"),
    "open": ("open", "开盘价", "開盤價", "开盘", "開盤"),
    "high": ("high", "最高价", "最高價", "最高"),
    "low": ("low", "最低价", "最低價", "最低"),
    "close": ("close", "closing_price", "收盘价", "收盤價", "收盘", "收盤"),
    "volume": ("volume", "vol", "shares", "成交股数", "成交股數", "成交量"),
    "turnover": ("turnover", "value", "traded_value", "成交金额", "成交金額", "成交值"),
}
_GENERIC_OF = {name.lower(): field for field, names in _GENERIC_NAMES.items() for name in names}


def _generic_columns(header: list[str]) -> dict[str, int]:
    """{field: column index} of a plain OHLCV header (the first column of each field wins)."""
    out: dict[str, int] = {}
    for i, name in enumerate(header):
        field_ = _GENERIC_OF.get(re.sub(r"\s+", "_", name.strip().lower()))
        if field_ is not None and field_ not in out:
            out[field_] = i
    return out


def _import_generic(store: Store, path: Path, header: list[str], columns: dict[str, int],
                    directory: CompanyDirectory) -> _Outcome:
    """A plain OHLCV CSV: the code from its ``code`` column (several companies in one file) or its
    file name ("2330.csv"). Every bad row is reported with its line; the bars of every listed code
    are stored in one transaction, and codes that are not listed are reported, never guessed."""
    file_code: str | None = None
    if "code" not in columns:
        m = _TWSTOCK_NAME.match(path.stem) or _BARE_CODE.match(path.stem)
        if not m:
            raise FileError([(None, "cannot tell the stock code: add a 'code' column or name the file by its "
                                    "code, e.g. 2330.csv")])
        file_code = m.group("code").upper()
    us = {c.code for c in store.symbols() if c.market == "US"}
    listed: dict[str, Company | None] = {}

    def company_of(raw: str) -> Company | None:
        code = re.sub(r"\.(?:TW|TWO)$", "", raw.strip().upper())
        if code not in listed:
            company = directory.get(code)
            ok = company is not None and (company.market in _TW_MARKETS or code in us)
            listed[code] = company if ok else None
        return listed[code]

    bars: list[PriceBar] = []
    problems: list[tuple[int | None, str]] = []
    unlisted: dict[str, int] = {}
    fields = [f for f in ("open", "high", "low", "close", "volume", "turnover") if f in columns]
    seen: dict[tuple[str, date], int | None] = {}
    for line, row in _rows(path, len(header), problems):
        raw_code = file_code or row[columns["code"]]
        company = company_of(raw_code)
        if company is None:
            unlisted[raw_code.strip().upper()] = unlisted.get(raw_code.strip().upper(), 0) + 1
            continue
        try:
            day = _date(row[columns["date"]], header[columns["date"]])
            values = {f: _number(row[columns[f]], header[columns[f]]) for f in fields}
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        if any(v is not None and v < 0 for v in values.values()):
            problems.append((line, "negative price or volume"))
            continue
        if (why := _inconsistent(values)) is not None:
            problems.append((line, why))
            continue
        if (company.code, day) in seen:
            problems.append((line, f"{company.code} {day.isoformat()} again (first on line {seen[(company.code, day)]})"))
            continue
        seen[(company.code, day)] = line
        if values["close"] is None:
            continue  # no trade that day
        source = "twse" if company.market == "TWSE" else "tpex" if company.market == "TPEx" else "import"
        bars.append(PriceBar(code=company.code, date=day, source=source,
                             **{"open": None, "high": None, "low": None, **values}))
    if problems:
        raise FileError(problems)
    out = _Outcome(empty=not bars)
    for code, rows in unlisted.items():
        reason = f"{code} is not a listed TWSE/TPEx stock or ETF, nor a known symbol; its {rows} rows were not stored"
        log.warning("%s: %s", path.name, reason)
        out.unresolved.append(code)
        out.skipped.append({"file": str(path), "reason": reason})
    if bars:
        codes = list(dict.fromkeys(b.code for b in bars))
        held = {code: len(store.bars(code)) for code in codes}
        store.upsert_bars(bars)  # one transaction for the whole file
        out.prices = {code: len(store.bars(code)) - held[code] for code in codes}
    log.info("imported %s: %d bars of %s", path.name, len(bars), ", ".join(dict.fromkeys(b.code for b in bars)) or "none")
    return out


def _not_listed(path: Path, code: str, name: str | None, directory: CompanyDirectory) -> _Outcome:
    """A file whose code is not a listed stock/ETF (e.g. a warrant filed under its company's name)."""
    named = directory.resolve(name) if name else None
    if named is not None and named.code != code:
        reason = (f"{code} is not a listed stock or ETF (a warrant or another security); the name {name!r} is "
                  f"{named.code}, but these are not {named.code}'s prices, so nothing was stored")
    else:
        reason = f"{code} is not a listed TWSE/TPEx stock or ETF, nor a known symbol; nothing was stored"
    log.warning("%s skipped: %s", path.name, reason)
    out = _Outcome()
    out.unresolved.append(f"{name} ({code})" if name else code)
    out.skipped.append({"file": str(path), "reason": reason})
    return out


def _import_yahoo(store: Store, path: Path, directory: CompanyDirectory) -> _Outcome:
    symbol = path.stem.strip().upper()
    tw = directory.get(symbol) if _BARE_CODE.match(symbol) else None
    if tw is None and not _TICKER.match(symbol):
        raise FileError([(None, f"cannot tell the symbol from the file name {path.name!r}: "
                                "name Yahoo-style files by their ticker, e.g. AAPL.csv or 2330.TW.csv")])
    code = tw.code if tw is not None else symbol
    bars, skipped_rows = _read_bars(path, YAHOO_HEADER, "Date", _YAHOO_FIELDS, code, "yahoo")
    out = _Outcome()
    if tw is None:
        # Registered first: a kill before the bars land leaves a known symbol with no data,
        # which the rerun fills; never bars that no name resolves to.
        if not any(c.code == code for c in store.symbols()):
            store.upsert_symbol(Company(code=code, name_zh="", name_en=None, market="US", kind="stock"))
            out.symbols = True
    out.empty = not bars
    out.prices[code] = store.upsert_bars(bars) if bars else 0
    log.info("imported %s: %d bars of %s, %d new%s", path.name, len(bars), code, out.prices[code],
             f" ({skipped_rows} rows without a close skipped)" if skipped_rows else "")
    return out


# --- news JSON -----------------------------------------------------------------------------------
def _language(article: Article) -> str:
    """zh when the text has CJK characters, else en."""
    sample = " ".join(filter(None, (article.title, article.description, (article.content or "")[:400])))
    return "zh" if has_cjk(sample) else "en"


def _line_of(raw: str, value: Any) -> int | None:
    """Best-effort line of a JSON value in the file, for error messages."""
    try:
        pos = raw.find(json.dumps(value, ensure_ascii=False)[:80])
    except (TypeError, ValueError):
        return None
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else None


def _import_news(store: Store, path: Path, directory: CompanyDirectory) -> _Outcome:
    raw = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FileError([(exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")]) from None
    out = _Outcome()
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        articles = _raw_answer(path, data["articles"], directory, out)
    elif isinstance(data, dict) and data.get("status") == "error":
        raise FileError([(1, f"a newsapi error answer, not articles: {data.get('code')}: {data.get('message')}")])
    elif isinstance(data, list):
        articles = _company_list(path, raw, data, directory, out)
    else:
        raise FileError([(1, 'unrecognised JSON: expected a newsapi answer {"articles": [...]} or a list of '
                             'companies [{"name_zh", "name_en", "code", "news" | "news_zh" | "news_en"}]')])
    before = store.status()["news"]
    new = store.upsert_articles(articles) if articles else 0
    after = store.status()["news"]
    # New rows per code. An article stored earlier without a code that now gets one moves
    # from "" to that code; it is not new, so "" never goes below zero.
    out.news = {code: max(0, after.get(code, 0) - before.get(code, 0))
                for code in sorted({a.code or "" for a in articles})}
    out.empty = not articles
    log.info("imported %s: %d articles, %d new", path.name, len(articles), new)
    return out


def _parse(items: list[Any], code: str | None, language: str | None, where: str, out: _Outcome,
           path: Path) -> list[Article]:
    if not isinstance(items, list):
        raise FileError([(None, f"{where}: expected a list of articles, got {type(items).__name__}")])
    parsed = parse_articles(items, code=code, language=language)
    removed = sum(1 for it in items if isinstance(it, dict) and it.get("title") == "[Removed]")
    broken = len(items) - len(parsed) - removed
    if broken:
        out.skipped.append({"file": str(path), "reason": f"{where}: {broken} article(s) without url, title or "
                                                         "a parseable publishedAt were skipped"})
    return [a if a.language else replace(a, language=_language(a)) for a in parsed]


def _raw_answer(path: Path, items: list[Any], directory: CompanyDirectory, out: _Outcome) -> list[Article]:
    """A bare newsapi answer: the company comes from the file name, else from each article's text."""
    hint = directory.resolve(path.stem)
    if hint is None:
        found = directory.find_in_text(re.sub(r"[_\-]+", " ", path.stem))
        hint = found[0] if len(found) == 1 else None
    articles = _parse(items, hint.code if hint else None, None, "articles", out, path)
    if hint is not None:
        return articles
    resolved = []
    for a in articles:
        found = [c for c in directory.find_in_text(f"{a.title}\n{a.description or ''}") if c.market in _TW_MARKETS]
        resolved.append(replace(a, code=found[0].code) if found else a)
    missing = sum(1 for a in resolved if a.code is None)
    if missing:
        out.unresolved.append(f"{path.name}: {missing} article(s) name no listed company")
    return resolved


def _entry_company(entry: dict[str, Any], directory: CompanyDirectory) -> Company | None:
    """Names first (the codes in these files are often warrant codes), then a listed code."""
    by_name = {}
    for key in ("name_zh", "name_en"):
        name = entry.get(key)
        if isinstance(name, str) and name.strip():
            c = directory.resolve(name)
            if c is not None and c.market in _TW_MARKETS:
                by_name[key] = c
    if by_name:
        zh, en = by_name.get("name_zh"), by_name.get("name_en")
        if zh and en and zh.code != en.code:
            log.warning("%r is %s but %r is %s; using the Chinese name", entry.get("name_zh"), zh.code,
                        entry.get("name_en"), en.code)
        return zh or en
    code = entry.get("code")
    if isinstance(code, (str, int)):
        c = directory.get(str(code))
        if c is not None and c.market in _TW_MARKETS:
            return c
    return None


def _company_list(path: Path, raw: str, data: list[Any], directory: CompanyDirectory,
                  out: _Outcome) -> list[Article]:
    """A list of companies with their articles; unresolved companies' articles keep no code."""
    articles: list[Article] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise FileError([(_line_of(raw, entry), f"entry {i} is not an object")])
        label = " ".join(str(entry.get(k) or "").strip() for k in ("name_zh", "name_en")).strip() or f"entry {i}"
        keys = [k for k in ("news", "news_zh", "news_en") if k in entry]
        if not keys:
            raise FileError([(_line_of(raw, entry.get("name_en") or entry.get("name_zh")),
                              f"{label}: no 'news', 'news_zh' or 'news_en' list")])
        company = _entry_company(entry, directory)
        if company is None:
            zh, en = (entry.get("name_zh") or "").strip(), (entry.get("name_en") or "").strip()
            out.unresolved.append(f"{zh} ({en})" if zh and en else zh or en or f"entry {i}")
        for key in keys:
            lang = {"news_zh": "zh", "news_en": "en"}.get(key)
            articles += _parse(entry[key], company.code if company else None, lang, f"{label} {key}", out, path)
    return _one_per_url(articles, directory)


def _one_per_url(articles: list[Article], directory: CompanyDirectory) -> list[Article]:
    """An article listed under several companies is stored once (the store keys news by URL):
    under the listed company its title names, else its description, else the first listed."""
    by_url: dict[str, list[Article]] = {}
    for a in articles:
        by_url.setdefault(a.url, []).append(a)
    out = []
    for copies in by_url.values():
        codes = list(dict.fromkeys(a.code for a in copies if a.code))
        chosen = copies[0] if copies[0].code else next((a for a in copies if a.code), copies[0])
        if len(codes) > 1:
            for text in (chosen.title, chosen.description or ""):
                named = [c.code for c in directory.find_in_text(text) if c.code in codes]
                if named:
                    chosen = next(a for a in copies if a.code == named[0])
                    break
        out.append(chosen)
    return out
