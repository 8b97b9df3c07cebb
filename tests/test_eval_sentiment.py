"""``finqa eval sentiment`` and the metrics behind it, against hand-computed values."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import FinqaError

KEYS = {"n", "accuracy", "weighted_f1", "macro_f1", "per_label"}
LABEL_KEYS = {"precision", "recall", "f1", "support"}


def test_metrics_match_hand_computed_values():
    from finetune.metrics import classification_report

    truth = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    r = classification_report(truth, pred)
    # a: tp 1, fp 1, fn 1 -> p .5 r .5 f1 .5 ; b: tp 2, fp 1 -> p 2/3 r 1 f1 .8 ; c: never predicted -> 0
    assert r["n"] == 5 and r["accuracy"] == pytest.approx(0.6)
    assert r["per_label"]["a"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert r["per_label"]["b"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8, "support": 2})
    assert r["per_label"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert r["weighted_f1"] == pytest.approx((0.5 * 2 + 0.8 * 2 + 0.0 * 1) / 5)


def test_metrics_with_a_fixed_label_set_and_perfect_predictions():
    from finetune.metrics import classification_report

    r = classification_report(["x", "y"], ["x", "y"], labels=["x", "y", "z"])
    assert r["accuracy"] == 1.0 and r["weighted_f1"] == 1.0
    assert r["per_label"]["z"]["support"] == 0 and r["macro_f1"] == pytest.approx(2 / 3)
    assert classification_report([], [])["n"] == 0
    with pytest.raises(ValueError):
        classification_report(["x"], [])


def _csv(path: Path, rows) -> Path:
    path.write_text("text,label\n" + "".join(f'"{t}",{l}\n' for t, l in rows), encoding="utf-8")
    return path


ROWS = [("profit rose strongly", "positive"), ("profit fell sharply", "negative"), ("the board met", "neutral"),
        ("record revenue growth", "Positive"), ("shares plunged", "NEGATIVE")]


@pytest.fixture(scope="module")
def untrained_classifier(tmp_path_factory):
    """A classifier folder with a random head (no training needed to test the evaluation path)."""
    import torch
    from transformers import AutoTokenizer

    from assistant.cpu_sentiment import build_classifier, packaged_minilm_path, save_classifier

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("clf") / "sentiment-embedded"
    model = build_classifier(packaged_minilm_path(), 3)
    save_classifier(model, AutoTokenizer.from_pretrained(packaged_minilm_path()), out,
                    {"labels": ["negative", "neutral", "positive"], "max_length": 32, "pooling": "mean"})
    return out


def test_eval_sentiment_cli_json_with_a_classifier_folder(untrained_classifier, tmp_path, data_dir, capsys):
    from assistant.cli import main
    from assistant.cpu_sentiment import load_classifier_dir
    from finetune.metrics import classification_report

    csv = _csv(tmp_path / "t.csv", ROWS)
    assert main(["eval", "sentiment", "--data", str(csv), "--model", str(untrained_classifier), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS
    assert report["n"] == 5
    assert set(report["per_label"]) == {"negative", "neutral", "positive"}
    assert all(set(v) == LABEL_KEYS for v in report["per_label"].values())
    assert report["per_label"]["positive"]["support"] == 2  # "Positive" normalised
    # the same numbers as scoring the classifier's own predictions by hand
    preds = [p[0] for p in load_classifier_dir(untrained_classifier).predict([t for t, _ in ROWS])]
    expected = classification_report([l.lower() for _, l in ROWS], preds, labels=["negative", "neutral", "positive"])
    assert report["accuracy"] == pytest.approx(expected["accuracy"])
    assert report["weighted_f1"] == pytest.approx(expected["weighted_f1"])


def test_eval_sentiment_defaults_to_the_data_dirs_classifier(untrained_classifier, tmp_path, data_dir, capsys):
    import shutil

    from finetune.eval_sentiment import evaluate_sentiment

    csv = _csv(tmp_path / "t.csv", ROWS)
    with pytest.raises(FinqaError, match="no trained CPU sentiment classifier"):
        evaluate_sentiment(csv)
    shutil.copytree(untrained_classifier, Path(data_dir.adapters_dir) / "sentiment-embedded")
    report = evaluate_sentiment(csv, limit=3)
    assert set(report) == KEYS and report["n"] == 3


def test_eval_sentiment_scores_an_llm_through_the_model_manager(tiny_settings, tmp_path, capsys):
    from assistant.cli import main

    csv = _csv(tmp_path / "t.csv", ROWS)
    rc = main(["--data-dir", str(tiny_settings.data_dir), "eval", "sentiment", "--data", str(csv),
               "--model", tiny_settings.sentiment.base, "--batch-size", "2", "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS and report["n"] == 5
    assert sum(v["support"] for v in report["per_label"].values()) == 5


def test_eval_sentiment_bad_inputs_are_clear(tmp_path, data_dir, capsys):
    from assistant.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text('text,label\n"a",positive\n"b",up\n', encoding="utf-8")
    assert main(["eval", "sentiment", "--data", str(bad), "--model", str(tmp_path), "--json"]) == 2
    assert "bad.csv, line 3" in capsys.readouterr().err
    good = _csv(tmp_path / "g.csv", ROWS)
    assert main(["eval", "sentiment", "--data", str(good), "--model", str(tmp_path / "no-such-model"), "--json"]) == 2
    assert "finqa:" in capsys.readouterr().err
