"""One reader for the JSONL files the finetune and eval commands take (QA rows, router cases).

A malformed line stops the read with a FinqaError naming the file and line, as every finqa
reader of user files does, instead of a bare ``JSONDecodeError`` from deep inside a run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.errors import FinqaError


def read_jsonl_objects(path: Path, expected: str, where: str = "{path}, line {n}") -> list[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line.

    ``expected`` describes an object in errors; ``where`` formats the location (``eval router``
    reports ``file:line``, the QA reader ``file, line N``).
    """
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FinqaError(f"{where.format(path=path, n=n)}: not JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise FinqaError(f"{where.format(path=path, n=n)}: expected a JSON object with {expected}")
            rows.append((n, obj))
    return rows
