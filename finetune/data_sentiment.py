"""Sentiment CSVs (``text,label``) read strictly, labels normalised to the finqa label words.

Label mapping (documented here because the public datasets disagree):

* words are lowercased and trimmed; ``bearish``/``neg`` → ``negative``, ``bullish``/``pos`` →
  ``positive``, ``neu`` → ``neutral``; the 7-class words (``strong negative`` ... ``strong
  positive``) pass through.
* numeric labels are ambiguous across datasets, so they are only accepted with an explicit map:
  ``tfns`` (zeroshot/twitter-financial-news-sentiment: 0 bearish → negative, 1 bullish → positive,
  2 neutral), ``fpb`` (financial_phrasebank on the hub: 0 negative, 1 neutral, 2 positive) or a
  ``"0=negative,1=neutral,2=positive"`` string. A file named ``tfns*`` with numeric labels gets the
  ``tfns`` map automatically. The files in ``../shared/data/sentiment`` (FPB, TFNS, finfe_zh)
  already carry the words negative/neutral/positive (checked), so no map is needed for them.

A malformed file raises :class:`FinqaError` naming the file and the (1-based, header = line 1)
line, so a user can fix it instead of training on half a file.
"""
from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import FinqaError

logger = logging.getLogger(__name__)

LABEL_ALIASES: dict[str, str] = {
    "negative": "negative", "neg": "negative", "bearish": "negative",
    "neutral": "neutral", "neu": "neutral",
    "positive": "positive", "pos": "positive", "bullish": "positive",
    "strong negative": "strong negative", "moderately negative": "moderately negative",
    "mildly negative": "mildly negative", "mildly positive": "mildly positive",
    "moderately positive": "moderately positive", "strong positive": "strong positive",
}

NUMERIC_LABEL_MAPS: dict[str, dict[str, str]] = {
    # zeroshot/twitter-financial-news-sentiment: 0 "Bearish", 1 "Bullish", 2 "Neutral".
    "tfns": {"0": "negative", "1": "positive", "2": "neutral"},
    # financial_phrasebank (hub): 0 negative, 1 neutral, 2 positive.
    "fpb": {"0": "negative", "1": "neutral", "2": "positive"},
}


@dataclass
class SentimentRows:
    """Texts with their normalised labels, and which file each row came from (for per-file scores)."""

    texts: list[str]
    labels: list[str]
    sources: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_set(self) -> list[str]:
        return sorted(set(self.labels), key=_label_order)


def _label_order(label: str) -> tuple[int, str]:
    from assistant.prompts import SENTIMENT_LABELS_3, SENTIMENT_LABELS_7

    for order in (SENTIMENT_LABELS_3, SENTIMENT_LABELS_7):
        if label in order:
            return order.index(label), label
    return 99, label


def parse_label_map(spec: str | None) -> dict[str, str] | None:
    """``None``, a preset name (``tfns``/``fpb``) or ``"0=negative,1=neutral,2=positive"``."""
    if not spec:
        return None
    if spec in NUMERIC_LABEL_MAPS:
        return dict(NUMERIC_LABEL_MAPS[spec])
    out: dict[str, str] = {}
    for part in spec.split(","):
        if "=" not in part:
            raise FinqaError(f"bad label map {spec!r}: use a preset ({', '.join(NUMERIC_LABEL_MAPS)}) or 0=negative,1=neutral,...")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip().lower()
    return out


def normalise_label(raw: str, label_map: dict[str, str] | None = None) -> str | None:
    """The finqa label for a raw CSV label, or ``None`` when it is not recognised."""
    key = str(raw).strip().lower()
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]
    if label_map and key in label_map:
        key = label_map[key]
    return LABEL_ALIASES.get(key)


