"""The model manager on real tiny models: loading (plain, LoRA, 4-bit NF4 on CPU), caching,
streaming, option scoring, failures, and the OpenAI-compatible backend against a loopback fake."""
from __future__ import annotations

import contextlib
import math
import socket
import sys
import threading

import pytest
import torch

from assistant.models import ModelUnavailable, get_model_manager, reset_model_manager
from assistant.prompts import MOVEMENT_OPTIONS, SENTIMENT_LABELS_7, render_finseer_prompt, render_sentiment_prompt
from ingest.config import EngineModel
from ingest.errors import FinqaError

MSGS = [
    {"role": "system", "content": "You are a stock analyst."},
    {"role": "user", "content": "Query: On 2025-05-29, the movement of $2330 is [blank]."},
]


WORDS = [" rise", " fall", " stock", " price", " revenue", " TSMC", " strong", " neutral", " positive", " negative"]


@contextlib.contextmanager
def biased_head(model, token_ids, value):
    """Swap the LM head for one with a bias of ``value`` on ``token_ids`` (a model that 'prefers' them)."""
    owner = model.get_base_model() if hasattr(model, "get_base_model") else model
    old = owner.lm_head
    head = torch.nn.Linear(old.in_features, old.out_features, bias=True)
    head.weight = old.weight
    with torch.no_grad():
        head.bias.zero_()
        head.bias[list(token_ids)] = value
    owner.lm_head = head
    try:
        yield
    finally:
        owner.lm_head = old


def word_ids(tok, words=WORDS):
    return sorted({i for w in words for i in tok(w, add_special_tokens=False)["input_ids"][:1]})


def _configure(tiny_settings, **changes):
    import ingest.config as config

    settings = config.configure(**{**tiny_settings.model_dump(), **changes})
    return get_model_manager(settings)


# ------------------------------------------------------------------------------------------ loading


def test_load_is_lazy_cached_and_singleton(tiny_settings, tiny_llama_dir):
    manager = get_model_manager(tiny_settings)
    assert manager is get_model_manager()
    assert manager.loaded() == []
    loaded = manager.load(tiny_settings.forecaster)
    again = manager.load(EngineModel(base=tiny_llama_dir))
    assert again is loaded
    assert manager.load_count == 1
    assert loaded.quantization == "float32" and loaded.device == "cpu"
    import ingest.config as config

    auto = get_model_manager(config.configure(**{**tiny_settings.model_dump(), "torch_dtype": "auto"}))
    assert auto is manager and manager.load(tiny_settings.forecaster) is loaded  # "auto" is float32 on a CPU
    assert type(loaded.model).__name__ == "LlamaForCausalLM"
    assert loaded.name == tiny_llama_dir
    assert manager.unload(loaded) is True
    assert manager.loaded() == []
    assert manager.load(tiny_settings.forecaster) is not loaded
    assert manager.load_count == 2


def test_concurrent_loads_load_once(tiny_settings):
    manager = get_model_manager(tiny_settings)
    results, barrier = [], threading.Barrier(4)

    def work():
        barrier.wait()
        results.append(manager.load(tiny_settings.sentiment))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert manager.load_count == 1


def test_lora_adapter_loads_and_changes_scores(tiny_settings, tiny_lora_dir):
    manager = get_model_manager(tiny_settings)
    base = manager.load(tiny_settings.forecaster)
    tuned = manager.load(tiny_settings.qa)  # base + adapter
    assert tuned is not base
    assert type(tuned.model).__name__ == "PeftModelForCausalLM"
    assert tuned.name.endswith("+ " + tiny_lora_dir)
    p_base = manager.score_options(base, [MSGS], MOVEMENT_OPTIONS)[0]["rise"]
    p_tuned = manager.score_options(tuned, [MSGS], MOVEMENT_OPTIONS)[0]["rise"]
    assert abs(p_base - p_tuned) > 1e-3  # the adapter's random B matrices move the logits


