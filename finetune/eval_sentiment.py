"""``finqa eval sentiment``: score a classifier on a ``text,label`` CSV the way FinGPT reports it.

``model`` is either a CPU-tier classifier folder (default: the trained one in the data dir) or a
causal LM id/folder (optionally with a LoRA ``adapter``), which is scored through the assistant's
model manager: the FinGPT prompt from :func:`assistant.prompts.render_sentiment_prompt` and the
log-likelihood of each label word -- no sampling, no parsing of free text -- so the evaluation
asks exactly what the sentiment engine asks at inference.

Output keys: ``n``, ``accuracy``, ``weighted_f1`` (the headline), ``macro_f1`` and ``per_label``
(``precision``, ``recall``, ``f1``, ``support`` for each label).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from finetune.data_sentiment import SentimentRows, parse_label_map, read_sentiment_csv
from finetune.metrics import classification_report
from ingest.errors import FinqaError

logger = logging.getLogger(__name__)

REPORT_KEYS = ("n", "accuracy", "weighted_f1", "macro_f1", "per_label")


def _is_classifier_dir(path: Path) -> bool:
    from assistant.cpu_sentiment import CONFIG_NAME

    return (path / CONFIG_NAME).is_file()


def predict_embedded(path: str | Path, texts: list[str], batch_size: int = 64) -> tuple[list[str], list[str]]:
    """Labels predicted by a CPU-tier classifier folder, and its label set."""
    from tqdm.auto import tqdm

    from assistant.cpu_sentiment import load_classifier_dir

    clf = load_classifier_dir(path)
    clf.batch_size = max(clf.batch_size, batch_size)
    preds: list[str] = []
    step = 512
    for start in tqdm(range(0, len(texts), step), desc="classify", unit="chunk", disable=len(texts) <= step):
        preds.extend(p[0] for p in clf.predict(texts[start:start + step]))
    return preds, list(clf.labels)


def predict_llm(model: str, adapter: str | None, texts: list[str], labels: int = 3, batch_size: int = 16) -> tuple[list[str], list[str]]:
    """Labels chosen by label log-likelihood under the FinGPT prompt, through the model manager."""
    from tqdm.auto import tqdm

    from assistant.models import get_model_manager
    from assistant.prompts import render_sentiment_prompt, sentiment_labels
    from ingest.config import EngineModel, get_settings

    options = sentiment_labels(labels)
    manager = get_model_manager(get_settings())
    loaded = manager.load(EngineModel(base=model, adapter=adapter))
    preds: list[str] = []
    for start in tqdm(range(0, len(texts), batch_size), desc="score labels", unit="batch"):
        prompts = [render_sentiment_prompt(t, labels) for t in texts[start:start + batch_size]]
        for probs in manager.score_options(loaded, prompts, options, batch_size=batch_size):
            preds.append(max(options, key=lambda o: probs[o]))
    return preds, options


def evaluate_sentiment(
    data: str | Path,
    *,
    model: str | None = None,
    adapter: str | None = None,
    labels: int = 3,
    label_map: str | dict[str, str] | None = None,
    limit: int | None = None,
    batch_size: int = 16,
) -> dict[str, Any]:
    """The evaluation report for one CSV (exactly the keys of :data:`REPORT_KEYS`)."""
    from assistant.cpu_sentiment import DEFAULT_DIRNAME
    from ingest.config import get_settings

    lm = parse_label_map(label_map) if isinstance(label_map, str) or label_map is None else label_map
    rows: SentimentRows = read_sentiment_csv(data, lm)
    texts, truth = rows.texts, rows.labels
    if limit:
        texts, truth = texts[:limit], truth[:limit]
    if model is None:
        path = Path(get_settings().adapters_dir) / DEFAULT_DIRNAME
        if not _is_classifier_dir(path):
            raise FinqaError(f"no trained CPU sentiment classifier in {path}; train one with "
                             "`finqa finetune sentiment --backend embedded --data FILE.csv` or pass --model")
        preds, label_set = predict_embedded(path, texts)
    elif Path(model).is_dir() and _is_classifier_dir(Path(model)):
        preds, label_set = predict_embedded(model, texts)
    else:
        preds, label_set = predict_llm(model, adapter, texts, labels, batch_size)
    unknown = sorted(set(truth) - set(label_set))
    if unknown:
        logger.warning("labels %s in %s are not among the model's labels %s: those rows count as errors", unknown, data, label_set)
    ordered = [l for l in label_set] + [l for l in sorted(set(truth)) if l not in label_set]
    report = classification_report(truth, preds, labels=ordered)
    return {k: report[k] for k in REPORT_KEYS}
