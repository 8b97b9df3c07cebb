"""Sentiment engine: label scoring with the tiny Llama (score_options, batched), aggregation,
the 7-class wording mapped to 3, quoted text, the CPU classifier tier and its absence."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.engines import sentiment as sent
from assistant.engines.sentiment import CPU_ENGINE, SentimentEngine, aggregate, to_three
from assistant.types import EngineRequest


def _store_with_articles(settings):
    from ingest.store import open_store
    from tests.fixture_data import synthetic_articles

    store = open_store(settings.store_path)
    store.upsert_articles(synthetic_articles())
    return store


class SpyManager:
    def __init__(self, inner):
        self.inner = inner
        self.calls = []

    def load(self, spec):
        return self.inner.load(spec)

    def loaded(self):
        return self.inner.loaded()

    def score_options(self, loaded, prompts, options):
        self.calls.append((list(prompts), list(options)))
        return self.inner.score_options(loaded, prompts, options)


def test_to_three_maps_seven_classes():
    p7 = {"strong negative": 0.1, "moderately negative": 0.1, "mildly negative": 0.1, "neutral": 0.2,
          "mildly positive": 0.2, "moderately positive": 0.2, "strong positive": 0.1}
    p3 = to_three(p7)
    assert p3 == pytest.approx({"negative": 0.3, "neutral": 0.2, "positive": 0.5})


def test_aggregate_counts_score_and_extremes():
    items = [{"title": f"h{i}", "url": f"u{i}", "date": None} for i in range(5)]
    probs = [
        {"negative": 0.1, "neutral": 0.1, "positive": 0.8},
        {"negative": 0.7, "neutral": 0.2, "positive": 0.1},
        {"negative": 0.2, "neutral": 0.6, "positive": 0.2},
        {"negative": 0.05, "neutral": 0.05, "positive": 0.9},
        {"negative": 0.9, "neutral": 0.05, "positive": 0.05},
    ]
    result = aggregate(items, probs, "2330")
    assert result.counts == {"negative": 2, "neutral": 1, "positive": 2}
    assert result.score == 0.0
    assert [(i.title, i.label) for i in result.items] == [("h3", "positive"), ("h0", "positive"),
                                                          ("h4", "negative"), ("h1", "negative")]
    assert result.items[0].p == 0.9 and result.items[0].url == "u3"
    result = aggregate(items[:2], probs[:1] + probs[3:4], None)
    assert result.score == 1.0
    # one story under one headline from two outlets is counted twice and listed once (the next one instead)
    twice = [{"title": "TSMC  beats", "url": "a", "date": None}, {"title": "tsmc beats", "url": "b", "date": None},
             {"title": "TSMC raises capex", "url": "c", "date": None}, {"title": "TSMC wins", "url": "d", "date": None}]
    up = [{"negative": 0.05, "neutral": 0.05, "positive": p} for p in (0.9, 0.89, 0.8, 0.7)]
    result = aggregate(twice, up, "2330")
    assert result.counts["positive"] == 4 and [i.url for i in result.items] == ["a", "c", "d"]


def test_tiny_llama_scores_company_news_in_batches(tiny_settings, monkeypatch):
    from assistant.models import get_model_manager
    from assistant.prompts import SENTIMENT_LABELS_3, render_sentiment_prompt

    store = _store_with_articles(tiny_settings)
    monkeypatch.setattr(sent, "BATCH", 3)
    spy = SpyManager(get_model_manager(tiny_settings))
    engine = SentimentEngine(settings=tiny_settings, manager=spy)
    answer = engine.run(EngineRequest(message="台積電最近新聞情緒如何？", code="2330"))
    articles = store.articles("2330")
    assert len(articles) == 4
    # Two batches (3 + 1), each the FinGPT prompt scored over the three labels.
    assert [len(p) for p, _ in spy.calls] == [3, 1]
    assert all(opts == SENTIMENT_LABELS_3 for _, opts in spy.calls)
    assert spy.calls[0][0][0] == render_sentiment_prompt(sent._headline_text(articles[0]))
    r = answer.sentiment
    assert sum(r.counts.values()) == 4 and set(r.counts) == {"negative", "neutral", "positive"}
    assert r.score == pytest.approx((r.counts["positive"] - r.counts["negative"]) / 4, abs=1e-4)
    urls = {a.url for a in articles}
    assert r.items and all(i.url in urls and 0 <= i.p <= 1 for i in r.items)
    assert answer.engine.startswith("sentiment:") and answer.fallback_reason is None
    assert answer.to_json()["sentiment"]["counts"] == r.counts


def test_seven_class_wording_aggregates_to_three(tiny_settings):
    from assistant.models import get_model_manager
    from assistant.prompts import SENTIMENT_LABELS_7

    _store_with_articles(tiny_settings)
    spy = SpyManager(get_model_manager(tiny_settings))
    answer = SentimentEngine(settings=tiny_settings, manager=spy, labels=7).run(
        EngineRequest(message="sentiment of 2454", code="2454"))
    assert spy.calls[0][1] == SENTIMENT_LABELS_7
    assert "strong positive" in spy.calls[0][0][0]
    assert set(answer.sentiment.counts) == {"negative", "neutral", "positive"}
    assert sum(answer.sentiment.counts.values()) == 3


def test_quoted_text_is_classified(tiny_settings):
    answer = SentimentEngine(settings=tiny_settings).run(
        EngineRequest(message="classify “Profits plunged 40% after the fire”", quoted_text="Profits plunged 40% after the fire"))
    r = answer.sentiment
    assert sum(r.counts.values()) == 1 and len(r.items) == 1
    assert r.items[0].title == "Profits plunged 40% after the fire"
    assert "quoted text" in answer.answer


@pytest.mark.parametrize("message, quoted, first", [
    ('is this bearish: "UMC warns of a loss"', "UMC warns of a loss", "Yes. "),
    ('is it bullish? "UMC warns of a loss"', "UMC warns of a loss", "No. "),
    ("這是利多嗎「台積電 gain」", "台積電 gain", "是。"), ("算負面嗎「台積電 gain」", "台積電 gain", "不是。"),
    ('classify "UMC warns of a loss"', "UMC warns of a loss", "Sentiment of the quoted text"),  # no yes/no asked
])
def test_a_yes_or_no_tone_asked_of_a_quote_is_answered_first(data_dir, message, quoted, first):
    """"is that bearish?" had been answered with the label alone, leaving the reader to match it."""
    settings = data_dir.model_copy(update={"cpu_only": True})
    answer = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier()).run(
        EngineRequest(message=message, quoted_text=quoted))
    assert answer.answer.split("\n\n")[-1].startswith(first), answer.answer


def test_several_quoted_headlines_are_each_classified(data_dir):
    """'sentiment of these headlines: "..."; "..."' had classified the longest quote alone."""
    from assistant.router import IntentClassifier
    from assistant.slots import parse_quotes, parse_slots

    settings = data_dir.model_copy(update={"cpu_only": True})
    message = 'sentiment of these headlines: "TSMC posts a record gain"; "UMC warns of a loss"'
    assert parse_quotes(message) == ["TSMC posts a record gain", "UMC warns of a loss"]
    answer = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier()).run(
        EngineRequest(message=message, quoted_text=parse_slots(message).quoted_text))
    assert "1. \u201cTSMC posts a record gain\u201d: **positive**" in answer.answer
    assert "2. \u201cUMC warns of a loss\u201d: **negative**" in answer.answer
    assert sum(answer.sentiment.counts.values()) == 2
    zh = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier()).run(
        EngineRequest(message="這兩則是利多還是利空：「台積電 gain」「聯電 loss」", quoted_text="台積電 gain"))
    assert "1. 「台積電 gain」：**正面**" in zh.answer and "2. 「聯電 loss」：**負面**" in zh.answer
    # the tone asked of a quote is the sentiment engine's, whatever the quote is about (it had been the news)
    for message in ('is this bullish: "MediaTek cuts guidance amid weak smartphone demand"',
                    "這是利空嗎：「聯發科下修財測」"):
        assert IntentClassifier().decide(message, parse_slots(message)).route == "sentiment", message


def test_as_of_only_sees_older_articles(tiny_settings):
    _store_with_articles(tiny_settings)
    as_of = date.today() - timedelta(days=4)
    answer = SentimentEngine(settings=tiny_settings).run(EngineRequest(message="x", code="2330", as_of=as_of))
    # 2330's fixture articles are 2, 3, 5 and 8 days old: two are before the as-of date.
    assert sum(answer.sentiment.counts.values()) == 2


def test_stale_news_is_classified_and_its_age_said(tiny_settings):
    """Nothing in the last 30 days but older articles exist: classify the 30 days up to the latest."""
    _store_with_articles(tiny_settings)
    as_of = date.today() + timedelta(days=60)
    answer = SentimentEngine(settings=tiny_settings).run(EngineRequest(message="x", code="2330", as_of=as_of))
    # 2330's fixture articles are 2, 3, 5 and 8 days old: all within 30 days of the latest one.
    assert sum(answer.sentiment.counts.values()) == 4
    assert "latest stored article" in answer.answer and "finqa ingest news 2330" in answer.answer


def test_news_only_after_the_as_of_date_is_not_called_missing(data_dir):
    """All of 2330's news is newer than the as-of date: "none before that date", not "ingest it"."""
    _store_with_articles(data_dir)
    engine = SentimentEngine(settings=data_dir)
    as_of = date.today() - timedelta(days=20)
    answer = engine.run(EngineRequest(message="sentiment of 2330 news", code="2330", as_of=as_of))
    assert answer.sentiment is None and f"before the as-of date {as_of.isoformat()}" in answer.answer
    assert "ingest" not in answer.answer
    zh = engine.run(EngineRequest(message="台積電新聞情緒", code="2330", as_of=as_of))
    assert f"{as_of.isoformat()} 之前沒有" in zh.answer


