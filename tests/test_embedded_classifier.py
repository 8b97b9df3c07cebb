"""The CPU-tier sentiment classifier: training through the CLI on a tiny synthetic CSV, loading
back through ``load_cpu_classifier``, batched prediction, LoRA variant, and strict CSV reading."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ingest.errors import FinqaError

WORDS = {
    "positive": ["profit rose strongly", "record revenue growth", "shares surged on strong demand"],
    "negative": ["profit fell sharply", "revenue dropped on weak demand", "shares plunged after a loss"],
    "neutral": ["the board met on tuesday", "the company held its annual meeting", "the office moved to taipei"],
}


# Training tests pin torch to one thread (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def synthetic_csv(path: Path, per_label: int = 20, prefix: str = "") -> Path:
    lines = ["text,label"]
    for label, phrases in WORDS.items():
        for i in range(per_label):
            lines.append(f'"{prefix}{phrases[i % len(phrases)]} in quarter {i}",{label}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _finqa(*argv: str) -> int:
    from assistant.cli import main

    return main(list(argv))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A classifier trained for a few steps into the data dir's default location."""
    import ingest.config as config
    import torch

    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("embedded")
    csv_a = synthetic_csv(tmp / "a.csv")
    csv_b = synthetic_csv(tmp / "b.csv", per_label=6, prefix="note: ")
    data = tmp / "data"
    rc = _finqa("--data-dir", str(data), "finetune", "sentiment", "--backend", "embedded", "--data", str(csv_a), str(csv_b),
                "--max-steps", "10", "--batch-size", "12", "--max-length", "24", "--lr", "1e-4", "--eval-fraction", "0.25")
    assert rc == 0
    settings = config.configure(data_dir=data)
    yield settings
    config._current = None


def test_training_writes_the_folder_the_assistant_reads(trained):
    out = Path(trained.adapters_dir) / "sentiment-embedded"
    for name in ("classifier_config.json", "head.safetensors", "encoder/config.json", "encoder/tokenizer.json",
                 "training_config.json", "eval_results.json"):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "classifier_config.json").read_text())
    assert cfg["labels"] == ["negative", "neutral", "positive"] and cfg["max_length"] == 24 and cfg["pooling"] == "mean"
    assert cfg["languages"] == ["en"]  # the engine warns when such a classifier reads Chinese news
    results = json.loads((out / "eval_results.json").read_text())
    assert results["n"] == 20  # 25% of (60 + 18) rows, stratified by file and label
    assert set(results["by_file"]) == {"a.csv", "b.csv"}
    assert sum(v["n"] for v in results["by_file"].values()) == results["n"]
    meta = json.loads((out / "training_config.json").read_text())
    assert meta["steps"] == 10 and meta["train_rows"] == 58 and meta["val_rows"] == 20
    losses = [h["loss"] for h in meta["loss_history"]]
    assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4  # it learned something in 10 steps


def test_load_cpu_classifier_predicts_batched_in_input_order(trained):
    from assistant.cpu_sentiment import load_cpu_classifier

    clf = load_cpu_classifier(trained)
    assert clf is not None and clf.labels == ["negative", "neutral", "positive"]
    texts = ["record revenue growth in quarter 99", "x", "profit fell sharply in quarter 98 after a long and painful year",
             "the board met on tuesday in quarter 97"]
    clf.batch_size = 2  # several batches, sorted by length inside
    together = clf.predict(texts)
    alone = [clf.predict([t])[0] for t in texts]
    assert [r[0] for r in together] == [r[0] for r in alone]
    for label, p, probs in together:
        assert set(probs) == set(clf.labels)
        assert abs(sum(probs.values()) - 1.0) < 1e-5
        assert probs[label] == p == max(probs.values())
    assert clf.predict([]) == []


