"""Subcommands of this package (filled in by its issue)."""
import argparse


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Register this package's subcommands."""
