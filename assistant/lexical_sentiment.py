"""The lexical member of the CPU sentiment classifier: TF-IDF n-grams and logistic regression.

Why a bag of n-grams next to a fine-tuned encoder: ensembles of fine-tuned MiniLMs stop
improving after two or three members (they share their errors), while a linear model over
word and character n-grams errs differently — it keys on exact phrases such as "operating
loss" or "$AMZN" that a 22M-parameter encoder smooths over. Alone it is far weaker (0.80
weighted F1 on the FPB+TFNS validation rows against 0.86); blended in at a quarter it moved a
three-member ensemble from 0.863 to 0.868 and single members by 0.0-1.0 points (README, "What
we measured"). Every training run reports the encoder alone, the n-grams alone and the blend.

Stored without pickle (``lexical.npz``: vocabularies, IDF weights, coefficients), so loading a
classifier folder never executes code from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

LEXICAL_NAME = "lexical.npz"
DEFAULT_WEIGHT = 0.25  # share of the blend; the encoder keeps the rest
DEFAULT_C = 3.0  # inverse L2 strength of the logistic regression
# Word uni/bigrams and character 2-5-grams inside words (``char_wb``): the character n-grams carry
# Chinese, which has no spaces between words, and English inflections and tickers.
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


def _vectorizers(word_vocab: dict[str, int] | None = None, char_vocab: dict[str, int] | None = None,
                 min_df: int = 2) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = {"sublinear_tf": True, "dtype": np.float32}
    word = TfidfVectorizer(ngram_range=WORD_NGRAMS, vocabulary=word_vocab, min_df=1 if word_vocab else min_df, **common)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, vocabulary=char_vocab,
                           min_df=1 if char_vocab else min_df, **common)
    return word, char


@dataclass
class LexicalClassifier:
    """Fitted vectorizers and a multinomial logistic regression; :meth:`predict_proba` is all it does."""

    labels: list[str]
    word: Any
    char: Any
    coef: np.ndarray  # (n_labels, n_features), word features first
    intercept: np.ndarray  # (n_labels,)

    def features(self, texts: list[str]):
        from scipy.sparse import hstack

        return hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Rows of label probabilities, in the order of :attr:`labels`; texts as the encoder sees them."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits = self.features(texts) @ self.coef.T + self.intercept
        logits = np.asarray(logits, dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    @classmethod
    def fit(cls, texts: list[str], labels: list[str], label_order: list[str], c: float = DEFAULT_C,
            min_df: int = 2) -> "LexicalClassifier":
        """Fit on ``texts`` (already normalised the way the encoder's input is); deterministic."""
        from sklearn.linear_model import LogisticRegression
        from scipy.sparse import hstack

        word, char = _vectorizers(min_df=min_df)
        try:
            x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        except ValueError:  # no n-gram in two texts (a tiny file): keep the ones seen once
            if min_df == 1:
                raise
            return cls.fit(texts, labels, label_order, c=c, min_df=1)
        y = np.array([label_order.index(l) for l in labels])
        lr = LogisticRegression(C=c, max_iter=3000).fit(x, y)
        coef, intercept = lr.coef_, lr.intercept_
        full_coef = np.zeros((len(label_order), x.shape[1]), dtype=np.float32)
        full_icpt = np.zeros(len(label_order), dtype=np.float32)
        if len(lr.classes_) == 2 and coef.shape[0] == 1:  # binary LR: P(second) = sigmoid(z) = softmax([0, z])
            full_coef[lr.classes_[1]], full_icpt[lr.classes_[1]] = coef[0], intercept[0]
        else:
            for row, k in enumerate(lr.classes_):
                full_coef[k], full_icpt[k] = coef[row], intercept[row]
        # a label absent from the training rows gets probability ~0, not a share of it
        full_icpt[[k for k in range(len(label_order)) if k not in set(lr.classes_)]] = -1e4
        return cls(list(label_order), word, char, full_coef, full_icpt)

    def save(self, path: str | Path) -> None:
        """Write ``lexical.npz`` atomically (a ``.partial`` file renamed when complete)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".partial")
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, labels=np.array(self.labels), word_terms=self.word.get_feature_names_out().astype(str),
                word_idf=self.word.idf_.astype(np.float32), char_terms=self.char.get_feature_names_out().astype(str),
                char_idf=self.char.idf_.astype(np.float32), coef=self.coef, intercept=self.intercept)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> "LexicalClassifier":
        with np.load(Path(path), allow_pickle=False) as z:
            word_terms, char_terms = [str(t) for t in z["word_terms"]], [str(t) for t in z["char_terms"]]
            word, char = _vectorizers({t: i for i, t in enumerate(word_terms)}, {t: i for i, t in enumerate(char_terms)})
            word.idf_, char.idf_ = z["word_idf"], z["char_idf"]
            coef, intercept = z["coef"], z["intercept"]
            labels = [str(l) for l in z["labels"]]
        if coef.shape != (len(labels), len(word_terms) + len(char_terms)):
            raise ValueError(f"{path}: coefficients of shape {coef.shape} do not match {len(labels)} labels and "
                             f"{len(word_terms) + len(char_terms)} features")
        return cls(labels, word, char, coef, intercept)


__all__ = ["LexicalClassifier", "LEXICAL_NAME", "DEFAULT_WEIGHT", "DEFAULT_C"]
