"""Sentiment: Llama-FinSent-S scored by label log-likelihood, or the CPU classifier.

Two questions it answers:

* **a company** ("台積電最近新聞情緒如何？"): its articles of the 30 days before ``as_of`` (or now),
  the most recent 50 at most, classified and aggregated: counts per label, the net score
  ``(positive - negative) / n`` in [-1, 1], and the most positive and most negative headlines;
* **quoted text** (“...”, 「...」, "..."; or the text after a colon): that text, classified.

The model tier renders each text in the FinGPT format the model was trained on
(``prompts.render_sentiment_prompt``) and scores the fixed labels with
``ModelManager.score_options`` in batches: a probability per label, no sampling, no parsing of
free text. The 7-class wording (strong/moderately/mildly ...) is mapped onto 3 classes by
summing probabilities, so aggregation is always over negative/neutral/positive.

The CPU tier is the MiniLM classifier trained by ``finqa finetune sentiment --backend embedded``;
when none is trained the answer says so and gives the command.

A question asked in Chinese is answered in Chinese (``i18n.answers_zh`` on the message, the fallback
reason through ``i18n.reason_zh``); the structured result and ``fallback_reason`` stay the same.
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import answers_zh, has_cjk, reason_zh
from ..sentiment_trend import asks_trend, trend_text, weekly_rows
from ..slots import parse_quotes, to_simplified
from ..types import Answer, Citation, EngineRequest, SentimentItem, SentimentResult
from .base import FinqaQueryEngine
from .qa import NEWS_DAYS_AROUND, _reason, is_oom, model_label

TAIPEI = ZoneInfo("Asia/Taipei")  # the news' dates are read as Taiwan days

log = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
WINDOW_DAYS = 30
MAX_ARTICLES = 50
TOP_ITEMS = 3
BATCH = 16
CPU_ENGINE = "sentiment:cpu-minilm"
TRAIN_HINT = ("finqa finetune sentiment --backend embedded "
              "--data ../shared/data/sentiment/fpb_train.csv")
# The Chinese label with the English one beside it: the results panel and chart (ui.py) show the
# English labels, so a Chinese reader can match the sentence to them.
LABELS_ZH = {"negative": "負面", "neutral": "中性", "positive": "正面"}


def to_three(probs: dict[str, float]) -> dict[str, float]:
    """Map 3- or 7-class label probabilities onto negative/neutral/positive (sums kept)."""
    out = {k: 0.0 for k in LABELS}
    for label, p in probs.items():
        low = label.lower()
        key = "negative" if "negative" in low else "positive" if "positive" in low else "neutral"
        out[key] += float(p)
    total = sum(out.values())
    return {k: v / total for k, v in out.items()} if total > 0 else out


def labels_of(probs: list[dict[str, float]]) -> list[str]:
    """Each text's label: the likeliest of the three."""
    return [max(LABELS, key=lambda k: to_three(p)[k]) for p in probs]


def aggregate(texts: list[dict[str, Any]], probs: list[dict[str, float]], code: str | None) -> SentimentResult:
    """Counts per label, net score and the most positive / most negative items."""
    counts = {k: 0 for k in LABELS}
    scored: list[tuple[dict[str, Any], str, dict[str, float]]] = []
    for item, p in zip(texts, probs):
        p3 = to_three(p)
        label = max(LABELS, key=lambda k: p3[k])
        counts[label] += 1
        scored.append((item, label, p3))
    n = len(scored)
    score = (counts["positive"] - counts["negative"]) / n if n else 0.0
    items: list[SentimentItem] = []
    titles: set[str] = set()
    # Most positive first (by P(positive)), then most negative (by P(negative)): what a reader
    # wants to open. Only items actually labelled that way are listed, and a story two outlets ran
    # under one headline once (both are counted).
    for want in ("positive", "negative"):
        ranked = sorted((i for i, s in enumerate(scored) if s[1] == want), key=lambda i: -scored[i][2][want])
        listed = 0
        for i in ranked:
            if listed == TOP_ITEMS:
                break
            title = " ".join(str(scored[i][0]["title"]).split()).lower()
            if title in titles:
                continue
            titles.add(title)
            listed += 1
            it, label, p3 = scored[i]
            items.append(SentimentItem(title=it["title"], url=it.get("url"), label=label, p=round(p3[label], 4),
                                       date=it.get("date")))
    if not items and scored:  # all neutral: show the most recent ones
        for it, label, p3 in scored[:TOP_ITEMS]:
            items.append(SentimentItem(title=it["title"], url=it.get("url"), label=label, p=round(p3[label], 4),
                                       date=it.get("date")))
    return SentimentResult(counts=counts, score=round(score, 4), items=items, code=code)


def _items(articles: list[Any], code: str, zh: bool) -> tuple[list[dict[str, Any]], str, bool]:
    """(items to classify, what was left out as a phrase, whether MAX_ARTICLES cut the list):
    only articles that name the company, newest first."""
    named, left_out = _naming_the_company(articles, code)
    items = [{"title": a.title, "text": _headline_text(a), "url": a.url, "date": a.published_at.date().isoformat()}
             for a in named[:MAX_ARTICLES]]
    if not left_out:
        skipped = ""
    elif zh:
        skipped = f"（另有 {left_out} 則歸在 {code} 下、但未提及這家公司的新聞不計入）"
    else:
        noun, verb = ("article", "names") if left_out == 1 else ("articles", "name")
        skipped = f"; left out: {left_out} {noun} filed under {code} that never {verb} the company"
    return items, skipped, len(named) > MAX_ARTICLES


