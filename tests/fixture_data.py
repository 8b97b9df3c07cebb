"""A small synthetic dataset for UI, demo and end-to-end tests (no shared data, no network).

Why synthetic: tests must never depend on ``../shared/data``, and real-looking but generated
data lets every test know exactly what is in the store. The prices are geometric random walks on
Taiwan trading days (XTAI sessions) ending just before ``end`` (default: today), so that "recent"
filters and forecasts from "now" find data; the articles are clearly positive, negative or
neutral in English and Chinese, plus two macro pieces the QA engine can ground an answer on.

Reusable pieces (other tests may import them):

- ``synthetic_bars(code, n=250, end=None, seed=None) -> list[PriceBar]``
- ``flat_bars(closes, days, volume=1e6) -> list[PriceBar]``: a hand-written close path per code, one
  bar a day with open = high = low = close, for tests that state their numbers.
- ``synthetic_articles(end=None) -> list[Article]``
- ``populate_store(store, codes=FIXTURE_CODES, n_bars=250, end=None) -> dict`` (the store's status)
- ``build_fixture_data(data_dir, *, index=True, n_bars=250, end=None) -> Settings``: writes the
  store under ``data_dir``, makes those settings current (``ingest.config.configure``) and, with
  ``index=True``, builds the news and price-window collections.
- ``install_sentiment_classifier(settings) -> Path``: a small CPU sentiment classifier (frozen
  MiniLM + fitted head) where the assistant finds it, so the sentiment route has results.
- ``shared_fixture_dir(base, **overrides) -> Settings``: the above, indexed, built once per base dir.
- ``write_import_files(folder, codes=..., n_bars=150, end=None) -> list[Path]``: the same kind of
  data as files ``finqa ingest import`` / ``finqa demo --from`` read (twstock-shaped CSVs named
  ``{name}_{code}_stocks.csv`` and a newsapi company-list JSON whose codes are deliberately wrong,
  as in the real files, so the importer must resolve them from the names).
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingest.types import Article, PriceBar

FIXTURE_CODES: tuple[str, ...] = ("2330", "2454", "2317")


@dataclass(frozen=True)
class _FixtureCompany:
    code: str
    name_zh: str
    name_en: str
    start_price: float


COMPANIES: dict[str, _FixtureCompany] = {
    "2330": _FixtureCompany("2330", "台積電", "TSMC", 600.0),
    "2454": _FixtureCompany("2454", "聯發科", "MediaTek", 1000.0),
    "2317": _FixtureCompany("2317", "鴻海", "Hon Hai", 150.0),
}


def trading_days(n: int, end: date | None = None) -> list[date]:
    """The ``n`` XTAI sessions strictly before ``end`` (weekdays where the calendar ends)."""
    end = end or date.today()
    try:
        import exchange_calendars as xcals

        cal = xcals.get_calendar("XTAI", start=(pd.Timestamp(end) - pd.Timedelta(days=3 * n)).strftime("%Y-%m-%d"))
        sessions = cal.sessions[cal.sessions < pd.Timestamp(end)]
        days = [s.date() for s in sessions[-n:]]
        if len(days) == n and days[-1] >= end - timedelta(days=10):
            return days
    except Exception:  # noqa: BLE001 - the calendar is a nicety; weekdays are a fine fallback
        pass
    rng = pd.bdate_range(end=pd.Timestamp(end) - pd.Timedelta(days=1), periods=n)
    return [d.date() for d in rng]


def _seed(code: str) -> int:
    return int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)


def flat_bars(closes: dict[str, list[float]], days: list[date], volume: float = 1e6) -> list[PriceBar]:
    """One bar per code and day, open = high = low = close, from each code's closes in ``days``' order."""
    return [PriceBar(code=code, date=d, open=float(x), high=float(x), low=float(x), close=float(x), volume=volume)
            for code, xs in closes.items() for d, x in zip(days, xs)]


def synthetic_bars(code: str, n: int = 250, end: date | None = None, seed: int | None = None,
                   start_price: float | None = None) -> list[PriceBar]:
    """A deterministic random walk of ``n`` daily bars for ``code`` (vectorised)."""
    rng = np.random.default_rng(_seed(code) if seed is None else seed)
    days = trading_days(n, end)
    p0 = start_price or (COMPANIES[code].start_price if code in COMPANIES else 100.0)
    rets = rng.normal(0.0005, 0.015, n)
    close = p0 * np.exp(np.cumsum(rets))
    prev = np.concatenate([[p0], close[:-1]])
    open_ = prev * (1 + rng.normal(0, 0.004, n))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.006, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.006, n)))
    volume = rng.integers(5_000_000, 40_000_000, n).astype(float)
    r2 = lambda a: np.round(a, 2)  # noqa: E731 - Taiwan quotes have two decimals at most
    close, open_, high, low = r2(close), r2(open_), r2(high), r2(low)
    change = r2(close - r2(prev))
    return [
        PriceBar(code=code, date=d, open=float(o), high=float(h), low=float(lo), close=float(c),
                 volume=float(v), turnover=float(v * c), transactions=int(v // 1000), change=float(ch),
                 source="fixture")
        for d, o, h, lo, c, v, ch in zip(days, open_, high, low, close, volume, change)
    ]


# (code, language, days before end, title, body). Clear wording so any sentiment tier can tell.
_ARTICLES: list[tuple[str | None, str, int, str, str]] = [
    ("2330", "en", 2, "TSMC posts record profit as AI chip demand soars",
     "Taiwan Semiconductor Manufacturing Co reported record quarterly profit, beating estimates, as demand "
     "for advanced AI chips surged. Revenue grew 40% and the company raised its full-year guidance."),
    ("2330", "en", 5, "TSMC shares fall after export restrictions hit outlook",
     "TSMC shares dropped sharply after new export restrictions threatened sales to several customers. "
     "Analysts cut targets, warning of weaker margins and losses in the coming quarters."),
    ("2330", "zh", 3, "台積電營收創新高 法人看好AI需求強勁",
     "台積電公布上月營收創歷史新高，年增三成，法人看好人工智慧晶片需求強勁，獲利可望持續成長。"),
    ("2330", "zh", 8, "台積電擴建先進封裝產能 股價持平",
     "台積電宣布擴建先進封裝產能，市場反應平淡，股價終場持平。"),
    ("2454", "en", 4, "MediaTek beats forecasts with strong smartphone chip sales",
     "MediaTek reported strong growth in smartphone chip sales and beat analyst forecasts; profit rose 25%."),
    ("2454", "zh", 6, "聯發科下修財測 股價重挫",
     "聯發科下修本季財測，手機需求疲弱，股價重挫逾百分之五，法人看壞短期表現。"),
    ("2454", "en", 10, "MediaTek unveils new 5G modem",
     "MediaTek unveiled a new 5G modem for mid-range phones at its annual developer event."),
    ("2317", "en", 3, "Hon Hai warns of weak demand, shares slump",
     "Hon Hai Precision (Foxconn) warned of weak consumer electronics demand; shares slumped and profit fell."),
    ("2317", "zh", 5, "鴻海電動車布局有成 營收大增",
     "鴻海電動車與AI伺服器業務成長強勁，營收大增，獲利優於預期。"),
    ("2317", "en", 9, "Foxconn to hold annual shareholder meeting in May",
     "Foxconn will hold its annual shareholder meeting in May, the company said in a filing."),
    (None, "en", 7, "What a yield curve inversion means for equities",
     "A yield curve inversion happens when short-term Treasury yields rise above long-term yields. "
     "An inverted yield curve has preceded most recessions, because it signals that investors expect "
     "lower growth and rate cuts. For equities, an inversion often implies tighter credit, slowing "
     "earnings and higher volatility, although stocks have sometimes kept rising for months after it."),
    (None, "zh", 12, "殖利率曲線倒掛對股市的意義",
     "殖利率曲線倒掛代表短天期利率高於長天期利率，歷史上常是經濟衰退的前兆，股市波動可能加劇。"),
]


def synthetic_articles(end: date | None = None) -> list[Article]:
    """A dozen articles (EN+ZH) dated in the days before ``end``; urls are unique and stable."""
    end = end or date.today()
    base = datetime(end.year, end.month, end.day, 1, 30, tzinfo=timezone.utc)
    out = []
    for i, (code, lang, days_ago, title, body) in enumerate(_ARTICLES):
        source = "Fixture Daily" if lang == "en" else "測試財經"
        out.append(Article(
            url=f"https://news.example.com/{code or 'macro'}/{i}",
            title=title, published_at=base - timedelta(days=days_ago), code=code,
            description=body.split(". ")[0][:200], content=body, source=source,
            author="finqa fixture", language=lang,
        ))
    return out


def populate_store(store: Any, codes: tuple[str, ...] = FIXTURE_CODES, n_bars: int = 250,
                   end: date | None = None) -> dict[str, Any]:
    """Write the synthetic bars and articles into ``store``; returns ``store.status()``."""
    for code in codes:
        store.upsert_bars(synthetic_bars(code, n_bars, end))
    store.upsert_articles([a for a in synthetic_articles(end) if a.code is None or a.code in codes])
    return store.status()


def build_index(settings: Any) -> dict[str, Any]:
    """Build the news and price-window collections for the store of ``settings``."""
    from index.news_index import build_news
    from index.windows_index import build_windows
    from ingest.store import open_store

    store = open_store(settings.store_path)
    return {"news": build_news(store, settings), "price_windows": build_windows(store, settings)}


def build_fixture_data(data_dir: Path | str, *, index: bool = True, sentiment: bool = False,
                       n_bars: int = 250, end: date | None = None, **overrides: Any):
    """Create the fixture store under ``data_dir``, make its settings current, optionally index it.

    ``sentiment=True`` also installs the fixture CPU sentiment classifier. ``overrides`` go to
    ``ingest.config.configure`` (e.g. ``cpu_only=True``). Returns the Settings.
    """
    from ingest import config
    from ingest.store import open_store

    settings = config.configure(data_dir=Path(data_dir), **overrides)
    populate_store(open_store(settings.store_path), n_bars=n_bars, end=end)
    if index:
        build_index(settings)
    if sentiment:
        install_sentiment_classifier(settings)
    return settings


def shared_fixture_dir(base: Path | str, **overrides: Any):
    """Build (once per ``base``) an indexed fixture data dir with the sentiment classifier.

    Test modules pass ``tmp_path_factory.getbasetemp()`` so that the browser, API and demo tests
    of one pytest run share one build (about a minute on 2 cores) and only read from it. Returns
    the Settings, made current with ``overrides`` (e.g. ``cpu_only=True``).
    """
    from ingest import config

    data_dir = Path(base) / "finqa-fixture-data"
    ready = data_dir / ".fixture-ready"
    if not ready.exists():
        build_fixture_data(data_dir, index=True, sentiment=True, **overrides)
        ready.write_text("ok", encoding="utf-8")
    return config.configure(data_dir=data_dir, **overrides)


def write_import_files(folder: Path | str, codes: tuple[str, ...] = FIXTURE_CODES, n_bars: int = 150,
                       end: date | None = None) -> list[Path]:
    """Write importable files: ``{name}_{code}_stocks.csv`` per code and ``news/companies.json``.

    Returns the paths to pass to ``finqa ingest import`` or ``finqa demo --from``.
    """
    folder = Path(folder)
    prices_dir, news_dir = folder / "twse", folder / "news"
    prices_dir.mkdir(parents=True, exist_ok=True)
    news_dir.mkdir(parents=True, exist_ok=True)
    for code in codes:
        path = prices_dir / f"{COMPANIES[code].name_zh}_{code}_stocks.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["", "date", "capacity", "turnover", "open", "high", "low", "close", "change", "transaction"])
            for i, b in enumerate(synthetic_bars(code, n_bars, end)):
                w.writerow([i, b.date.isoformat(), int(b.volume or 0), int(b.turnover or 0),
                            b.open, b.high, b.low, b.close, b.change, b.transactions])
    entries = []
    by_code: dict[str | None, list[Article]] = {}
    for a in synthetic_articles(end):
        by_code.setdefault(a.code, []).append(a)
    for code in codes:
        c = COMPANIES[code]
        entries.append({
            "name_zh": c.name_zh, "name_en": c.name_en,
            "code": "08" + code,  # wrong on purpose, like the real files: resolve from the names
            "news": [_newsapi_article(a) for a in by_code.get(code, [])],
        })
    news_path = news_dir / "companies.json"
    news_path.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    return [prices_dir, news_dir]


def _newsapi_article(a: Article) -> dict[str, Any]:
    """An article in newsapi's own ``everything`` shape."""
    return {
        "source": {"id": None, "name": a.source}, "author": a.author, "title": a.title,
        "description": a.description, "url": a.url, "urlToImage": None,
        "publishedAt": a.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "content": a.content,
    }


