"""The one TRL runner behind ``finqa finetune qa|forecaster|sentiment``.

Every recipe turns its data into prompt/completion rows and hands them here, so the training
machinery is written (and tested) once:

* **QLoRA when CUDA is there**: the base is loaded in 4-bit NF4 (``BitsAndBytesConfig``, bf16
  compute), prepared with ``prepare_model_for_kbit_training`` and optimised with
  ``paged_adamw_8bit``; on the CPU a plain LoRA with ``adamw_torch`` (4-bit training on the CPU is
  slower than fp32 and gains nothing at test scale).
* **completion-only loss**: prompt/completion datasets with ``completion_only_loss=True``, so the
  collator sets the labels of every prompt token to -100 and the model is only taught the answer.
  Conversational rows (lists of chat messages) go through the base model's chat template.
* length-grouped sampling (``train_sampling_strategy="group_by_length"``), gradient
  checkpointing, an eval split evaluated during training, TensorBoard logs under the run folder
  (``<output>/runs/...``), the loss printed through ``logging`` at each logging step.
* ``resume``: continue from the last ``checkpoint-N`` in the output folder (optimizer, scheduler
  and global step restored: no restart).
* The output folder holds the adapter, the tokenizer, ``training_config.json`` (every argument,
  data sizes, git commit) and ``eval_results.json``; ``merge`` also writes ``merged/``.

Multi-GPU: the trainer is accelerate-aware, so the same command runs under
``accelerate launch --config_file CONFIG -m finetune.cli finetune ...``; with QLoRA each process
puts its 4-bit copy on its own GPU (``device_map={"": local_process_index}``).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import FinqaError

logger = logging.getLogger(__name__)

QA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def git_commit() -> str | None:
    """The repository's HEAD commit, recorded with each run so a model can be traced to code."""
    try:
        here = Path(__file__).resolve().parent
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True)
        return out.stdout.strip() or None
    except Exception:
        return None


@dataclass
class SFTRunConfig:
    """Everything one recipe run needs; serialised as ``training_config.json``."""

    recipe: str
    base: str
    output: str
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: list[str] | str = field(default_factory=lambda: list(QA_TARGET_MODULES))
    lr: float = 2e-4
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.05
    epochs: float = 1.0
    max_steps: int = -1
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 1024
    logging_steps: int = 10
    eval_steps: int | None = None
    save_steps: int = 200
    save_total_limit: int = 2
    gradient_checkpointing: bool = True
    resume: bool = False
    merge: bool = False
    seed: int = 42
    quantize: str = "auto"  # auto: 4-bit QLoRA when CUDA is there; never; always
    data_info: dict[str, Any] = field(default_factory=dict)


def _load_tokenizer(base: str):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(base)
    except (OSError, ValueError) as exc:
        raise FinqaError(f"cannot load the tokenizer of {base!r} (offline, or not a model id/folder): {exc}") from exc
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _use_4bit(cfg: SFTRunConfig) -> bool:
    import torch

    if cfg.quantize == "never":
        return False
    if cfg.quantize == "always":
        return True
    return torch.cuda.is_available()


def _load_model(cfg: SFTRunConfig, four_bit: bool, bf16: bool):
    import torch
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {}
    if four_bit:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float32,
        )
        if torch.cuda.is_available():
            from accelerate import PartialState

            kwargs["device_map"] = {"": PartialState().local_process_index}
    kwargs["dtype"] = torch.bfloat16 if bf16 else torch.float32
    try:
        model = AutoModelForCausalLM.from_pretrained(cfg.base, **kwargs)
    except (OSError, ValueError) as exc:
        raise FinqaError(f"cannot load the base model {cfg.base!r} (offline, or not a model id/folder): {exc}") from exc
    if four_bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing)
    model.config.use_cache = False
    return model


def _loss_logger():
    from transformers import TrainerCallback

    class LossLogger(TrainerCallback):
        """The Trainer's own log dict (loss, lr, grad norm, eval loss) through ``logging``."""

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: D401
            if logs and state.is_world_process_zero:
                shown = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in logs.items()}
                logger.info("step %d/%d %s", state.global_step, state.max_steps, shown)

    return LossLogger()