def test_lora_variant_saves_a_merged_plain_encoder(tmp_path, data_dir):
    from assistant.cpu_sentiment import load_classifier_dir

    csv = synthetic_csv(tmp_path / "s.csv", per_label=6)
    out = tmp_path / "lora"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--lora", "--rank", "4", "--data", str(csv),
                  "--max-steps", "2", "--batch-size", "8", "--max-length", "16", "--output", str(out)) == 0
    weights = (out / "encoder" / "model.safetensors")
    assert weights.is_file() and not (out / "encoder" / "adapter_config.json").exists()
    from safetensors import safe_open

    with safe_open(str(weights), "pt") as f:
        assert not any("lora" in k for k in f.keys())
    assert json.loads((out / "classifier_config.json").read_text())["lora"] is True
    assert len(load_classifier_dir(out).predict(["profit rose"])) == 1


def test_no_classifier_or_a_broken_one_gives_none(data_dir, caplog):
    from assistant.cpu_sentiment import load_cpu_classifier

    assert load_cpu_classifier(data_dir) is None
    broken = Path(data_dir.adapters_dir) / "sentiment-embedded"
    broken.mkdir(parents=True)
    (broken / "classifier_config.json").write_text('{"labels": ["negative", "positive"]}')
    with caplog.at_level(logging.ERROR):
        assert load_cpu_classifier(data_dir) is None
    assert "cannot load the CPU sentiment classifier" in caplog.text


def test_malformed_csvs_name_file_and_line(tmp_path):
    from finetune.data_sentiment import read_sentiment_csv

    bad = tmp_path / "bad.csv"
    bad.write_text('text,label\n"good news",positive\n"too",many,fields\n', encoding="utf-8")
    with pytest.raises(FinqaError, match=r"bad.csv, line 3: expected 2 fields"):
        read_sentiment_csv(bad)
    bad.write_text('text,label\n"good news",positive\n"meh",sideways\n', encoding="utf-8")
    with pytest.raises(FinqaError, match=r"bad.csv, line 3: unknown label 'sideways'"):
        read_sentiment_csv(bad)
    bad.write_text('text,label\n"",positive\n', encoding="utf-8")
    with pytest.raises(FinqaError, match=r"bad.csv, line 2: empty text"):
        read_sentiment_csv(bad)
    bad.write_text('sentence,sentiment\n"x",positive\n', encoding="utf-8")
    with pytest.raises(FinqaError, match=r"bad.csv, line 1: expected columns text,label"):
        read_sentiment_csv(bad)
    with pytest.raises(FinqaError, match="not found"):
        read_sentiment_csv(tmp_path / "missing.csv")


def test_label_normalisation_and_numeric_maps(tmp_path):
    from finetune.data_sentiment import normalise_label, parse_label_map, read_sentiment_csv

    assert normalise_label(" Positive ") == "positive"
    assert normalise_label("Bearish") == "negative" and normalise_label("bullish") == "positive"
    assert normalise_label("Strong Negative") == "strong negative"
    assert normalise_label("1") is None
    numeric = 'text,label\n"a",0\n"b",1\n"c",2\n'
    plain = tmp_path / "numbers.csv"
    plain.write_text(numeric, encoding="utf-8")
    with pytest.raises(FinqaError, match="--label-map"):
        read_sentiment_csv(plain)
    # TFNS (zeroshot/twitter-financial-news-sentiment): 0 bearish, 1 bullish, 2 neutral
    tfns = tmp_path / "tfns_test.csv"
    tfns.write_text(numeric, encoding="utf-8")
    assert read_sentiment_csv(tfns).labels == ["negative", "positive", "neutral"]
    # financial_phrasebank: 0 negative, 1 neutral, 2 positive
    assert read_sentiment_csv(plain, parse_label_map("fpb")).labels == ["negative", "neutral", "positive"]
    assert read_sentiment_csv(plain, parse_label_map("0=positive,1=negative,2=neutral")).labels == ["positive", "negative", "neutral"]
    with pytest.raises(FinqaError, match="bad label map"):
        parse_label_map("nonsense")


