"""``finqa finetune qa|forecaster|sentiment`` and ``finqa eval sentiment|forecast|router``.

Heavy libraries (torch, transformers, trl) are imported inside the handlers so ``finqa --help``
stays fast. Run under accelerate (several GPUs, or the single-process CPU config the tests use)::

    accelerate launch --config_file tests/data/accelerate_cpu.yaml -m finetune.cli \
        finetune sentiment --data fpb_train.csv --max-steps 10

``python -m finetune.cli ARGS`` is the same as ``finqa ARGS``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from assistant.lexical_sentiment import DEFAULT_C, DEFAULT_WEIGHT
from ingest.errors import FinqaError

logger = logging.getLogger(__name__)


def _train_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training (unset flags take the recipe's defaults)")
    g.add_argument("--base", default=None, help="base model id or folder (default: the engine's model from the config)")
    g.add_argument("--output", default=None, help="output folder (default <data dir>/runs/<recipe>-<timestamp>)")
    g.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps (overrides --epochs)")
    g.add_argument("--epochs", type=float, default=None)
    g.add_argument("--lr", type=float, default=None, help="learning rate")
    g.add_argument("--rank", type=int, default=None, help="LoRA rank r")
    g.add_argument("--alpha", type=int, default=None, help="LoRA alpha")
    g.add_argument("--dropout", type=float, default=None, help="LoRA dropout")
    g.add_argument("--batch-size", type=int, default=None, help="per-device batch size")
    g.add_argument("--grad-accum", type=int, default=None, help="gradient accumulation steps")
    g.add_argument("--max-length", type=int, default=None, help="truncate examples to this many tokens")
    g.add_argument("--eval-fraction", type=float, default=0.1, help="share of examples held out for evaluation")
    g.add_argument("--logging-steps", type=int, default=None)
    g.add_argument("--save-steps", type=int, default=None, help="checkpoint every N steps (for --resume)")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--quantize", choices=["auto", "never", "always"], default="auto",
                   help="4-bit NF4 QLoRA: auto = when CUDA is there")
    g.add_argument("--no-gradient-checkpointing", action="store_true")
    g.add_argument("--resume", action="store_true", help="continue from the last checkpoint in the output folder")
    g.add_argument("--merge", action="store_true", help="also write merged (base + adapter) weights to OUTPUT/merged")


def register(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``finetune`` and ``eval`` with their subcommands."""
    ft = sub.add_parser("finetune", parents=parents, help="train the LoRA adapters and the CPU sentiment classifier")
    fsub = ft.add_subparsers(dest="recipe", metavar="RECIPE", required=True)

    qa = fsub.add_parser("qa", parents=parents, help="QA adapter on Finance-Instruct-500k rows (system/user/assistant)")
    qa.add_argument("--data", required=True, help="local .jsonl/.json/.parquet file or a hub dataset id")
    qa.add_argument("--limit", type=int, default=None, help="use only the first N rows")
    qa.add_argument("--min-tokens", type=int, default=30, help="drop rows shorter than this (chat-templated tokens)")
    qa.add_argument("--min-ascii-ratio", type=float, default=0.9, help="English filter: minimum share of ASCII characters")
    _train_flags(qa)
    qa.set_defaults(func=cmd_finetune_qa)

    fc = fsub.add_parser("forecaster", parents=parents, help="forecaster adapter on the store's price windows")
    fc.add_argument("--format", choices=["movement", "path"], default="movement",
                    help="movement: FinSeer prompt, answer rise/fall; path: multi-day windows, answer the closes")
    fc.add_argument("--stride", type=int, default=1, help="path: keep every n-th window per spec")
    fc.add_argument("--max-examples", type=int, default=None, help="cap the number of examples (evenly spaced)")
    fc.add_argument("--codes", nargs="+", default=None, help="only these stock codes")
    _train_flags(fc)
    fc.set_defaults(func=cmd_finetune_forecaster)

    se = fsub.add_parser("sentiment", parents=parents, help="sentiment adapter (llm) or the CPU-tier classifier (embedded)")
    se.add_argument("--data", nargs="+", default=None, help="one or more text,label CSVs (mixed together); required "
                    "unless --combine")
    se.add_argument("--backend", choices=["llm", "embedded"], default="llm")
    se.add_argument("--labels", type=int, choices=[3, 7], default=3, help="3- or 7-class label words")
    se.add_argument("--label-map", default=None, help="numeric labels: tfns, fpb or 0=negative,1=neutral,2=positive")
    se.add_argument("--lora", action="store_true", help="embedded: LoRA on the encoder instead of a full fine-tune")
    se.add_argument("--threads", type=int, default=None, help="embedded: torch CPU threads")
    se.add_argument("--members", type=int, default=1, metavar="N",
                    help="embedded: train N classifiers (seeds --seed, --seed+1, ...) and save their ensemble, "
                         "which averages their probabilities (N times the training and inference time)")
    se.add_argument("--combine", nargs="+", default=None, metavar="DIR",
                    help="embedded: instead of training, make --output the ensemble of these trained classifier "
                         "folders (they must share data, --eval-fraction and --split-seed) and score it")
    se.add_argument("--split-seed", type=int, default=42,
                    help="embedded: seed of the validation split, kept apart from --seed so that ensemble members "
                         "trained with different --seed hold out the same rows")
    se.add_argument("--extend-vocab", type=int, default=0, metavar="N",
                    help="embedded: add up to N characters that MiniLM's tokenizer maps to [UNK] (e.g. Chinese) as new tokens")
    se.add_argument("--adapt-epochs", type=float, default=0.0, metavar="N",
                    help="embedded: first adapt the encoder with N epochs of masked-language modelling on the training "
                         "texts (validation texts never seen); kept in OUTPUT/adapted-encoder and reused by reruns "
                         "and ensemble members")
    se.add_argument("--lexical-weight", type=float, default=DEFAULT_WEIGHT, metavar="W",
                    help="embedded: blend a TF-IDF n-gram logistic regression fitted on the same training rows into "
                         "the prediction at weight W (0 leaves it out); the report keeps the encoder's score alone")
    _train_flags(se)
    se.set_defaults(func=cmd_finetune_sentiment)

    ev = sub.add_parser("eval", parents=parents, help="evaluate sentiment, forecasts or the router")
    esub = ev.add_subparsers(dest="what", metavar="WHAT", required=True)
    es = esub.add_parser("sentiment", parents=parents, help="accuracy / weighted F1 / macro F1 on a text,label CSV")
    es.add_argument("--data", required=True, help="text,label CSV")
    es.add_argument("--model", default=None,
                    help="embedded-classifier folder (default: <data dir>/adapters/sentiment-embedded) or an LLM id/folder")
    es.add_argument("--adapter", default=None, help="LLM: a LoRA adapter folder on top of --model")
    es.add_argument("--labels", type=int, choices=[3, 7], default=3)
    es.add_argument("--label-map", default=None)
    es.add_argument("--limit", type=int, default=None, help="score only the first N rows")
    es.add_argument("--batch-size", type=int, default=16)
    es.add_argument("--json", action="store_true")
    es.set_defaults(func=cmd_eval_sentiment)

    ef = esub.add_parser("forecast", parents=parents, help="ACL18 movement protocol or walk-forward path forecasts")
    ef.add_argument("--prices", required=True, help="folder of price CSVs")
    ef.add_argument("--protocol", choices=["acl18", "walkforward"], default="acl18")
    ef.add_argument("--horizon", type=int, default=5, help="walkforward: trading days ahead")
    ef.add_argument("--engine", choices=["analog", "stockllm", "adapter"], default="analog")
    ef.add_argument("--period", choices=["test", "validation"], default="test",
                    help="acl18: the paper's test queries 2015-06-03..2015-12-31 (default), or the validation "
                         "queries 2014-01-02..2015-05-29 that the analog's defaults were chosen on")
    ef.add_argument("--json", action="store_true")
    ef.set_defaults(func=cmd_eval_forecast)

    er = esub.add_parser("router", parents=parents, help="route / company / horizon accuracy on labelled queries")
    er.add_argument("--data", required=True, help="JSONL of {query, route, code, horizon_days}")
    er.add_argument("--json", action="store_true")
    er.set_defaults(func=cmd_eval_router)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