def test_company_without_news_names_the_ingest_command(tiny_settings):
    _store_with_articles(tiny_settings)
    answer = SentimentEngine(settings=tiny_settings).run(EngineRequest(message="長榮新聞情緒", code="2603"))
    assert "finqa ingest news 2603" in answer.answer and answer.sentiment is None


def test_no_company_no_text_asks_for_one(data_dir):
    answer = SentimentEngine(settings=data_dir).run(EngineRequest(message="what is the sentiment?"))
    assert "Which company" in answer.answer


def test_cpu_tier_without_a_trained_classifier_says_how_to_train(data_dir):
    settings = data_dir.model_copy(update={"cpu_only": True})
    _store_with_articles(settings)
    answer = SentimentEngine(settings=settings).run(EngineRequest(message="sentiment of 2330 news", code="2330"))
    assert answer.engine == CPU_ENGINE and answer.sentiment is None
    assert "not trained yet" in answer.answer
    assert "finqa finetune sentiment --backend embedded --data ../shared/data/sentiment/fpb_train.csv" in answer.answer


def test_unloadable_model_falls_back_to_the_cpu_tier_with_the_reason(tiny_settings, tmp_path):
    from ingest.config import EngineModel

    _store_with_articles(tiny_settings)
    settings = tiny_settings.model_copy(update={"sentiment": EngineModel(base=str(tmp_path / "missing-finsent"))})
    answer = SentimentEngine(settings=settings).run(EngineRequest(message="鴻海新聞情緒", code="2317"))
    assert answer.engine == CPU_ENGINE
    assert answer.fallback_reason and "missing-finsent" in answer.fallback_reason
    assert "missing-finsent" in answer.answer and "finqa finetune sentiment" in answer.answer