def _asked_window(req: EngineRequest, end: datetime) -> tuple[datetime, datetime, str, str] | None:
    """``(since, until, label, label_zh)`` when the message names a day or period: a day is read
    with the news of NEWS_DAYS_AROUND days either side (reactions come the next day; QA searches
    the same window), a period as its own calendar days. ``until`` never passes ``end`` (the as-of cut)."""
    from ..periods import AROUND_DAYS, Period, asks_around, parse_period

    period = parse_period(req.message, req.as_of or datetime.now(TAIPEI).date())
    if period.kind not in ("day", "range") or period.start is None or period.end is None:
        return None
    if period.kind == "range" and asks_around(req.message):  # "3月15日前後的新聞情緒": the day's news window
        day = period.start + timedelta(days=AROUND_DAYS)
        period = Period("day", day, day, label=day.isoformat())
    if period.kind == "day":
        days = NEWS_DAYS_AROUND
        first, last = period.start - timedelta(days=days), period.end + timedelta(days=days)
        label = f"within {days} days of {period.start.isoformat()}"
        label_zh = f"{period.start.isoformat()} 前後 {days} 天"
    else:
        first, last = period.start, period.end
        if req.as_of is not None and first < req.as_of <= last:  # the as-of cut ends the span: name the day it ends
            last = req.as_of - timedelta(days=1)
        label = f"from {first.isoformat()} to {last.isoformat()}"
        label_zh = f"{first.isoformat()} 至 {last.isoformat()}"
    since = datetime.combine(first, time(0, 0), tzinfo=TAIPEI)
    until = min(datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=TAIPEI), end)
    return since, until, label, label_zh


# "compare the sentiment and price of TSMC in April 2025", "台積電4月新聞情緒和股價": both, side by side
_ASKS_PRICE = re.compile(r"\b(?:price|prices|share price|stock price|close|closes|performance|returns?)\b|股价|涨跌|走势|表现")


def _trailing_days(req: EngineRequest) -> int:
    """The calendar days of news to read: a span looking back that the message names ("over the
    last 3 months": 63 sessions, 92 days), else :data:`WINDOW_DAYS`. "Recently" keeps the default."""
    from ..periods import parse_period

    period = parse_period(req.message, req.as_of or datetime.now(TAIPEI).date())
    if period.kind != "trailing" or not period.sessions or period.label == "recently":
        return WINDOW_DAYS
    return max(1, round(period.sessions * 365 / 250))


MAX_QUOTES = 20  # quoted headlines classified in one message


def _after_colon(message: str) -> str | None:
    """Text after the first colon, when it is long enough to be a headline ("classify: ...")."""
    m = re.search(r"[:：]\s*(.{8,})$", message.strip(), re.S)
    return m.group(1).strip() if m else None


