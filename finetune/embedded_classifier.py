"""Training of the CPU-tier sentiment classifier (``finqa finetune sentiment --backend embedded``).

Why not the frozen-embedding + logistic-regression shortcut: on FPB it stops at about 0.77
weighted F1, because all-MiniLM-L6-v2's sentence embeddings encode topic more than polarity.
Fine-tuning the whole encoder (22M parameters, six layers) with a linear head on mean-pooled
tokens moves it to the task in a few epochs and still runs in minutes on two cores: sequences are
short (``max_length`` 64-128), batches are grouped by length so padding is small, and the learning
rate warms up then decays linearly. ``--lora`` trains LoRA adapters on the attention projections
instead and merges them before saving, so inference never needs peft.

Validation comes from the training files only (seeded split stratified by file and label); the
epoch with the best validation weighted F1 is the one saved.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.cpu_sentiment import (
    CONFIG_NAME,
    build_classifier,
    load_classifier_dir,
    packaged_minilm_path,
    save_classifier,
)
from assistant.lexical_sentiment import DEFAULT_C, DEFAULT_WEIGHT, LEXICAL_NAME
from finetune.data_sentiment import SentimentRows, read_sentiment_csvs, stratified_split
from finetune.metrics import classification_report
from ingest.errors import FinqaError

logger = logging.getLogger(__name__)


@dataclass
class EmbeddedTrainConfig:
    """Every knob of one training run; written to ``training_config.json`` next to the model."""

    data: list[str]
    output: str
    base: str = ""
    epochs: float = 3.0
    max_steps: int | None = None
    lr: float = 5e-5
    head_lr: float = 1e-3
    batch_size: int = 32
    max_length: int = 128
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    dropout: float = 0.1
    val_fraction: float = 0.1
    seed: int = 42  # initialisation of the head, dropout and batch order
    # The validation split has its own seed so that members trained with different ``seed``s
    # (an ensemble) hold out the same rows and can be compared and combined on them.
    split_seed: int = 42
    lora: bool = False
    rank: int = 16
    alpha: int = 32
    label_map: dict[str, str] | None = None
    threads: int | None = None
    # Add up to this many characters of the training texts that the tokenizer maps to [UNK] as new
    # tokens (embeddings learnt during fine-tuning at head_lr). MiniLM's vocabulary holds only 244
    # CJK characters: about 64% of the characters of finfe_zh posts become [UNK] without this.
    extend_vocab: int = 0
    # Masked-language-model the encoder on the training texts for this many epochs first
    # (finetune/adapt_encoder.py); the adapted encoder is kept in ``adapt_dir`` (default
    # ``<output>/adapted-encoder``) and reused when its settings match.
    adapt_epochs: float = 0.0
    adapt_dir: str = ""
    # Blend a TF-IDF n-gram logistic regression, fitted on the same training split, into the
    # prediction at this weight (finetune/lexical_member.py); 0 leaves it out.
    lexical_weight: float = DEFAULT_WEIGHT
    lexical_c: float = DEFAULT_C
    extra: dict[str, Any] = field(default_factory=dict)


def _length_grouped_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort inside mega-batches of 50 batches by length, shuffle the batches.

    Similar lengths share a batch (little padding, the main CPU cost) while the order stays random.
    """
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    mega = batch_size * 50
    batches: list[list[int]] = []
    for s in range(0, len(idx), mega):
        chunk = sorted(idx[s:s + mega], key=lambda i: lengths[i])
        batches.extend(chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def optimizer_step(model: Any, loss: Any, opt: Any, sched: Any) -> None:
    """Backward, clip the gradient norm at 1, step the optimiser and the schedule, clear gradients."""
    import torch

    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)


def _evaluate(clf, rows: SentimentRows, labels: list[str]) -> dict[str, Any]:
    """Validation report of a classifier (or ensemble): overall and per source file."""
    return score_predictions(rows, [p[0] for p in clf.predict(rows.texts)], labels)