def test_4bit_nf4_through_bitsandbytes_on_cpu(tiny_settings):
    import bitsandbytes as bnb

    manager = _configure(tiny_settings, load_in_4bit="always", torch_dtype="auto")
    loaded = manager.load(EngineModel(base=tiny_settings.forecaster.base))
    assert loaded.quantization == "nf4"
    q_proj = loaded.model.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj, bnb.nn.Linear4bit)
    assert q_proj.weight.quant_state.quant_type == "nf4"
    assert q_proj.weight.quant_state.dtype == torch.bfloat16 or q_proj.compute_dtype == torch.bfloat16
    probs = manager.score_options(loaded, [MSGS], MOVEMENT_OPTIONS)[0]
    assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-9)
    text = manager.generate(loaded, MSGS, max_new_tokens=6)
    assert isinstance(text, str)
    # 4-bit with the adapter on top (QLoRA at inference)
    tuned = manager.load(EngineModel(base=tiny_settings.qa.base, adapter=tiny_settings.qa.adapter))
    assert type(tuned.model).__name__ == "PeftModelForCausalLM" and tuned.quantization == "nf4"


def test_missing_model_is_unavailable_fast_and_remembered(tiny_settings, monkeypatch):
    import transformers

    manager = get_model_manager(tiny_settings)
    spec = EngineModel(base="finqa-test/does-not-exist")
    with pytest.raises(ModelUnavailable) as info:
        manager.load(spec)
    assert info.value.reason == "weights for finqa-test/does-not-exist are not on this machine and the hub is offline"
    assert isinstance(info.value, FinqaError)

    calls = []
    real = transformers.AutoModelForCausalLM.from_pretrained

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", counting)
    with pytest.raises(ModelUnavailable, match="hub is offline"):
        manager.load(spec)
    assert calls == []  # remembered: no second attempt
    manager.unload(spec)  # forgets the failure
    with pytest.raises(ModelUnavailable):
        manager.load(spec)
    assert len(calls) == 1


def test_missing_local_path_and_adapter(tiny_settings, tmp_path):
    manager = get_model_manager(tiny_settings)
    with pytest.raises(ModelUnavailable, match="no weights at .*does not exist"):
        manager.load(EngineModel(base=str(tmp_path / "nope")))
    with pytest.raises(ModelUnavailable, match="adapter for someone/missing-adapter are not on this machine"):
        manager.load(EngineModel(base=tiny_settings.forecaster.base, adapter="someone/missing-adapter"))


def test_cpu_only_never_loads(tiny_settings, monkeypatch):
    import transformers

    def boom(*args, **kwargs):
        raise AssertionError("cpu_only must not load weights")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", boom)
    manager = _configure(tiny_settings, cpu_only=True)
    with pytest.raises(ModelUnavailable, match="cpu_only"):
        manager.load(tiny_settings.qa)
    with pytest.raises(ModelUnavailable, match="CPU tier"):
        _configure(tiny_settings).load(EngineModel(base="x", backend="cpu"))


def test_cuda_oom_and_missing_bitsandbytes_become_unavailable(tiny_settings, monkeypatch):
    import transformers

    manager = get_model_manager(tiny_settings)

    def oom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with monkeypatch.context() as m:
        m.setattr(transformers.AutoModelForCausalLM, "from_pretrained", oom)
        with pytest.raises(ModelUnavailable, match="CUDA ran out of memory loading weights"):
            manager.load(EngineModel(base=tiny_settings.forecaster.base))

    manager = _configure(tiny_settings, load_in_4bit="always")
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)  # import bitsandbytes -> ImportError
    with pytest.raises(ModelUnavailable, match="bitsandbytes"):
        manager.load(EngineModel(base=tiny_settings.sentiment.base))


def test_oom_during_generation_and_scoring(tiny_settings, monkeypatch):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.forecaster)

    def oom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(loaded.model, "generate", oom)
    with pytest.raises(ModelUnavailable, match="out of memory while generating"):
        list(manager.generate_stream(loaded, MSGS, max_new_tokens=4))
    with pytest.raises(ModelUnavailable, match="out of memory while generating"):
        manager.generate(loaded, MSGS, max_new_tokens=4)
    monkeypatch.setattr(loaded.model, "forward", oom)
    with pytest.raises(ModelUnavailable, match="out of memory while scoring"):
        manager.score_options(loaded, [MSGS], MOVEMENT_OPTIONS)


