"""``finqa company ...`` and ``finqa ingest ...``: argument parsing and output only.

The work is done in ``companies``, ``prices``, ``news`` and ``imports``; handlers import them lazily.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    company = sub.add_parser("company", parents=parents, help="resolve company names and codes")
    csub = company.add_subparsers(dest="company_command", metavar="ACTION", required=True)
    resolve = csub.add_parser("resolve", parents=parents, help="resolve names/codes to listed companies")
    resolve.add_argument("words", nargs="+", metavar="WORDS")
    resolve.add_argument("--json", action="store_true", help="print a JSON list")
    resolve.set_defaults(func=cmd_company_resolve)

    ingest = sub.add_parser("ingest", parents=parents, help="fetch prices and news, import local files")
    isub = ingest.add_subparsers(dest="ingest_command", metavar="ACTION", required=True)

    prices = isub.add_parser("prices", parents=parents, help="fetch daily bars from TWSE/TPEx through twstock")
    prices.add_argument("companies", nargs="+", metavar="CODE_OR_NAME")
    prices.add_argument("--since", default=None, metavar="YYYY-MM", help="first month to fetch (default: 12 months ago)")
    prices.add_argument("--json", action="store_true")
    prices.set_defaults(func=cmd_ingest_prices)

    news = isub.add_parser("news", parents=parents, help="fetch news through newsapi (needs NEWSAPI_KEY)")
    news.add_argument("companies", nargs="+", metavar="CODE_OR_NAME")
    news.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    news.add_argument("--lang", default="zh,en", help="languages, comma-separated (default zh,en)")
    news.add_argument("--json", action="store_true")
    news.set_defaults(func=cmd_ingest_news)

    imp = isub.add_parser("import", parents=parents, help="import local CSV/JSON files or folders")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_ingest_import)

    export = isub.add_parser("export", parents=parents,
                             help="write stored daily bars as CSV (code,date,open,high,low,close,volume)")
    export.add_argument("companies", nargs="+", metavar="CODE_OR_NAME")
    export.add_argument("--start", default=None, metavar="YYYY-MM-DD", help="first day (default: the first stored)")
    export.add_argument("--end", default=None, metavar="YYYY-MM-DD", help="last day (default: the last stored)")
    export.add_argument("--out", default=None, metavar="FILE", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_ingest_export)

    status = isub.add_parser("status", parents=parents, help="what the store holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_ingest_status)


def _print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=None, default=str)
    sys.stdout.write("\n")


def cmd_company_resolve(args: argparse.Namespace) -> int:
    from .companies import get_directory

    directory = get_directory()
    results = [directory.resolve_json(w) for w in args.words]
    failed = any(r["code"] is None for r in results)
    if args.json:
        _print_json(results)
    else:
        for r in results:
            if r["code"]:
                print(f"{r['query']}\t{r['code']}\t{r['name_zh']}\t{r['name_en'] or ''}\t{r['market']}")
            else:
                print(f"{r['query']}\tnot found; close matches: {', '.join(r['suggestions']) or 'none'}")
    return 1 if failed else 0


def _resolve_all(words: list[str]):
    from .companies import get_directory

    directory = get_directory()
    return [directory.resolve_or_raise(w) for w in words]


def cmd_ingest_prices(args: argparse.Namespace) -> int:
    from .config import get_settings
    from .prices import ingest_prices
    from .store import open_store

    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since + "-01")
        except ValueError:
            from .errors import FinqaError

            raise FinqaError(f"--since must look like YYYY-MM, got {args.since!r}") from None
    report = ingest_prices(open_store(), _resolve_all(args.companies), since=since, settings=get_settings())
    _print_json(report) if args.json else print(_fmt(report))
    return 0 if not report.get("errors") else 1


def cmd_ingest_news(args: argparse.Namespace) -> int:
    from .config import get_settings
    from .news import ingest_news
    from .store import open_store

    langs = [x.strip() for x in args.lang.split(",") if x.strip()]
    report = ingest_news(open_store(), _resolve_all(args.companies), days=args.days, languages=langs,
                         settings=get_settings())
    _print_json(report) if args.json else print(_fmt(report))
    return 0 if not report.get("stopped") else 1


def cmd_ingest_import(args: argparse.Namespace) -> int:
    from .imports import import_paths
    from .store import open_store

    report = import_paths(open_store(), args.paths)
    _print_json(report) if args.json else print(_fmt(report))
    return 0 if not report.get("errors") else 1


def cmd_ingest_export(args: argparse.Namespace) -> int:
    import logging

    from .errors import FinqaError
    from .exports import export_frame, write_csv
    from .store import open_store

    def day(text: str | None, flag: str) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise FinqaError(f"{flag} must look like YYYY-MM-DD, got {text!r}") from None

    start, end = day(args.start, "--start"), day(args.end, "--end")
    if start and end and end < start:
        raise FinqaError(f"--end {end} is before --start {start}")
    codes = [c.code for c in _resolve_all(args.companies)]
    frame = export_frame(open_store(), codes, start, end)
    missing = [c for c in codes if c not in set(frame["code"])]
    for code in missing:
        logging.getLogger(__name__).warning("no stored bars for %s in that span: `finqa ingest prices %s` fetches them",
                                            code, code)
    if frame.empty:
        raise FinqaError("nothing to export: no stored bars for " + ", ".join(codes) + " in that span")
    write_csv(frame, args.out, sys.stdout)
    if args.out:
        logging.getLogger(__name__).info("wrote %d bars of %s to %s", len(frame), ", ".join(sorted(set(frame["code"]))),
                                         args.out)
    return 1 if missing else 0


def cmd_ingest_status(args: argparse.Namespace) -> int:
    from .store import open_store

    status = open_store().status()
    if args.json:
        _print_json(status)
        return 0
    print(status_table(status))
    return 0


def status_table(status: dict) -> str:
    """A plain-text table of what is stored, for humans."""
    lines = [f"{'code':<8}{'bars':>6}  {'first':<10}  {'last':<10}  {'news':>5}"]
    codes = sorted(set(status["prices"]) | {c for c in status["news"] if c})
    for code in codes:
        p = status["prices"].get(code, {"rows": 0, "first": "-", "last": "-"})
        lines.append(f"{code:<8}{p['rows']:>6}  {p['first']:<10}  {p['last']:<10}  {status['news'].get(code, 0):>5}")
    if status["news"].get(""):
        lines.append(f"{'(none)':<8}{'':>6}  {'':<10}  {'':<10}  {status['news']['']:>5}")
    return "\n".join(lines)


def _fmt(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, default=str)
