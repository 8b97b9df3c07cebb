"""One model manager for the whole process: lazy loading, caching, streaming, option scoring.

Why one manager: an 8B model takes most of a GPU, so the three engines must share loaded weights
and never load the same (base, adapter, quantisation) twice; and Gradio calls us from several
worker threads at once, so loading is serialised by a lock while generation runs concurrently.

Why ``ModelUnavailable``: every way a model can fail to come up (no weights offline, a typo in a
path, no bitsandbytes, CUDA out of memory, a model server that is down) becomes one error with a
short human reason. Engines catch it and answer with their CPU tier, quoting the reason. Failures
are remembered, so the next question falls back immediately instead of retrying a 30 s load.

Two backends share the API: ``transformers`` (local weights, optional peft LoRA and 4-bit NF4)
and ``openai`` (a vLLM/TGI server; see :mod:`assistant.openai_backend`).
"""
from __future__ import annotations

import gc
import importlib
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ingest.errors import FinqaError

if TYPE_CHECKING:  # pragma: no cover
    from ingest.config import EngineModel, Settings

logger = logging.getLogger(__name__)

Messages = list[dict[str, str]]
PromptLike = str | Messages

DEFAULT_SCORE_BATCH_SIZE = 16


class ModelUnavailable(FinqaError):
    """A model could not be loaded or run; ``reason`` is a short sentence for the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class LoadedModel:
    """A ready model: weights + tokenizer (transformers) or a client (openai)."""

    spec: "EngineModel"
    key: tuple
    backend: str
    model: Any = None
    tokenizer: Any = None
    client: Any = None  # OpenAIBackend for backend == "openai"
    quantization: str = "none"  # "nf4" or the torch dtype name
    device: str = "cpu"
    # One lock per model for generation on CPU: two concurrent generate() calls on 2 cores only
    # thrash; on CUDA they run concurrently.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Rust fast tokenizers raise "Already borrowed" when one thread changes padding/truncation
    # while another encodes; our encodes from Gradio worker threads take this lock.
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def name(self) -> str:
        """What answered, for the "which engine answered" line: ``base (+ adapter)``."""
        if self.backend == "openai":
            return f"{self.spec.openai_model or self.spec.base} @ {self.spec.openai_base_url}"
        return self.spec.base + (f" + {self.spec.adapter}" if self.spec.adapter else "")


# ------------------------------------------------------------------------------------------ helpers


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        return False


def _hub_offline() -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except Exception:  # pragma: no cover
        return False


def _looks_like_path(name: str) -> bool:
    return os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name)


def _is_oom(exc: BaseException) -> bool:
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return "out of memory" in str(exc).lower() and isinstance(exc, RuntimeError)


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:limit]


def describe_load_failure(what: str, name: str, exc: BaseException) -> str:
    """A short reason for a failed load of ``what`` ("weights"/"adapter") ``name``."""
    if _is_oom(exc):
        return f"CUDA ran out of memory loading {what} {name}"
    if isinstance(exc, ImportError):
        return f"a package needed to load {what} {name} is missing ({_first_line(exc)})"
    if _looks_like_path(name):
        if not os.path.exists(os.path.expanduser(name)):
            return f"no {what} at {name}: the path does not exist"
        return f"{what} at {name} could not be loaded ({_first_line(exc)})"
    if isinstance(exc, (OSError, ValueError)) or "huggingface_hub" in type(exc).__module__:
        if _hub_offline():
            return f"{what} for {name} are not on this machine and the hub is offline"
        return f"{what} for {name} are not on this machine and could not be downloaded ({_first_line(exc)})"
    return f"{what} {name} could not be loaded ({type(exc).__name__}: {_first_line(exc)})"


def _resolve_dtype(settings: "Settings", cuda: bool):
    import torch

    name = (settings.torch_dtype or "auto").lower()
    if name == "auto":
        return torch.bfloat16 if cuda else torch.float32
    dtype = getattr(torch, name.replace("torch.", ""), None)
    if not isinstance(dtype, torch.dtype):
        raise ModelUnavailable(f"unknown torch_dtype {settings.torch_dtype!r} in the settings")
    return dtype


def _use_4bit(settings: "Settings", cuda: bool) -> bool:
    return settings.load_in_4bit == "always" or (settings.load_in_4bit == "auto" and cuda)


def _move_trailing_spaces(prompt: str, option: str) -> tuple[str, str]:
    """Shift spaces/tabs at the end of the prompt onto the option; the joined text is unchanged.

    Prompts such as FinGPT's ``...Answer: `` end in a space, and BPE tokenisers attach a space to
    the *following* word (`` negative`` is one token). Training tokenised ``prompt + label`` as one
    string, so scoring must see `` negative`` too, not ``" "`` + ``negative``.
    """
    stripped = prompt.rstrip(" \t")
    return stripped, prompt[len(stripped):] + option


# ------------------------------------------------------------------------------------------ manager


class ModelManager:
    """Loads, caches and runs models for every engine (use :func:`get_model_manager`)."""

    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._cache: dict[tuple, LoadedModel] = {}
        self._failures: dict[tuple, str] = {}
        self.load_count = 0  # number of real loads performed (tests and logs)

    # ---------------------------------------------------------------- loading
    def _key(self, spec: "EngineModel") -> tuple:
        if spec.backend == "openai":
            return ("openai", spec.openai_base_url, spec.openai_model, spec.base)
        cuda = _cuda_available()
        # the resolved dtype, so "auto" and "float32" on a CPU share one cache entry
        quant = "nf4" if _use_4bit(self.settings, cuda) else str(_resolve_dtype(self.settings, cuda)).replace("torch.", "")
        return ("transformers", spec.base, spec.adapter, quant, self.settings.device_map if cuda else None)

    def precheck(self, spec: "EngineModel") -> str | None:
        """Why ``spec`` would not load, known without trying (None: it is loaded or may load).

        The side panel uses it to show the tier that will really answer before the first question.
        """
        if self.settings.cpu_only:
            return "models are switched off (cpu_only / FINQA_CPU_ONLY is set)"
        if spec.backend == "cpu":
            return "this engine is configured to use its CPU tier (backend = cpu)"
        key = self._key(spec)
        with self._lock:
            if key in self._cache:
                return None
            if key in self._failures:
                return self._failures[key]
        if (spec.backend == "transformers" and not self.settings.load_models_on_cpu
                and not _looks_like_path(spec.base) and not _cuda_available()):
            return (f"no GPU on this machine, so {spec.base} is not loaded (set FINQA_LOAD_MODELS_ON_CPU=1 "
                    f"to load it on the CPU anyway)")
        return None

    def load(self, spec: "EngineModel") -> LoadedModel:
        """The loaded model for ``spec``, loading it on first use; raises :class:`ModelUnavailable`."""
        key = self._key(spec)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            reason = self.precheck(spec)
            if reason is not None:
                raise ModelUnavailable(reason)
            try:
                loaded = self._load_openai(spec, key) if spec.backend == "openai" else self._load_transformers(spec, key)
            except ModelUnavailable as exc:
                self._failures[key] = exc.reason
                logger.warning("model unavailable: %s", exc.reason)
                raise
            self._cache[key] = loaded
            return loaded

    def _load_openai(self, spec: "EngineModel", key: tuple) -> LoadedModel:
        from assistant.openai_backend import OpenAIBackend

        if not spec.openai_base_url:
            raise ModelUnavailable("backend = openai needs openai_base_url in the settings")
        client = OpenAIBackend(
            spec.openai_base_url, spec.openai_model or spec.base, timeout=self.settings.http_timeout_s
        )
        tokenizer = None
        try:  # only to render chat messages as text for prompt scoring; the server does the rest
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(spec.base)
        except Exception as exc:
            logger.debug("no local tokenizer for %s (%s); chat prompts cannot be scored", spec.base, exc)
        return LoadedModel(spec=spec, key=key, backend="openai", client=client, tokenizer=tokenizer,
                           quantization="server", device="remote")

    def _load_transformers(self, spec: "EngineModel", key: tuple) -> LoadedModel:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - torch/transformers are dependencies
            raise ModelUnavailable(f"transformers/torch are not installed ({exc})") from exc

        cuda = _cuda_available()
        dtype = _resolve_dtype(self.settings, cuda)
        kwargs: dict[str, Any] = {"dtype": dtype}
        quant = str(dtype).replace("torch.", "")
        if _use_4bit(self.settings, cuda):
            try:
                importlib.import_module("bitsandbytes")  # fail here with a clear reason, not deep inside
                from transformers import BitsAndBytesConfig
            except ImportError as exc:
                raise ModelUnavailable(f"4-bit loading needs bitsandbytes, which is missing ({exc})") from exc
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_compute_dtype=torch.bfloat16,
                bnb_4bit_use_double_quant=True,
            )
            quant = "nf4"
        device_map = self.settings.device_map if cuda else None
        if device_map:
            kwargs["device_map"] = device_map
        elif "quantization_config" in kwargs:
            kwargs["device_map"] = {"": "cpu"}

        logger.info("loading %s (%s%s)", spec.base, quant, f", adapter {spec.adapter}" if spec.adapter else "")
        try:
            model = AutoModelForCausalLM.from_pretrained(spec.base, **kwargs)
        except Exception as exc:  # every failure becomes a reason the user can read
            raise ModelUnavailable(describe_load_failure("weights", spec.base, exc)) from exc
        source = self._tokenizer_source(spec)
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
        except Exception as exc:
            model = None  # free the weights before reporting
            self._free_memory()
            raise ModelUnavailable(describe_load_failure("tokenizer", source, exc)) from exc
        if spec.adapter:
            try:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, spec.adapter)
            except Exception as exc:
                model = None
                self._free_memory()
                raise ModelUnavailable(describe_load_failure("adapter", spec.adapter, exc)) from exc
        model.eval()
        if tokenizer.pad_token_id is None:
            # Batched scoring needs a pad id; padded positions are masked, so any id works.
            tokenizer.pad_token = tokenizer.eos_token
        device = str(next(model.parameters()).device)
        self.load_count += 1
        return LoadedModel(spec=spec, key=key, backend="transformers", model=model, tokenizer=tokenizer,
                           quantization=quant, device=device)

    @staticmethod
    def _tokenizer_source(spec: "EngineModel") -> str:
        """A local adapter folder written by our recipes holds the tokenizer it was trained with."""
        if spec.adapter and os.path.isfile(os.path.join(spec.adapter, "tokenizer_config.json")):
            return spec.adapter
        return spec.base

    def unload(self, spec: "EngineModel | LoadedModel") -> bool:
        """Drop one model (and its remembered failure); True if something was loaded."""
        key = spec.key if isinstance(spec, LoadedModel) else self._key(spec)
        with self._lock:
            self._failures.pop(key, None)
            found = self._cache.pop(key, None) is not None
        if found:
            self._free_memory()
        return found

    def unload_all(self) -> None:
        """Drop every loaded model and every remembered failure."""
        with self._lock:
            self._cache.clear()
            self._failures.clear()
        self._free_memory()

    def reset_failures(self) -> None:
        """Forget remembered failures (after weights were copied in, a server came back, ...)."""
        with self._lock:
            self._failures.clear()

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._cache.values())

    @staticmethod
    def _free_memory() -> None:
        gc.collect()
        if _cuda_available():
            import torch

            torch.cuda.empty_cache()

    # ---------------------------------------------------------------- prompts
    def _render(self, loaded: LoadedModel, prompt: PromptLike) -> str:
        """Chat messages through the tokenizer's chat template (with the assistant header), or as is."""
        if isinstance(prompt, str):
            return prompt
        with loaded.tokenizer_lock:
            return loaded.tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)

    @staticmethod
    def _encode(loaded: LoadedModel, text: str, *, special: bool | None = None) -> list[int]:
        """Token ids; BOS exactly once (chat templates already write it into the text).

        ``special=None`` adds special tokens unless the text already starts with BOS.
        """
        tokenizer = loaded.tokenizer
        if special is None:
            bos = tokenizer.bos_token
            special = not (bos and text.startswith(bos))
        with loaded.tokenizer_lock:
            return list(tokenizer(text, add_special_tokens=special)["input_ids"])

    # ---------------------------------------------------------------- generation
    def generate_stream(
        self,
        loaded: LoadedModel,
        messages_or_prompt: PromptLike,
        *,
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """Yield text pieces as they are generated (greedy when ``temperature`` is 0).

        Generation runs in a worker thread feeding a ``TextIteratorStreamer``; closing the
        iterator early (a user who stops the answer) stops the worker at the next token.
        CUDA out of memory becomes :class:`ModelUnavailable`.
        """
        max_new_tokens = max_new_tokens or self.settings.max_new_tokens
        if loaded.backend == "openai":
            yield from loaded.client.generate_stream(
                messages_or_prompt, max_new_tokens=max_new_tokens, temperature=temperature, stop=stop
            )
            return
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        import torch

        tokenizer, model = loaded.tokenizer, loaded.model
        ids = self._encode(loaded, self._render(loaded, messages_or_prompt))
        input_ids = torch.tensor([ids], device=loaded.device)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel = threading.Event()
        error: list[BaseException] = []

        class _Cancel(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device)

        gen_kwargs = self._generation_kwargs(loaded, max_new_tokens, temperature, stop)
        gen_kwargs["stopping_criteria"] = StoppingCriteriaList([_Cancel()])

        def work() -> None:
            try:
                with loaded.lock if loaded.device == "cpu" else _nullcontext():
                    with torch.inference_mode():
                        model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                       streamer=streamer, **gen_kwargs)
            except BaseException as exc:  # surfaced in the consumer thread below
                error.append(exc)
                streamer.end()

        worker = threading.Thread(target=work, name="finqa-generate", daemon=True)
        worker.start()
        text = ""
        emitted = 0
        try:
            for piece in streamer:
                text += piece
                cut = _stop_index(text, stop)
                if cut is not None:
                    if cut > emitted:
                        yield text[emitted:cut]
                    emitted = cut
                    break
                # hold back a possible partial stop string at the end
                safe = len(text) - _partial_stop_len(text, stop)
                if safe > emitted:
                    yield text[emitted:safe]
                    emitted = safe
            else:
                if len(text) > emitted and _stop_index(text, stop) is None:
                    yield text[emitted:]
        finally:
            cancel.set()
            worker.join()
        if error:
            exc = error[0]
            if _is_oom(exc):
                self._free_memory()
                raise ModelUnavailable(f"CUDA ran out of memory while generating with {loaded.name}") from exc
            raise exc

    def generate(
        self,
        loaded: LoadedModel,
        messages_or_prompt: PromptLike,
        *,
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The whole answer at once (one ``model.generate`` call, no streamer)."""
        max_new_tokens = max_new_tokens or self.settings.max_new_tokens
        if loaded.backend == "openai":
            return "".join(loaded.client.generate_stream(
                messages_or_prompt, max_new_tokens=max_new_tokens, temperature=temperature, stop=stop))
        import torch

        ids = self._encode(loaded, self._render(loaded, messages_or_prompt))
        input_ids = torch.tensor([ids], device=loaded.device)
        try:
            with loaded.lock if loaded.device == "cpu" else _nullcontext():
                with torch.inference_mode():
                    out = loaded.model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                                **self._generation_kwargs(loaded, max_new_tokens, temperature, stop))
        except Exception as exc:
            if _is_oom(exc):
                self._free_memory()
                raise ModelUnavailable(f"CUDA ran out of memory while generating with {loaded.name}") from exc
            raise
        text = loaded.tokenizer.decode(out[0, input_ids.shape[1]:], skip_special_tokens=True)
        cut = _stop_index(text, stop)
        return text if cut is None else text[:cut]

    def _generation_kwargs(
        self, loaded: LoadedModel, max_new_tokens: int, temperature: float, stop: Sequence[str] | None
    ) -> dict[str, Any]:
        tok = loaded.tokenizer
        kwargs: dict[str, Any] = {"max_new_tokens": int(max_new_tokens), "pad_token_id": tok.pad_token_id}
        eos = [i for i in {tok.eos_token_id, tok.convert_tokens_to_ids("<|eot_id|>")} if isinstance(i, int) and i >= 0
               and i != tok.unk_token_id]
        if eos:
            kwargs["eos_token_id"] = sorted(eos)
        if temperature and temperature > 0:
            kwargs.update(do_sample=True, temperature=float(temperature))
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=list(stop), tokenizer=tok)
        return kwargs

    # ---------------------------------------------------------------- scoring
    def option_logprobs(
        self,
        loaded: LoadedModel,
        prompts: Sequence[PromptLike],
        options: Sequence[str],
        *,
        batch_size: int | None = None,
    ) -> list[list[float]]:
        """Summed log-likelihood of each option's tokens after each prompt: ``[prompt][option]``.

        Prompt and option are tokenised separately and the ids concatenated (after moving trailing
        spaces onto the option, see :func:`_move_trailing_spaces`), so the option's tokens are
        exactly those of the option text and never merge with the prompt's last token. All
        prompt x option pairs run through the model in right-padded batches of ``batch_size``
        (``settings.score_batch_size``, default 16); only the logits at option positions are
        projected onto the vocabulary, which keeps a 128k vocabulary affordable.
        """
        options = list(options)
        if not options:
            raise FinqaError("score_options needs at least one option")
        if len(set(options)) != len(options):
            raise FinqaError(f"score_options got duplicate options: {options}")
        if loaded.backend == "openai":
            texts = [self._render_text_for_server(loaded, p) for p in prompts]
            return loaded.client.option_logprobs(texts, options, batch_size=batch_size or self._score_batch_size())
        import torch

        tok = loaded.tokenizer
        pairs: list[tuple[list[int], list[int]]] = []
        for prompt in prompts:
            text = self._render(loaded, prompt)
            for option in options:
                p_text, o_text = _move_trailing_spaces(text, option)
                p_ids = self._encode(loaded, p_text)
                o_ids = self._encode(loaded, o_text, special=False)
                if not o_ids:
                    raise FinqaError(f"option {option!r} has no tokens")
                pairs.append((p_ids, o_ids))
        size = max(1, int(batch_size or self._score_batch_size()))
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        scores = [0.0] * len(pairs)
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            lengths = [len(pairs[i][0]) + len(pairs[i][1]) for i in chunk]
            width = max(lengths)
            max_opt = max(len(pairs[i][1]) for i in chunk)
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            # positions whose logits predict option tokens: p_len-1 ... p_len+o_len-2
            positions = torch.zeros((len(chunk), max_opt), dtype=torch.long)
            targets = torch.full((len(chunk), max_opt), -1, dtype=torch.long)
            for row, i in enumerate(chunk):
                p_ids, o_ids = pairs[i]
                seq = p_ids + o_ids
                input_ids[row, : len(seq)] = torch.tensor(seq)
                mask[row, : len(seq)] = 1
                n = len(o_ids)
                positions[row, :n] = torch.arange(len(p_ids) - 1, len(p_ids) - 1 + n)
                positions[row, n:] = len(p_ids) - 1  # padding slots, ignored through targets = -1
                targets[row, :n] = torch.tensor(o_ids)
            logits = self._option_logits(loaded, input_ids, mask, positions)
            logp = torch.log_softmax(logits.float(), dim=-1)
            valid = targets >= 0
            picked = torch.gather(logp, 2, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            sums = (picked * valid).sum(dim=1)
            for row, i in enumerate(chunk):
                scores[i] = float(sums[row])
        n_opt = len(options)
        return [scores[k * n_opt:(k + 1) * n_opt] for k in range(len(prompts))]

    def _option_logits(self, loaded: LoadedModel, input_ids: Any, mask: Any, positions: Any) -> Any:
        """Logits at ``positions`` (batch, k) only; falls back to full logits on older models."""
        import torch

        model = loaded.model
        input_ids, mask, positions = (t.to(loaded.device) for t in (input_ids, mask, positions))
        try:
            with loaded.lock if loaded.device == "cpu" else _nullcontext():
                with torch.inference_mode():
                    try:
                        out = model(input_ids=input_ids, attention_mask=mask, logits_to_keep=positions, use_cache=False)
                        if out.logits.shape[:2] == positions.shape:
                            return out.logits
                    except (TypeError, IndexError, RuntimeError) as exc:
                        if _is_oom(exc):
                            raise
                        logger.debug("logits_to_keep with positions unsupported (%s); using full logits", exc)
                    out = model(input_ids=input_ids, attention_mask=mask, use_cache=False)
                    return torch.take_along_dim(out.logits, positions.unsqueeze(-1), dim=1)
        except Exception as exc:
            if _is_oom(exc):
                self._free_memory()
                raise ModelUnavailable(f"CUDA ran out of memory while scoring with {loaded.name}") from exc
            raise

    def score_options(
        self,
        loaded: LoadedModel,
        prompts: Sequence[PromptLike],
        options: Sequence[str],
        *,
        batch_size: int | None = None,
    ) -> list[dict[str, float]]:
        """For each prompt, P(option) over ``options`` (softmax of summed token log-likelihoods).

        Summed, not length-averaged: the sum is the log-probability of the whole option text, the
        quantity FinSeer and FinGPT-style label scoring mean; averaging would favour long labels
        whose later tokens are near-certain once the first is chosen. No sampling, no parsing.
        """
        rows = self.option_logprobs(loaded, prompts, options, batch_size=batch_size)
        return [_softmax_dict(options, row) for row in rows]

    def _score_batch_size(self) -> int:
        return int(getattr(self.settings, "score_batch_size", DEFAULT_SCORE_BATCH_SIZE) or DEFAULT_SCORE_BATCH_SIZE)

    def _render_text_for_server(self, loaded: LoadedModel, prompt: PromptLike) -> str:
        """Servers score raw text: chat messages are rendered with the model's local tokenizer.

        The leading BOS the chat template writes is dropped because the server adds its own.
        """
        if isinstance(prompt, str):
            return prompt
        if loaded.tokenizer is None or not getattr(loaded.tokenizer, "chat_template", None):
            raise ModelUnavailable(
                f"scoring chat prompts on {loaded.name} needs the chat template of {loaded.spec.base}, "
                "whose tokenizer is not on this machine"
            )
        text = self._render(loaded, prompt)
        bos = loaded.tokenizer.bos_token
        return text[len(bos):] if bos and text.startswith(bos) else text


def _softmax_dict(options: Sequence[str], logps: Sequence[float]) -> dict[str, float]:
    top = max(logps)
    exps = [math.exp(x - top) for x in logps]
    total = sum(exps)
    return {o: e / total for o, e in zip(options, exps)}


def _stop_index(text: str, stop: Sequence[str] | None) -> int | None:
    if not stop:
        return None
    hits = [text.find(s) for s in stop if s and s in text]
    return min(hits) if hits else None


def _partial_stop_len(text: str, stop: Sequence[str] | None) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of a stop string."""
    best = 0
    for s in stop or []:
        for n in range(min(len(s) - 1, len(text)), 0, -1):
            if text.endswith(s[:n]):
                best = max(best, n)
                break
    return best


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


# ------------------------------------------------------------------------------------------ singleton

_manager: ModelManager | None = None
_manager_lock = threading.Lock()


def get_model_manager(settings: "Settings | None" = None) -> ModelManager:
    """The process-wide manager; passing settings makes later loads use them (cache is kept)."""
    global _manager
    with _manager_lock:
        if settings is None:
            from ingest.config import get_settings

            settings = get_settings() if _manager is None else _manager.settings
        if _manager is None:
            _manager = ModelManager(settings)
        elif settings is not _manager.settings:
            _manager.settings = settings
        return _manager


def reset_model_manager() -> None:
    """Unload everything and forget the singleton (tests, or after changing model settings)."""
    global _manager
    with _manager_lock:
        if _manager is not None:
            _manager.unload_all()
        _manager = None


__all__ = ["LoadedModel", "ModelManager", "ModelUnavailable", "describe_load_failure", "get_model_manager",
           "reset_model_manager"]