def save_random_cpu_classifier(settings, seed: int = 0, languages=None):
    """A real CPU classifier folder (packaged MiniLM + a seeded random head) where the engine looks."""
    import torch
    from transformers import AutoTokenizer

    from assistant.cpu_sentiment import DEFAULT_DIRNAME, build_classifier, packaged_minilm_path, save_classifier

    torch.manual_seed(seed)
    model = build_classifier(packaged_minilm_path(), 3)
    tok = AutoTokenizer.from_pretrained(packaged_minilm_path())
    config = {"labels": ["negative", "neutral", "positive"], "max_length": 64}
    if languages is not None:
        config["languages"] = languages
    save_classifier(model, tok, settings.adapters_dir / DEFAULT_DIRNAME, config)


def test_cpu_tier_with_a_trained_classifier(data_dir):
    settings = data_dir.model_copy(update={"cpu_only": True})
    _store_with_articles(settings)
    save_random_cpu_classifier(settings)
    engine = SentimentEngine(settings=settings)
    answer = engine.run(EngineRequest(message="sentiment of 2330 news", code="2330"))
    assert answer.engine == CPU_ENGINE and answer.answer.startswith("CPU tier (MiniLM classifier")
    assert sum(answer.sentiment.counts.values()) == 4
    assert "trained yet" not in engine.describe()


def test_articles_filed_under_the_code_that_never_name_the_company_are_left_out(data_dir):
    """newsapi files an article under 2330 when any name matched; a review naming no TSMC is not TSMC news."""
    from datetime import datetime, timezone

    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = _store_with_articles(settings)
    store.upsert_articles([Article(
        url="https://news.example.com/2330/gpu-review", title="Graphics card review: fast, quiet, pricey",
        published_at=datetime.now(timezone.utc) - timedelta(days=1), code="2330",
        content="The card is built on a 5nm node and sells for 499 dollars.", language="en")])
    save_random_cpu_classifier(settings)
    engine = SentimentEngine(settings=settings)
    answer = engine.run(EngineRequest(message="sentiment of 2330 news", code="2330"))
    assert sum(answer.sentiment.counts.values()) == 4  # the four fixture articles that name TSMC / 台積電
    assert all("Graphics card" not in i.title for i in answer.sentiment.items)
    assert "4 articles about 2330" in answer.answer
    assert "left out: 1 article filed under 2330 that never names the company" in answer.answer
    zh = engine.run(EngineRequest(message="台積電新聞情緒", code="2330"))
    assert "另有 1 則歸在 2330 下" in zh.answer and sum(zh.sentiment.counts.values()) == 4


def test_a_period_named_in_the_message_is_the_news_classified(data_dir):
    """"Sentiment on TSMC in March 2025" reads March's news by Taipei dates; a day reads the three
    days either side; the as-of cut still holds inside either."""
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    def art(slug, utc):
        return Article(url=f"https://news.example.com/2330/{slug}", title=f"TSMC update {slug}", published_at=utc,
                       code="2330", content="TSMC said demand for AI chips stayed strong.", language="en")

    open_store(data_dir.store_path).upsert_articles([
        art("feb27", datetime(2025, 2, 27, 15, tzinfo=timezone.utc)),     # 02-27 23:00 Taipei: out
        art("mar01", datetime(2025, 2, 28, 17, tzinfo=timezone.utc)),     # 03-01 01:00 Taipei: in
        art("mar11", datetime(2025, 3, 11, 3, tzinfo=timezone.utc)),
        art("mar12", datetime(2025, 3, 12, 3, tzinfo=timezone.utc)),
        art("mar18", datetime(2025, 3, 18, 3, tzinfo=timezone.utc)),
        art("mar19", datetime(2025, 3, 19, 3, tzinfo=timezone.utc)),
        art("mar31", datetime(2025, 3, 31, 15, 30, tzinfo=timezone.utc)),  # 03-31 23:30 Taipei: in
        art("apr01", datetime(2025, 3, 31, 16, 30, tzinfo=timezone.utc)),  # 04-01 00:30 Taipei: out
    ])
    engine = SentimentEngine(settings=data_dir)

    def slugs(message, as_of=None):
        items, empty, what = engine._texts(EngineRequest(message=message, code="2330", as_of=as_of))
        return sorted(i["url"].rsplit("/", 1)[1] for i in items), what

    month, what = slugs("sentiment of 2330 news in March 2025")
    assert month == ["mar01", "mar11", "mar12", "mar18", "mar19", "mar31"] and "from 2025-03-01 to 2025-03-31" in what
    assert slugs("台積電2025年3月15日前後的新聞情緒")[0] == ["mar12", "mar18"]
    assert slugs("sentiment of 2330 news on 2025-03-15", as_of=date(2025, 3, 16))[0] == ["mar12"]
    items, empty, _ = engine._texts(EngineRequest(message="sentiment of 2330 news in 2023", code="2330"))
    assert items == [] and "No stored news about 2330 was published from 2023-01-01 to 2023-12-31" in empty


def _chinese_news(settings):
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    now = datetime.now(timezone.utc)
    open_store(settings.store_path).upsert_articles([Article(
        url=f"https://news.example.com/2330/zh{i}", title=f"台積電第{i}季營收創新高", published_at=now - timedelta(days=i + 1),
        code="2330", content="台積電表示人工智慧需求強勁。", language="zh") for i in range(4)])


