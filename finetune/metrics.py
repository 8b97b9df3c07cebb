"""Classification metrics, scored the way FinGPT reports sentiment (weighted F1 is the headline).

One function so that the CLI's ``finqa eval sentiment``, the embedded classifier's validation and
the LLM recipe's ``eval_results.json`` all print the same numbers with the same keys.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def classification_report(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None) -> dict[str, Any]:
    """``{"n", "accuracy", "weighted_f1", "macro_f1", "per_label": {label: {precision, recall, f1, support}}}``.

    ``labels`` fixes the label set (and order) of the per-label table and of the macro average;
    by default it is every label seen in ``y_true`` or ``y_pred``. A label never predicted gets
    precision 0 (sklearn's ``zero_division=0``) rather than a warning and NaN.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    y_true = [str(y) for y in y_true]
    y_pred = [str(y) for y in y_pred]
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    if not y_true:
        return {"n": 0, "accuracy": 0.0, "weighted_f1": 0.0, "macro_f1": 0.0, "per_label": {}}
    if labels is None:
        labels = sorted(set(y_true) | set(y_pred))
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_label = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "weighted_f1": float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_label": per_label,
    }