class SentimentEngine(FinqaQueryEngine):
    """Company news sentiment and quoted-text sentiment (see the module docstring)."""

    route: str = "sentiment"
    settings: Any
    store: Any = None
    labels: int = 3  # 3 or 7: the wording the model is asked in
    cpu_classifier: Any = None
    last_fallback: str | None = None  # why the CPU tier answered last time (side panel)

    def _store(self) -> Any:
        if self.store is None:
            from ingest.store import open_store

            self.store = open_store(self.settings.store_path)
        return self.store

    def describe(self) -> str:
        from .qa import _is_loaded

        cpu = "CPU tier (MiniLM classifier)"
        if not self._cpu_trained():
            cpu += " not trained yet"
        if self.settings.cpu_only:
            return f"{cpu}: cpu_only is set"
        label = model_label(self.settings.sentiment)
        if _is_loaded(self.manager, self.settings.sentiment):
            return f"{label} (loaded; fallback: {cpu})"
        reason = self._manager().precheck(self.settings.sentiment)
        if reason:
            return f"{cpu}: {label} could not be used: {reason}"
        if self.last_fallback:
            return f"{cpu}: {label} could not be used: {self.last_fallback}"
        return f"{label} (loads on first use; fallback: {cpu})"

    def _cpu_trained(self) -> bool:
        from pathlib import Path

        return (Path(self.settings.adapters_dir) / "sentiment-embedded" / "classifier_config.json").is_file()

    # --- what to classify -----------------------------------------------------------------------
    def _texts(self, req: EngineRequest, zh: bool = False) -> tuple[list[dict[str, Any]], str | None, str]:
        """(items to classify, a message when there is nothing, what was classified), in Chinese if ``zh``."""
        quoted = req.quoted_text or (None if req.code else _after_colon(req.message))
        quotes = parse_quotes(req.message) if req.quoted_text else []
        if len(quotes) > 1:  # several headlines quoted: each one classified on its own
            return ([{"title": q, "text": q, "url": None, "date": None} for q in quotes[:MAX_QUOTES]], None,
                    "引用的各段文字" if zh else "the quoted texts")
        if quoted:
            return ([{"title": quoted, "text": quoted, "url": None, "date": None}], None,
                    "引用的文字" if zh else "the quoted text")
        if not req.code:
            if zh:
                return [], ("要分析哪家公司，或哪段文字？請指名公司（例如 `台積電最近新聞情緒如何？`、"
                            "`sentiment of 2454 news`），或用「...」引用一則標題來分類。"), ""
            return [], ("Which company, or which text? Name a company (e.g. `台積電最近新聞情緒如何？`, "
                        "`sentiment of 2454 news`) or quote a headline in “...” to classify it."), ""
        as_of = req.as_of
        # As everywhere in finqa, "as of D" means strictly before D 00:00 Taiwan time.
        end = (datetime.combine(as_of, time(0, 0), tzinfo=ZoneInfo("Asia/Taipei")) if as_of is not None
               else datetime.now(timezone.utc))
        store = self._store()
        asked = _asked_window(req, end)
        if asked is not None:
            return self._texts_in(req, asked, zh)
        days = _trailing_days(req)
        articles = store.articles(req.code, before=end, since=end - timedelta(days=days))
        window = f"the {days} days {'before ' + as_of.isoformat() if as_of else 'up to now'}"
        window_zh = f"{as_of.isoformat()} 之前 {days} 天" if as_of else f"最近 {days} 天"
        stale_zh = ""
        if not articles:
            older = store.articles(req.code, before=end, limit=1)
            if not older and as_of is not None and store.articles(req.code, limit=1):
                # News exists, all of it on or after the as-of date: that is no "not ingested".
                if zh:
                    return [], f"{as_of.isoformat()} 之前沒有關於 {req.code} 的已存新聞（較新的新聞因查詢基準日而不使用）。", ""
                return [], (f"No stored news about {req.code} was published before the as-of date {as_of.isoformat()} "
                            "(newer articles are not used)."), ""
            if not older:
                if zh:
                    return [], f"尚未匯入任何關於 {req.code} 的新聞。執行 `finqa ingest news {req.code}` 即可抓取。", ""
                return [], f"No news about {req.code} is ingested. `finqa ingest news {req.code}` fetches it.", ""
            # Stale but not empty: classify the 30 days up to the latest stored article and say so,
            # rather than answering nothing.
            latest = older[0].published_at
            articles = store.articles(req.code, before=end, since=latest - timedelta(days=days))
            stale_zh = f"（{window_zh}內沒有更新的新聞；`finqa ingest news {req.code}` 可抓取最新新聞）"
            window = (f"the {days} days up to its latest stored article ({latest.date().isoformat()}; "
                      f"nothing newer in {window}: `finqa ingest news {req.code}` fetches recent news)")
            window_zh = f"截至最新一則已存新聞（{latest.date().isoformat()}）為止 {days} 天"
        items, skipped, newest = _items(articles, req.code, zh)
        if not items:
            return [], _none_named(len(articles), req.code, zh), ""
        if zh:
            return items, None, f"{req.code} {window_zh}內的{'最新 ' if newest else ' '}{len(items)} 則新聞{stale_zh}{skipped}"
        return items, None, f"{'the newest ' if newest else ''}{len(items)} articles about {req.code} from {window}{skipped}"

    @staticmethod
    def _from_the_news_end(req: EngineRequest, store: Any, since: datetime,
                           until: datetime) -> tuple[list[Any], str, str] | None:
        """(the articles, the labels) of a span named relative to today ("last week", "本月") read
        from the day after the newest stored article, when none was published in the span itself
        and the newest is older than it; ``None`` otherwise (a dated span, or news in it)."""
        newest = store.articles(req.code, before=until, limit=1)
        if not newest or newest[0].published_at >= since:
            return None
        moved = _span_at_news_end(req, newest[0].published_at, f"`finqa ingest news {req.code}`")
        if moved is None:
            return None
        first, last, label, label_zh = moved
        articles = store.articles(req.code, before=datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=TAIPEI),
                                  since=datetime.combine(first, time(0, 0), tzinfo=TAIPEI))
        return (articles, label, label_zh) if articles else None

    def _texts_in(self, req: EngineRequest, asked: tuple[datetime, datetime, str, str],
                  zh: bool) -> tuple[list[dict[str, Any]], str | None, str]:
        """The news of a period the message names ("sentiment on TSMC in March 2025")."""
        since, until, label, label_zh = asked
        store = self._store()
        articles = store.articles(req.code, before=until, since=since)
        moved = self._from_the_news_end(req, store, since, until) if not articles else None
        if moved is not None:
            # "sentiment of TSMC news last week" on a store whose news ends long before it: the week
            # before its newest article, said so (it had been "no news", with nothing to read)
            articles, label, label_zh = moved
        if not articles:
            # Say where the stored news is, so that the next question can ask about it.
            newest = store.articles(req.code, before=until, limit=1)
            where_zh = where = ""
            if newest:
                day = newest[0].published_at.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
                where_zh = f"在那之前最新的一則是 {day}。"
                where = f" The newest stored article before then is from {day}."
            elif since > datetime.now(timezone.utc) - timedelta(days=WINDOW_DAYS):
                where_zh, where = f"執行 `finqa ingest news {req.code}` 抓取最新新聞。", f" `finqa ingest news {req.code}` fetches recent news."
            if zh:
                return [], f"{label_zh} 沒有關於 {req.code} 的已存新聞。{where_zh}", ""
            return [], f"No stored news about {req.code} was published {label}.{where}", ""
        items, skipped, newest = _items(articles, req.code, zh)
        if not items:
            return [], _none_named(len(articles), req.code, zh), ""
        if zh:
            return items, None, f"{req.code} {label_zh} 的{'最新 ' if newest else ' '}{len(items)} 則新聞{skipped}"
        return items, None, f"{'the newest ' if newest else ''}{len(items)} articles about {req.code} published {label}{skipped}"

    # --- classification -------------------------------------------------------------------------
    def _classify_model(self, texts: list[str]) -> tuple[list[dict[str, float]], str]:
        from ..prompts import render_sentiment_prompt, sentiment_labels

        manager = self._manager()
        loaded = manager.load(self.settings.sentiment)
        options = sentiment_labels(self.labels)
        probs: list[dict[str, float]] = []
        for start in range(0, len(texts), BATCH):
            prompts = [render_sentiment_prompt(t, self.labels) for t in texts[start:start + BATCH]]
            probs.extend(manager.score_options(loaded, prompts, options))
        return probs, f"sentiment:{model_label(self.settings.sentiment)}"

    def _classify_cpu(self, texts: list[str]) -> list[dict[str, float]] | None:
        if self.cpu_classifier is None:
            from ..cpu_sentiment import load_cpu_classifier

            self.cpu_classifier = load_cpu_classifier(self.settings)
        if self.cpu_classifier is None:
            return None
        return [probs for _label, _p, probs in self.cpu_classifier.predict(texts)]

    def run(self, req: EngineRequest) -> Answer:
        notices = list(req.notices)
        zh = answers_zh(req.message)
        if not req.code and not req.quoted_text and not _after_colon(req.message):
            from ..sentiment_groups import group_of

            group = group_of(req.message, self._store())
            if group is not None:  # "sentiment on chip stocks", "which company has the most positive news?"
                return self._run_group(req, group, notices, zh)
        named = list(dict.fromkeys(c for c in [req.code, *req.codes] if c))
        from ..sentiment_returns import asks_sentiment_returns

        if named and not req.quoted_text and asks_sentiment_returns(req.message):
            # "does news sentiment predict TSMC's price?": the tone of each session beside its return
            return self._run_returns(req, named, notices, zh)
        from ..sentiment_groups import asked_label_list

        if len(named) > 1 and not req.quoted_text and (wanted := asked_label_list(req.message)) is not None:
            # "show me the negative ones" after a comparison of companies' news: each one's, in turn
            return self._run_label_lists(req, named, wanted, notices, zh)
        if len(named) > 1 and not req.quoted_text and not _after_colon(req.message):
            from ..sentiment_groups import named_group

            # "compare news sentiment of 2330 and 2454": each one's tone, side by side
            return self._run_group(req, named_group(named, req.message), notices, zh)
        items, problem, what = self._texts(req, zh)
        if problem:
            return Answer(route="sentiment", engine="sentiment", answer=problem, notices=notices, code=req.code)
        texts = [it["text"] for it in items]
        classified = self._classify(texts, req, notices, zh)
        if isinstance(classified, Answer):
            return classified
        probs, engine, reason = classified
        # a quoted headline's tone is no company's news sentiment, whoever it names
        result = aggregate(items, probs, None if req.quoted_text else req.code)
        single = len(items) == 1 and req.code is None or bool(req.quoted_text)
        from ..sentiment_groups import asked_label_list, asks_negative_first

        if req.quoted_text and len(items) > 1:
            labels = labels_of(probs)
            lines = [(f"{n}. 「{it['text']}」：**{LABELS_ZH.get(label, label)}**（{label}，p = {max(row.values()):.2f}）" if zh else
                      f"{n}. “{it['text']}”: **{label}** (p = {max(row.values()):.2f})")
                     for n, (it, label, row) in enumerate(zip(items, labels, probs), 1)]
            head = "各段引用文字的情緒：" if zh else "Sentiment of each quoted text:"
            return Answer(route="sentiment", engine=engine, answer=self._tier_line(reason, zh) + "\n".join([head, *lines]),
                          sentiment=result, notices=notices, fallback_reason=reason, code=req.code)

        bad_first = asks_negative_first(req.message)  # "any negative news about 2330?": those first
        text = _summary_zh(result, what, single, bad_first) if zh else _summary(result, what, single, bad_first)
        if single and result.items and (asked := _tone_asked(req.message)) is not None:
            # "is that bearish?": yes or no first, then the reading
            yes = result.items[0].label == asked
            text = (("是。" if yes else "不是。") if zh else ("Yes. " if yes else "No. ")) + text
        if not single and (wanted := asked_label_list(req.message)) is not None:
            # "show me the negative ones": every article read that way, newest first (not the top three)
            text += label_list_text(items, labels_of(probs), probs, wanted, zh)
        if not single and asks_trend(req.message):  # "has sentiment on 2330 improved?": week by week
            result.weekly = weekly_rows([SentimentItem(title=it["title"], url=it.get("url"), label=label, p=0.0,
                                                       date=it.get("date")) for it, label in zip(items, labels_of(probs))])
            text += trend_text(result.weekly, zh)
        bars, citations = [], []
        if not single and req.code and _ASKS_PRICE.search(to_simplified(req.message).lower()):
            # "compare the sentiment and price of TSMC in April 2025": the price over the same days, from the store
            beside = self._price_beside(req, items, zh)
            if beside is not None:
                line, bars, citations = beside
                text += line
        return Answer(route="sentiment", engine=engine, answer=self._tier_line(reason, zh) + text, sentiment=result,
                      notices=notices, fallback_reason=reason, code=req.code, bars=bars, citations=citations)

    def _run_label_lists(self, req: EngineRequest, codes: list[str], wanted: str, notices: list[str],
                         zh: bool) -> Answer:
        """Every article read as ``wanted`` of each company (up to five), the window each one's own
        sentiment answer reads, under the company's name."""
        from ..price_format import company_label, company_of

        parts, engine, reason = [], "sentiment", None
        for code in codes[:5]:
            one = replace(req, code=code, codes=[code])
            items, problem, what = self._texts(one, zh)
            label = f"**{company_label(code, company_of(code), zh)}**"
            if problem:
                parts.append(f"{label}：{problem}" if zh else f"{label}: {problem}")
                continue
            classified = self._classify([it["text"] for it in items], one, notices, zh)
            if isinstance(classified, Answer):
                return classified
            probs, engine, reason = classified
            listed = label_list_text(items, labels_of(probs), probs, wanted, zh).strip()
            parts.append(f"{label}（{what}）\n{listed}" if zh else f"{label} ({what})\n{listed}")
        return Answer(route="sentiment", engine=engine, answer=self._tier_line(reason, zh) + "\n\n".join(parts),
                      notices=notices, fallback_reason=reason, code=codes[0])

    def _run_returns(self, req: EngineRequest, codes: list[str], notices: list[str], zh: bool) -> Answer:
        """For each company (up to three): every stored article naming it (the newest
        MAX_ARTICLES) before the as-of date, classified, each session's net score beside its
        return and the session before's (``assistant.sentiment_returns``)."""
        from ..price_facts import visible_day
        from ..price_format import company_label, company_of
        from ..sentiment_returns import MAX_ARTICLES as MOST, pairs_of, render, summary

        end = (datetime.combine(req.as_of, time(0, 0), tzinfo=TAIPEI) if req.as_of is not None
               else datetime.now(timezone.utc))
        visible = visible_day(req.as_of or datetime.now(TAIPEI).date(), req.as_of)
        store = self._store()
        parts, numbers, engine, reason = [], {}, "sentiment", None
        for code in codes[:3]:
            filed = store.articles(code, before=end, limit=MOST)
            articles, _ = _naming_the_company(filed, code)
            bars = store.bars(code, end=visible)
            if not articles:
                parts.append(_none_named(len(filed), code, zh) if filed else
                             (f"尚未匯入任何關於 {code} 的新聞。執行 `finqa ingest news {code}` 即可抓取。" if zh else
                              f"No news about {code} is ingested. `finqa ingest news {code}` fetches it."))
                continue
            if bars.empty:
                parts.append(f"尚未儲存 {code} 的股價：請執行 `finqa ingest prices {code}`。" if zh else
                             f"No prices for {code} are stored: run `finqa ingest prices {code}`.")
                continue
            classified = self._classify([_headline_text(a) for a in articles], req, notices, zh)
            if isinstance(classified, Answer):
                return classified
            probs, engine, reason = classified
            numbers[code] = summary(pairs_of([a.published_at for a in articles], labels_of(probs), bars["close"], TAIPEI))
            parts.append(render(company_label(code, company_of(code), zh), numbers[code], zh))
        return Answer(route="sentiment", engine=engine, answer=self._tier_line(reason, zh) + "\n\n".join(parts),
                      notices=notices, fallback_reason=reason, code=codes[0],
                      indicators=numbers[codes[0]] if list(numbers) == [codes[0]] else {"companies": numbers})

    def _price_beside(self, req: EngineRequest, items: list[dict[str, Any]],
                      zh: bool) -> tuple[str, list[Any], list[Citation]] | None:
        """The company's prices over the span the message names ("in April 2025"), else over the
        days of the articles read (the first to the last), as the price answers read a span (point
        in time), cited; ``None`` when the store has none then. Its stale-store notices are the
        sentiment answer's own already."""
        from ..periods import Period, parse_period
        from ..price_facts import read_prices

        ref = req.as_of or datetime.now(TAIPEI).date()
        asked = parse_period(req.message, ref)
        if asked.kind == "range" and asked.start and asked.end:  # "in April 2025": that span, as the news read
            span = Period("range", asked.start, asked.end, label="")
        else:
            days = sorted(date.fromisoformat(it["date"][:10]) for it in items if it.get("date"))
            if not days:
                return None
            span = Period("range", days[0], days[-1], label="")
        reading = read_prices(self._store(), req.code, span, ref=ref, as_of=req.as_of, zh=zh, notices=[])
        if not reading.bars:
            return None
        citation = Citation(n=1, title=reading.title, source=reading.source, date=reading.bars[-1].date.isoformat(), url=None)
        head = "\n\n同期股價（取自資料庫）：" if zh else "\n\nThe price over the same days (from the store): "
        return head + reading.text + " [1]", reading.bars, [citation]

    @staticmethod
    def _tier_line(reason: str | None, zh: bool) -> str:
        """The sentence that says the CPU tier answered, and why (empty when a model did)."""
        if reason and zh:
            return f"CPU 層（MiniLM 分類器；未載入語言模型：{reason_zh(reason)}）。\n\n"
        if reason:
            return f"CPU tier (MiniLM classifier; no language model loaded: {reason}).\n\n"
        return ""

    def _classify(self, texts: list[str], req: EngineRequest, notices: list[str],
                  zh: bool) -> tuple[list[dict[str, float]], str, str | None] | Answer:
        """(probabilities per text, the engine that gave them, why the CPU tier answered), or the
        Answer that says nothing could classify them. Adds the language-gap notice."""
        reason: str | None = "cpu_only is set" if self.settings.cpu_only else None
        probs: list[dict[str, float]] | None = None
        engine = CPU_ENGINE
        if reason is None:
            from ..models import ModelUnavailable

            try:
                probs, engine = self._classify_model(texts)
            except ModelUnavailable as exc:
                reason = _reason(exc)
            except Exception as exc:
                if not is_oom(exc):
                    raise
                reason = f"CUDA out of memory ({exc})"
        if probs is None:
            if reason != "cpu_only is set":
                self.last_fallback = reason
            probs = self._classify_cpu(texts)
            if probs is None:
                if zh:
                    text = (f"CPU 層：無法載入情緒模型（{reason_zh(reason or '')}），而 CPU 情緒分類器尚未訓練。"
                            f"請用以下指令訓練（在 2 核心上約需幾分鐘）：\n`{TRAIN_HINT}`")
                else:
                    text = (f"CPU tier: no sentiment model could be loaded ({reason}) and the CPU sentiment "
                            f"classifier is not trained yet. Train it (a few minutes on 2 cores) with:\n"
                            f"`{TRAIN_HINT}`")
                return Answer(
                    route="sentiment", engine=CPU_ENGINE, notices=notices, code=req.code, fallback_reason=reason,
                    answer=text,
                )
        if engine == CPU_ENGINE:
            notices.extend(_language_gap(self.cpu_classifier, texts, zh))
            notices.extend(_broken_vocabulary(self.cpu_classifier, zh))
        return probs, engine, reason

    def _run_group(self, req: EngineRequest, group: Any, notices: list[str], zh: bool) -> Answer:
        """Several companies' news at once: an industry's tone, or the companies ranked by theirs
        (``assistant.sentiment_groups``)."""
        from .. import sentiment_groups as sg

        end = (datetime.combine(req.as_of, time(0, 0), tzinfo=ZoneInfo("Asia/Taipei")) if req.as_of is not None
               else datetime.now(timezone.utc))
        asked = _asked_window(req, end)
        if asked is not None:
            since, until, label, label_zh = asked
        else:
            since, until = end - timedelta(days=WINDOW_DAYS), end
            label = f"the {WINDOW_DAYS} days {'before ' + req.as_of.isoformat() if req.as_of else 'up to now'}"
            label_zh = f"{req.as_of.isoformat()} 之前 {WINDOW_DAYS} 天" if req.as_of else f"最近 {WINDOW_DAYS} 天"
        store = self._store()
        items, of_company = sg.gather(group, store, since, until, _naming_the_company, MAX_ARTICLES)
        if not items and asked is None and (newest := sg.newest_before(group, store, until)) is not None:
            # Nothing recent: read the 30 days up to the group's newest stored article, and say so.
            since, until = newest - timedelta(days=WINDOW_DAYS), newest + timedelta(seconds=1)
            day = newest.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
            label = f"the {WINDOW_DAYS} days up to the newest stored article ({day})"
            label_zh = f"截至最新一則已存新聞（{day}）為止 {WINDOW_DAYS} 天"
            notices.append(f"{'最近' if not req.as_of else '查詢基準日前'} {WINDOW_DAYS} 天沒有這些公司的新聞；"
                           "`finqa ingest news` 可抓取最新新聞。" if zh else
                           f"No news of these companies in the {WINDOW_DAYS} days "
                           f"{'before the as-of date' if req.as_of else 'up to now'}: `finqa ingest news` fetches recent news.")
            items, of_company = sg.gather(group, store, since, until, _naming_the_company, MAX_ARTICLES)
        if (not items and asked is not None and (newest := sg.newest_before(group, store, until)) is not None
                and newest < since and (moved := _span_at_news_end(req, newest, "`finqa ingest news`")) is not None):
            # "TSMC vs MediaTek sentiment this month" on a store whose news ends before this month:
            # the month up to its newest article, said so (it had been "no news")
            first, last, label, label_zh = moved
            since = datetime.combine(first, time(0, 0), tzinfo=TAIPEI)
            until = datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=TAIPEI)
            items, of_company = sg.gather(group, store, since, until, _naming_the_company, MAX_ARTICLES)
        if not items:
            text = (f"{label_zh}沒有{group.label_zh}的已存新聞。" if zh else f"No stored news of {group.label} {label}.")
            if (newest := sg.newest_before(group, store, until)) is not None:  # "this month" on an old store
                day = newest.astimezone(ZoneInfo("Asia/Taipei")).date().isoformat()
                text += (f"最新一則是 {day}：可改問那段期間，或執行 `finqa ingest news` 抓取最新新聞。" if zh else
                         f" The newest stored one is from {day}: ask about a span up to then, or run `finqa ingest news` "
                         "to fetch recent news.")
            return Answer(route="sentiment", engine="sentiment", answer=text, notices=notices)
        classified = self._classify([it["text"] for it in items], req, notices, zh)
        if isinstance(classified, Answer):
            return classified
        probs, engine, reason = classified
        overall = aggregate(items, probs, None)
        labels = [max(LABELS, key=lambda k, p=to_three(p): p[k]) for p in probs]
        tones = sg.tones(of_company, labels)
        sign = 1 if group.negative_first else -1
        ranked = sorted((t for t in tones if t.n >= sg.MIN_ARTICLES), key=lambda t: (sign * t.score, -t.n))
        few = [t for t in tones if t.n < sg.MIN_ARTICLES]
        what = (f"{len(items)} 則新聞，{label_zh}" if zh else
                f"{len(items)} articles {label if label.startswith(('from ', 'within ')) else 'from ' + label}")
        text = sg.render(group, ranked, few, overall, what, zh)
        return Answer(route="sentiment", engine=engine, answer=self._tier_line(reason, zh) + text, sentiment=overall,
                      notices=notices, fallback_reason=reason, code=group.codes[0] if group.named else None,
                      ranking={"sentiment": [t.to_json(zh) for t in ranked[:sg.TOP]]})