def test_cli_reports_a_malformed_csv_without_a_traceback(tmp_path, data_dir, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text('text,label\n"ok",positive\n"broken,neutral\n', encoding="utf-8")
    rc = _finqa("finetune", "sentiment", "--backend", "embedded", "--data", str(bad), "--max-steps", "1")
    err = capsys.readouterr().err
    assert rc == 2 and "bad.csv" in err and "line" in err and "Traceback" not in err


def test_extend_vocab_gives_unknown_chinese_characters_their_own_tokens(tmp_path, data_dir):
    from assistant.cpu_sentiment import load_classifier_dir

    rows = [("补仓补的心力憔悴", "negative"), ("憔悴补仓又亏了", "negative"), ("大涨大涨赚钱了", "positive"),
            ("赚钱大涨开心", "positive"), ("今天横盘不动", "neutral"), ("横盘横盘不动", "neutral")] * 2
    csv = tmp_path / "zh.csv"
    csv.write_text("text,label\n" + "".join(f"{t},{l}\n" for t, l in rows), encoding="utf-8")
    out = tmp_path / "zh"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--extend-vocab", "50", "--data", str(csv),
                  "--max-steps", "1", "--batch-size", "4", "--max-length", "16", "--output", str(out)) == 0
    cfg = json.loads((out / "classifier_config.json").read_text())
    assert cfg["added_tokens"] > 0 and cfg["languages"] == ["zh"]
    clf = load_classifier_dir(out, lexical=False)
    ids = clf.tokenizer("补仓憔悴")["input_ids"]
    assert clf.tokenizer.unk_token_id not in ids
    assert clf.model.encoder.get_input_embeddings().weight.shape[0] == len(clf.tokenizer)
    assert clf.predict(["补仓憔悴"])[0][0] in ("negative", "neutral", "positive")


def test_extend_vocab_leaves_english_words_whole_and_loads_the_same_every_time(tmp_path, data_dir):
    """Capital letters and accented letters are no [UNK] for MiniLM (its normaliser lower-cases and
    strips accents): adding them as tokens split every English word into letters, and "I" and "ï"
    both matched every "i", differently on each load. Only what the whole tokenizer maps to [UNK]
    is added, once per normalised form."""
    from transformers import AutoTokenizer

    from assistant.cpu_sentiment import load_classifier_dir, packaged_minilm_path, shadowing_tokens

    rows = [("TSMC Profit Rose 補倉 naïve Ïndex", "positive"), ("Intel Shares Fell 憔悴 ÏÏ", "negative"),
            ("Flat Day 横盘 Éclair", "neutral")] * 4
    csv = tmp_path / "mixed.csv"
    csv.write_text("text,label\n" + "".join(f"{t},{l}\n" for t, l in rows), encoding="utf-8")
    out = tmp_path / "mixed"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--extend-vocab", "50", "--data", str(csv),
                  "--max-steps", "1", "--batch-size", "4", "--max-length", "32", "--output", str(out)) == 0
    base = AutoTokenizer.from_pretrained(packaged_minilm_path())
    first, second = load_classifier_dir(out, lexical=False), load_classifier_dir(out, lexical=False)
    added = first.tokenizer.get_added_vocab()
    assert set(added) >= {"補", "倉"} or set(added) >= {"补", "仓"}
    assert not {"T", "P", "I", "ï", "Ï", "É"} & set(added) and shadowing_tokens(first.tokenizer) == []
    sentence = "TSMC profit rose; Intel shares fell in the naïve index"
    assert first.tokenizer.tokenize(sentence) == base.tokenize(sentence)
    mixed = "補倉 TSMC naïve Ïndex ÏÏ"
    assert first.tokenizer(mixed)["input_ids"] == second.tokenizer(mixed)["input_ids"]


def test_a_classifier_with_shadowing_tokens_is_flagged(tmp_path, data_dir):
    """Classifiers trained before the fix still load, and every answer says to retrain them."""
    from transformers import AutoTokenizer

    from assistant.cpu_sentiment import classifier_shadowing, packaged_minilm_path, shadowing_tokens
    from assistant.engines.sentiment import _broken_vocabulary

    tok = AutoTokenizer.from_pretrained(packaged_minilm_path())
    tok.add_tokens(["T", "補"])
    assert tok.tokenize("tsmc") == ["t", "sm", "##c"]  # not ["ts", "##mc"]: what the old classifiers did to English
    assert shadowing_tokens(tok) == ["T"]

    class Member:
        config = {"shadowing_tokens": ["T"]}

    class Blend:
        members = [Member()]

    assert classifier_shadowing(Blend()) == ["T"] and "Retrain it" in _broken_vocabulary(Blend(), False)[0]
    assert _broken_vocabulary(type("Fine", (), {"config": {}})(), False) == []


