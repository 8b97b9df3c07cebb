"""Finance-Instruct-500k rows → conversational prompt/completion examples for the QA adapter.

The filters are those of ``TimberGu/Llama_for_Finance`` (the QA engine's default adapter), so a
retrained adapter sees the same kind of data: rows without user or assistant text are dropped,
rows shorter than ``min_tokens`` tokens (prompt + answer through the chat template) are dropped,
non-English rows are dropped by the share of ASCII characters (``min_ascii_ratio``, 0.9 by
default: Finance-Instruct is mostly English, with some Chinese and other scripts that an English
adapter should not be taught on), and examples are truncated to ``max_length`` by the trainer.

The rows become ``{"prompt": [system?, user], "completion": [assistant]}``: TRL renders them with
the base model's chat template and masks the prompt (completion-only loss).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assistant.prompts import render_qa_training_messages
from finetune.jsonl import read_jsonl_objects
from ingest.errors import FinqaError

logger = logging.getLogger(__name__)

FIELDS = ("system", "user", "assistant")


def ascii_ratio(text: str) -> float:
    """Share of characters that are ASCII (1.0 for empty text)."""
    if not text:
        return 1.0
    return sum(1 for ch in text if ord(ch) < 128) / len(text)


def load_qa_rows(source: str, *, split: str = "train", limit: int | None = None) -> list[dict[str, Any]]:
    """Rows from a local ``.jsonl``/``.json``/``.parquet`` file, or a hub dataset id.

    A hub id goes through ``datasets.load_dataset``; offline (as on this machine) that fails and
    the error says to pass a local file instead.
    """
    path = Path(source)
    if path.exists():
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            rows = [obj for _, obj in read_jsonl_objects(path, "system/user/assistant")]
        elif suffix == ".json":
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise FinqaError(f"{path}, line {exc.lineno}: not JSON ({exc.msg})") from exc
            rows = data if isinstance(data, list) else data.get("data", [])
        elif suffix == ".parquet":
            import pandas as pd

            try:
                rows = pd.read_parquet(path).to_dict(orient="records")
            except Exception as exc:
                raise FinqaError(f"{path}: cannot read parquet ({exc})") from exc
        else:
            raise FinqaError(f"{path}: expected a .jsonl, .json or .parquet file of system/user/assistant rows")
    else:
        if "/" not in source:
            raise FinqaError(f"QA data {source!r} is neither a local file nor a hub dataset id (owner/name)")
        try:
            import datasets

            ds = datasets.load_dataset(source, split=split)
        except Exception as exc:
            raise FinqaError(
                f"cannot load the dataset {source!r} from the hub ({type(exc).__name__}: {str(exc)[:200]}); "
                "offline? download it elsewhere and pass the local .jsonl/.parquet file to --data"
            ) from exc
        if limit:
            ds = ds.select(range(min(limit, len(ds))))
        rows = [dict(r) for r in ds]
    if limit:
        rows = rows[:limit]
    return rows


def qa_examples(
    rows: Iterable[dict[str, Any]],
    tokenizer,
    *,
    min_tokens: int = 30,
    min_ascii_ratio: float = 0.9,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Filter rows and turn them into conversational prompt/completion examples.

    Returns the examples and a count of what each filter dropped (recorded in the run's
    ``training_config.json``).
    """
    if not getattr(tokenizer, "chat_template", None):
        raise FinqaError("the QA base model's tokenizer has no chat template: use an instruct/chat model as --base")
    dropped = {"missing_text": 0, "too_short": 0, "non_english": 0}
    examples: list[dict[str, Any]] = []
    for row in rows:
        system = str(row.get("system") or "").strip()
        user = str(row.get("user") or "").strip()
        assistant = str(row.get("assistant") or "").strip()
        if not user or not assistant:
            dropped["missing_text"] += 1
            continue
        if ascii_ratio(system + user + assistant) < min_ascii_ratio:
            dropped["non_english"] += 1
            continue
        messages = render_qa_training_messages(system or None, user, assistant)
        n_tokens = len(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])
        if n_tokens < min_tokens:
            dropped["too_short"] += 1
            continue
        examples.append({"prompt": messages[:-1], "completion": messages[-1:]})
    logger.info("qa: %d examples kept, dropped %s", len(examples), dropped)
    return examples, dropped