def _span_at_news_end(req: EngineRequest, newest: datetime, fetch: str) -> tuple[date, date, str, str] | None:
    """(first day, last day, label, Chinese label) of the span ``req`` names relative to today
    ("last week", "本月", "this month") moved to end at the newest stored article (``newest``),
    for a store whose news ends before the span; ``None`` for a span of other words. ``fetch`` is
    the command the labels name for recent news."""
    from ..periods import PERIOD_LABELS_ZH, span_at_data_end

    last_day = newest.astimezone(TAIPEI).date()
    moved = span_at_data_end(req.message, req.as_of or datetime.now(TAIPEI).date(), last_day)
    if moved is None:
        return None
    period, first, last = moved
    label_zh = PERIOD_LABELS_ZH.get(period.label, period.label)
    return (first, last,
            f"from {first.isoformat()} to {last.isoformat()} (the stored news ends on {last_day.isoformat()}, so "
            f"\u201c{period.label}\u201d is read from there: none was published in the calendar's; {fetch} fetches recent news)",
            f"{first.isoformat()} 至 {last.isoformat()}（已存新聞只到 {last_day.isoformat()}，「{label_zh}」以那一天為準；"
            f"{fetch} 可抓取最新新聞）")


ZH_GAP_SHARE = 0.3  # warn when at least this share of the texts is Chinese