def _settings():
    from ingest.config import get_settings

    return get_settings()


def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


def _output_dir(args: argparse.Namespace, name: str, default: Path | None = None) -> Path:
    """--output, else ``default``, else a fresh run folder; with --resume, the newest run folder."""
    from finetune.sft import default_output, last_checkpoint

    if args.output:
        return Path(args.output)
    if default is not None:
        return default
    settings = _settings()
    if args.resume:
        runs = sorted(Path(settings.runs_dir).glob(f"{name}-*"), key=lambda p: p.name, reverse=True)
        for run in runs:
            if last_checkpoint(run):
                return run
        raise FinqaError(f"--resume: no {name}-* run with a checkpoint in {settings.runs_dir}; pass --output")
    return default_output(settings, name)


def _run_config(args: argparse.Namespace, recipe: str, base: str, output: Path, defaults: dict[str, Any],
                data_info: dict[str, Any]):
    from finetune.sft import SFTRunConfig

    d = SFTRunConfig(recipe=recipe, base=base, output=str(output))
    for key, value in defaults.items():
        setattr(d, key, value)
    for flag, field in (("max_steps", "max_steps"), ("epochs", "epochs"), ("lr", "lr"), ("rank", "rank"),
                        ("alpha", "alpha"), ("dropout", "dropout"), ("batch_size", "batch_size"),
                        ("grad_accum", "grad_accum"), ("max_length", "max_length"),
                        ("logging_steps", "logging_steps"), ("save_steps", "save_steps")):
        value = getattr(args, flag, None)
        if value is not None:
            setattr(d, field, value)
    d.seed = args.seed
    d.resume = args.resume
    d.merge = args.merge
    d.quantize = args.quantize
    d.gradient_checkpointing = not args.no_gradient_checkpointing
    d.data_info = data_info
    return d


