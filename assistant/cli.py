"""The ``finqa`` command line: one entry, subcommands registered by each package.

Each package owns the argparse definitions of its own subcommands (``ingest.cli``, ``index.cli``,
``finetune.cli``, and the chat/route/ui/demo commands here) and imports heavy libraries only
inside its handlers, so that ``finqa --help`` stays fast. Logs go to stderr; ``--json`` output
is the only thing written to stdout.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ingest.config import configure
from ingest.errors import FinqaError

log = logging.getLogger("finqa")


def _common_parser() -> argparse.ArgumentParser:
    """Global options, accepted before or after the subcommand (``finqa demo --data-dir D``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="where finqa keeps its store, index, adapters and runs (default ./finqa-data, env FINQA_DATA_DIR)")
    common.add_argument("--chroma-host", default=argparse.SUPPRESS, help="use a Chroma server at this host instead of the embedded store")
    common.add_argument("--chroma-port", type=int, default=argparse.SUPPRESS, help="Chroma server port (default 8000)")
    common.add_argument("--log-level", default=argparse.SUPPRESS, help="DEBUG, INFO, WARNING (default INFO)")
    return common


def build_parser() -> argparse.ArgumentParser:
    from finetune import cli as finetune_cli
    from index import cli as index_cli
    from ingest import cli as ingest_cli

    from . import chat_cli

    common = _common_parser()
    parser = argparse.ArgumentParser(
        prog="finqa",
        description="finqa: a chat assistant for Taiwan-listed stocks (TWSE/TPEx), in English and Chinese.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    ingest_cli.register(sub, [common])
    index_cli.register(sub, [common])
    chat_cli.register(sub, [common])
    finetune_cli.register(sub, [common])
    _register_ui(sub, [common])
    return parser


def _register_ui(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("ui", parents=parents, help="open the Gradio chat")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--auth", default=None, help="user:pass required to open the UI")
    p.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    p.set_defaults(func=lambda a: __import__("ui").cmd_ui(a))

    d = sub.add_parser("demo", parents=parents, help="ingest the watchlist (or --from files), build the index, open the UI")
    d.add_argument("--from", dest="from_paths", nargs="+", default=None, metavar="PATH",
                   help="import these local files/folders instead of fetching live")
    d.add_argument("--host", default=None)
    d.add_argument("--port", type=int, default=None)
    d.add_argument("--sentiment-data", nargs="+", default=None, metavar="CSV",
                   help="train the CPU sentiment classifier on these text,label CSVs first (once; "
                        "e.g. ../shared/data/sentiment/fpb_train.csv, a few minutes on 2 cores)")
    d.add_argument("--no-ui", action="store_true", help="stop after ingesting and indexing")
    d.set_defaults(func=lambda a: __import__("ui").cmd_demo(a))


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "chromadb", "urllib3", "sentence_transformers", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # bitsandbytes warns at every import that the optional `kernels` package for its CPU 4-bit
    # matmul is missing; its PyTorch fallback is what runs (and is tested) here.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) > 1 and argv[0] == "company" and not argv[1].startswith("-") and argv[1] != "resolve":
        argv.insert(1, "resolve")  # "finqa company 台積電": resolve is the one thing company does
    args = parser.parse_args(argv)
    settings = configure(
        data_dir=getattr(args, "data_dir", None),
        chroma_host=getattr(args, "chroma_host", None),
        chroma_port=getattr(args, "chroma_port", None),
        log_level=getattr(args, "log_level", None),
    )
    setup_logging(settings.log_level)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        log.warning("interrupted; everything written so far is kept, rerun to resume")
        return 130
    except FinqaError as exc:  # expected, explained failures: no stack trace
        print(f"finqa: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `finqa ... --json | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