def _language_gap(classifier: Any, texts: list[str], zh: bool) -> list[str]:
    """A notice when many texts are Chinese and the CPU classifier was trained on no Chinese: it
    then reads them through [UNK] tokens and calls nearly all of them neutral, which would look
    like a real "neutral" reading."""
    from ..cpu_sentiment import classifier_languages

    langs = classifier_languages(classifier)
    n_zh = sum(1 for t in texts if has_cjk(t))
    if langs is None or "zh" in langs or not texts or n_zh < ZH_GAP_SHARE * len(texts):
        return []
    hint = "finqa finetune sentiment --backend embedded --data fpb_train.csv finfe_zh_train.csv --extend-vocab 5000"
    if zh:
        return [f"{len(texts)} 則中有 {n_zh} 則是中文，但 CPU 情緒分類器只用英文訓練過：它讀不懂中文，"
                f"多半會判為中性，這些結果不可靠。請加入中文資料重新訓練：`{hint}`"]
    return [f"{n_zh} of the {len(texts)} texts are Chinese, but the CPU sentiment classifier was trained on "
            f"English only: it cannot read them and calls most of them neutral, so do not trust those labels. "
            f"Retrain it with Chinese data too: `{hint}`"]


def _broken_vocabulary(classifier: Any, zh: bool) -> list[str]:
    """A notice when the CPU classifier was trained with ``--extend-vocab`` before its fix: its
    added tokens split English words into letters, so its English labels are unreliable."""
    from ..cpu_sentiment import classifier_shadowing

    if not classifier_shadowing(classifier):
        return []
    hint = "finqa finetune sentiment --backend embedded --data fpb_train.csv finfe_zh_train.csv --extend-vocab 5000"
    if zh:
        return [f"這個 CPU 情緒分類器是在詞彙擴充的錯誤修正前訓練的：它把英文單字拆成字母來讀，英文的判讀不可靠。請重新訓練：`{hint}`"]
    return ["This CPU sentiment classifier was trained before a vocabulary fix: it reads English words as single "
            f"letters, so its English labels are unreliable. Retrain it: `{hint}`"]


