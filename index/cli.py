"""``finqa index build|stats|query``: argument parsing and output only.

The work lives in ``news_index``, ``windows_index`` and ``retrieval``; handlers import them
lazily so that ``finqa --help`` stays fast. Failures the user can fix are ``FinqaError``s, which
the root CLI prints without a stack trace.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, timedelta

from ingest.errors import FinqaError, UnknownCompanyError

INDEXABLE = ("news", "price_windows")


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``finqa index ...``."""
    index = sub.add_parser("index", parents=parents, help="build and query the Chroma index (news, price windows)")
    isub = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)

    build = isub.add_parser("build", parents=parents, help="embed what the store holds that is not indexed yet")
    build.add_argument("--collections", default=",".join(INDEXABLE),
                       help="comma-separated: news,price_windows (default both)")
    build.add_argument("--rebuild", action="store_true",
                       help="delete the named collections first (after changing the embedding model)")
    build.add_argument("--json", action="store_true", help="print the counts as JSON")
    build.add_argument("--no-progress", action="store_true", help="no progress bars")
    build.set_defaults(func=cmd_build)

    stats = isub.add_parser("stats", parents=parents, help="how many items each collection holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)

    query = isub.add_parser("query", parents=parents, help="retrieve news chunks or similar price windows")
    query.add_argument("text", nargs="?", default="", metavar="TEXT",
                       help="what to look for (news); for price_windows a company may be named here instead of --code")
    query.add_argument("--code", default=None, help="company code or name to filter on (price_windows: the query company)")
    query.add_argument("--as-of", default=None, metavar="YYYY-MM-DD",
                       help="only items dated strictly before this Taiwan date")
    query.add_argument("--collection", choices=INDEXABLE, default="news")
    query.add_argument("-k", type=int, default=5, help="how many results (default 5)")
    query.add_argument("--json", action="store_true", help="print a JSON list")
    query.set_defaults(func=cmd_query)


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _collections(arg: str) -> list[str]:
    names = [x.strip() for x in arg.split(",") if x.strip()]
    bad = [n for n in names if n not in INDEXABLE]
    if bad or not names:
        raise FinqaError(f"--collections takes a comma-separated list of {', '.join(INDEXABLE)}; got {arg!r}")
    return names


def cmd_build(args: argparse.Namespace) -> int:
    from ingest.config import get_settings
    from ingest.store import open_store

    from . import chroma as ch

    settings = get_settings()
    names = _collections(args.collections)
    store = open_store(settings.store_path)
    if args.rebuild:
        for name in names:
            ch.drop_collection(settings, name)
            if name == ch.WINDOWS:
                ch.drop_collection(settings, ch.WINDOWS_TEXT)
    report: dict[str, dict] = {}
    progress = not args.no_progress
    if "news" in names:
        from .news_index import build_news

        report["news"] = build_news(store, settings, progress=progress)
    if "price_windows" in names:
        from .windows_index import build_windows

        report["price_windows"] = build_windows(store, settings, progress=progress)
    if args.json:
        _print_json(report)
    else:
        for name, counts in report.items():
            extra = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "added")
            print(f"{name}: added {counts['added']} ({extra})")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from ingest.config import get_settings

    from .retrieval import get_retrieval

    stats = get_retrieval(get_settings()).stats()
    if args.json:
        _print_json({"news": stats["news"], "price_windows": stats["price_windows"],
                     "embedding_model": stats["embedding_model"]})
    else:
        print(f"news chunks:    {stats['news']}\nprice windows:  {stats['price_windows']}\n"
              f"embedding model: {stats['embedding_model']}")
    return 0


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FinqaError(f"--as-of must look like YYYY-MM-DD, got {text!r}") from None


_CODE_RE = re.compile(r"^\d{4,6}[A-Z]?$")