@pytest.mark.parametrize("languages, warned", [(["en"], True), (["en", "zh"], False), (None, False)])
def test_chinese_news_read_by_an_english_only_classifier_is_flagged(data_dir, languages, warned):
    """A classifier trained on FPB/TFNS alone reads Chinese through [UNK]s and calls it neutral:
    the answer says so (and how to retrain) instead of presenting a confident "all neutral"."""
    settings = data_dir.model_copy(update={"cpu_only": True})
    _chinese_news(settings)
    save_random_cpu_classifier(settings, languages=languages)
    answer = SentimentEngine(settings=settings).run(EngineRequest(message="sentiment of 2330 news", code="2330"))
    assert sum(answer.sentiment.counts.values()) == 4
    flagged = [n for n in answer.notices if "trained on English only" in n]
    assert bool(flagged) is warned
    if warned:
        assert "4 of the 4 texts are Chinese" in flagged[0] and "finfe_zh_train.csv" in flagged[0]
        zh = SentimentEngine(settings=settings).run(EngineRequest(message="台積電新聞情緒", code="2330"))
        assert any("只用英文訓練過" in n for n in zh.notices)


def test_text_languages():
    from assistant.cpu_sentiment import text_languages

    assert text_languages(["Profit rose.", "Sales fell."]) == ["en"]
    assert text_languages(["营收创新高", "股价大跌"]) == ["zh"]
    assert text_languages(["Profit rose."] * 10 + ["营收创新高"] * 10) == ["en", "zh"]
    assert text_languages(["Profit rose."] * 99 + ["营收创新高"]) == ["en"]  # 1% is noise, not a language
    assert text_languages([]) == []


def test_an_empty_period_says_where_the_stored_news_is(data_dir):
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    open_store(data_dir.store_path).upsert_articles([Article(
        url="https://news.example.com/2330/old", title="TSMC update", published_at=datetime(2025, 4, 18, 3, tzinfo=timezone.utc),
        code="2330", content="TSMC said demand stayed strong.", language="en")])
    engine = SentimentEngine(settings=data_dir)
    items, empty, _ = engine._texts(EngineRequest(message="sentiment of 2330 news in May 2025", code="2330"))
    assert not items and "The newest stored article before then is from 2025-04-18." in empty
    items, empty, _ = engine._texts(EngineRequest(message="台積電 2025年5月 新聞情緒", code="2330"), zh=True)
    assert "在那之前最新的一則是 2025-04-18" in empty
    items, empty, _ = engine._texts(EngineRequest(message="sentiment of 2330 news in March 2025", code="2330"))
    assert "newest stored article" not in empty  # nothing before March: nothing to point at


# --- several companies at once (assistant.sentiment_groups) --------------------------------------
class KeywordClassifier:
    """"gain" is positive, "loss" negative, anything else neutral; records what it was given."""

    config: dict = {}

    def __init__(self):
        self.seen: list[str] = []

    def predict(self, texts):
        self.seen.extend(texts)
        out = []
        for t in texts:
            label = "positive" if "gain" in t else "negative" if "loss" in t else "neutral"
            probs = {k: (0.8 if k == label else 0.1) for k in ("negative", "neutral", "positive")}
            out.append((label, 0.8, probs))
        return out


def _group_store(settings):
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    store = open_store(settings.store_path)
    day = datetime(2025, 4, 10, 3, tzinfo=timezone.utc)
    rows = [("2330", "TSMC gain", 0), ("2330", "TSMC gain again", 1), ("2330", "TSMC loss", 2), ("2330", "TSMC flat", 3),
            ("2454", "MediaTek loss", 0), ("2454", "MediaTek loss repeated", 1), ("2454", "MediaTek gain", 2),
            ("2303", "UMC gain", 0),  # one article: listed apart, not ranked
            ("2317", "Hon Hai gain", 0), ("2317", "Hon Hai gain too", 1), ("2317", "Hon Hai gain more", 2),
            ("2330", "TSMC gain after the as-of date", -10)]
    store.upsert_articles([Article(url=f"https://news.example.com/{code}/{i}", title=title, code=code, language="en",
                                   published_at=day - timedelta(days=age))
                           for i, (code, title, age) in enumerate(rows)])
    # The same article filed under two companies is classified once.
    store.upsert_articles([Article(url="https://news.example.com/2330/0", title="TSMC gain", code="2454",
                                   language="en", published_at=day)])
    return store


def test_an_industry_and_a_ranking_of_companies_by_their_news(data_dir):
    from assistant.sentiment_groups import asks_sentiment_ranking

    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    clf = KeywordClassifier()
    engine = SentimentEngine(settings=settings, cpu_classifier=clf)
    as_of = date(2025, 4, 11)
    chips = engine.run(EngineRequest(message="how is the sentiment on chip stocks?", as_of=as_of))
    assert chips.engine == CPU_ENGINE and "Semiconductors (半導體業) companies, overall" in chips.answer
    rows = {r["code"]: r for r in chips.ranking["sentiment"]}
    assert set(rows) == {"2330", "2454"} and "2317" not in chips.answer  # Hon Hai is no chip maker
    assert (rows["2330"]["positive"], rows["2330"]["negative"], rows["2330"]["neutral"]) == (2, 1, 1)
    assert rows["2330"]["score"] == pytest.approx(0.25)
    assert "Fewer than 3 articles, not ranked: 2303" in chips.answer
    assert not any("after the as-of date" in t for t in clf.seen)  # point in time
    assert len(clf.seen) == len(set(clf.seen))  # "TSMC gain" under 2330 and 2454: classified once
    best = engine.run(EngineRequest(message="which company has the most positive news?", as_of=as_of))
    order = [r["code"] for r in best.ranking["sentiment"]]
    assert order[0] == "2317" and order.index("2330") < order.index("2454")
    worst = engine.run(EngineRequest(message="哪家公司的新聞最負面", as_of=as_of))
    assert worst.ranking["sentiment"][0]["code"] == "2454" and "最負面在前" in worst.answer
    assert asks_sentiment_ranking("which company has the most positive news?")
    assert not asks_sentiment_ranking("is the TSMC news positive?")
    # a span after every stored article: nothing to rank, and the newest day to ask about instead
    later = engine.run(EngineRequest(message="which company had the most positive news in June 2025?",
                                     as_of=date(2025, 7, 1)))
    assert not later.ranking and "No stored news of any company from 2025-06-01 to 2025-06-30" in later.answer
    assert "The newest stored one is from 2025-04-" in later.answer and "`finqa ingest news`" in later.answer