def _naming_the_company(articles: list[Any], code: str) -> tuple[list[Any], int]:
    """The articles that name the company, and how many were left out. When none does, none is
    kept: newsapi's full-text search files an article under a name it matched anywhere, in any
    sense ("Quanta" in Quanta Magazine's science stories filed under 2382 Quanta Computer), and
    scoring those would be the sentiment of something else."""
    from ingest.companies import get_directory

    directory = get_directory()
    if directory.get(code) is None:  # a code the directory does not know yet: no names to look for
        return articles, 0
    named = [a for a in articles if directory.mentions(a.text, code)]
    return named, len(articles) - len(named)


def _none_named(n: int, code: str, zh: bool) -> str:
    """What the answer says when every article filed under ``code`` fails to name it."""
    if zh:
        return (f"有 {n} 則新聞歸在 {code} 下，但儲存的標題與摘要都沒有提到這家公司（newsapi 的全文搜尋可能比對到同名的其他事物），"
                "因此不做情緒分析。")
    return (f"{n} article{'s are' if n != 1 else ' is'} filed under {code}, but none names the company in its stored title "
            "or description (newsapi's full-text search can match the name in another sense), so no sentiment is given.")


def _headline_text(article: Any) -> str:
    """Headline plus the start of the description: what the label should be about."""
    desc = (article.description or "").strip()
    text = article.title.strip()
    if desc and desc not in text:
        text = f"{text}. {desc}"
    return text[:512]