def score_predictions(rows: SentimentRows, preds: list[str], labels: list[str]) -> dict[str, Any]:
    """Classification report of ``preds`` against ``rows``' labels, overall and per source file."""
    report = classification_report(rows.labels, preds, labels=labels)
    by_file = {}
    for src in sorted(set(rows.sources)):
        ix = [i for i, s in enumerate(rows.sources) if s == src]
        r = classification_report([rows.labels[i] for i in ix], [preds[i] for i in ix], labels=labels)
        by_file[src] = {k: r[k] for k in ("n", "accuracy", "weighted_f1", "macro_f1")}
    report["by_file"] = by_file
    return report


def _extend_vocab(tokenizer, model, texts: list[str], limit: int) -> list[str]:
    """Add the most frequent characters that tokenise to [UNK] (seen at least twice) as tokens.

    "Tokenise to [UNK]" is asked of the whole tokenizer, normaliser included. Asking the raw
    vocabulary instead (``convert_tokens_to_ids``) wrongly finds "T" and "ï" missing, since the
    vocabulary is lower-case and accent-free; added back, they normalise to "t" and "i", and an added
    token matches anywhere in the text, so every English word fell apart into letters (and "I" and
    "ï" raced for every "i", differently on each load). Characters that normalise alike are added
    once."""
    from collections import Counter

    unk = tokenizer.unk_token
    normalizer = getattr(getattr(tokenizer, "backend_tokenizer", None), "normalizer", None)
    counts = Counter(ch for t in texts for ch in t if not ch.isspace())
    missing: list[str] = []
    seen: set[str] = set()
    for ch, n in counts.most_common():
        if n < 2 or tokenizer.tokenize(ch) != [unk]:
            continue
        key = normalizer.normalize_str(ch).strip() if normalizer is not None else ch.lower()
        if key and key not in seen:
            seen.add(key)
            missing.append(ch)
    new = missing[:limit]
    if new:
        tokenizer.add_tokens(new)
        model.encoder.resize_token_embeddings(len(tokenizer))
    logger.info("extended the vocabulary with %d characters that were [UNK] (of %d such characters seen twice or more)",
                len(new), len(missing))
    return new