def test_a_sentiment_ranking_holds_the_same_companies_as_a_price_ranking(data_dir):
    """One rule decides which codes are Taiwan companies (``price_format.is_taiwan``): a US symbol
    imported for the ACL18 evaluation is left out, a Taiwan-shaped code the directory does not know
    yet (a new listing) is kept, as the price rankings do."""
    from datetime import datetime, timezone

    from assistant.price_format import is_taiwan
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = _group_store(settings)
    day = datetime(2025, 4, 10, 3, tzinfo=timezone.utc)
    store.upsert_articles([Article(url=f"https://news.example.com/{code}/x{i}", title=f"{code} gain {i}", code=code,
                                   language="en", published_at=day - timedelta(days=i))
                           for code in ("AAPL", "6999") for i in range(3)])
    assert not is_taiwan("AAPL") and is_taiwan("6999") and is_taiwan("2330")
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    best = engine.run(EngineRequest(message="which company has the most positive news?", as_of=date(2025, 4, 11)))
    codes = [r["code"] for r in best.ranking["sentiment"]]
    assert "6999" in codes and "AAPL" not in codes
    april = engine.run(EngineRequest(message="which company has the most positive news in April 2025?",
                                     as_of=date(2025, 4, 11)))
    assert "articles from 2025-04-01 to 2025-04-10" in april.answer and "from from" not in april.answer


def test_the_companies_named_are_read_side_by_side(data_dir):
    """"compare news sentiment of 2330 and 2454": each one's own tone (its articles that name it),
    ranked by net score, the first company kept for follow-ups; a company named with no news in the
    window is said so, not dropped silently. Point in time like the rest."""
    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    clf = KeywordClassifier()
    engine = SentimentEngine(settings=settings, cpu_classifier=clf)
    as_of = date(2025, 4, 11)
    a = engine.run(EngineRequest(message="compare news sentiment of 2454 and 2330", code="2454", codes=["2454", "2330"],
                                 as_of=as_of))
    assert [r["code"] for r in a.ranking["sentiment"]] == ["2330", "2454"] and a.code == "2454"
    assert "Side by side, by the net score of their news (most positive first" in a.answer
    assert "2317" not in a.answer and not any("after the as-of date" in t for t in clf.seen)
    zh = engine.run(EngineRequest(message="台積電和長榮的新聞情緒", code="2330", codes=["2330", "2603"], as_of=as_of))
    assert "並列比較（最正面在前" in zh.answer and [r["code"] for r in zh.ranking["sentiment"]] == ["2330"]
    assert "2603 長榮：這段期間沒有提及它的已存新聞（`finqa ingest news 2603`）。" in zh.answer
    one = engine.run(EngineRequest(message="TSMC news sentiment", code="2330", codes=["2330"], as_of=as_of))
    assert not one.ranking and sum(one.sentiment.counts.values()) == 4  # one company: its own reading, as before


def test_compare_with_another_company_after_a_sentiment_answer_is_both_companies_news(data_dir):
    """"台積電新聞情緒", then "跟聯發科比呢" / "compare with 2454": both companies' news side by side (it
    had compared their prices)."""
    from assistant.router import IntentClassifier
    from assistant.slots import ChatSession, parse_slots

    session = ChatSession()
    session.remember("sentiment", "2330", None, codes=["2330"])
    for message in ("跟聯發科比呢", "compare with 2454"):
        slots = parse_slots(message, session)
        assert slots.codes == ["2330", "2454"], message
        assert IntentClassifier().decide(message, slots, session).route == "sentiment", message
    session.remember("qa", "2330", None, codes=["2330"])  # after a price answer it compares prices, as before
    assert IntentClassifier().decide("跟聯發科比呢", parse_slots("跟聯發科比呢", session), session).route == "qa"
    # the news' tone asked in other words (they had quoted sentences or compared prices), and one label's
    # articles of the conversation's company after any answer ("why is it negative?" there asks of the move)
    for message in ("how is the news on Acer?", "how's the news flow for TSMC", "2330 and 2454, which is more positive?",
                    "台積電和聯發科哪個新聞比較正面"):
        assert IntentClassifier().decide(message, parse_slots(message)).route == "sentiment", message
    assert IntentClassifier().decide("show me the negative ones", parse_slots("show me the negative ones", session),
                                     session).route == "sentiment"
    assert IntentClassifier().decide("why is it negative?", parse_slots("why is it negative?", session),
                                     session).route != "sentiment"


def test_a_question_about_bad_news_lists_it_first_and_says_when_there_is_none(data_dir):
    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    as_of = date(2025, 4, 11)
    bad = engine.run(EngineRequest(message="is there any negative news about 2330?", code="2330", as_of=as_of))
    assert bad.answer.index("Most negative: ") < bad.answer.index("Most positive: ")
    plain = engine.run(EngineRequest(message="TSMC news sentiment", code="2330", as_of=as_of))
    assert plain.answer.index("Most positive: ") < plain.answer.index("Most negative: ")
    none = engine.run(EngineRequest(message="鴻海有什麼利空消息", code="2317", as_of=as_of))
    assert "沒有任何一則被判為負面。" in none.answer and none.answer.index("沒有任何一則") < none.answer.index("最正面")
    from assistant.router import IntentClassifier
    from assistant.slots import parse_slots

    for message in ("is there any negative news about 2330?", "台積電有什麼利多消息", "any good news on MediaTek?"):
        assert IntentClassifier().decide(message, parse_slots(message)).route == "sentiment", message


