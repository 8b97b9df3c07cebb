"""``finqa route`` and ``finqa chat``: the assistant from the terminal.

``finqa route QUERY... --json`` prints one ``{"query", "route", "code", "horizon_days"}`` object
per line (``-`` reads the queries from stdin, one per line) and runs no engine.
``finqa chat QUERY [--as-of D] --json`` answers once and prints ``Answer.to_json()``;
``finqa chat`` alone is an interactive chat that streams answers and keeps the conversation for
follow-ups until EOF or ``exit``.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, TextIO

from ingest.article_body import is_interstitial_url
from ingest.errors import FinqaError

EXIT_WORDS = {"exit", "quit", ":q", "bye", "離開", "离开", "退出"}


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``finqa route`` and ``finqa chat``."""
    r = sub.add_parser("route", parents=parents, help="show which engine would answer each query (no engine runs)")
    r.add_argument("queries", nargs="+", metavar="QUERY", help="queries; '-' reads them from stdin, one per line")
    r.add_argument("--json", action="store_true", help="one JSON object per line: query, route, code, horizon_days")
    r.add_argument("--session", action="store_true",
                   help="treat the queries as one conversation (follow-ups keep the last intent)")
    r.set_defaults(func=cmd_route)

    c = sub.add_parser("chat", parents=parents, help="ask the assistant (no query: interactive chat)")
    c.add_argument("query", nargs="*", metavar="QUERY", help="the question; omitted = interactive chat")
    c.add_argument("--as-of", default=None, metavar="YYYY-MM-DD",
                   help="answer as of this date: only data strictly before it is used")
    c.add_argument("--json", action="store_true", help="print the answer as JSON (route, engine, answer, ...)")
    c.set_defaults(func=cmd_chat)


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FinqaError(f"--as-of must be a date like 2025-03-01, got {text!r}") from exc


def _queries(args_queries: list[str], stdin: TextIO) -> Iterator[str]:
    for q in args_queries:
        if q == "-":
            for line in stdin:
                line = line.rstrip("\r\n")
                if line.strip():
                    yield line
        else:
            yield q


def cmd_route(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    from .service import ChatSession, get_assistant

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    assistant = get_assistant()
    session = ChatSession() if args.session else None
    for query in _queries(args.queries, stdin):
        result = assistant.route(query, session=session)
        if session is not None:
            session.remember(result["route"], result["code"], result["horizon_days"], user=query)
        if args.json:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            horizon = result["horizon_days"] if result["horizon_days"] is not None else "-"
            out.write(f"{result['route']:<9} {result['code'] or '-':<6} {horizon!s:<3} {query}\n")
        out.flush()
    return 0


def render_answer(answer: Any, *, with_text: bool = True) -> str:
    """The plain-text view of an Answer for the terminal (the streamed text plus the extras)."""
    lines: list[str] = [answer.answer] if with_text else []
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            meta = ", ".join(x for x in (c.source, c.date) if x)
            url = "(no link: a cookie-consent page, not the article)" if is_interstitial_url(c.url) else c.url
            lines.append(f"  [{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f" {url}" if url else ""))
    for notice in answer.notices:
        lines.append(f"note: {notice}")
    lines.append(f"[engine: {answer.engine}]")
    return "\n".join(lines)


def _stream_to(out: TextIO, items: Iterable[Any]) -> Any:
    from .types import Answer

    final = None
    wrote = False
    for item in items:
        if isinstance(item, Answer):
            final = item
        else:
            out.write(item)
            out.flush()
            wrote = True
    if final is not None:
        extra = render_answer(final, with_text=not wrote)
        out.write(("\n" if wrote else "") + extra + "\n")
        out.flush()
    return final


def cmd_chat(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    from .service import ChatSession, get_assistant

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    as_of = _parse_date(args.as_of)
    assistant = get_assistant()
    if args.query:
        message = " ".join(args.query)
        if args.json:
            answer = assistant.answer(message, as_of=as_of)
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            _stream_to(out, assistant.stream(message, as_of=as_of))
        return 0
    return interactive(assistant, stdin, out, as_of=as_of, json_mode=args.json, session=ChatSession())


def interactive(assistant: Any, stdin: TextIO, out: TextIO, *, as_of: date | None = None,
                json_mode: bool = False, session: Any = None) -> int:
    """Read a line, stream the answer, repeat; the session carries follow-ups. EOF or `exit` ends."""
    tty = stdin.isatty() if hasattr(stdin, "isatty") else False
    if tty:
        out.write("finqa chat: ask about Taiwan-listed stocks (English or 中文). Type `exit` to leave.\n")
        out.write("e.g. forecast 2330 next 5 days · 台積電最近新聞情緒如何？ · what about 2454?\n")
    while True:
        if tty:
            out.write("\nyou> ")
            out.flush()
        line = stdin.readline()
        if not line:
            break
        message = line.strip()
        if not message:
            continue
        if message.lower() in EXIT_WORDS:
            break
        if json_mode:
            answer = assistant.answer(message, session=session, as_of=as_of)
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        else:
            if tty:
                out.write("finqa> ")
            _stream_to(out, assistant.stream(message, session=session, as_of=as_of))
    return 0