def _linked(item: SentimentItem) -> str:
    """A headline as a Markdown link, or bare when it has no URL or only a cookie-consent page's
    (newsapi gives Yahoo's consent wall for some articles: no link is better than that one)."""
    from ingest.article_body import is_interstitial_url

    return f"[{item.title}]({item.url})" if item.url and not is_interstitial_url(item.url) else item.title


LISTED_MAX = 20  # a label's articles listed at most, newest first


def label_list_text(items: list[dict[str, Any]], labels: list[str], probs: list[dict[str, float]], wanted: str,
                    zh: bool) -> str:
    """Every article of ``items`` labelled ``wanted``, newest first (each headline once), with its
    date and the classifier's probability; or that there is none."""
    rows = sorted(((it, to_three(p)[wanted]) for it, label, p in zip(items, labels, probs) if label == wanted),
                  key=lambda t: str(t[0].get("date") or ""), reverse=True)
    seen: set[str] = set()
    lines = []
    for it, p in rows:
        title = " ".join(str(it["title"]).split())
        if title.lower() in seen:
            continue
        seen.add(title.lower())
        item = SentimentItem(title=title, url=it.get("url"), label=wanted, p=round(p, 4), date=it.get("date"))
        day = str(it.get("date") or "")[:10]
        lines.append(f"- {day} {_linked(item)} (p = {p:.2f})".replace("  ", " "))
    name = LABELS_ZH.get(wanted, wanted) if zh else wanted
    if not lines:
        return f"\n沒有任何一則被判為{name}。" if zh else f"\nNo article was read as {name}."
    more = len(lines) - LISTED_MAX
    head = (f"\n\n{name}的 {len(lines)} 則（新到舊）：" if zh else f"\n\nThe {len(lines)} {name} article"
            f"{'s' if len(lines) != 1 else ''} (newest first):")
    if (repeated := len(rows) - len(lines)) > 0:  # the counts above hold each copy: say why the list is shorter
        head = head.rstrip("：:") + (f"（另有 {repeated} 則是重複的標題，只列一次）：" if zh else
                                   f" ({repeated} more repeat a headline listed once):")
    tail = ((f"\n（另有 {more} 則未列出）" if zh else f"\n({more} more not listed)") if more > 0 else "")
    return head + "\n" + "\n".join(lines[:LISTED_MAX]) + tail