def test_group_questions_through_the_assistant(data_dir):
    from assistant.router import IntentClassifier
    from assistant.service import Assistant
    from assistant.slots import parse_slots

    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    for message in ("which company has the most positive news?", "半導體類股新聞情緒", "how is the sentiment on chip stocks?"):
        slots = parse_slots(message)
        assert slots.unknown_company is None, message  # "chip", "positive", 半導體類股 are no misspelt names
        assert IntentClassifier().decide(message, slots).route == "sentiment", message
    asst = Assistant(settings)
    asst.engines["sentiment"].cpu_classifier = KeywordClassifier()
    a = asst.answer("半導體類股新聞情緒", as_of=date(2025, 4, 11))
    assert a.route == "sentiment" and "半導體業公司" in a.answer and a.ranking["sentiment"]
    import ui

    details, plot, table = ui.ChatController(asst, settings, session_factory=dict).result_views(a)
    assert plot.visible and table.visible and table.value["headers"][:2] == ["name", "n"]
    assert [row[0] for row in table.value["data"]] == [r["name"] for r in a.ranking["sentiment"]]


def test_consent_pages_are_no_links_in_the_summary():
    from assistant.types import SentimentItem, SentimentResult

    consent = "https://consent.yahoo.com/v2/collectConsent?sessionId=1"
    result = SentimentResult(counts={"negative": 1, "neutral": 0, "positive": 1}, score=0.0, items=[
        SentimentItem(title="TSMC up", url="https://news.example.com/a", label="positive", p=0.9),
        SentimentItem(title="TSMC down", url=consent, label="negative", p=0.9)])
    for text in (sent._summary(result, "2 articles", False), sent._summary_zh(result, "2 則", False)):
        assert "[TSMC up](https://news.example.com/a)" in text and "TSMC down" in text and consent not in text


def test_news_filed_under_a_company_that_never_names_it_is_not_scored(data_dir):
    """newsapi files Quanta Magazine's science stories under 2382 Quanta Computer: when no stored
    article names the company, there is no sentiment to give, and the answer says why."""
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = open_store(settings.store_path)
    day = datetime(2025, 4, 10, 3, tzinfo=timezone.utc)
    store.upsert_articles([Article(url=f"https://science.example.com/{i}", title=title, code="2382", language="en",
                                   published_at=day - timedelta(days=i))
                           for i, title in enumerate(["How the brain cleans itself in sleep", "Why the universe gets complex"])])
    clf = KeywordClassifier()
    engine = SentimentEngine(settings=settings, cpu_classifier=clf)
    a = engine.run(EngineRequest(message="sentiment of 2382 news", code="2382", as_of=date(2025, 4, 11)))
    assert "2 articles are filed under 2382, but none names the company" in a.answer and a.sentiment is None
    assert clf.seen == []  # nothing classified
    zh = engine.run(EngineRequest(message="廣達新聞情緒", code="2382", as_of=date(2025, 4, 11)))
    assert "都沒有提到這家公司" in zh.answer
    # One that names it is scored, the others are left out and counted.
    store.upsert_articles([Article(url="https://news.example.com/q", title="Quanta gain on AI servers", code="2382",
                                   language="en", published_at=day)])
    named = engine.run(EngineRequest(message="sentiment of 2382 news", code="2382", as_of=date(2025, 4, 11)))
    assert named.sentiment.counts["positive"] == 1 and "left out: 2 articles filed under 2382" in named.answer


@pytest.mark.parametrize("message, trend", [
    ("has sentiment on 2330 improved?", True), ("sentiment trend of 2330 over time", True), ("台積電新聞情緒的趨勢", True),
    ("聯發科新聞情緒有轉好嗎", True), ("is TSMC news getting worse?", True), ("TSMC news sentiment by week", True),
    ("sentiment of 2330", False), ("台積電新聞情緒", False),
])
def test_which_sentiment_questions_ask_for_the_trend(message, trend):
    from assistant.sentiment_trend import asks_trend

    assert asks_trend(message) is trend


def test_the_trend_is_the_net_score_week_by_week_and_thin_weeks_are_not_compared():
    from assistant.sentiment_trend import trend_text, weekly_rows
    from assistant.types import SentimentItem

    def item(day, label):
        return SentimentItem(title=f"{day} {label}", url=None, label=label, p=0.9, date=day)

    items = ([item("2025-03-03", "negative")] * 2 + [item("2025-03-04", "neutral")]  # week of 03-03: net -0.67
             + [item("2025-03-10", "positive")]  # one article: listed, not compared
             + [item("2025-03-17", "positive")] * 2 + [item("2025-03-21", "neutral")])  # week of 03-17: net +0.67
    text = trend_text(weekly_rows(items), zh=False)
    assert "- week of 2025-03-03: 3 articles, net -0.67 (0 positive, 2 negative)" in text
    assert "- week of 2025-03-10: 1 article, net +1.00 (1 positive, 0 negative) (too few to compare)" in text
    assert "From -0.67 in the week of 2025-03-03 to +0.67 in the week of 2025-03-17: the tone improved." in text
    zh = trend_text(weekly_rows(items[:4]), zh=True)
    assert "少於兩週各有 3 則以上的新聞，看不出趨勢。" in zh and "2025-03-10 當週：1 則" in zh


def test_a_trend_question_gets_the_weeks_after_the_summary(data_dir):
    settings = data_dir.model_copy(update={"cpu_only": True})
    save_random_cpu_classifier(settings)
    _store_with_articles(settings)
    engine = SentimentEngine(settings=settings)
    trend = engine.run(EngineRequest(message="has sentiment on 2330 improved?", code="2330"))
    assert "**News tone week by week**" in trend.answer and "- week of " in trend.answer
    assert trend.sentiment.weekly and sum(r["n"] for r in trend.sentiment.weekly) == sum(trend.sentiment.counts.values())
    assert trend.to_json()["sentiment"]["weekly"] == trend.sentiment.weekly
    plain = engine.run(EngineRequest(message="sentiment of 2330", code="2330"))
    assert "week by week" not in plain.answer and "weekly" not in plain.to_json()["sentiment"]