def _quiet_progress(trainer) -> None:
    """Keep the Trainer's progress bar (stderr) but stop it writing each log dict to stdout.

    ``ProgressCallback.on_log`` prints through ``tqdm.write``, which goes to stdout, so the
    command's one JSON result would not be the only thing there; ``LossLogger`` already sends the
    same dicts through ``logging``.
    """
    from transformers.trainer_callback import ProgressCallback

    class BarOnlyProgress(ProgressCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: D401
            return None

    if any(isinstance(cb, ProgressCallback) for cb in trainer.callback_handler.callbacks):
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(BarOnlyProgress())


def last_checkpoint(output: str | Path) -> str | None:
    """The newest ``checkpoint-N`` folder in ``output``, or ``None``."""
    from transformers.trainer_utils import get_last_checkpoint

    output = Path(output)
    return get_last_checkpoint(str(output)) if output.is_dir() else None


def _to_dataset(rows: list[dict[str, Any]]):
    from datasets import Dataset

    return Dataset.from_list(rows)


def build_trainer(cfg: SFTRunConfig, train_rows: list[dict[str, Any]], eval_rows: list[dict[str, Any]]):
    """The configured ``SFTTrainer`` (not yet trained) and the facts ``run_sft`` records.

    ``train_rows``/``eval_rows`` are ``{"prompt", "completion"}`` dicts, either strings (raw
    completion, e.g. the FinGPT sentiment format) or chat-message lists (conversational, rendered
    through the tokenizer's chat template by TRL). Returns ``(trainer, info)``.
    """
    import torch
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    if not train_rows:
        raise FinqaError(f"{cfg.recipe}: no training examples")
    out = Path(cfg.output)
    resume_from = None
    if cfg.resume:
        resume_from = last_checkpoint(out)
        if resume_from is None:
            raise FinqaError(f"--resume: no checkpoint-N folder in {out} to resume from")
        logger.info("resuming from %s", resume_from)
    out.mkdir(parents=True, exist_ok=True)

    four_bit = _use_4bit(cfg)
    cuda = torch.cuda.is_available()
    bf16 = bool(cuda and torch.cuda.is_bf16_supported())
    tokenizer = _load_tokenizer(cfg.base)
    if not isinstance(train_rows[0].get("prompt"), str) and not getattr(tokenizer, "chat_template", None):
        raise FinqaError(f"{cfg.base} has no chat template, which the {cfg.recipe} recipe's chat examples need; "
                         "use an instruct/chat model as --base")
    model = _load_model(cfg, four_bit, bf16)
    lora = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=cfg.target_modules, task_type="CAUSAL_LM", bias="none")
    logger.info("%s: %s base %s, LoRA r=%d alpha=%d, %d train / %d eval examples, device %s",
                cfg.recipe, "QLoRA (4-bit NF4)" if four_bit else "LoRA", cfg.base, cfg.rank, cfg.alpha,
                len(train_rows), len(eval_rows), "cuda" if cuda else "cpu")

    has_eval = bool(eval_rows)
    args = SFTConfig(
        output_dir=str(out),
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps if cfg.max_steps and cfg.max_steps > 0 else -1,
        learning_rate=cfg.lr,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        # transformers 5 renamed gradient_checkpointing to activation_checkpointing (same switch)
        activation_checkpointing=cfg.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        max_length=cfg.max_length,
        completion_only_loss=True,
        train_sampling_strategy="group_by_length",
        eval_strategy="steps" if has_eval else "no",
        eval_steps=cfg.eval_steps or max(cfg.logging_steps, 1) * 5,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        report_to=["tensorboard"],
        optim="paged_adamw_8bit" if four_bit and cuda else "adamw_torch",
        bf16=bf16,
        use_cpu=not cuda,
        seed=cfg.seed,
        dataloader_num_workers=0,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=_to_dataset(train_rows),
        eval_dataset=_to_dataset(eval_rows) if has_eval else None,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=[_loss_logger()],
    )
    _quiet_progress(trainer)
    # TRL drops examples whose completion was cut off entirely by max_length (nothing to learn).
    kept_train = len(trainer.train_dataset)
    if kept_train < len(train_rows):
        logger.warning("%d of %d training examples were dropped: their prompt fills max_length=%d, leaving no "
                       "answer tokens; raise --max-length", len(train_rows) - kept_train, len(train_rows), cfg.max_length)
    if kept_train == 0:
        raise FinqaError(f"{cfg.recipe}: every training example is longer than --max-length {cfg.max_length}")
    if has_eval and len(trainer.eval_dataset) == 0:
        logger.warning("every eval example is longer than max_length=%d: training without an eval split", cfg.max_length)
        trainer.eval_dataset = None
        trainer.args.eval_strategy = "no"
        has_eval = False
    info = {"tokenizer": tokenizer, "four_bit": four_bit, "bf16": bf16, "resume_from": resume_from, "out": out,
            "has_eval": has_eval, "optim": args.optim}
    return trainer, info