# --------------------------------------------------------------------------------------- generation


def test_streaming_joins_to_greedy_output(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.forecaster)
    # A random model often emits byte soup without spaces (one streamer flush); nudging it
    # towards whole words makes it 'talk', so the streamer has word boundaries to flush at.
    with biased_head(loaded.model, word_ids(loaded.tokenizer), 6.0):
        chunks = list(manager.generate_stream(loaded, MSGS, max_new_tokens=24))
        assert len(chunks) >= 4
        full = manager.generate(loaded, MSGS, max_new_tokens=24)
        assert len(set(full.split())) >= 2  # the model's own choice among the words, not one forced token
        assert full and "".join(chunks) == full
        assert manager.generate(loaded, MSGS, max_new_tokens=24) == full  # greedy: deterministic
        # a raw prompt string works too (BOS added once by the tokenizer)
        raw = render_sentiment_prompt("TSMC revenue rose.")
        raw_chunks = list(manager.generate_stream(loaded, raw, max_new_tokens=12))
        assert len(raw_chunks) >= 2 and "".join(raw_chunks) == manager.generate(loaded, raw, max_new_tokens=12)
    tuned = manager.load(tiny_settings.qa)  # through the LoRA as well
    with biased_head(tuned.model, word_ids(tuned.tokenizer), 6.0):
        chunks = list(manager.generate_stream(tuned, MSGS, max_new_tokens=24))
        assert len(chunks) >= 2 and "".join(chunks) == manager.generate(tuned, MSGS, max_new_tokens=24)


def test_stop_strings_cut_both_paths(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.forecaster)
    with biased_head(loaded.model, word_ids(loaded.tokenizer), 6.0):
        full = manager.generate(loaded, MSGS, max_new_tokens=24)
        words = full.split()
        stop = " " + words[len(words) // 2]
        expected = full[: full.find(stop)]
        assert stop in full and expected != full
        assert manager.generate(loaded, MSGS, max_new_tokens=24, stop=[stop]) == expected
        assert "".join(manager.generate_stream(loaded, MSGS, max_new_tokens=24, stop=[stop])) == expected


def test_concurrent_generation_and_scoring_from_worker_threads(tiny_settings):
    """Gradio calls from several threads at once: results equal the sequential ones."""
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.forecaster)
    prompts = [MSGS, render_sentiment_prompt("TSMC revenue rose."), render_sentiment_prompt("台積電股價下跌")]
    with biased_head(loaded.model, word_ids(loaded.tokenizer), 6.0):
        expected_text = [manager.generate(loaded, p, max_new_tokens=10) for p in prompts]
        expected_scores = manager.score_options(loaded, prompts[1:], ["negative", "positive"])
        results: dict[str, object] = {}
        errors: list[BaseException] = []

        def stream(i):
            try:
                results[f"gen{i}"] = "".join(manager.generate_stream(loaded, prompts[i], max_new_tokens=10))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        def score():
            try:
                results["score"] = manager.score_options(loaded, prompts[1:], ["negative", "positive"])
            except BaseException as exc:  # pragma: no cover
                errors.append(exc)

        threads = [threading.Thread(target=stream, args=(i,)) for i in range(3)] + [threading.Thread(target=score)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert [results[f"gen{i}"] for i in range(3)] == expected_text
    for got, want in zip(results["score"], expected_scores):
        assert got == pytest.approx(want, abs=1e-6)


def test_closing_the_stream_stops_the_worker(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.forecaster)
    stream = manager.generate_stream(loaded, MSGS, max_new_tokens=200)
    first = next(stream)
    assert isinstance(first, str)
    stream.close()
    assert not [t for t in threading.enumerate() if t.name == "finqa-generate"]


# ------------------------------------------------------------------------------------------ scoring


def test_score_options_sum_to_one_deterministic_and_batch_invariant(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.sentiment)
    prompts = [
        render_sentiment_prompt("TSMC revenue rose 40% in May.", labels=7),
        render_sentiment_prompt("台積電股價下跌", labels=7),
        render_sentiment_prompt("x", labels=7),
    ]
    batched = manager.score_options(loaded, prompts, SENTIMENT_LABELS_7, batch_size=64)
    assert len(batched) == 3
    for row in batched:
        assert list(row) == SENTIMENT_LABELS_7
        assert math.isclose(sum(row.values()), 1.0, abs_tol=1e-9)
        assert all(0.0 < p < 1.0 for p in row.values())
    assert manager.score_options(loaded, prompts, SENTIMENT_LABELS_7, batch_size=64) == batched
    one_by_one = [manager.score_options(loaded, [p], SENTIMENT_LABELS_7, batch_size=1)[0] for p in prompts[:1]]
    chunked = manager.score_options(loaded, prompts, SENTIMENT_LABELS_7, batch_size=5)
    for a, c in zip(batched, chunked):
        assert all(abs(a[label] - c[label]) < 1e-4 for label in SENTIMENT_LABELS_7)
    for a, b in zip(batched, one_by_one):
        assert all(abs(a[label] - b[label]) < 1e-4 for label in SENTIMENT_LABELS_7)
    assert batched[0] != batched[1]  # the prompt matters


def test_option_logprobs_equal_manual_computation(tiny_settings):
    """Summed log-probs of the option tokens, checked against a plain unbatched forward pass."""
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.sentiment)
    tok, model = loaded.tokenizer, loaded.model
    prompt = render_sentiment_prompt("Shares fell.")  # ends in "Answer: "
    got = manager.option_logprobs(loaded, [prompt], ["negative", "strong negative"])[0]
    for option, value in zip(["negative", "strong negative"], got):
        p_ids = tok(prompt.rstrip(" "))["input_ids"]
        o_ids = tok(" " + option, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([p_ids + o_ids])).logits[0].log_softmax(-1)
        manual = sum(float(logits[len(p_ids) - 1 + j, t]) for j, t in enumerate(o_ids))
        assert abs(manual - value) < 1e-4
    # trailing space of the prompt moves onto the option: same text, same score
    same = manager.option_logprobs(loaded, [prompt.rstrip(" ")], [" negative", " strong negative"])[0]
    assert all(abs(a - b) < 1e-6 for a, b in zip(got, same))