def read_sentiment_csv(path: str | Path, label_map: dict[str, str] | None = None) -> SentimentRows:
    """Read one ``text,label`` CSV; every row must have a non-empty text and a known label."""
    path = Path(path)
    if not path.is_file():
        raise FinqaError(f"sentiment file not found: {path}")
    if label_map is None and path.name.lower().startswith("tfns"):
        label_map = NUMERIC_LABEL_MAPS["tfns"]
    texts: list[str] = []
    labels: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise FinqaError(f"{path}: empty file (expected a header text,label)")
            cols = [h.strip().lower() for h in header]
            if "text" not in cols or "label" not in cols:
                raise FinqaError(f"{path}, line 1: expected columns text,label, got {','.join(header)}")
            ti, li = cols.index("text"), cols.index("label")
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(cols):
                    raise FinqaError(f"{path}, line {line}: expected {len(cols)} fields, got {len(row)}")
                text = row[ti].strip()
                if not text:
                    raise FinqaError(f"{path}, line {line}: empty text")
                label = normalise_label(row[li], label_map)
                if label is None:
                    hint = " (numeric labels need --label-map, e.g. tfns or 0=negative,1=neutral,2=positive)" if row[li].strip().isdigit() else ""
                    raise FinqaError(f"{path}, line {line}: unknown label {row[li]!r}{hint}")
                texts.append(text)
                labels.append(label)
    except UnicodeDecodeError as exc:
        raise FinqaError(f"{path}: not UTF-8 text ({exc})") from exc
    except csv.Error as exc:
        raise FinqaError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from exc
    if not texts:
        raise FinqaError(f"{path}: no rows")
    logger.info("read %d rows from %s", len(texts), path)
    return SentimentRows(texts, labels, [path.name] * len(texts))


def read_sentiment_csvs(paths: list[str | Path], label_map: dict[str, str] | None = None) -> SentimentRows:
    """Several CSVs concatenated (``--data a.csv b.csv`` mixes datasets, e.g. English + Chinese)."""
    parts = [read_sentiment_csv(p, label_map) for p in paths]
    return SentimentRows(
        [t for p in parts for t in p.texts], [l for p in parts for l in p.labels], [s for p in parts for s in p.sources]
    )


def stratified_split(rows: SentimentRows, val_fraction: float = 0.1, seed: int = 42) -> tuple[SentimentRows, SentimentRows]:
    """Seeded split stratified by (file, label): validation comes from the training files only."""
    from sklearn.model_selection import train_test_split

    idx = list(range(len(rows)))
    strata = [f"{s}|{l}" for s, l in zip(rows.sources, rows.labels)]
    counts: dict[str, int] = {}
    for s in strata:
        counts[s] = counts.get(s, 0) + 1
    # a stratum with one row cannot be split; fall back to the label alone for those
    strata = [s if counts[s] > 1 else l for s, l in zip(strata, rows.labels)]
    try:
        tr, va = train_test_split(idx, test_size=val_fraction, random_state=seed, stratify=strata)
    except ValueError:
        tr, va = train_test_split(idx, test_size=val_fraction, random_state=seed)

    def take(ix: list[int]) -> SentimentRows:
        ix = sorted(ix)
        return SentimentRows([rows.texts[i] for i in ix], [rows.labels[i] for i in ix], [rows.sources[i] for i in ix])

    return take(tr), take(va)


def sentiment_llm_examples(rows: SentimentRows, labels: int = 3) -> list[dict[str, str]]:
    """FinGPT-format prompt/completion rows for the LLM recipe.

    ``prompt + completion`` is exactly :func:`assistant.prompts.render_sentiment_example`. The
    prompt's trailing space is moved onto the completion (``"Answer:"`` + ``" negative"``) so that
    the tokenised prompt is a prefix of the tokenised whole (the label is one `` negative`` token
    as in the full training string) and inference scoring, which also moves that space onto the
    option, sees the same tokens.
    """
    from assistant.prompts import render_sentiment_example, render_sentiment_prompt, sentiment_labels

    allowed = sentiment_labels(labels)
    bad = sorted(set(rows.labels) - set(allowed))
    if bad:
        raise FinqaError(f"labels {bad} are not in the {labels}-class set {allowed}; use --labels 7 for the 7-class words")
    out = []
    for text, label in zip(rows.texts, rows.labels):
        full_prompt = render_sentiment_prompt(text, labels)
        prompt, completion = full_prompt[:-1], " " + label
        assert prompt + completion == render_sentiment_example(text, label, labels)
        out.append({"prompt": prompt, "completion": completion})
    return out