def run_sft(cfg: SFTRunConfig, train_rows: list[dict[str, Any]], eval_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Train a LoRA on prompt/completion rows and write the output folder; returns eval metrics."""
    import torch

    trainer, info = build_trainer(cfg, train_rows, eval_rows)
    tokenizer, four_bit, bf16 = info["tokenizer"], info["four_bit"], info["bf16"]
    resume_from, out, has_eval = info["resume_from"], info["out"], info["has_eval"]
    t0 = time.perf_counter()
    train_out = trainer.train(resume_from_checkpoint=resume_from)
    train_s = time.perf_counter() - t0
    metrics: dict[str, Any] = {"train_loss": train_out.training_loss, "global_step": trainer.state.global_step,
                               "train_seconds": round(train_s, 1)}
    if has_eval:
        metrics.update(trainer.evaluate())
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    metrics["first_logged_loss"] = losses[0] if losses else None
    metrics["last_logged_loss"] = losses[-1] if losses else None

    if trainer.is_world_process_zero():
        trainer.save_model(str(out))
        tokenizer.save_pretrained(str(out))
        meta = dataclasses.asdict(cfg)
        meta.update({
            "train_examples": len(train_rows), "eval_examples": len(eval_rows), "quantized_4bit": four_bit,
            "bf16": bf16, "optim": info["optim"], "resumed_from": resume_from, "git_commit": git_commit(),
            "torch": torch.__version__, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        })
        (out / "training_config.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        (out / "eval_results.json").write_text(json.dumps(metrics, indent=2, default=str), encoding="utf-8")
        if cfg.merge:
            merge_adapter(cfg.base, out, out / "merged")
    logger.info("%s: done in %.0f s, adapter in %s (%s)", cfg.recipe, train_s, out,
                {k: v for k, v in metrics.items() if k in ("train_loss", "eval_loss", "global_step")})
    return metrics


def merge_adapter(base: str, adapter_dir: str | Path, merged_dir: str | Path) -> Path:
    """Base weights (full precision, never 4-bit) plus the adapter, merged and saved standalone."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    merged_dir = Path(merged_dir)
    merged.save_pretrained(str(merged_dir))
    _load_tokenizer(str(adapter_dir)).save_pretrained(str(merged_dir))
    logger.info("merged weights written to %s", merged_dir)
    return merged_dir


def default_output(settings, name: str) -> Path:
    """``<runs dir>/<name>-<UTC timestamp>``: a fresh run folder."""
    return Path(settings.runs_dir) / f"{name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"


def split_eval(rows: list[dict[str, Any]], fraction: float, seed: int = 42) -> tuple[list[dict], list[dict]]:
    """A seeded random eval split (recipes whose rows have no time order: qa, sentiment)."""
    import random

    if not rows:
        return [], []
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    n_eval = int(round(len(rows) * fraction))
    n_eval = min(max(n_eval, 1 if len(rows) >= 4 and fraction > 0 else 0), len(rows) - 1)
    ev = set(idx[:n_eval])
    return [r for i, r in enumerate(rows) if i not in ev], [r for i, r in enumerate(rows) if i in ev]


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