def test_traditional_and_simplified_chinese_are_one_text_to_the_classifier():
    """Taiwan news (Traditional) meets a classifier trained on Simplified posts in one script."""
    from assistant.cpu_sentiment import normalize_text

    assert normalize_text("台積電營收創新高") == normalize_text("台积电营收创新高") == "台积电营收创新高"
    assert normalize_text("Profit rose 5%") == "Profit rose 5%"


# --- ensembles ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ensemble(tmp_path_factory):
    """Two members trained with seeds 5 and 6 (same validation rows) and their ensemble."""
    import ingest.config as config

    tmp = tmp_path_factory.mktemp("ensemble")
    csv = synthetic_csv(tmp / "s.csv", per_label=8)
    out = tmp / "ens"
    rc = _finqa("--data-dir", str(tmp / "data"), "finetune", "sentiment", "--backend", "embedded", "--members", "2",
                "--seed", "5", "--data", str(csv), "--max-steps", "3", "--batch-size", "8", "--max-length", "16",
                "--eval-fraction", "0.25", "--output", str(out))
    assert rc == 0
    yield tmp, csv, out
    config._current = None


def test_members_share_validation_rows_but_not_weights(ensemble):
    from safetensors.torch import load_file

    _, _, out = ensemble
    metas = [json.loads((out / f"member-{i}" / "training_config.json").read_text()) for i in (0, 1)]
    assert [m["seed"] for m in metas] == [5, 6]
    assert metas[0]["val_fingerprint"] == metas[1]["val_fingerprint"]
    heads = [load_file(str(out / f"member-{i}" / "head.safetensors"))["weight"] for i in (0, 1)]
    assert not (heads[0] == heads[1]).all()
    cfg = json.loads((out / "classifier_config.json").read_text())
    assert cfg["members"] == ["member-0", "member-1"] and cfg["val_fingerprint"] == metas[0]["val_fingerprint"]
    assert cfg["languages"] == ["en"]
    assert not (out / "encoder").exists()
    results = json.loads((out / "eval_results.json").read_text())
    assert results["n"] == 6 and set(results["members"]) == {"member-0", "member-1"}


def test_ensemble_predicts_the_mean_of_its_members(ensemble):
    from assistant.cpu_sentiment import EnsembleClassifier, load_classifier_dir

    _, _, out = ensemble
    ens = load_classifier_dir(out, lexical=False)
    assert isinstance(ens, EnsembleClassifier) and ens.labels == ["negative", "neutral", "positive"]
    assert ens.max_length == 16
    texts = ["profit rose strongly in quarter 40", "the board met on tuesday", "shares plunged after a loss"]
    members = [load_classifier_dir(out / f"member-{i}").predict(texts) for i in (0, 1)]
    for i, (label, p, probs) in enumerate(ens.predict(texts)):
        for l in ens.labels:
            assert probs[l] == pytest.approx((members[0][i][2][l] + members[1][i][2][l]) / 2, abs=1e-6)
        assert probs[label] == p == max(probs.values())