def _print_result(result: dict[str, Any], as_json: bool = True) -> None:
    print(json.dumps(result, indent=None if as_json else 2, ensure_ascii=False, default=str))


# ------------------------------------------------------------------------------------------------
# finetune handlers
# ------------------------------------------------------------------------------------------------

def cmd_finetune_qa(args: argparse.Namespace) -> int:
    from finetune.data_qa import load_qa_rows, qa_examples
    from finetune.sft import QA_TARGET_MODULES, _load_tokenizer, run_sft, split_eval

    settings = _settings()
    base = args.base or settings.qa.base
    tokenizer = _load_tokenizer(base)
    rows = load_qa_rows(args.data, limit=args.limit)
    examples, dropped = qa_examples(rows, tokenizer, min_tokens=args.min_tokens, min_ascii_ratio=args.min_ascii_ratio)
    train, ev = split_eval(examples, args.eval_fraction, args.seed)
    output = _output_dir(args, "qa")
    cfg = _run_config(args, "qa", base, output, {
        "rank": 64, "alpha": 128, "dropout": 0.1, "target_modules": QA_TARGET_MODULES, "lr": 1e-4,
        "lr_scheduler": "cosine", "warmup_ratio": 0.05, "max_length": 2048, "batch_size": 4,
    }, {"source": args.data, "rows": len(rows), "kept": len(examples), "dropped": dropped,
        "min_tokens": args.min_tokens, "min_ascii_ratio": args.min_ascii_ratio})
    metrics = run_sft(cfg, train, ev)
    _print_result({"output": str(output), **metrics})
    return 0


def cmd_finetune_forecaster(args: argparse.Namespace) -> int:
    from finetune.data_forecaster import build_movement_examples, build_path_examples, time_split
    from finetune.sft import QA_TARGET_MODULES, run_sft
    from ingest.store import open_store

    settings = _settings()
    bars = open_store().all_bars()
    if args.codes:
        bars = bars[bars["code"].isin([str(c) for c in args.codes])]
    if bars.empty:
        raise FinqaError("no prices in the store: run `finqa ingest prices CODE...` or `finqa ingest import PATH`")
    if args.format == "path":
        examples = build_path_examples(bars, stride=args.stride, max_per_spec=args.max_examples)
        base = args.base or settings.forecaster_path_base
        output = _output_dir(args, "forecaster-path", None if args.output else Path(settings.adapters_dir) / "forecaster-path")
        defaults = {"rank": 16, "alpha": 32, "lr": 2e-4, "max_length": 4096, "batch_size": 2}
    else:
        examples = build_movement_examples(bars, max_examples=args.max_examples)
        base = args.base or settings.forecaster.base
        output = _output_dir(args, "forecaster-movement")
        defaults = {"rank": 16, "alpha": 32, "lr": 2e-4, "max_length": 2048, "batch_size": 2}
    train, ev = time_split(examples, args.eval_fraction)
    defaults.update({"dropout": 0.05, "target_modules": QA_TARGET_MODULES, "lr_scheduler": "cosine", "warmup_ratio": 0.05})
    cfg = _run_config(args, f"forecaster-{args.format}", base, output, defaults, {
        "format": args.format, "examples": len(examples), "train": len(train), "eval": len(ev),
        "train_last_target": str(max(e.target_end for e in train)), "eval_first_as_of": str(min(e.as_of for e in ev)),
        "codes": sorted(set(bars["code"].astype(str))),
    })
    metrics = run_sft(cfg, [e.row() for e in train], [e.row() for e in ev])
    _print_result({"output": str(output), **metrics})
    return 0


