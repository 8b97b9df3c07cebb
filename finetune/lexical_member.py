"""Fit the lexical n-gram model of a trained CPU sentiment classifier and blend it in.

Runs after the encoder (or ensemble) is trained, on the same training split: the data files,
label map, ``val_fraction`` and ``split_seed`` are read back from the folder's
``training_config.json`` and the validation rows are checked against the recorded fingerprint,
so the lexical model never sees a row the reported score is computed on. The report keeps the
encoder's own score and the lexical model's alone beside the blend, so the gain is visible
(and a loss would be too).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from assistant.cpu_sentiment import CONFIG_NAME, blend_predictions, load_classifier_dir, normalize_text
from assistant.lexical_sentiment import DEFAULT_C, DEFAULT_WEIGHT, LEXICAL_NAME, LexicalClassifier
from finetune.embedded_classifier import recorded_split, score_predictions, val_fingerprint
from ingest.errors import FinqaError

logger = logging.getLogger(__name__)

_SCORES = ("n", "accuracy", "weighted_f1", "macro_f1")


def add_lexical_member(output: str | Path, weight: float = DEFAULT_WEIGHT, c: float = DEFAULT_C) -> dict[str, Any]:
    """Fit ``lexical.npz`` in the classifier folder ``output``, blend it at ``weight``, re-score.

    Returns the new validation report (also written to ``eval_results.json``), with the
    encoder-only and lexical-only scores under ``"lexical"``. ``classifier_config.json`` is
    rewritten last, so an interruption leaves the folder loading as it did before.
    """
    out = Path(output)
    if not 0.0 < weight < 1.0:
        raise FinqaError(f"--lexical-weight must be between 0 and 1 (0 leaves the lexical model out), got {weight}")
    try:
        meta = json.loads((out / "training_config.json").read_text(encoding="utf-8"))
        config = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8"))
        results = json.loads((out / "eval_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FinqaError(f"{out} is not a trained classifier folder ({exc})") from exc
    if not config.get("val_fingerprint"):
        raise FinqaError(f"{out} was trained before classifiers recorded which rows they held out, so a lexical "
                         "model cannot be fitted without risking validation rows; retrain it")
    train, val = recorded_split(meta)
    if val_fingerprint(val) != config["val_fingerprint"]:
        raise FinqaError(f"{out}: the training files no longer give the validation rows the classifier held out "
                         "(changed data?); retrain instead of adding a lexical model")
    labels = list(config["labels"])
    t0 = time.perf_counter()
    lexical = LexicalClassifier.fit([normalize_text(t) for t in train.texts], train.labels, labels, c=c)
    fit_s = time.perf_counter() - t0
    lexical.save(out / LEXICAL_NAME)

    neural = load_classifier_dir(out, lexical=False).predict(val.texts)
    lex_probs = lexical.predict_proba([normalize_text(t) for t in val.texts])
    blended = blend_predictions(neural, lex_probs, lexical.labels, labels, weight)
    report = score_predictions(val, [p[0] for p in blended], labels)
    encoder_alone = score_predictions(val, [p[0] for p in neural], labels)
    lexical_alone = score_predictions(val, [lexical.labels[int(r.argmax())] for r in lex_probs], labels)
    summary = {
        "weight": weight, "c": c, "fit_seconds": round(fit_s, 1), "features": int(lexical.coef.shape[1]),
        "encoder_alone": {k: encoder_alone[k] for k in _SCORES} | {"by_file": encoder_alone["by_file"]},
        "lexical_alone": {k: lexical_alone[k] for k in _SCORES} | {"by_file": lexical_alone["by_file"]},
    }
    for key in ("members", "train_seconds", "epoch", "train_rows", "steps"):
        if key in results:
            report[key] = results[key]
    report["lexical"] = summary
    (out / "eval_results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    config["lexical"] = {"file": LEXICAL_NAME, "weight": weight, "c": c}
    config["validation"] = {k: report[k] for k in _SCORES}
    (out / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    logger.info("lexical model (%d n-gram features, fitted in %.0f s) blended at %.2f: validation weighted F1 %.4f "
                "(encoder alone %.4f, lexical alone %.4f)", lexical.coef.shape[1], fit_s, weight,
                report["weighted_f1"], encoder_alone["weighted_f1"], lexical_alone["weighted_f1"])
    return report


__all__ = ["add_lexical_member"]