def test_rerun_keeps_finished_members_and_combine_refuses_other_validation_rows(ensemble, capsys):
    tmp, csv, out = ensemble
    head = out / "member-0" / "head.safetensors"
    before = head.stat().st_mtime_ns
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--members", "2", "--seed", "5", "--data", str(csv),
                  "--max-steps", "3", "--batch-size", "8", "--max-length", "16", "--eval-fraction", "0.25",
                  "--output", str(out)) == 0
    assert head.stat().st_mtime_ns == before  # kept, not retrained
    capsys.readouterr()
    other = tmp / "other"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--split-seed", "9", "--data", str(csv),
                  "--max-steps", "1", "--batch-size", "8", "--max-length", "16", "--eval-fraction", "0.25",
                  "--output", str(other)) == 0
    capsys.readouterr()
    mixed = tmp / "mixed"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--combine", str(out / "member-0"), str(other),
                  "--output", str(mixed)) == 2
    assert "other validation rows" in capsys.readouterr().err
    assert not (mixed / "classifier_config.json").exists()  # nothing the assistant would load
    assert not (mixed / "member-0").exists()  # refused before anything was copied
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--combine", str(other), str(out / "member-1"),
                  "--output", str(other)) == 2
    assert "output folder itself" in capsys.readouterr().err
    good = tmp / "good"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--combine", str(out / "member-0"),
                  str(out / "member-1"), "--output", str(good)) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["weighted_f1"] == json.loads((out / "eval_results.json").read_text())["weighted_f1"]
    assert (good / "member-1" / "head.safetensors").is_file()


# --- task-adaptive pretraining (--adapt-epochs) -------------------------------------------------
def test_adapt_epochs_masks_only_training_texts_then_fine_tunes_and_reuses(tmp_path, data_dir, monkeypatch, caplog):
    """MLM on the training split's texts only; the classifier is built on the adapted encoder; a rerun reuses it."""
    from safetensors import safe_open

    import finetune.adapt_encoder as ae
    from assistant.cpu_sentiment import load_classifier_dir, packaged_minilm_path
    from finetune.data_sentiment import read_sentiment_csvs, stratified_split

    seen: list[list[str]] = []
    real = ae.adapt_encoder

    def spy(base, texts, out_dir, **kw):
        seen.append(list(texts))
        return real(base, texts, out_dir, **kw)

    monkeypatch.setattr(ae, "adapt_encoder", spy)
    csv = synthetic_csv(tmp_path / "s.csv", per_label=8)
    out = tmp_path / "tapt"
    argv = ["finetune", "sentiment", "--backend", "embedded", "--data", str(csv), "--adapt-epochs", "1",
            "--max-steps", "2", "--batch-size", "8", "--max-length", "16", "--eval-fraction", "0.25", "--output", str(out)]
    assert _finqa(*argv) == 0
    adapted = out / "adapted-encoder"
    record = json.loads((adapted / "adapt_config.json").read_text())
    cfg = json.loads((out / "classifier_config.json").read_text())
    assert record["val_fingerprint"] == cfg["val_fingerprint"] and record["steps"] >= 1
    assert cfg["adapted_encoder"]["dir"] == str(adapted) and cfg["base"] == str(adapted)
    # No validation text was masked and predicted: exactly the training split's texts were.
    _, val = stratified_split(read_sentiment_csvs([str(csv)]), 0.25, 42)
    assert len(seen) == 1 and record["texts"] == len(seen[0]) == 24 - len(val)
    assert not {t.lower() for t in val.texts} & {t.lower() for t in seen[0]}
    # The MLM moved the encoder's weights away from the packaged MiniLM.
    key = "encoder.layer.0.attention.self.query.weight"
    with safe_open(str(adapted / "model.safetensors"), "pt") as a, \
            safe_open(str(Path(packaged_minilm_path()) / "model.safetensors"), "pt") as b:
        names = [k for k in b.keys() if k.endswith(key)]
        assert names and not (a.get_tensor(key) == b.get_tensor(names[0])).all()
    assert len(load_classifier_dir(out).predict(["profit rose"])) == 1
    # A rerun with the same settings reuses the adapted encoder; other settings adapt again.
    stamp = (adapted / "model.safetensors").stat().st_mtime_ns
    caplog.set_level(logging.INFO, logger="finetune.adapt_encoder")
    assert _finqa(*argv) == 0
    assert (adapted / "model.safetensors").stat().st_mtime_ns == stamp and "reusing the encoder" in caplog.text
    argv[argv.index("--adapt-epochs") + 1] = "2"
    assert _finqa(*argv) == 0
    assert json.loads((adapted / "adapt_config.json").read_text())["epochs"] == 2.0
    assert not (out / "adapted-encoder.partial").exists()