def resolve_code(word: str) -> str:
    """A company code from the user's words, through the company directory."""
    word = word.strip()
    if not word:
        raise FinqaError("Empty company name or code.")
    try:
        from ingest.companies import get_directory
    except ImportError:  # directory not installed: accept plain codes only
        code = word.upper().removesuffix(".TWO").removesuffix(".TW")
        if _CODE_RE.match(code):
            return code
        raise FinqaError(f"Cannot resolve {word!r} to a company code (use a code such as 2330).") from None
    try:
        return get_directory().resolve_or_raise(word).code
    except UnknownCompanyError:
        # Symbols the directory does not know (US tickers from imports) are fine when stored.
        from ingest.config import get_settings
        from ingest.store import open_store

        if word.upper() in open_store(get_settings().store_path).price_codes():
            return word.upper()
        raise


def cmd_query(args: argparse.Namespace) -> int:
    from ingest.config import get_settings

    from .retrieval import get_retrieval

    settings = get_settings()
    retrieval = get_retrieval(settings)
    before = _parse_day(args.as_of)
    if args.k < 1:
        raise FinqaError(f"-k must be at least 1, got {args.k}")
    if args.collection == "news":
        if not args.text.strip():
            raise FinqaError("Empty query: give the text to search the news for, e.g. finqa index query \"TSMC capex\".")
        code = resolve_code(args.code) if args.code else None
        hits = retrieval.news(args.text, codes=[code] if code else None, before=before, k=args.k)
        rows = [{"id": h.id, "score": round(h.score, 6), "code": h.code, "date": h.date, "title": h.title,
                 "text": h.text} for h in hits]
        if not hits:
            _explain_empty("news", code, before, settings)
    else:
        word = args.code or args.text
        if not word.strip():
            raise FinqaError("price_windows queries need a company: --code 2330 (or name it as TEXT).")
        code = resolve_code(word)
        hits, before = _window_query(retrieval, settings, code, before, args.k)
        rows = [{"id": h.id, "score": round(h.score, 6), "code": h.code, "date": h.date, "text": h.text}
                for h in hits]
        if not hits:
            _explain_empty("price_windows", None, before, settings)
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            title = f" {r['title']}" if "title" in r else ""
            print(f"{r['score']:.4f}  {r['date']}  {r['code'] or '-'}{title}\n    {r['text'][:200]!s}")
    return 0 if rows else 1


def _window_query(retrieval, settings, code: str, before: date | None, k: int):
    """The query sequence of ``code`` as of ``before`` (default: after its last bar) and its neighbours."""
    from ingest.store import open_store

    try:
        from ingest.windows import query_sequence
    except ImportError:
        raise FinqaError("Price-window queries need ingest.windows.query_sequence, which is not installed.") from None
    store = open_store(settings.store_path)
    last = store.last_bar_date(code)
    if last is None:
        raise FinqaError(f"No prices stored for {code}: fetch them with `finqa ingest prices {code}`.")
    as_of = before or last + timedelta(days=1)
    bars = store.all_bars()
    bars = bars[bars["code"] == code]
    query, vector = query_sequence(bars, code, as_of)
    # One query per process: the LlamaIndex path (one filtered Chroma query) beats loading the
    # whole collection into memory, which pays off only in long-running processes.
    hits = retrieval.windows(list(vector), before=as_of, k=k, indicator="adjusted_close", backend="llamaindex")
    return hits, as_of


def _explain_empty(collection: str, code: str | None, before: date | None, settings) -> None:
    """Say why nothing came back, on stderr (stdout keeps the JSON)."""
    from .retrieval import get_retrieval

    stats = get_retrieval(settings).stats()
    what = "news" if collection == "news" else "price windows"
    scope = f" for {code}" if code else ""
    when = f" dated before {before.isoformat()}" if before else ""
    if stats[collection] == 0:
        hint = ("`finqa ingest news CODE` (or `finqa ingest import FILES`) then `finqa index build`"
                if collection == "news" else "`finqa ingest prices CODE` then `finqa index build`")
        msg = f"The {collection} index is empty: run {hint}."
    else:
        hint = (f"`finqa ingest news {code}` then `finqa index build`" if code and collection == "news"
                else "a later --as-of, or ingest more history and run `finqa index build`")
        msg = f"No {what} indexed{scope}{when}. Try {hint}."
    print(f"finqa: {msg}", file=sys.stderr)