def test_industries_ranked_by_their_news_and_the_whole_market_s_tone(data_dir):
    """"Which industry has the most positive news?" ranks industries (each one's companies' articles
    together), not companies; "what is the overall market sentiment?" / "台股整體情緒" give every
    stored company's news as one before the companies (they had asked "which company?")."""
    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    as_of = date(2025, 4, 11)
    by_industry = engine.run(EngineRequest(message="which industry has the most positive news?", as_of=as_of))
    # 其他電子業: 2317's three gains; 半導體業: 2330 (2 gains, a loss, a flat), 2454 (2 losses, a gain), 2303 (a gain)
    assert "1. Other Electronics (其他電子業) +1.00 (3 articles: 3 positive, 0 neutral, 0 negative; 2317)" in by_industry.answer
    assert "2. Semiconductors (半導體業) +0.12 (8 articles: 4 positive, 1 neutral, 3 negative;" in by_industry.answer
    worst = engine.run(EngineRequest(message="哪個產業的新聞最負面", as_of=as_of))
    assert "1. 半導體業 +0.12（8 則" in worst.answer and "最負面在前" in worst.answer
    overall = engine.run(EngineRequest(message="What is the overall market sentiment?", as_of=as_of))
    assert overall.answer.count("All companies with stored news, overall (") == 1
    assert "net score" in overall.answer and overall.ranking["sentiment"][0]["code"] == "2317"
    zh = engine.run(EngineRequest(message="台股整體情緒", as_of=as_of))
    assert "所有有已存新聞的公司（" in zh.answer and "整體：正面" in zh.answer


@pytest.mark.parametrize("message, n, days", [
    ("How has sentiment on TSMC changed over the last 3 months?", 3, 92), ("台積電近三個月新聞情緒", 3, 92),
    ("2330 news sentiment over the past week", 1, 7), ("sentiment of 2330 news", 2, 30), ("2330 sentiment recently", 2, 30),
])
def test_a_span_looking_back_sets_how_much_news_is_read(data_dir, message, n, days):
    """"over the last 3 months" reads 92 days of news (it had read the default 30); "recently" keeps
    the 30 days."""
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    as_of = date(2025, 6, 1)
    open_store(settings.store_path).upsert_articles([
        Article(url=f"https://news.example.com/{age}", title=f"TSMC gains on demand, day {age}", code="2330", language="en",
                published_at=datetime.combine(as_of - timedelta(days=age), datetime.min.time(), tzinfo=timezone.utc))
        for age in (3, 20, 80)])
    answer = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier()).run(
        EngineRequest(message=message, code="2330", as_of=as_of))
    assert sum(answer.sentiment.counts.values()) == n
    assert f"{days} days" in answer.answer or f"{days} 天" in answer.answer


def test_sentiment_and_price_asked_together_put_the_span_s_prices_beside(data_dir):
    """"compare the sentiment and price of TSMC in April 2025": the tone of April's news, and April's
    prices from the store beside it, cited (the price part had been dropped); the point-in-time cut
    holds for the prices too."""
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article
    from tests.fixture_data import synthetic_bars

    settings = data_dir.model_copy(update={"cpu_only": True})
    store = open_store(settings.store_path)
    store.upsert_bars(synthetic_bars("2330", 120, end=date(2025, 5, 30)))
    store.upsert_articles([
        Article(url=f"https://news.example.com/{d}", title=f"TSMC gains on demand {d}", code="2330", language="en",
                published_at=datetime(2025, 4, d, 3, tzinfo=timezone.utc)) for d in (3, 10, 17)])
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    both = engine.run(EngineRequest(message="compare the sentiment and price of TSMC in April 2025", code="2330"))
    assert "The price over the same days (from the store): **2330 TSMC (台積電)**, 2025-04-01 to 2025-04-30" in both.answer
    assert both.bars and {b.date.month for b in both.bars} == {4} and both.citations[0].n == 1
    zh = engine.run(EngineRequest(message="台積電2025年4月新聞情緒和股價", code="2330"))
    assert "同期股價（取自資料庫）：**2330 台積電** 2025-04-01 至 2025-04-30" in zh.answer
    cut = engine.run(EngineRequest(message="compare the sentiment and price of TSMC in April 2025", code="2330",
                                   as_of=date(2025, 4, 15)))
    assert cut.bars and max(b.date for b in cut.bars) < date(2025, 4, 15)
    plain = engine.run(EngineRequest(message="sentiment of TSMC in April 2025", code="2330"))
    assert "same days" not in plain.answer and not plain.bars


@pytest.mark.parametrize("message, label", [
    ("show me the negative ones", "negative"), ("list the positive articles", "positive"),
    ("which were the negative headlines?", "negative"), ("all bearish news about 2330", "negative"),
    ("and the positive ones?", "positive"), ("負面的有哪些", "negative"), ("列出利多新聞", "positive"),
    ("TSMC news sentiment", None), ("is there any negative news about 2330?", None), ("show me the news", None),
    # why it reads so: the articles read that way (it had searched the news for "why is it negative")
    ("why is it negative?", "negative"), ("why so positive?", "positive"), ("為什麼是負面", "negative"),
    ("為什麼這麼正面", "positive"), ("why is TSMC falling?", None),
])
def test_which_questions_list_one_label(message, label):
    from assistant.sentiment_groups import asked_label_list

    assert asked_label_list(message) == label


