"""The root ``finqa`` command: every subcommand listed, global options anywhere, clean pipes."""
from __future__ import annotations

import subprocess
import sys

from assistant.cli import build_parser, main

SUBCOMMANDS = ("company", "ingest", "index", "route", "chat", "finetune", "eval", "ui", "demo")


def test_help_lists_every_subcommand(capsys):
    help_text = build_parser().format_help()
    for name in SUBCOMMANDS:
        assert f"    {name} " in help_text or f"    {name}\n" in help_text, name


def test_data_dir_is_accepted_before_and_after_the_subcommand(tmp_path, capsys):
    import ingest.config as config

    try:
        assert main(["--data-dir", str(tmp_path / "a"), "ingest", "status", "--json"]) == 0
        assert config.get_settings().data_dir == tmp_path / "a"
        assert main(["ingest", "status", "--json", "--data-dir", str(tmp_path / "b")]) == 0
        assert config.get_settings().data_dir == tmp_path / "b"
        assert capsys.readouterr().out.splitlines() == ['{"prices": {}, "news": {}}'] * 2
    finally:
        config._current = None


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path):
    """``finqa ... --json | head -c 1`` exits 0 without a BrokenPipeError trace."""
    words = ["2330"] * 3000  # enough output to overflow the pipe after the reader has gone
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--data-dir", str(tmp_path), "company",
                             "resolve", *words, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err


def test_company_without_its_action_resolves(tmp_path, capsys):
    """"finqa company 台積電" had been an argparse error (the action is resolve, the only one)."""
    from assistant.cli import main
    from ingest import config

    try:
        assert main(["company", "台積電", "--json", "--data-dir", str(tmp_path)]) == 0
        short = capsys.readouterr().out
        assert main(["company", "resolve", "台積電", "--json", "--data-dir", str(tmp_path)]) == 0
        assert short == capsys.readouterr().out and '"2330"' in short
    finally:
        config._current = None
