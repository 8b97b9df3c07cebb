"""The TRL recipes on a tiny random Llama: training, completion-only masking, resume, merge, loading
back through the model manager, the forecaster's time split, and ``accelerate launch``.

Runs are tiny (a few steps, 2-layer model) and use one torch thread so that they neither take
long nor fight other work for the cores.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest


REPO = Path(__file__).resolve().parents[1]

POS = ["Revenue rose sharply in May", "The company reported strong earnings growth", "TSMC shares rise on record revenue",
       "Profit growth beat forecasts"]
NEG = ["Shares fell after weak guidance", "MediaTek revenue fell in May", "The company reported a loss",
       "Stock price fall on weak demand"]
NEU = ["The company held its annual meeting", "The board met on Tuesday"]


# Training tests pin torch to one thread (see tests/conftest.py).
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _sentiment_csv(path: Path, n_extra: int = 0) -> Path:
    rows = [(t, "positive") for t in POS] + [(t, "negative") for t in NEG] + [(t, "neutral") for t in NEU]
    rows += [(f"The company held meeting number {i}", "neutral") for i in range(n_extra)]
    path.write_text("text,label\n" + "".join(f'"{t}",{l}\n' for t, l in rows), encoding="utf-8")
    return path


def _finqa(*argv: str) -> int:
    from assistant.cli import main

    return main(list(argv))


def _losses(out: Path) -> list[float]:
    state = sorted(out.glob("checkpoint-*/trainer_state.json"), key=lambda p: int(p.parent.name.split("-")[1]))[-1]
    return [h["loss"] for h in json.loads(state.read_text())["log_history"] if "loss" in h]


# ------------------------------------------------------------------------------------------------
# sentiment recipe: overfit 8 examples, output folder, loading back
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def overfit_run(tiny_llama_dir, tmp_path_factory):
    """30 steps at a high learning rate on 8 training examples (+2 held out)."""
    import ingest.config as config
    import torch

    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("overfit")
    csv = _sentiment_csv(tmp / "s.csv")
    out = tmp / "out"
    config.configure(data_dir=tmp / "data")
    rc = _finqa("--data-dir", str(tmp / "data"), "finetune", "sentiment", "--data", str(csv), "--base", tiny_llama_dir,
                "--max-steps", "30", "--lr", "5e-3", "--batch-size", "8", "--logging-steps", "1", "--save-steps", "30",
                "--eval-fraction", "0.2", "--rank", "8", "--alpha", "16", "--output", str(out))
    assert rc == 0
    yield out
    config._current = None


def test_sentiment_recipe_loss_falls_when_overfitting(overfit_run):
    losses = _losses(overfit_run)
    assert len(losses) == 30
    first, last = losses[0], float(np.mean(losses[-3:]))
    assert last < 0.5 * first, (first, last)


def test_output_folder_holds_adapter_tokenizer_config_results(overfit_run):
    out = overfit_run
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "training_config.json",
                 "eval_results.json"):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "training_config.json").read_text())
    assert cfg["recipe"] == "sentiment" and cfg["rank"] == 8 and cfg["alpha"] == 16 and cfg["lr"] == 5e-3
    assert cfg["train_examples"] == 8 and cfg["eval_examples"] == 2
    assert cfg["data_info"]["rows"] == 10 and cfg["data_info"]["label_counts"] == {"negative": 4, "neutral": 2, "positive": 4}
    assert cfg["quantized_4bit"] is False and cfg["optim"] == "adamw_torch"
    assert "git_commit" in cfg
    results = json.loads((out / "eval_results.json").read_text())
    assert results["global_step"] == 30 and "eval_loss" in results
    assert results["last_logged_loss"] < results["first_logged_loss"]
    assert set(results["classification"]) == {"n", "accuracy", "weighted_f1", "macro_f1", "per_label"}
    assert results["classification"]["n"] == 2
    assert list(out.glob("runs/**/events.out.tfevents.*")), "TensorBoard logs under the run folder"
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 8 and set(adapter["target_modules"]) >= {"q_proj", "v_proj", "down_proj"}


def test_trained_adapter_loads_through_model_manager_and_learned_the_labels(overfit_run, tiny_settings):
    from assistant.models import get_model_manager
    from assistant.prompts import render_sentiment_prompt
    from ingest.config import EngineModel

    manager = get_model_manager(tiny_settings)
    base = manager.load(EngineModel(base=tiny_settings.sentiment.base))
    tuned = manager.load(EngineModel(base=tiny_settings.sentiment.base, adapter=str(overfit_run)))
    assert type(tuned.model).__name__.startswith("Peft")
    from finetune.data_sentiment import read_sentiment_csv, sentiment_llm_examples
    from finetune.sft import split_eval

    # the 8 examples it was trained on (same seeded split as the recipe)
    rows = read_sentiment_csv(overfit_run.parent / "s.csv")
    examples = sentiment_llm_examples(rows)
    train, _ = split_eval(examples, 0.2, 42)
    truth = {e["prompt"]: e["completion"].strip() for e in train}
    texts = [t for t, e in zip(rows.texts, examples) if e["prompt"] in truth]
    assert len(texts) == 8
    prompts = [render_sentiment_prompt(t) for t in texts]
    options = ["negative", "neutral", "positive"]
    tuned_p = manager.score_options(tuned, prompts, options)
    base_p = manager.score_options(base, prompts, options)
    assert tuned_p != base_p
    wanted = [truth[render_sentiment_prompt(t)[:-1]] for t in texts]
    # 30 steps on a random 2-layer model do not memorise every label, but the adapter must have
    # moved probability onto the trained answers: above chance and above the untrained base.
    p_true_tuned = float(np.mean([p[w] for p, w in zip(tuned_p, wanted)]))
    p_true_base = float(np.mean([p[w] for p, w in zip(base_p, wanted)]))
    assert p_true_tuned > max(p_true_base, 0.36), (p_true_tuned, p_true_base)


def test_completion_only_masking_in_a_collated_batch(tiny_llama_dir, tmp_path):
    """Labels are -100 on every prompt token and equal the input ids on the completion."""
    from transformers import AutoTokenizer

    from finetune.data_sentiment import SentimentRows, sentiment_llm_examples
    from finetune.sft import SFTRunConfig, build_trainer

    rows = sentiment_llm_examples(SentimentRows([POS[0], NEG[0]], ["positive", "negative"], ["x", "x"]))
    cfg = SFTRunConfig(recipe="t", base=tiny_llama_dir, output=str(tmp_path / "o"), max_steps=1, batch_size=2)
    trainer, _ = build_trainer(cfg, rows, [])
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    for r, row in enumerate(rows):
        prompt_len = len(tok(row["prompt"])["input_ids"])
        ids, labels, mask = batch["input_ids"][r], batch["labels"][r], batch["attention_mask"][r]
        real = int(mask.sum())
        assert (labels[:prompt_len] == -100).all()
        assert (labels[prompt_len:real] == ids[prompt_len:real]).all()
        assert (labels[real:] == -100).all()
        assert tok.decode(ids[prompt_len:real]) == row["completion"] + tok.eos_token


def test_conversational_masking_hides_system_and_user(tiny_llama_dir, tmp_path):
    from transformers import AutoTokenizer

    from finetune.sft import SFTRunConfig, build_trainer

    msgs = [{"role": "system", "content": "You are finqa."}, {"role": "user", "content": "What is revenue growth?"}]
    rows = [{"prompt": msgs, "completion": [{"role": "assistant", "content": "Revenue rose 40% in May."}]}]
    cfg = SFTRunConfig(recipe="t", base=tiny_llama_dir, output=str(tmp_path / "o"), max_steps=1, batch_size=1)
    trainer, _ = build_trainer(cfg, rows, [])
    batch = trainer.data_collator([trainer.train_dataset[0]])
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    labels = batch["labels"][0]
    learned = tok.decode([int(t) for t in labels if t != -100])
    assert learned.strip().startswith("Revenue rose 40% in May.")
    assert "finqa" not in learned and "revenue growth" not in learned


def test_qlora_path_trains_a_4bit_nf4_base(tiny_llama_dir, data_dir, tmp_path):
    """The CUDA recipe (4-bit NF4 base + prepare_model_for_kbit_training) forced on: bitsandbytes runs
    4-bit on the CPU too, so the QLoRA code path is exercised here; only the paged 8-bit optimizer
    needs CUDA (adamw_torch is used without it)."""
    from finetune.data_sentiment import SentimentRows, sentiment_llm_examples
    from finetune.sft import SFTRunConfig, build_trainer

    rows = sentiment_llm_examples(SentimentRows(POS[:2] + NEG[:2], ["positive"] * 2 + ["negative"] * 2, ["x"] * 4))
    cfg = SFTRunConfig(recipe="t", base=tiny_llama_dir, output=str(tmp_path / "o"), max_steps=2, batch_size=2,
                       quantize="always", logging_steps=1)
    trainer, info = build_trainer(cfg, rows, [])
    assert info["four_bit"] is True
    assert any(type(m).__name__ == "Linear4bit" for m in trainer.model.modules())
    quant = trainer.model.base_model.model.config.quantization_config
    assert (quant.bnb_4bit_quant_type if hasattr(quant, "bnb_4bit_quant_type") else quant["bnb_4bit_quant_type"]) == "nf4"
    trainer.train()
    assert trainer.state.global_step == 2


# ------------------------------------------------------------------------------------------------
# resume and merge
# ------------------------------------------------------------------------------------------------

def test_resume_continues_from_last_checkpoint_and_merge_writes_weights(tiny_llama_dir, data_dir, tmp_path, caplog):
    csv = _sentiment_csv(tmp_path / "s.csv", n_extra=6)
    out = tmp_path / "run"
    common = ["finetune", "sentiment", "--data", str(csv), "--base", tiny_llama_dir, "--batch-size", "4",
              "--logging-steps", "1", "--save-steps", "2", "--lr", "1e-3", "--output", str(out)]
    assert _finqa(*common, "--max-steps", "4") == 0
    assert (out / "checkpoint-4").is_dir()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="finetune.sft"):
        assert _finqa(*common, "--max-steps", "6", "--resume", "--merge") == 0
    steps = [int(r.getMessage().split()[1].split("/")[0]) for r in caplog.records
             if r.name == "finetune.sft" and r.getMessage().startswith("step ") and "'loss'" in r.getMessage()]
    assert steps and min(steps) == 5 and max(steps) == 6, steps  # continued at step 5, no restart
    cfg = json.loads((out / "training_config.json").read_text())
    assert cfg["resumed_from"].endswith("checkpoint-4")
    assert json.loads((out / "eval_results.json").read_text())["global_step"] == 6
    from transformers import AutoModelForCausalLM

    merged = AutoModelForCausalLM.from_pretrained(out / "merged")
    assert not any("lora" in n for n, _ in merged.named_parameters())


def test_resume_without_checkpoint_is_a_clear_error(tiny_llama_dir, data_dir, tmp_path, capsys):
    csv = _sentiment_csv(tmp_path / "s.csv")
    rc = _finqa("finetune", "sentiment", "--data", str(csv), "--base", tiny_llama_dir, "--resume",
                "--output", str(tmp_path / "empty"))
    assert rc == 2
    assert "no checkpoint" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# qa recipe
# ------------------------------------------------------------------------------------------------

def test_qa_filters_and_a_few_training_steps(tiny_llama_dir, data_dir, tmp_path):
    from transformers import AutoTokenizer

    from finetune.data_qa import ascii_ratio, load_qa_rows, qa_examples

    long_answer = "Revenue rose 40% in May because demand for advanced chips grew; the company reported strong earnings growth."
    rows = [{"system": "You are finqa.", "user": f"Question {i}: why did TSMC revenue rise?", "assistant": long_answer}
            for i in range(6)]
    rows += [
        {"system": "", "user": "What is a yield curve?", "assistant": ""},           # no assistant text
        {"system": None, "user": "", "assistant": long_answer},                      # no user text
        {"system": "", "user": "Hi", "assistant": "Yes."},                           # too short
        {"system": "", "user": "台積電最近營收如何成長？", "assistant": "台積電營收成長上漲。" * 5},  # not English
    ]
    path = tmp_path / "fi.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    kept, dropped = qa_examples(load_qa_rows(str(path)), tok, min_tokens=30, min_ascii_ratio=0.9)
    assert len(kept) == 6 and dropped == {"missing_text": 2, "too_short": 1, "non_english": 1}
    assert kept[0]["prompt"][0] == {"role": "system", "content": "You are finqa."}
    assert kept[0]["completion"] == [{"role": "assistant", "content": long_answer}]
    assert ascii_ratio("abc台") == 0.75

    out = tmp_path / "qa"
    assert _finqa("finetune", "qa", "--data", str(path), "--base", tiny_llama_dir, "--max-steps", "2",
                  "--batch-size", "2", "--max-length", "64", "--output", str(out)) == 0
    cfg = json.loads((out / "training_config.json").read_text())
    assert cfg["rank"] == 64 and cfg["alpha"] == 128 and cfg["lr"] == 1e-4 and cfg["lr_scheduler"] == "cosine"
    assert cfg["max_length"] == 64 and cfg["data_info"]["dropped"]["non_english"] == 1
    assert set(cfg["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert (out / "adapter_model.safetensors").is_file()


def test_qa_hub_id_offline_and_bad_jsonl_are_clear_errors(tmp_path, monkeypatch):
    from finetune.data_qa import load_qa_rows
    from ingest.errors import FinqaError

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(FinqaError, match="cannot load the dataset"):
        load_qa_rows("Josephgflowers/Finance-Instruct-500k")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"user": "a", "assistant": "b"}\n{not json\n', encoding="utf-8")
    with pytest.raises(FinqaError, match=r"bad.jsonl, line 2"):
        load_qa_rows(str(bad))


# ------------------------------------------------------------------------------------------------
# forecaster recipe
# ------------------------------------------------------------------------------------------------

def _synthetic_bars(codes=("2330", "2454"), days: int = 150):
    from ingest.types import PriceBar

    rng = np.random.default_rng(0)
    bars = []
    for code in codes:
        price = 100.0
        d = date(2024, 1, 1)
        n = 0
        while n < days:
            d += timedelta(days=1)
            if d.weekday() >= 5:
                continue
            price *= float(np.exp(rng.normal(0, 0.015)))
            bars.append(PriceBar(code=code, date=d, open=price * 0.99, high=price * 1.01, low=price * 0.98,
                                 close=round(price, 2), volume=1e6 + n, source="twse"))
            n += 1
    return bars


@pytest.fixture
def price_store(data_dir):
    from ingest.store import open_store

    store = open_store()
    store.upsert_bars(_synthetic_bars())
    return store


def test_time_split_has_no_leakage(price_store):
    from finetune.data_forecaster import build_movement_examples, build_path_examples, time_split

    bars = price_store.all_bars()
    for examples in (build_path_examples(bars, stride=3), build_movement_examples(bars)):
        train, ev = time_split(examples, 0.2)
        assert train and ev
        first_eval = min(e.as_of for e in ev)
        assert max(e.target_end for e in train) < first_eval
        assert all(e.as_of >= first_eval for e in ev)
        # the purge removed the windows whose targets overlap the eval period, nothing else
        assert len(train) == sum(1 for e in examples if e.target_end < first_eval)


def test_movement_candidates_are_strictly_before_the_query(price_store):
    import ast

    from finetune.data_forecaster import build_movement_examples

    examples = build_movement_examples(price_store.all_bars())
    assert examples
    checked = 0
    for ex in examples:
        user = ex.prompt[1]["content"]
        query_date = ex.target_end.isoformat()
        assert f"Query: On {query_date}, the movement of ${ex.code} is [blank]." in user
        assert ex.completion[0]["content"] in ("rise", "fall")
        for line in user.splitlines():
            if line.startswith("{'candidate_sequence'"):
                cand = ast.literal_eval(ast.literal_eval(line)["candidate_sequence"])
                assert cand["candidate_date"] < query_date
                assert max(cand["recent_date_list"]) < query_date
                checked += 1
    assert checked > 0


def test_forecaster_path_recipe_trains_into_the_adapters_dir(price_store, tiny_llama_dir, data_dir):
    assert _finqa("finetune", "forecaster", "--format", "path", "--base", tiny_llama_dir, "--max-steps", "2",
                  "--max-examples", "6", "--batch-size", "2", "--max-length", "512") == 0
    out = Path(data_dir.adapters_dir) / "forecaster-path"
    assert (out / "adapter_model.safetensors").is_file()
    cfg = json.loads((out / "training_config.json").read_text())
    assert cfg["data_info"]["train_last_target"] < cfg["data_info"]["eval_first_as_of"]
    assert cfg["base"] == tiny_llama_dir and cfg["data_info"]["format"] == "path"


def test_forecaster_movement_recipe_trains(price_store, tiny_llama_dir, data_dir, tmp_path):
    out = tmp_path / "mv"
    assert _finqa("finetune", "forecaster", "--format", "movement", "--base", tiny_llama_dir, "--max-steps", "2",
                  "--max-examples", "20", "--batch-size", "2", "--max-length", "4096", "--output", str(out)) == 0
    results = json.loads((out / "eval_results.json").read_text())
    assert results["global_step"] == 2 and "eval_loss" in results
    cfg = json.loads((out / "training_config.json").read_text())
    assert cfg["data_info"]["format"] == "movement" and cfg["train_examples"] > 0 and cfg["eval_examples"] > 0


def test_forecaster_without_prices_is_a_clear_error(data_dir, tiny_llama_dir, capsys):
    assert _finqa("finetune", "forecaster", "--base", tiny_llama_dir) == 2
    assert "no prices in the store" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# accelerate launch
# ------------------------------------------------------------------------------------------------

def test_runs_under_accelerate_launch_with_the_cpu_config(tiny_llama_dir, tmp_path):
    csv = _sentiment_csv(tmp_path / "s.csv")
    out = tmp_path / "acc"
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(REPO / "tests/data/accelerate_cpu.yaml"),
           "-m", "finetune.cli", "--data-dir", str(tmp_path / "data"), "finetune", "sentiment", "--data", str(csv),
           "--base", tiny_llama_dir, "--max-steps", "2", "--logging-steps", "1", "--output", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "step 2/2" in proc.stderr  # the loss line, through logging
    result = json.loads(proc.stdout)  # the result is the only thing on stdout (no Trainer log dicts)
    assert result["global_step"] == 2 and Path(result["output"]) == out
    assert (out / "adapter_model.safetensors").is_file()


# ------------------------------------------------------------------------------------------------
# eval forecast / eval router wiring through the root CLI
# ------------------------------------------------------------------------------------------------

def test_eval_forecast_cli_both_protocols(tmp_path, data_dir, capsys):
    import pandas as pd

    rng = np.random.default_rng(1)
    for sym in ("AAA", "BBB"):
        days = pd.bdate_range("2015-01-01", "2016-01-31")
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, len(days))))
        pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Open": close, "High": close * 1.01, "Low": close * 0.99,
                      "Close": close, "Adj Close": close, "Volume": 1e6}).to_csv(tmp_path / f"{sym}.csv", index=False)
    assert _finqa("eval", "forecast", "--prices", str(tmp_path), "--protocol", "acl18", "--json") == 0
    acl = json.loads(capsys.readouterr().out)
    assert {"n", "accuracy", "mcc", "engine", "baselines"} <= set(acl) and acl["engine"] == "analog"
    assert {"always_rise", "momentum_1d", "reversal_1d", "momentum_5d", "reversal_5d"} <= set(acl["baselines"])
    assert _finqa("eval", "forecast", "--prices", str(tmp_path), "--protocol", "walkforward", "--horizon", "5", "--json") == 0
    wf = json.loads(capsys.readouterr().out)
    assert {"n", "mape", "direction_accuracy", "random_walk", "ratio"} <= set(wf)
    assert wf["ratio"] == pytest.approx(wf["mape"] / wf["random_walk"]["mape"])
    assert _finqa("eval", "forecast", "--prices", str(tmp_path / "nope"), "--json") == 2
    assert "not a folder" in capsys.readouterr().err


def test_eval_router_cli(tmp_path, data_dir, capsys):
    cases = [{"query": "forecast 2330 next 5 days", "route": "forecast", "code": "2330", "horizon_days": 5},
             {"query": "台積電最近新聞情緒如何？", "route": "sentiment", "code": "2330", "horizon_days": None}]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    assert _finqa("eval", "router", "--data", str(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 2 and "route_accuracy" in report
    assert _finqa("eval", "router", "--data", str(tmp_path / "missing.jsonl"), "--json") == 2
    capsys.readouterr()
    for bad_line, message in (("{not json", "2: not JSON"), ("[1, 2]", "2: expected a JSON object"),
                              ('{"query": "x", "route": "chat"}', "2: needs a string 'query'")):
        path.write_text(json.dumps(cases[0]) + "\n" + bad_line + "\n", encoding="utf-8")
        assert _finqa("eval", "router", "--data", str(path), "--json") == 2
        assert f"cases.jsonl:{message}" in capsys.readouterr().err


def test_default_run_folder_and_resume_picks_the_newest_run_with_a_checkpoint(data_dir):
    import argparse

    from finetune.cli import _output_dir
    from ingest.errors import FinqaError

    runs = Path(data_dir.runs_dir)
    with pytest.raises(FinqaError, match="no sentiment-\\* run with a checkpoint"):
        _output_dir(argparse.Namespace(output=None, resume=True), "sentiment")
    (runs / "sentiment-20260101-000000" / "checkpoint-4").mkdir(parents=True)
    (runs / "sentiment-20260102-000000").mkdir(parents=True)  # newer, but never checkpointed
    assert _output_dir(argparse.Namespace(output=None, resume=True), "sentiment") == runs / "sentiment-20260101-000000"
    fresh = _output_dir(argparse.Namespace(output=None, resume=False), "sentiment")
    assert fresh.parent == runs and fresh.name.startswith("sentiment-2")
    assert _output_dir(argparse.Namespace(output="x/y", resume=True), "sentiment") == Path("x/y")