def test_scoring_falls_back_to_full_logits_for_models_without_logits_to_keep(tiny_settings, monkeypatch):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.sentiment)
    prompts = [render_sentiment_prompt("Shares fell."), render_sentiment_prompt("台積電營收創新高")]
    fast = manager.score_options(loaded, prompts, SENTIMENT_LABELS_7)
    real_forward = loaded.model.forward
    seen = []

    def old_style_forward(*args, **kwargs):
        seen.append("logits_to_keep" in kwargs)
        if "logits_to_keep" in kwargs:
            raise TypeError("forward() got an unexpected keyword argument 'logits_to_keep'")
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(loaded.model, "forward", old_style_forward)
    slow = manager.score_options(loaded, prompts, SENTIMENT_LABELS_7)
    assert True in seen and False in seen  # tried the cheap path, then the full one
    for a, b in zip(fast, slow):
        assert all(abs(a[k] - b[k]) < 1e-5 for k in SENTIMENT_LABELS_7)


def test_scores_follow_the_models_preference(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(EngineModel(base=tiny_settings.forecaster.base))
    tok, model = loaded.tokenizer, loaded.model
    query = {"query_stock": "2330", "query_date": "2025-05-29", "recent_date_list": ["2025-05-28"],
             "adjusted_close_list": [1000.0]}
    prompt = render_finseer_prompt(query, [], "2330", "2025-05-29")
    before = manager.score_options(loaded, [prompt], MOVEMENT_OPTIONS)[0]

    for option, other in (("rise", "fall"), ("fall", "rise")):
        with biased_head(model, tok(option, add_special_tokens=False)["input_ids"], 30.0):
            after = manager.score_options(loaded, [prompt], MOVEMENT_OPTIONS)[0]
        assert after[option] > 0.99 and after[option] > before[option]
        assert math.isclose(after[option] + after[other], 1.0, abs_tol=1e-9)
    assert manager.score_options(loaded, [prompt], MOVEMENT_OPTIONS)[0] == pytest.approx(before)


def test_score_options_bad_input(tiny_settings):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(tiny_settings.sentiment)
    with pytest.raises(FinqaError, match="at least one option"):
        manager.score_options(loaded, ["x"], [])
    with pytest.raises(FinqaError, match="duplicate"):
        manager.score_options(loaded, ["x"], ["rise", "rise"])
    assert manager.score_options(loaded, [], MOVEMENT_OPTIONS) == []


# ------------------------------------------------------------------------------------ openai backend


def _openai_spec(server, base="served-model"):
    return EngineModel(base=base, backend="openai", openai_base_url=server.base_url, openai_model="finqa-served")


def test_openai_backend_streams_chat_and_completions(tiny_settings, fake_openai):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(_openai_spec(fake_openai))
    assert loaded.backend == "openai" and manager.load(_openai_spec(fake_openai)) is loaded
    chunks = list(manager.generate_stream(loaded, MSGS, max_new_tokens=50))
    assert len(chunks) > 3 and "".join(chunks) == fake_openai.reply
    path, body = fake_openai.requests[-1]
    assert path == "/v1/chat/completions" and body["stream"] is True
    assert body["model"] == "finqa-served" and body["messages"] == MSGS and body["max_tokens"] == 50
    assert manager.generate(loaded, "Answer: ", max_new_tokens=3) == "TSMC revenue rose"
    assert fake_openai.requests[-1][0] == "/v1/completions"


def test_openai_backend_scores_by_prompt_logprobs(tiny_settings, fake_openai):
    fake_openai.token_logprobs = {" rise": -0.2, " fall": -1.6, " negative": -0.5, " positive": -2.5}
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(_openai_spec(fake_openai))
    probs = manager.score_options(loaded, ["Query: movement is", "Answer: "], [" rise", " fall"], batch_size=2)
    expected_rise = 1 / (1 + math.exp(-1.6 + 0.2))
    assert probs[0][" rise"] == pytest.approx(expected_rise, abs=1e-12)
    sentiment = manager.score_options(loaded, [render_sentiment_prompt("x")], ["negative", "neutral", "positive"])[0]
    z = math.exp(-0.5) + math.exp(-3.0) + math.exp(-2.5)
    assert sentiment["negative"] == pytest.approx(math.exp(-0.5) / z, abs=1e-12)
    echo_calls = [b for p, b in fake_openai.requests if b.get("echo")]
    assert echo_calls and all(b["max_tokens"] == 0 and b["logprobs"] == 1 for b in echo_calls)
    assert all(len(b["prompt"]) <= 2 for b in echo_calls[:3])  # chunked by batch_size


def test_openai_backend_scores_chat_prompts_with_local_template(tiny_settings, fake_openai, tiny_llama_dir):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(_openai_spec(fake_openai, base=tiny_llama_dir))
    probs = manager.score_options(loaded, [MSGS], MOVEMENT_OPTIONS)[0]
    assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-9)
    sent = fake_openai.requests[-1][1]["prompt"][0]
    assert sent.startswith("<|start_header_id|>system") and sent.endswith("<|end_header_id|>\n\n")
    nameless = manager.load(_openai_spec(fake_openai, base="finqa-test/no-tokenizer"))
    with pytest.raises(ModelUnavailable, match="chat template"):
        manager.score_options(nameless, [MSGS], MOVEMENT_OPTIONS)