def train_embedded_classifier(cfg: EmbeddedTrainConfig) -> dict[str, Any]:
    """Train, validate, save; returns the validation report (also in ``eval_results.json``)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    base = cfg.base or packaged_minilm_path()
    cfg.base = base
    rows = read_sentiment_csvs(cfg.data, cfg.label_map)
    labels = rows.label_set
    if len(labels) < 2:
        raise FinqaError(f"need at least two labels to train a classifier, found {labels} in {', '.join(cfg.data)}")
    train, val = stratified_split(rows, cfg.val_fraction, cfg.split_seed)
    from assistant.cpu_sentiment import CpuSentimentClassifier, normalize_text, text_languages

    fingerprint = val_fingerprint(val)
    train.texts[:] = [normalize_text(t) for t in train.texts]  # as predict() sees them
    if not len(val):
        raise FinqaError("validation split is empty: give more rows or a larger --val-fraction")
    label_id = {l: i for i, l in enumerate(labels)}
    adapted: dict[str, Any] | None = None
    if cfg.adapt_epochs:
        from finetune.adapt_encoder import ADAPT_CONFIG, adapt_encoder

        adapt_dir = cfg.adapt_dir or str(Path(cfg.output) / "adapted-encoder")
        base = adapt_encoder(base, train.texts, adapt_dir, epochs=cfg.adapt_epochs, fingerprint=fingerprint,
                             max_length=cfg.max_length, batch_size=cfg.batch_size, seed=cfg.split_seed)
        record = json.loads((Path(base) / ADAPT_CONFIG).read_text(encoding="utf-8"))
        adapted = {k: record.get(k) for k in ("epochs", "steps", "final_loss", "seconds")} | {"dir": base}
    logger.info("embedded classifier: %d train / %d validation rows, labels %s, base %s", len(train), len(val), labels, base)

    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = build_classifier(base, len(labels), cfg.dropout)
    except OSError as exc:
        raise FinqaError(f"cannot load the encoder {base!r}: {exc}") from exc
    if cfg.lora:
        from peft import LoraConfig, get_peft_model

        model.encoder = get_peft_model(model.encoder, LoraConfig(
            r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=["query", "key", "value", "dense"]))

    added: list[str] = []
    if cfg.extend_vocab:
        added = _extend_vocab(tokenizer, model, train.texts, cfg.extend_vocab)

    enc = tokenizer(train.texts, truncation=True, max_length=cfg.max_length)
    ids = enc["input_ids"]
    y = [label_id[l] for l in train.labels]
    rng = random.Random(cfg.seed)
    steps_per_epoch = math.ceil(len(ids) / cfg.batch_size)
    total = cfg.max_steps or max(1, int(math.ceil(steps_per_epoch * cfg.epochs)))

    head_params = list(model.head.parameters())
    word_emb = model.encoder.get_input_embeddings().weight
    fast = [word_emb] if added and word_emb.requires_grad else []
    enc_params = [p for p in model.encoder.parameters() if p.requires_grad and all(p is not f for f in fast)]
    groups = [{"params": enc_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}]
    if fast:  # new token embeddings start from the mean embedding: they need the head's learning rate
        groups.append({"params": fast, "lr": cfg.head_lr})
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    sched = get_linear_schedule_with_warmup(opt, int(cfg.warmup_ratio * total), total)
    loss_fn = torch.nn.CrossEntropyLoss()
    pad_id = tokenizer.pad_token_id or 0

    best: dict[str, Any] | None = None
    best_state = None
    history = []
    step = 0
    t0 = time.perf_counter()
    bar = tqdm(total=total, desc="train sentiment-embedded", unit="step")
    epoch = 0
    while step < total:
        epoch += 1
        model.train()
        running = []
        for batch in _length_grouped_batches([len(x) for x in ids], cfg.batch_size, rng):
            if step >= total:
                break
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                input_ids[r, : len(ids[i])] = torch.tensor(ids[i])
                mask[r, : len(ids[i])] = 1
            logits = model(input_ids, mask)
            loss = loss_fn(logits, torch.tensor([y[i] for i in batch]))
            optimizer_step(model, loss, opt, sched)
            step += 1
            lv = loss.item()
            running.append(lv)
            history.append({"step": step, "loss": lv})
            bar.update(1)
            bar.set_postfix(loss=f"{sum(running[-20:]) / len(running[-20:]):.4f}", epoch=epoch)
            if step % 50 == 0:
                logger.info("step %d/%d epoch %d loss %.4f", step, total, epoch, sum(running[-50:]) / len(running[-50:]))
        report = _evaluate(CpuSentimentClassifier(model, tokenizer, labels, cfg.max_length), val, labels)
        logger.info("epoch %d: validation weighted F1 %.4f accuracy %.4f (n=%d)", epoch, report["weighted_f1"], report["accuracy"], report["n"])
        report["epoch"] = epoch
        report["step"] = step
        if best is None or report["weighted_f1"] > best["weighted_f1"]:
            best = report
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    bar.close()
    train_s = time.perf_counter() - t0
    if best_state is not None:
        model.load_state_dict(best_state)
    if cfg.lora:
        model.encoder = model.encoder.merge_and_unload()

    out = Path(cfg.output)
    assert best is not None
    config = {
        "labels": labels,
        "max_length": cfg.max_length,
        "pooling": "mean",
        "dropout": cfg.dropout,
        "base": base,
        "lora": cfg.lora,
        "validation": {k: best[k] for k in ("n", "accuracy", "weighted_f1", "macro_f1")},
        "val_fingerprint": fingerprint,
        "added_tokens": len(added),
        "languages": text_languages(train.texts),
        "best_epoch": best["epoch"],
        "adapted_encoder": adapted,
    }
    (out / LEXICAL_NAME).unlink(missing_ok=True)  # a lexical model of an earlier run is not this one's
    save_classifier(model, tokenizer, out, config)
    results = dict(best)
    results["train_seconds"] = round(train_s, 1)
    results["train_rows"] = len(train)
    results["steps"] = step
    (out / "eval_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    meta = asdict(cfg)
    meta.update({"train_rows": len(train), "val_rows": len(val), "val_fingerprint": fingerprint, "labels": labels, "steps": step,
                 "train_seconds": round(train_s, 1), "loss_history": history[-200:]})
    from finetune.sft import git_commit

    meta["git_commit"] = git_commit()
    (out / "training_config.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    logger.info("saved the CPU sentiment classifier to %s (validation weighted F1 %.4f, %.0f s)", out, best["weighted_f1"], train_s)
    return results


def recorded_split(meta: dict[str, Any]) -> tuple[SentimentRows, SentimentRows]:
    """The training and validation rows a run recorded in ``training_config.json`` split its data into.

    Runs from before ``split_seed`` existed (or that recorded it as null) split with ``seed``.
    """
    rows = read_sentiment_csvs(meta["data"], meta.get("label_map"))
    split_seed = meta.get("split_seed")
    return stratified_split(rows, meta["val_fraction"], meta.get("seed", 42) if split_seed is None else split_seed)


def val_fingerprint(val: SentimentRows) -> str:
    """A short hash of the validation rows: members of one ensemble must have held out the same ones."""
    h = hashlib.sha256()
    for t, l in zip(val.texts, val.labels):
        h.update(f"{t}\t{l}\n".encode("utf-8"))
    return h.hexdigest()[:16]


def train_embedded_ensemble(cfg: EmbeddedTrainConfig, members: int) -> dict[str, Any]:
    """Train ``members`` classifiers (seeds ``seed``, ``seed+1``, ...) into ``output/member-i``, then combine.

    Every member holds out the same validation rows (``split_seed``), so the ensemble's
    validation score is comparable with each member's. Members already complete in the output
    folder (a rerun after an interruption) are kept, not retrained.
    """
    if members < 2:
        return with_lexical(train_embedded_classifier(cfg), cfg.output, cfg.lexical_weight, cfg.lexical_c)
    out = Path(cfg.output)
    if cfg.adapt_epochs and not cfg.adapt_dir:  # adapt once, every member fine-tunes from it
        cfg = replace(cfg, adapt_dir=str(out / "adapted-encoder"))
    dirs = []
    for i in range(members):
        d = out / f"member-{i}"
        dirs.append(d)
        if (d / CONFIG_NAME).is_file() and (d / "eval_results.json").is_file():
            logger.info("ensemble member %d already trained in %s: kept", i, d)
            continue
        logger.info("training ensemble member %d/%d (seed %d)", i + 1, members, cfg.seed + i)
        train_embedded_classifier(replace(cfg, output=str(d), seed=cfg.seed + i))
    return with_lexical(combine_members(dirs, out), out, cfg.lexical_weight, cfg.lexical_c)


def with_lexical(result: dict[str, Any], output: str | Path, weight: float, c: float) -> dict[str, Any]:
    """The folder's report after blending in the lexical model, or ``result`` when ``weight`` is 0."""
    if not weight:
        return result
    from finetune.lexical_member import add_lexical_member

    return add_lexical_member(output, weight, c)