def cmd_finetune_sentiment(args: argparse.Namespace) -> int:
    from finetune.data_sentiment import parse_label_map, read_sentiment_csvs, sentiment_llm_examples

    settings = _settings()
    label_map = parse_label_map(args.label_map)
    if args.backend == "embedded":
        from assistant.cpu_sentiment import DEFAULT_DIRNAME
        from finetune.embedded_classifier import (EmbeddedTrainConfig, combine_members, train_embedded_ensemble,
                                                  with_lexical)

        if args.resume or args.merge:
            raise FinqaError("--resume/--merge apply to the LLM backend; the embedded classifier trains in minutes")
        if args.members < 1:
            raise FinqaError(f"--members must be at least 1, got {args.members}")
        output = Path(args.output) if args.output else Path(settings.adapters_dir) / DEFAULT_DIRNAME
        keys = ("n", "accuracy", "weighted_f1", "macro_f1", "per_label", "by_file", "epoch", "train_seconds")
        if not 0.0 <= args.lexical_weight < 1.0:
            raise FinqaError(f"--lexical-weight must be at least 0 and below 1, got {args.lexical_weight}")
        if args.combine:
            result = with_lexical(combine_members(args.combine, output), output, args.lexical_weight, DEFAULT_C)
            _print_result({"output": str(output), **{k: result[k] for k in keys}, "members": result["members"],
                           **_lexical_extra(result)})
            return 0
        if not args.data:
            raise FinqaError("finetune sentiment needs --data CSV [CSV ...] (or --combine DIR ... for an ensemble)")
        cfg = EmbeddedTrainConfig(
            data=[str(p) for p in args.data], output=str(output), base=args.base or "",
            epochs=_pick(args.epochs, 3.0), max_steps=args.max_steps, lr=_pick(args.lr, 5e-5),
            batch_size=_pick(args.batch_size, 32), max_length=_pick(args.max_length, 128),
            dropout=_pick(args.dropout, 0.1), val_fraction=args.eval_fraction, seed=args.seed, split_seed=args.split_seed, lora=args.lora,
            rank=_pick(args.rank, 16), alpha=_pick(args.alpha, 32), label_map=label_map, threads=args.threads,
            extend_vocab=args.extend_vocab, adapt_epochs=args.adapt_epochs, lexical_weight=args.lexical_weight,
        )
        result = train_embedded_ensemble(cfg, args.members)
        extra = ({"members": result["members"]} if "members" in result else {}) | _lexical_extra(result)
        _print_result({"output": str(output), **{k: result[k] for k in keys}, **extra})
        return 0

    if args.combine or args.members != 1 or args.adapt_epochs:
        raise FinqaError("--members/--combine/--adapt-epochs apply to the CPU classifier: add --backend embedded")
    if not args.data:
        raise FinqaError("finetune sentiment needs --data CSV [CSV ...]")
    from finetune.sft import QA_TARGET_MODULES, run_sft, split_eval

    rows = read_sentiment_csvs(args.data, label_map)
    examples = sentiment_llm_examples(rows, args.labels)
    train, ev = split_eval(examples, args.eval_fraction, args.seed)
    base = args.base or settings.sentiment.base
    output = _output_dir(args, "sentiment")
    cfg = _run_config(args, "sentiment", base, output, {
        "rank": 8, "alpha": 32, "dropout": 0.1, "target_modules": QA_TARGET_MODULES, "lr": 3e-4,
        "lr_scheduler": "cosine", "warmup_ratio": 0.05, "max_length": 256, "batch_size": 8,
    }, {"files": [str(p) for p in args.data], "rows": len(rows), "labels": args.labels,
        "label_counts": {l: rows.labels.count(l) for l in rows.label_set}})
    metrics = run_sft(cfg, train, ev)
    if ev and _is_main_process():
        metrics["classification"] = _score_sentiment_eval(base, output, ev, args.labels)
        (output / "eval_results.json").write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
    _print_result({"output": str(output), **metrics})
    return 0