def test_openai_backend_errors(tiny_settings, fake_openai):
    manager = get_model_manager(tiny_settings)
    loaded = manager.load(_openai_spec(fake_openai))
    hostport = f"127.0.0.1:{fake_openai.port}"

    fake_openai.refuse_echo = True
    with pytest.raises(ModelUnavailable, match="HTTP 400: echo is not supported"):
        manager.score_options(loaded, ["Answer:"], [" rise", " fall"])
    fake_openai.refuse_echo = False

    fake_openai.stream_error = True
    with pytest.raises(ModelUnavailable, match="failed mid-answer: engine crashed"):
        list(manager.generate_stream(loaded, MSGS, max_new_tokens=20))
    fake_openai.stream_error = False

    fake_openai.fail_status = 500
    with pytest.raises(ModelUnavailable) as info:
        list(manager.generate_stream(loaded, MSGS, max_new_tokens=5))
    assert hostport in info.value.reason and "HTTP 500" in info.value.reason

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    dead = EngineModel(base="m", backend="openai", openai_base_url=f"http://127.0.0.1:{free_port}", openai_model="m")
    with pytest.raises(ModelUnavailable, match=f"127.0.0.1:{free_port} is not reachable"):
        list(manager.generate_stream(manager.load(dead), MSGS, max_new_tokens=5))
    with pytest.raises(ModelUnavailable, match="needs openai_base_url"):
        manager.load(EngineModel(base="m", backend="openai"))