# A few labelled sentences for a fixture-grade CPU sentiment classifier (EN + ZH).
_SENTIMENT_TRAIN: list[tuple[str, str]] = [
    ("Profit surged to a record and the company raised guidance.", "positive"),
    ("Revenue grew strongly and beat analyst estimates.", "positive"),
    ("Shares rallied after strong demand lifted earnings.", "positive"),
    ("The chipmaker posted record sales on booming AI demand.", "positive"),
    ("營收創新高，獲利大幅成長，法人看好。", "positive"),
    ("需求強勁，獲利優於預期，股價大漲。", "positive"),
    ("Shares plunged after the company cut its outlook.", "negative"),
    ("Profit fell and analysts warned of further losses.", "negative"),
    ("Weak demand hit sales and the stock slumped.", "negative"),
    ("Export restrictions threaten sales; shares dropped sharply.", "negative"),
    ("下修財測，需求疲弱，股價重挫。", "negative"),
    ("獲利衰退，法人看壞，股價大跌。", "negative"),
    ("The company will hold its annual meeting in May.", "neutral"),
    ("The firm unveiled a new product at an event.", "neutral"),
    ("The board announced the date of a shareholder meeting.", "neutral"),
    ("The company said in a filing that it expanded a plant.", "neutral"),
    ("公司宣布擴建產能，市場反應平淡。", "neutral"),
    ("股價終場持平，成交量普通。", "neutral"),
]