def test_one_label_s_articles_are_listed_newest_first_and_follow_a_sentiment_answer(data_dir):
    """"show me the negative ones" after a company's sentiment had searched the news: every article
    read that way, newest first, point in time; none said so."""
    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    as_of = date(2025, 4, 11)
    pos = engine.run(EngineRequest(message="list the positive articles", code="2330", as_of=as_of))
    listed = pos.answer.split("The 2 positive articles (newest first):\n")[1].splitlines()
    assert listed[0].startswith("- 2025-04-10 [TSMC gain]") and listed[1].startswith("- 2025-04-09 [TSMC gain again]")
    assert "after the as-of date" not in pos.answer and "(p = 0.80)" in listed[0]
    none = engine.run(EngineRequest(message="負面的有哪些", code="2317", as_of=as_of))
    assert "沒有任何一則被判為負面。" in none.answer
    # a headline carried twice is listed once, and the heading says why the list is one short
    from assistant.engines.sentiment import label_list_text

    twice = [{"title": "TSMC gain", "date": "2025-04-10", "url": None}, {"title": "TSMC  gain", "date": "2025-04-09", "url": None}]
    probs = [{"positive": 0.8, "neutral": 0.1, "negative": 0.1}] * 2
    text = label_list_text(twice, ["positive", "positive"], probs, "positive", False)
    assert "The 1 positive article (newest first) (1 more repeat a headline listed once):" in text, text
    assert text.count("TSMC gain") == 1

    from assistant.router import IntentClassifier
    from assistant.slots import ChatSession, parse_slots

    session = ChatSession(last_route="sentiment", last_code="2330")
    decision = IntentClassifier().decide("show me the negative ones", parse_slots("show me the negative ones", session),
                                         session)
    assert decision.route == "sentiment"


def test_one_label_s_articles_after_a_comparison_are_listed_for_each_company(data_dir):
    """"compare the news sentiment of 2330 and 2454", then "show me the negative ones": each
    company's negative articles under its name (it had listed the first company's only)."""
    from assistant.slots import ChatSession, parse_slots

    settings = data_dir.model_copy(update={"cpu_only": True})
    _group_store(settings)
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    both = engine.run(EngineRequest(message="show me the negative ones", code="2330", codes=["2330", "2454"],
                                    as_of=date(2025, 4, 11)))
    tsmc, mtk = both.answer.split("**2454 MediaTek (聯發科)**")
    assert "**2330 TSMC (台積電)**" in tsmc and "[TSMC loss]" in tsmc and "MediaTek" not in tsmc
    assert "The 2 negative articles (newest first):" in mtk and "[MediaTek loss]" in mtk and "TSMC loss" not in mtk
    session = ChatSession(last_route="sentiment", last_code="2330", last_codes=["2330", "2454"])
    assert parse_slots("show me the negative ones", session).codes == ["2330", "2454"]
    zh = engine.run(EngineRequest(message="列出負面的", code="2330", codes=["2330", "2454"], as_of=date(2025, 4, 11)))
    assert "**2330 台積電**" in zh.answer and "**2454 聯發科**" in zh.answer and "負面的 2 則" in zh.answer


def test_a_span_named_relative_to_today_is_read_from_the_news_end_on_a_stale_store(data_dir):
    """"sentiment of 2330 news last week" on a store whose news ends long before it had said there
    was none: the week before the newest article is read, and the description says so."""
    from datetime import datetime, timezone

    from ingest.store import open_store
    from ingest.types import Article

    settings = data_dir.model_copy(update={"cpu_only": True})
    days = [date(2025, 4, 7), date(2025, 4, 9), date(2025, 4, 16), date(2025, 4, 18)]
    open_store(settings.store_path).upsert_articles([
        Article(url=f"https://news.example.com/2330/{d}", title=f"TSMC posts a gain on {d}", code="2330", language="en",
                published_at=datetime(d.year, d.month, d.day, 3, tzinfo=timezone.utc), content="TSMC gain.",
                source="Fixture Daily") for d in days])
    engine = SentimentEngine(settings=settings, cpu_classifier=KeywordClassifier())
    week = engine.run(EngineRequest(message="sentiment of TSMC news last week", code="2330", as_of=date(2026, 12, 6)))
    assert "2 articles about 2330 published from 2025-04-07 to 2025-04-13 (the stored news ends on 2025-04-18, so " \
           "\u201clast week\u201d is read from there" in week.answer, week.answer
    month = engine.run(EngineRequest(message="台積電本月新聞情緒", code="2330", as_of=date(2026, 12, 6)))
    assert "2025-04-01 至 2025-04-18（已存新聞只到 2025-04-18，「本月」以那一天為準" in month.answer
    dated = engine.run(EngineRequest(message="sentiment of TSMC news in March 2025", code="2330", as_of=date(2026, 12, 6)))
    assert "No stored news about 2330 was published from 2025-03-01 to 2025-03-31" in dated.answer  # a dated span: as named
    # several companies side by side read the same way (it had said "No stored news of the companies named")
    open_store(settings.store_path).upsert_articles([
        Article(url=f"https://news.example.com/2454/{d}", title=f"MediaTek posts a gain on {d}", code="2454", language="en",
                published_at=datetime(d.year, d.month, d.day, 3, tzinfo=timezone.utc), content="MediaTek gain.",
                source="Fixture Daily") for d in days])
    both = engine.run(EngineRequest(message="TSMC vs MediaTek sentiment this month", code="2330", codes=["2330", "2454"],
                                    as_of=date(2026, 12, 6)))
    assert "8 articles from 2025-04-01 to 2025-04-18 (the stored news ends on 2025-04-18, so \u201cthis month\u201d is " \
           "read from there" in both.answer, both.answer
    assert {r["code"] for r in both.ranking["sentiment"]} == {"2330", "2454"}