def test_reset_model_manager_drops_everything(tiny_settings):
    manager = get_model_manager(tiny_settings)
    manager.load(tiny_settings.forecaster)
    reset_model_manager()
    fresh = get_model_manager(tiny_settings)
    assert fresh is not manager and fresh.loaded() == [] and manager.loaded() == []


# ----------------------------------------------------------------------------------------- fixtures


def test_tiny_fixture_is_a_llama3_style_model(tiny_llama_dir, tiny_lora_dir):
    import json
    from pathlib import Path

    from transformers import AutoConfig, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_llama_dir)
    config = AutoConfig.from_pretrained(tiny_llama_dir)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (64, 2, 4)
    assert config.vocab_size == len(tok)
    for special in ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"):
        assert len(tok(special, add_special_tokens=False)["input_ids"]) == 1
    assert tok("rise")["input_ids"][0] == tok.bos_token_id  # BOS prepended like Llama 3
    assert tok.eos_token == "<|eot_id|>" and tok.pad_token_id not in (None, tok.eos_token_id)
    assert tok.decode(tok("台積電 1,234.5 rise")["input_ids"], skip_special_tokens=True) == "台積電 1,234.5 rise"
    # assistant-only masks for TRL come from the {% generation %} block of the template
    out = tok.apply_chat_template(
        [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "rise"}],
        tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
    )
    kept = [i for i, m in zip(out["input_ids"], out["assistant_masks"]) if m]
    assert tok.decode(kept) == "rise<|eot_id|>"
    adapter = json.loads((Path(tiny_lora_dir) / "adapter_config.json").read_text())
    assert sorted(adapter["target_modules"]) == ["q_proj", "v_proj"]


def test_hub_models_are_not_loaded_without_a_gpu_unless_asked(tiny_settings, monkeypatch):
    """On a CPU-only machine a hub id is not downloaded: the CPU tier answers, and says why."""
    import transformers

    import ingest.config as config

    settings = config.configure(**{**tiny_settings.model_dump(), "load_models_on_cpu": False})
    manager = get_model_manager(settings)
    monkeypatch.setattr("assistant.models._cuda_available", lambda: False)
    # A local directory still loads on the CPU (the tiny model).
    assert manager.load(EngineModel(base=tiny_settings.forecaster.base)).model is not None
    calls = []
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained",
                        lambda *a, **k: calls.append(a))
    with pytest.raises(ModelUnavailable, match="no GPU on this machine.*FINQA_LOAD_MODELS_ON_CPU"):
        manager.load(EngineModel(base="meta-llama/Llama-3.1-8B-Instruct"))
    assert calls == []


def test_precheck_tells_the_tier_before_any_load(tiny_settings, monkeypatch):
    """The side panel knows a hub model will not load on a CPU machine without trying it."""
    import ingest.config as config

    settings = config.configure(**{**tiny_settings.model_dump(), "load_models_on_cpu": False})
    manager = get_model_manager(settings)
    monkeypatch.setattr("assistant.models._cuda_available", lambda: False)
    assert "no GPU" in manager.precheck(EngineModel(base="TheFinAI/StockLLM"))
    assert manager.precheck(EngineModel(base=tiny_settings.forecaster.base)) is None
    assert "cpu_only" in get_model_manager(settings.model_copy(update={"cpu_only": True})).precheck(
        EngineModel(base=tiny_settings.forecaster.base))