def install_sentiment_classifier(settings: Any) -> Path:
    """Write a small CPU sentiment classifier where the assistant looks for one.

    Frozen packaged MiniLM with a logistic-regression head fitted on a few labelled sentences,
    saved through ``assistant.cpu_sentiment.save_classifier`` in the trained classifier's format.
    Fixture-grade (it separates the fixture's clear headlines), built in seconds instead of the
    minutes ``finqa finetune sentiment --backend embedded`` takes; tests that need sentiment
    results with counts and headlines use it.
    """
    import torch
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoTokenizer

    from assistant.cpu_sentiment import DEFAULT_DIRNAME, build_classifier, packaged_minilm_path, save_classifier

    labels = ["negative", "neutral", "positive"]
    base = packaged_minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = build_classifier(base, len(labels), 0.1)
    model.eval()
    texts = [t for t, _ in _SENTIMENT_TRAIN]
    y = [labels.index(lab) for _, lab in _SENTIMENT_TRAIN]
    with torch.inference_mode():
        enc = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
        hidden = model.encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
    clf = LogisticRegression(C=10.0, max_iter=2000).fit(pooled, y)
    with torch.no_grad():
        model.head.weight.copy_(torch.tensor(clf.coef_, dtype=model.head.weight.dtype))
        model.head.bias.copy_(torch.tensor(clf.intercept_, dtype=model.head.bias.dtype))
    out = Path(settings.adapters_dir) / DEFAULT_DIRNAME
    save_classifier(model, tokenizer, out, {"labels": labels, "max_length": 64, "dropout": 0.1,
                                            "base": base, "note": "finqa test fixture"})
    return out