# "is that bearish?", "is this positive news?", "這是利多嗎", "算負面嗎": the one tone a yes/no question
# asks about a quoted text (on Simplified, lower-cased text).
_TONE_WORDS = (("negative", r"\b(?:bearish|negative|bad)\b|利空|负面|坏消息"),
               ("positive", r"\b(?:bullish|positive|good)\b|利多|正面|好消息"), ("neutral", r"\bneutral\b|中性"))
_YES_NO = re.compile(r"^\s*(?:so\s+|and\s+)?(?:is|was|are|would)\b|吗\s*[?？]?\s*$|算不算|是不是|是否")


def _tone_asked(message: str) -> str | None:
    """The label a yes/no question asks of a quoted text ("is that bearish?" → ``negative``), or
    ``None`` (no such question, or more than one tone named)."""
    s = to_simplified(re.sub(r"[\"“”「」『』].*?[\"“”「」『』]", " ", message or "")).lower()
    if not _YES_NO.search(s):
        return None
    named = [label for label, rx in _TONE_WORDS if re.search(rx, s)]
    return named[0] if len(named) == 1 else None


def _summary(result: SentimentResult, what: str, single: bool, bad_first: bool = False) -> str:
    """Counts and net score, then the most positive and most negative headlines (the negative
    ones first when they were asked about, and said to be none when there are none)."""
    c = result.counts
    if single and result.items:
        it = result.items[0]
        return f"Sentiment of the quoted text: **{it.label}** (p = {it.p:.2f})."
    if single:
        label = max(c, key=c.get)
        return f"Sentiment of the quoted text: **{label}**."
    lines = [f"Sentiment of {what}: {c['positive']} positive, {c['neutral']} neutral, {c['negative']} negative; "
             f"net score {result.score:+.2f} (from -1, all negative, to +1, all positive)."]
    pos = [i for i in result.items if i.label == "positive"]
    neg = [i for i in result.items if i.label == "negative"]
    parts = [("Most positive: " + "; ".join(_linked(i) for i in pos)) if pos else "",
             ("Most negative: " + "; ".join(_linked(i) for i in neg)) if neg else
             ("No article was read as negative." if bad_first else "")]
    lines.extend(p for p in (parts[::-1] if bad_first else parts) if p)
    return "\n".join(lines)


def _summary_zh(result: SentimentResult, what: str, single: bool, bad_first: bool = False) -> str:
    """:func:`_summary` in Traditional Chinese (labels as 正面/中性/負面 with the English beside them)."""
    c = result.counts
    if single and result.items:
        it = result.items[0]
        return f"引用文字的情緒：**{LABELS_ZH.get(it.label, it.label)}**（{it.label}，p = {it.p:.2f}）。"
    if single:
        label = max(c, key=c.get)
        return f"引用文字的情緒：**{LABELS_ZH.get(label, label)}**（{label}）。"
    lines = [f"情緒分析：{what}，正面（positive）{c['positive']}、中性（neutral）{c['neutral']}、"
             f"負面（negative）{c['negative']}；淨分數（net score）{result.score:+.2f}"
             f"（-1 為全部負面，+1 為全部正面）。"]
    pos = [i for i in result.items if i.label == "positive"]
    neg = [i for i in result.items if i.label == "negative"]
    parts = [("最正面：" + "；".join(_linked(i) for i in pos)) if pos else "",
             ("最負面：" + "；".join(_linked(i) for i in neg)) if neg else ("沒有任何一則被判為負面。" if bad_first else "")]
    lines.extend(p for p in (parts[::-1] if bad_first else parts) if p)
    return "\n".join(lines)