def test_adapt_epochs_is_for_the_embedded_backend(tmp_path, data_dir, capsys):
    csv = synthetic_csv(tmp_path / "s.csv", per_label=4)
    assert _finqa("finetune", "sentiment", "--data", str(csv), "--adapt-epochs", "1") == 2
    assert "add --backend embedded" in capsys.readouterr().err


def test_ensemble_members_share_one_adapted_encoder(tmp_path, data_dir):
    csv = synthetic_csv(tmp_path / "s.csv", per_label=6)
    out = tmp_path / "ens"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--members", "2", "--adapt-epochs", "1",
                  "--data", str(csv), "--max-steps", "1", "--batch-size", "8", "--max-length", "16",
                  "--eval-fraction", "0.25", "--output", str(out)) == 0
    dirs = {json.loads((out / f"member-{i}" / "classifier_config.json").read_text())["adapted_encoder"]["dir"]
            for i in (0, 1)}
    assert dirs == {str(out / "adapted-encoder")}
    assert not (out / "member-0" / "adapted-encoder").exists() and not (out / "member-1" / "adapted-encoder").exists()


# --- the lexical n-gram model blended in (--lexical-weight) -------------------------------------
def test_lexical_model_is_fitted_saved_and_blended_at_its_weight(trained):
    import numpy as np

    from assistant.cpu_sentiment import BlendedClassifier, load_classifier_dir, load_cpu_classifier
    from assistant.lexical_sentiment import LexicalClassifier

    out = Path(trained.adapters_dir) / "sentiment-embedded"
    cfg = json.loads((out / "classifier_config.json").read_text())
    assert cfg["lexical"] == {"file": "lexical.npz", "weight": 0.25, "c": 3.0}
    results = json.loads((out / "eval_results.json").read_text())
    lex = results["lexical"]
    assert set(lex["encoder_alone"]["by_file"]) == {"a.csv", "b.csv"} and lex["encoder_alone"]["n"] == results["n"] == 20
    assert lex["features"] > 0 and 0 <= lex["lexical_alone"]["weighted_f1"] <= 1
    assert cfg["validation"]["weighted_f1"] == results["weighted_f1"]

    clf = load_cpu_classifier(trained)
    assert isinstance(clf, BlendedClassifier) and clf.weight == 0.25 and clf.max_length == 24
    neural = load_classifier_dir(out, lexical=False)
    lexical = LexicalClassifier.load(out / "lexical.npz")
    texts = ["record revenue growth in quarter 99", "profit fell sharply", "the board met on tuesday", ""]
    lex_rows = lexical.predict_proba(texts)
    assert np.allclose(lex_rows.sum(axis=1), 1.0)
    # the lexical model alone separates the synthetic phrases it was fitted on
    assert [lexical.labels[int(r.argmax())] for r in lex_rows[:3]] == ["positive", "negative", "neutral"]
    for (label, p, probs), (_, _, nprobs), row in zip(clf.predict(texts), neural.predict(texts), lex_rows):
        for l in clf.labels:
            assert probs[l] == pytest.approx(0.75 * nprobs[l] + 0.25 * row[lexical.labels.index(l)], abs=1e-6)
        assert probs[label] == p == max(probs.values())


def test_lexical_round_trip_two_labels_and_a_label_missing_from_training(tmp_path):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from assistant.lexical_sentiment import LexicalClassifier

    texts = [f"{w} results in quarter {i}" for i in range(10) for w in ("strong", "weak")]
    labels = ["positive" if t.startswith("strong") else "negative" for t in texts]
    lex = LexicalClassifier.fit(texts, labels, ["negative", "neutral", "positive"])
    probs = lex.predict_proba(["strong results", "weak results", "unseen words entirely"])
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1.0)
    assert (probs[:, 1] < 1e-6).all()  # neutral was never a training label
    assert probs[0].argmax() == 2 and probs[1].argmax() == 0
    lex.save(tmp_path / "lex.npz")
    assert not (tmp_path / "lex.npz.partial").exists()
    back = LexicalClassifier.load(tmp_path / "lex.npz")
    assert np.allclose(back.predict_proba(["strong results", "weak results"]), probs[:2], atol=1e-6)
    # the two-label case matches scikit-learn's own sigmoid probabilities on the same features
    two = LexicalClassifier.fit(texts, labels, ["negative", "positive"])
    ref = LogisticRegression(C=3.0, max_iter=3000).fit(two.features(texts), labels)
    assert np.allclose(two.predict_proba(texts[:4]), ref.predict_proba(two.features(texts[:4])), atol=1e-5)
    assert isinstance(two.word, TfidfVectorizer)