def _is_main_process() -> bool:
    try:
        from accelerate import PartialState

        return PartialState().is_main_process
    except Exception:  # accelerate not initialised: a plain single process
        return True


def _lexical_extra(result: dict[str, Any]) -> dict[str, Any]:
    """The blend's weight and the encoder's and lexical model's own scores, when a lexical model was added."""
    lex = result.get("lexical")
    if not lex:
        return {}
    return {"lexical": {"weight": lex["weight"], "encoder_alone_weighted_f1": lex["encoder_alone"]["weighted_f1"],
                        "lexical_alone_weighted_f1": lex["lexical_alone"]["weighted_f1"]}}


def _score_sentiment_eval(base: str, adapter: Path, ev: list[dict[str, str]], labels: int, limit: int = 1000) -> dict[str, Any]:
    """FinGPT-style scores of the trained adapter on the held-out rows (label log-likelihood)."""
    from finetune.eval_sentiment import REPORT_KEYS, predict_llm
    from finetune.metrics import classification_report
    from assistant.prompts import sentiment_labels

    rows = ev[:limit]
    marker = "\nInput: "
    texts = [r["prompt"].split(marker, 1)[1].rsplit("\nAnswer:", 1)[0] for r in rows]
    truth = [r["completion"].strip() for r in rows]
    preds, _ = predict_llm(base, str(adapter), texts, labels)
    report = classification_report(truth, preds, labels=sentiment_labels(labels))
    logger.info("sentiment adapter on %d held-out rows: weighted F1 %.4f accuracy %.4f", report["n"],
                report["weighted_f1"], report["accuracy"])
    return {k: report[k] for k in REPORT_KEYS}


# ------------------------------------------------------------------------------------------------
# eval handlers
# ------------------------------------------------------------------------------------------------

def cmd_eval_sentiment(args: argparse.Namespace) -> int:
    from finetune.eval_sentiment import evaluate_sentiment

    report = evaluate_sentiment(args.data, model=args.model, adapter=args.adapter, labels=args.labels,
                                label_map=args.label_map, limit=args.limit, batch_size=args.batch_size)
    if args.json:
        _print_result(report)
    else:
        print(f"n={report['n']} accuracy={report['accuracy']:.4f} weighted_f1={report['weighted_f1']:.4f} "
              f"macro_f1={report['macro_f1']:.4f}")
        for label, m in report["per_label"].items():
            print(f"  {label:>20}: precision={m['precision']:.3f} recall={m['recall']:.3f} f1={m['f1']:.3f} support={m['support']}")
    return 0


def cmd_eval_forecast(args: argparse.Namespace) -> int:
    prices = Path(args.prices)
    if not prices.is_dir():
        raise FinqaError(f"--prices {prices}: not a folder of price CSVs")
    if args.protocol == "acl18":
        from finetune.eval_forecast import ACL18_PERIODS, evaluate_acl18

        report = evaluate_acl18(prices, engine=args.engine, period=ACL18_PERIODS[args.period])
    else:
        from finetune.eval_forecast import evaluate_walkforward

        report = evaluate_walkforward(prices, horizon=args.horizon, engine=args.engine)
    _print_result(report, as_json=args.json)
    return 0


def cmd_eval_router(args: argparse.Namespace) -> int:
    from finetune.eval_router import evaluate_router

    data = Path(args.data)
    if not data.is_file():
        raise FinqaError(f"--data {data}: file not found")
    _print_result(evaluate_router(data), as_json=args.json)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m finetune.cli ARGS`` (e.g. under ``accelerate launch -m``) == ``finqa ARGS``."""
    from assistant.cli import main as finqa_main

    return finqa_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