def combine_members(member_dirs: list[str | Path], output: str | Path) -> dict[str, Any]:
    """Make ``output`` an ensemble of trained classifier folders and score it on their validation rows.

    Members must share labels and validation rows (same data files, ``val_fraction`` and
    ``split_seed``): the fingerprint check refuses to report an ensemble score on rows some
    member was trained on. Members outside ``output`` are copied into it, so the folder is
    self-contained; ``classifier_config.json`` is written last, so an interrupted combine never
    leaves a folder the assistant would load.
    """
    import shutil

    from assistant.cpu_sentiment import load_classifier_dir

    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    dirs = [Path(d) for d in member_dirs]
    metas = []
    for d in dirs:
        if d.resolve() == out.resolve():
            raise FinqaError(f"{d} is the output folder itself; give the ensemble another --output")
        try:
            meta = json.loads((d / "training_config.json").read_text(encoding="utf-8"))
            json.loads((d / CONFIG_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FinqaError(f"{d} is not a trained classifier folder ({exc})") from exc
        metas.append(meta)
    first = metas[0]
    for d, m in zip(dirs, metas):  # every check before anything in the output folder changes
        if m.get("labels") != first.get("labels"):
            raise FinqaError(f"{d}: labels {m.get('labels')} differ from {first.get('labels')}")
        if not m.get("val_fingerprint") or m.get("val_fingerprint") != first.get("val_fingerprint"):
            raise FinqaError(f"{d}: held out other validation rows than {dirs[0]} (same --data, "
                             "--eval-fraction and --split-seed are needed to combine members)")
    (out / CONFIG_NAME).unlink(missing_ok=True)
    names = []
    for i, d in enumerate(dirs):
        inside = d.parent.resolve() == out.resolve()
        name = d.name if inside else f"member-{i}"
        if not inside:
            shutil.rmtree(out / name, ignore_errors=True)
            shutil.copytree(d, out / name)
        names.append(name)
    for stale in ("encoder", "head.safetensors", LEXICAL_NAME):  # a classifier that was here before
        target = out / stale
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    labels = list(first["labels"])
    _, val = recorded_split(first)
    from assistant.cpu_sentiment import EnsembleClassifier, classifier_languages

    clf = EnsembleClassifier([load_classifier_dir(out / n) for n in names], labels)
    t0 = time.perf_counter()
    report = _evaluate(clf, val, labels)
    member_scores = {n: json.loads((out / n / "eval_results.json").read_text(encoding="utf-8")) for n in names}
    config = {
        "labels": labels,
        "members": names,
        "validation": {k: report[k] for k in ("n", "accuracy", "weighted_f1", "macro_f1")},
        "val_fingerprint": first["val_fingerprint"],
    }
    member_langs = [classifier_languages(m) for m in clf.members]
    if all(langs is not None for langs in member_langs):
        config["languages"] = [lang for lang in ("en", "zh") if any(lang in langs for langs in member_langs)]
    results = dict(report)
    results["members"] = {n: {k: r.get(k) for k in ("weighted_f1", "accuracy", "epoch", "train_seconds")}
                          for n, r in member_scores.items()}
    results["train_seconds"] = round(sum(r.get("train_seconds", 0.0) for r in member_scores.values()), 1)
    results["epoch"] = None
    (out / "eval_results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "training_config.json").write_text(json.dumps(
        {"ensemble_of": names, "member_seeds": [m.get("seed") for m in metas], "data": first["data"],
         "label_map": first.get("label_map"),
         "val_fraction": first["val_fraction"], "split_seed": first.get("split_seed"),
         "val_fingerprint": first["val_fingerprint"]}, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    logger.info("ensemble of %d members in %s: validation weighted F1 %.4f (members %s; scored in %.0f s)", len(names), out,
                report["weighted_f1"], ", ".join(f"{r['weighted_f1']:.4f}" for r in member_scores.values()),
                time.perf_counter() - t0)
    return results


def measure_speed(path: str | Path, texts: list[str], repeat: int = 1) -> float:
    """Sentences per second of the saved classifier on ``texts`` (for reports and bench, not tests)."""
    clf = load_classifier_dir(path)
    clf.predict(texts[:8])  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeat):
        clf.predict(texts)
    return len(texts) * repeat / (time.perf_counter() - t0)


__all__ = ["EmbeddedTrainConfig", "train_embedded_classifier", "train_embedded_ensemble", "combine_members", "with_lexical",
           "score_predictions", "recorded_split", "val_fingerprint", "measure_speed", "CONFIG_NAME"]