def test_lexical_model_never_sees_a_validation_row(tmp_path, data_dir, monkeypatch):
    from assistant.lexical_sentiment import LexicalClassifier
    from finetune.data_sentiment import read_sentiment_csvs, stratified_split

    seen: list[str] = []
    fit = LexicalClassifier.fit.__func__

    def spy(cls, texts, *a, **kw):
        seen.extend(texts)
        return fit(cls, texts, *a, **kw)

    monkeypatch.setattr(LexicalClassifier, "fit", classmethod(spy))
    csv = synthetic_csv(tmp_path / "s.csv", per_label=8)
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--data", str(csv), "--max-steps", "1",
                  "--batch-size", "8", "--max-length", "16", "--eval-fraction", "0.25", "--lexical-weight", "0.4",
                  "--output", str(tmp_path / "out")) == 0
    train, val = stratified_split(read_sentiment_csvs([csv]), 0.25, 42)
    assert sorted(seen) == sorted(train.texts) and not set(seen) & set(val.texts)
    assert json.loads((tmp_path / "out" / "classifier_config.json").read_text())["lexical"]["weight"] == 0.4


def test_lexical_weight_zero_leaves_it_out_and_bad_weights_are_refused(tmp_path, data_dir, capsys):
    from assistant.cpu_sentiment import CpuSentimentClassifier, load_classifier_dir

    csv = synthetic_csv(tmp_path / "s.csv", per_label=8)
    out = tmp_path / "out"
    args = ("finetune", "sentiment", "--backend", "embedded", "--data", str(csv), "--max-steps", "1", "--batch-size", "8",
            "--max-length", "16", "--eval-fraction", "0.25", "--output", str(out))
    assert _finqa(*args) == 0 and (out / "lexical.npz").is_file()
    assert _finqa(*args, "--lexical-weight", "0") == 0  # retrained without it: the old file goes too
    assert not (out / "lexical.npz").exists() and "lexical" not in json.loads((out / "classifier_config.json").read_text())
    assert isinstance(load_classifier_dir(out), CpuSentimentClassifier)
    capsys.readouterr()
    assert _finqa(*args, "--lexical-weight", "1.5") == 2
    assert "--lexical-weight" in capsys.readouterr().err


def test_a_damaged_lexical_file_or_changed_data_is_a_clear_error(tmp_path, data_dir, caplog):
    import ingest.config as config
    from assistant.cpu_sentiment import load_classifier_dir, load_cpu_classifier
    from finetune.lexical_member import add_lexical_member

    csv = synthetic_csv(tmp_path / "s.csv", per_label=8)
    out = Path(config.get_settings().adapters_dir) / "sentiment-embedded"
    assert _finqa("finetune", "sentiment", "--backend", "embedded", "--data", str(csv), "--max-steps", "1",
                  "--batch-size", "8", "--max-length", "16", "--eval-fraction", "0.25") == 0
    (out / "lexical.npz").write_bytes(b"not a zip")
    with pytest.raises(FinqaError, match="lexical model"):
        load_classifier_dir(out)
    with caplog.at_level(logging.ERROR):
        assert load_cpu_classifier() is None
    assert "lexical model" in caplog.text
    synthetic_csv(csv, per_label=9)  # the file changed: other validation rows
    with pytest.raises(FinqaError, match="validation rows"):
        add_lexical_member(out)
    cfg = json.loads((out / "classifier_config.json").read_text())
    del cfg["val_fingerprint"]  # a classifier from before fingerprints were recorded
    (out / "classifier_config.json").write_text(json.dumps(cfg))
    with pytest.raises(FinqaError, match="retrain it"):
        add_lexical_member(out)
