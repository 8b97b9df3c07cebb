"""The Assistant facade: one object the UI and the CLI talk to.

``get_assistant()`` builds it once per process: the three engines share the process-wide model
manager (``assistant.models.get_model_manager``) and retrieval layer
(``index.retrieval.get_retrieval``), so no model or index is loaded twice. Each message goes
through the same steps, in one place, so that every client gets the same answers:

1. bad input first: empty → a clear message (no engine runs); > 4,000 characters → truncated
   with a notice;
2. slots (company, horizon, as-of, quoted text; inherited from the session on follow-ups);
3. the route (rules → follow-up → embeddings), then checks the route needs (an unknown company
   → suggestions; a forecast with no stored prices → the ``finqa ingest prices`` command);
4. the engine, through the LlamaIndex router, streaming text deltas; a model that cannot load
   makes the engine answer on its CPU tier and say why;
5. the session remembers route, company and horizon for the next follow-up.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from ingest.cjk import has_cjk
from ingest.errors import FinqaError
from ingest.industries import english_name, industry_named

from .followups import (added_positions, asks_more, asks_summary_only, carried_notice, carry_market_span, carry_news_question,
                        carry_period, carry_portfolio, carry_that_period, chart_back_question, chart_whose, compared_span_question,
                        holdings_stated, market_why_question, more_notice, news_question_of, performer_question,
                        sentiment_trend_question, summary_question, topic_in_listed, topic_question, why_back_question)
from .forecast_followups import forecast_followup, forecast_followup_kind
from .i18n import answers_zh, language_ack, language_notice, language_request, only_language_request, stream_in
from .listed_article import article_answer, picked_index
from .movers import (asks_for_picks, asks_future_ranking, is_ranking_question, ranking_without_why, refers_back,
                     why_ranking_notice)
from .periods import RELATIVE_SPANS, parse_period
from .price_facts import TAIPEI, names_only_a_period, price_question_of
from .router import FinqaRouter, IntentClassifier, RouteDecision
from .sentiment_groups import asks_about_a_group
from .slots import (COMPARE_WITH, WATCHLIST, ChatSession, Slots, asks_chart_only, guess_cjk_company,
                    in_script, parse_horizon, parse_slots, ranked_end, script_of, to_simplified, truncate_message, unquoted,
                    watchlist_notice)
from .small_talk import (alert_help, asks_about_watchlist, asks_accuracy_back, asks_alert, asks_beginner, asks_data_update,
                         asks_export, asks_reset, beginner_guide, reset_text,
                         asks_data_sources, asks_forecast_method, asks_forecast_quality, asks_models, asks_sentiment_method,
                         asks_sentiment_quality, asks_why_back, data_sources,
                         capabilities, export_help, forecast_method, forecast_quality, is_small_talk, models_text, sentiment_method,
                         sentiment_quality, update_help, watchlist_help)
from .types import Answer, EngineRequest
from .typos import correct_company_typos, correct_typos, read_quote_link, typo_notice

log = logging.getLogger(__name__)

EXAMPLES = ("forecast 2330 next 5 days", "台積電最近新聞情緒如何？",
            "Explain what a yield curve inversion implies for equities.")


# A question about days ahead: a yearless day in it is not read back into the store's past.
_AHEAD = re.compile(r"\bforecast|\bpredict|\bwill\b|\buntil\b|\bgoing to\b|\bby (?:the )?end\b|预测|预估|会涨|会跌|之前会|前会")
_AS_OF_WORDS = re.compile(r"\bas\s*-?\s*of\b|\bas\s+at\b|截至|截止", re.I)  # "forecast 2330 as of March 1" is anchored


def _company_label(slots: Slots) -> str:
    c = slots.company
    if c is None:
        return slots.code or ""
    return getattr(c, "display", None) or slots.code or ""


# Words that, beside an unknown company code, still ask only about it ("9999 news", "9999 股價").
_ABOUT_WORDS = re.compile(r"\b(?:news|stock|stocks|shares?|price|prices|chart|quote|what(?:'s| is)?|whats|is|the|of|for|on|about|"
                          r"how|doing|today|now|current|latest|close|closing|show|give|tell|me|please|check)\b"
                          r"|新聞|新闻|消息|股價|股价|股票|的|多少|現在|现在|今天|最新|收盤|收盘|怎麼樣|怎么样|如何")


def _only_about(message: str, word: str) -> bool:
    """Whether ``message`` is about the company-like ``word`` alone ("9999", "how is TSMX
    doing?"): then an unknown name is the answer, not a note under unrelated news."""
    from .overview import asked_name

    rest = message.replace(word, " ").lower()
    if word.isdigit() or has_cjk(word):
        # "9999 news", "台機電股價": a code or a Chinese name that is no listed company; "Nvidia
        # news" is news to quote
        rest = _ABOUT_WORDS.sub(" ", rest)
    return not re.sub(r"[\W_]+", "", rest) or asked_name(message) == word


def _in_simplified(item: str | Answer) -> str | Answer:
    """A text delta, or the final answer's text and notices, in Simplified Chinese (a user who writes
    Simplified reads it back so); the sources keep their own titles."""
    if isinstance(item, str):
        return in_script(item, "simplified")
    item.answer = in_script(item.answer, "simplified")
    item.notices[:] = [in_script(n, "simplified") for n in item.notices]
    return item


# "when will TSMC get back to 1100?", "台積電什麼時候會回到1100", "何時會漲": a date the forecaster cannot give
_ASKS_WHEN = re.compile(r"\bwhen (?:will|would|could|might|can|is it (?:going|likely) to)\b|(?:什么时候|何时|多久)才?(?:会|能|可以|有机会)")


class Assistant:
    """Routes messages to the engines; see the module docstring for the steps."""

    def __init__(self, settings: Any, *, engines: dict[str, Any] | None = None,
                 classifier: IntentClassifier | None = None, directory: Any = None) -> None:
        self.settings = settings
        self.directory = directory
        self.engines = engines or self._build_engines(settings)
        qa = self.engines.get("qa")
        if qa is not None and hasattr(qa, "peers") and qa.peers is None:
            # A company overview reports the sentiment and forecast engines' answers.
            qa.peers = {name: e for name, e in self.engines.items() if name != "qa"}
        self.router = FinqaRouter(self.engines, classifier=classifier)

    @staticmethod
    def _build_engines(settings: Any) -> dict[str, Any]:
        from .engines.base import RunnerEngine
        from .engines.qa import QAEngine
        from .engines.sentiment import SentimentEngine

        def forecaster() -> Any:
            from .engines.forecast import ForecastEngine

            return ForecastEngine(settings)

        return {
            "forecast": RunnerEngine(route="forecast", factory=forecaster),
            "sentiment": SentimentEngine(settings=settings),
            "qa": QAEngine(settings=settings),
        }

    def _directory(self) -> Any:
        if self.directory is None:
            from ingest.companies import get_directory

            self.directory = get_directory()
        return self.directory

    def _watchlist(self) -> list[str]:
        """The configured watchlist's codes, each once (setting ``watchlist``)."""
        return list(dict.fromkeys(getattr(self.settings, "watchlist", None) or []))

    # --- routing ------------------------------------------------------------------------------
    def _plan(self, message: str, session: ChatSession | None) -> tuple[Slots, RouteDecision]:
        slots = parse_slots(message, session, self._directory())
        watchlist = self._watchlist()
        if watchlist and not slots.unknown_company and (not slots.codes or slots.inherited_code) \
                and WATCHLIST.search(unquoted(message)) and not asks_about_watchlist(unquoted(message)):
            # "news sentiment for my watchlist", "我的自選股最近表現如何": its companies, all of them
            slots.codes, slots.code, slots.inherited_code = watchlist, watchlist[0], False
            slots.company = self._directory().get(watchlist[0])
            slots.notices.append(watchlist_notice(watchlist, answers_zh(message)))
        if not slots.codes and not slots.quoted_text and not slots.unknown_company:
            group = self._news_of_a_group(message)
            if group is not None:  # "半導體新聞", "semiconductor news": the group's companies' newest articles
                slots.codes, slots.code, slots.inherited_code = group[0], group[0][0], False
                slots.company = self._directory().get(group[0][0])
                slots.notices.append(group[1])
        decision = self.router.decide(message, slots, session)
        if (decision.route == "forecast" and not slots.horizon_explicit and session is not None and session.last_horizon
                and (decision.source == "follow-up" or (slots.inherited_code and session.last_route == "forecast"))):
            # "and below 900?" / "what's the probability it goes above 1000?" after a month's forecast: that month
            slots.horizon_days = session.last_horizon
        if (decision.route == "sentiment" and decision.source == "follow-up" and session is not None
                and not slots.quoted_text and session.last_quoted and (not slots.codes or slots.inherited_code)):
            # "is that positive?" after 'classify "..."': that text again, not the company it names
            slots.quoted_text, slots.code, slots.codes, slots.inherited_code = session.last_quoted, None, [], False
        elif (decision.route == "sentiment" and decision.source == "follow-up" and session is not None
                and not slots.code and session.last_code):
            slots.code, slots.codes, slots.inherited_code = session.last_code, [session.last_code], True
        return slots, decision

    def route(self, message: str, session: ChatSession | None = None) -> dict[str, Any]:
        """``{"query", "route", "code", "horizon_days"}`` (horizon only for forecasts); runs no engine."""
        text, _ = truncate_message(message or "")
        text = language_request(text)[1]  # "台積電股價，用英文回答": the question, in whichever language
        if not text.strip():
            return {"query": message, "route": "qa", "code": None, "horizon_days": None}
        slots, decision = self._plan(text, session)
        return {"query": message, "route": decision.route, "code": slots.code,
                "horizon_days": slots.horizon_days if decision.route == "forecast" else None}

    # --- answering ----------------------------------------------------------------------------
    def answer(self, message: str, *, session: ChatSession | None = None, as_of: date | None = None) -> Answer:
        """The final Answer (the stream drained)."""
        final: Answer | None = None
        for item in self.stream(message, session=session, as_of=as_of):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(self, message: str, *, session: ChatSession | None = None,
               as_of: date | None = None) -> Iterator[str | Answer]:
        """Text deltas as the engine produces them, then the final :class:`Answer` (always last).

        A request for a language ("用英文回答", "answer in Chinese please") holds for the rest of the
        conversation; alone, it answers the conversation's last question again in that language.
        """
        asked, rest = language_request(message) if isinstance(message, str) else (None, message)
        notice: str | None = None
        if asked is not None:
            if session is not None:
                session.language = asked
            if only_language_request(rest):
                if session is None or session.rewind is None:
                    yield Answer(route="qa", engine="help", answer=language_ack(asked, session is not None))
                    return
                state, message, as_of = session.rewind
                session.restore(state)
                notice = language_notice(asked, replayed=True)
            else:
                message = rest
                notice = language_notice(asked, replayed=False) if session is not None else None
        language = asked or (session.language if session is not None else None)
        script = script_of(str(message)) if message is not None else None
        if session is not None:
            session.script = script = script or session.script
            session.rewind = (session.snapshot(), message, as_of)
        for item in stream_in(language, self._stream(message, session=session, as_of=as_of)):
            if notice is not None and isinstance(item, Answer) and notice not in item.notices:
                item.notices.insert(0, notice)
            if script == "simplified":  # "台积电最近怎么样": the answer in the user's script
                item = _in_simplified(item)
            yield item

    def _stream(self, message: str, *, session: ChatSession | None = None,
                as_of: date | None = None) -> Iterator[str | Answer]:
        if message is None or not re.search(r"\w", str(message)):  # empty, or only emoji and punctuation ("🚀🚀🚀")
            if message is not None and is_small_talk(str(message)):  # "??": what finqa answers
                yield Answer(route="qa", engine="help", answer=capabilities(str(message)))
                return
            yield Answer(route="qa", engine="input", answer=(
                "Please type a question, for example: " + " · ".join(f"`{e}`" for e in EXAMPLES)))
            return
        if asks_reset(str(message)):  # "start over", "清除對話": the conversation forgotten (its language kept)
            if session is not None:
                session.restore(ChatSession())
                session.rewind = None
            yield Answer(route="qa", engine="help", answer=reset_text(str(message)))
            return
        if is_small_talk(str(message)):
            yield Answer(route="qa", engine="help", answer=capabilities(str(message)))
            return
        if asks_beginner(str(message)) and not self._directory().find_in_text(str(message)):
            # "I'm new to investing, where should I start?": what to ask to learn, and no picks
            yield Answer(route="qa", engine="help", answer=beginner_guide(str(message)))
            return
        if session is not None and session.last_route == "forecast" and asks_accuracy_back(str(message)):
            # "準嗎?" right after a forecast: how forecasts are scored (its own backtest was beside it)
            yield Answer(route="forecast", engine="help", code=session.last_code, answer=forecast_quality(str(message)))
            return
        if session is not None and (about := self._about_last_forecast(str(message), session)) is not None:
            # "worst case?", "how much could I lose on 2 lots?", "預期報酬多少" right after a forecast: from it
            yield about
            return
        if session is not None and session.last_route == "forecast" and asks_why_back(str(message)):
            # "why?" right after a forecast: how it was made (the method, its tier, its check)
            yield Answer(route="forecast", engine="help", code=session.last_code, answer=forecast_method(str(message)))
            return
        if session is not None and session.last_route == "sentiment" and asks_why_back(str(message)):
            # "why?" right after a sentiment answer: how the score is made, and where its reasons are
            yield Answer(route="sentiment", engine="help", code=session.last_code, answer=sentiment_method(str(message)))
            return
        if session is not None and session.last_route == "sentiment" and asks_accuracy_back(str(message)):
            # "準嗎?" right after a sentiment answer: the classifier's own validation scores
            yield Answer(route="sentiment", engine="help", code=session.last_code,
                         answer=sentiment_quality(str(message), self.settings.adapters_dir))
            return
        message, notices = truncate_message(str(message))
        message, fixes = read_quote_link(message)  # "https://tw.stock.yahoo.com/quote/2330.TW": 2330
        message, words = correct_typos(message)  # "tsmc stock pirce": read as "price", and said
        fixes += words
        message, names = correct_company_typos(message, self._directory())  # "TSCM price": TSMC's
        fixes += names
        if fixes:
            notices.append(typo_notice(fixes, answers_zh(message)))
        # "in April" on a store that ends before this year's April: the April it covers, written
        # into the question before anything reads it (as-of dates and periods alike).
        anchored = self._anchor_dates(message, as_of, notices)
        if session is not None and session.listed_urls and (index := picked_index(message)) is not None:
            # "what does the first one say?" / "第一則在說什麼" after a news list: that article, read back
            from ingest.store import open_store

            picked = article_answer(open_store(self.settings.store_path), session.listed_urls, index, message)
            picked.notices = [*notices, *picked.notices]
            session.remember("qa", picked.code or session.last_code, None, user=message, assistant=picked.answer,
                             codes=[picked.code] if picked.code else list(session.last_codes))
            yield picked
            return
        skip: list[str] = []
        if session is not None and session.last_news_question and session.shown_urls and asks_more(message):
            # "more" / "更多" after a news list: the same question, without the articles shown so far
            anchored, skip = session.last_news_question, list(session.shown_urls)
            notices.append(more_notice(anchored, len(skip), answers_zh(message)))
        elif session is not None and session.last_news_question and asks_summary_only(message):
            # "summarize them" after a news list (or quoted news): that news, each headline with its lead
            anchored = summary_question(session.last_news_question, answers_zh(message))
            notices.append(carried_notice(anchored, message))
        elif session is not None and session.last_news_question and (topic := topic_in_listed(message)):
            # "what do they say about Arizona?" after a news list: that news, about Arizona
            anchored = topic_question(session.last_news_question, topic, answers_zh(message))
            notices.append(carried_notice(anchored, message))
        if session is not None and (why := market_why_question(anchored, session.last_dated_question, session.last_code,
                                                                as_of or datetime.now(TAIPEI).date())) is not None:
            # "why did it crash?" after "what happened in the Taiwan stock market in April 2025?": the market then
            notices.append(carried_notice(why, message))
            anchored = why
        elif (session is not None and session.last_route == "qa"
                and (why := why_back_question(anchored, session.last_price_question, session.last_code,
                                              as_of or datetime.now(TAIPEI).date())) is not None):
            # "why?" after "2330 in April 2025" (or a ranking): why it (the first one) moved then
            notices.append(carried_notice(why, message))
            anchored = why
        if session is not None and (pick := performer_question(anchored, session.last_ranked, session.last_ranked_question,
                                                                 as_of or datetime.now(TAIPEI).date())):
            # "and the best performer?" after a comparison, then its volatility: the best one over its span
            notices.append(carried_notice(pick, message))
            anchored = pick
        if session is not None and (trend := sentiment_trend_question(anchored, session.last_route, session.last_code)):
            # "compared to last month?" after a sentiment answer: how the tone moved, week by week
            notices.append(carried_notice(trend, message))
            anchored = trend
        last_codes = (session.last_codes or ([session.last_code] if session.last_code else [])) if session else []
        if session is not None and session.last_route == "qa" and (compared := compared_span_question(
                anchored, session.last_price_question, last_codes, as_of or datetime.now(TAIPEI).date(),
                (lambda: self._data_end()[1]) if as_of is None else None)):
            # "compared to last month?" after "2330 in April 2025": April beside March
            notices.append(carried_notice(compared, message))
            anchored = compared
        if session is not None and (chart := chart_back_question(anchored, session.last_price_question, last_codes,
                                                                   as_of or datetime.now(TAIPEI).date())) is not None:
            # "show me the chart" after a price answer: that answer again, with its chart
            notices.append(carried_notice(chart, message))
            anchored = chart
        elif asks_chart_only(anchored) and not (session is not None and session.last_code):
            yield Answer(route="qa", engine="help", answer=chart_whose(message), notices=notices)
            return
        if (session is not None and session.last_dated_question
                and (carried := carry_that_period(anchored, session.last_dated_question,
                                                  as_of or datetime.now(TAIPEI).date())) != anchored):
            # "which stocks rose the most that day?" after a news answer about April 9: that day
            notices.append(carried_notice(carried, message))
            anchored = carried
        if (session is not None and not session.last_code
                and (spanned := carry_market_span(anchored, session.last_dated_question,
                                                  as_of or datetime.now(TAIPEI).date())) is not None):
            # "which sectors were hit hardest?" after "what happened in the market in April 2025?": April's
            notices.append(carried_notice(spanned, message))
            anchored = spanned
        if session is not None and (added := added_positions(anchored, session.holdings)) is not None:
            # "and MediaTek, I have 1 lot at 1300" after a TSMC position: both, and their total
            anchored = f"{added}: {anchored}"
            notices.append(carried_notice(anchored, message))
        elif session is not None and session.last_price_question:
            # "what's it worth?" after a portfolio: the portfolio; "2330's chart for that month", or
            # "which stocks did best?" after April's market: that period
            today = as_of or datetime.now(TAIPEI).date()
            carried = carry_portfolio(anchored, session.last_price_question, today, holdings=session.holdings)
            if carried == anchored:
                carried = carry_period(anchored, session.last_price_question, today)
            if carried != anchored:
                notices.append(carried_notice(carried, message))
                anchored = carried
        if (ranked_only := ranking_without_why(anchored)) is not None:
            # "top 3 losers in April 2025 and why": the ranking, and how to ask each one's reasons
            notices.append(why_ranking_notice(answers_zh(message)))
            anchored = ranked_only
        slots, decision = self._plan(anchored, session)
        notices.extend(slots.notices)
        if decision.route == "forecast":  # a clamped horizon (several companies are each forecast)
            notices.extend(slots.horizon_notices)
            if _ASKS_WHEN.search(to_simplified(anchored).lower()):
                # "when will TSMC get back to 1100?": no forecaster can date it; the odds within the horizon
                zh = answers_zh(message)
                longer = "" if slots.horizon_explicit else ("；可加上「60天內」看更長的期間" if zh else
                                                            "; add \"within 60 days\" for a longer span")
                notices.append(f"finqa 無法預測「什麼時候」：以下是未來 {slots.horizon_days} 個交易日內的機率{longer}。" if zh else
                               f"finqa cannot say when: below are the odds within the next {slots.horizon_days} trading "
                               f"days{longer}.")
        log.info("route %s (%s: %s) code=%s horizon=%s", decision.route, decision.source, decision.reason,
                 slots.code, slots.horizon_days)
        early = self._precheck(decision.route, slots, notices, message)
        if early is None and not slots.codes and not (session and session.last_ranked) \
                and ranked_end(to_simplified(message)) is not None and not is_ranking_question(message):
            # "why did the top one rise?" with no ranking in the conversation: no one to name
            zh = answers_zh(message)
            early = Answer(route=decision.route, engine="help", notices=notices, answer=(
                "這段對話還沒有排行，無法知道「第一名」或「最後一名」是哪一家：請先問排行，例如「2025年4月哪檔股票漲最多」，或直接寫出公司。"
                if zh else "There is no ranking in this conversation yet to take \"the top one\" or \"the worst one\" "
                "from: ask for one first (\"which stock rose the most in April 2025?\") or name the company."))
        if early is not None:
            self._remember(session, decision.route, slots, message, early)
            yield early
            return
        asked = anchored
        if (decision.route == "qa" and decision.source == "follow-up" and session is not None
                and session.last_news_question):
            # "and 2454?" after "TSMC news": 2454's news, not 2454's overview.
            own = asked
            asked = carry_news_question(session.last_news_question, own,
                                        [] if slots.inherited_code else list(slots.codes), self._directory())
            if asked != own:
                notices.append(carried_notice(asked, message))
        # A follow-up, "compare with 2454" or "which of them fell the most?" (a rule answers them,
        # but they keep the span, or the companies, asked before).
        follows = (session.last_price_question if session is not None and decision.route == "qa"
                   and (decision.source == "follow-up" or COMPARE_WITH.search(to_simplified(message).lower())
                        or refers_back(message)
                        # "and in 2024?" after "2330 max drawdown in 2025": a period, of the same
                        or (slots.inherited_code and names_only_a_period(message))
                        # "which one is more volatile?" after both companies' April: that span
                        or (slots.inherited_code and len(set(slots.codes)) > 1))
                   else None)
        stale_as_of = None
        if decision.route == "qa" and as_of is None and slots.as_of is None:
            stale_as_of = self._stale_span_as_of(asked, slots, notices)
            if stale_as_of is None and follows and parse_period(asked, datetime.now(TAIPEI).date()).kind != "range":
                # "and MediaTek?" after "how did TSMC do last month?" on a stale store: the span the
                # question before read (the store's last month), not the calendar's
                stale_as_of = self._stale_span_as_of(follows, slots, notices)
        req = EngineRequest(
            message=asked, code=slots.code, codes=list(slots.codes) if slots.codes else [], horizon_days=slots.horizon_days,
            horizon_named=slots.horizon_explicit,  # else a day ahead named ("until 2025-05-16") may set it
            as_of=as_of or slots.as_of or stale_as_of, quoted_text=slots.quoted_text, notices=notices,
            follows_price_question=follows,
            history=list(session.history) if session is not None else [],
            skip_urls=skip,
        )
        final: Answer
        try:
            stream = self.router.query(req, decision, stream=True)
            for delta in stream:
                yield delta
            final = stream.answer
        except FinqaError as exc:
            final = Answer(route=decision.route, engine=decision.route, answer=str(exc), notices=notices,
                           code=slots.code)
        except Exception as exc:  # never a stack trace in the chat; the log has it
            log.exception("the %s engine failed", decision.route)
            final = Answer(route=decision.route, engine=decision.route, notices=notices, code=slots.code,
                           answer=f"Sorry, the {decision.route} engine failed: {type(exc).__name__}: {exc}")
        for n in notices:
            if n not in final.notices:
                final.notices.append(n)
        if stale_as_of is not None:  # the store's end stands in for today: its as-of cut is no news to the reader
            cut = stale_as_of.isoformat()
            final.notices = [n for n in final.notices if not (cut in n and ("as-of date" in n or "查詢基準日" in n))]
        if skip and not final.citations:  # "more" past the oldest stored article
            zh = answers_zh(message)
            # the index holds them all (it listed them): no word of building it
            final.notices = [n for n in final.notices if "finqa index build" not in n]
            final.answer = ("這就是全部了：沒有更早的已存新聞。`finqa ingest news 代號` 可抓取更多。" if zh else
                            "That was all: no older stored articles. `finqa ingest news CODE` fetches more.")
        self._remember(session, decision.route, slots, message, final, asked=asked)
        if session is not None:
            # the articles a news list has shown, so that "more" goes on from them
            listed = [c.url for c in final.citations if c.url] if session.last_news_question else []
            session.shown_urls = [*skip, *listed] if skip else listed
            session.listed_urls = listed  # in their order: "what does the first one say?" next
            if skip:
                session.last_news_question = asked  # "more" again goes on from the same question
        yield final

    def _data_end(self) -> tuple[bool, date | None]:
        """(whether the store could be read, the date of its newest bar, ``None`` when it holds
        none): what the date readers below anchor to. A broken store is the engines' to report."""
        try:
            from ingest.store import open_store

            return True, open_store(self.settings.store_path).newest_bar_date()
        except Exception as exc:
            log.warning("store check failed: %s", exc)
            return False, None

    def _about_last_forecast(self, message: str, session: ChatSession) -> Answer | None:
        """The numbers a message asks of the forecast just given (its band, expected close or
        backtest: ``assistant.forecast_followups``), remembered as a forecast turn; ``None`` when it
        asks none of them, or names a company, a span or a horizon of its own (a new question)."""
        if (session.last_route != "forecast" or not session.last_forecasts or forecast_followup_kind(message) is None
                or self._directory().find_in_text(message) or parse_period(message, date.today()).kind != "latest"
                or parse_horizon(to_simplified(message).lower())[0] is not None):
            return None
        from .price_format import company_label, company_of

        zh = answers_zh(message)
        labels = {fc.code: company_label(fc.code, company_of(fc.code), zh) for fc in session.last_forecasts}
        answer = forecast_followup(message, session.last_forecasts, labels)
        session.remember("forecast", session.last_code, session.last_horizon, user=message, assistant=answer.answer,
                         codes=list(session.last_codes))
        return answer

    def _anchor_dates(self, message: str, as_of: date | None, notices: list[str]) -> str:
        """``message`` with its holidays written as dates ("Christmas 2024": ``periods.named_days``)
        and a year beside a month or day named without one, when the store ends before it
        (``periods.anchor_yearless``); the notice says so."""
        from .periods import anchor_yearless, named_days, names_yearless_date

        message = named_days(message)  # "Christmas 2024": the date it is, for every reader
        ahead = bool(_AHEAD.search(to_simplified(message).lower())) and not _AS_OF_WORDS.search(message)
        if not names_yearless_date(message) or ahead:
            # the common case (no store query on every message); and a day ahead ("forecast 2330
            # until Christmas") is not moved back into the store's past
            return message
        from .slots import parse_quoted

        passage = parse_quoted(message)
        if passage and not names_yearless_date(message.replace(passage, " ")):
            return message  # 'classify: 台積電第一季獲利創新高': the text to classify is left as written
        readable, data_end = self._data_end()
        if not readable:
            return message
        anchored, notice = anchor_yearless(message, as_of or datetime.now(TAIPEI).date(), data_end)
        if notice:
            notices.append(notice)
        return anchored

    def _stale_span_as_of(self, message: str, slots: Slots, notices: list[str]) -> date | None:
        """The day after the store's newest bar, when a price question names a span relative to
        today ("this week", "上個月", "今年") that lies wholly after it (or a why question of a
        company's move over it: "why did MediaTek fall this week?"): the span is then read as the
        store's own (its last week, the month before its last), as of the day after its end, and a
        notice says so. ``None`` otherwise (a fresh store, a dated span, the news)."""
        from .engines.qa import asks_why_move
        from .periods import PERIOD_LABELS_ZH, span_at_data_end
        from .price_facts import is_price_question
        from .risk import is_risk_question
        from .risk_rankings import risk_ranking_kind

        today = datetime.now(TAIPEI).date()
        period = parse_period(message, today)
        if (period.kind != "range" or period.label not in RELATIVE_SPANS or period.start is None
                or not (is_price_question(message, slots.code) or is_ranking_question(message)
                        # "why did MediaTek fall this week?": the store's last week, its prices and news
                        or (slots.code and asks_why_move(message))
                        or is_risk_question(message, slots.code) or risk_ranking_kind(message, list(slots.codes)))):
            return None
        _, data_end = self._data_end()
        if data_end is None or period.start <= data_end or (moved := span_at_data_end(message, today, data_end)) is None:
            return None
        _, first, until = moved  # "last month": the whole month before the last
        zh = answers_zh(message)
        label = PERIOD_LABELS_ZH.get(period.label, period.label) if zh else period.label
        notices.append(f"資料庫的股價只到 {data_end.isoformat()}：「{label}」以資料的最後一天為準，讀作 {first} 至 {until}；"
                       "執行 `finqa ingest prices 代號...` 取得更新資料。" if zh else
                       f"The store's prices end on {data_end.isoformat()}, so “{label}” is read from there: {first} to "
                       f"{until}. `finqa ingest prices CODE...` fetches newer ones.")
        return data_end + timedelta(days=1)

    def _news_of_a_group(self, message: str) -> tuple[list[str], str] | None:
        """(the companies with stored news of the industry ``message`` names, the notice that says
        so) for a news question about an industry and nothing else ("半導體新聞", "semiconductor
        news"); ``None`` otherwise, and for its sentiment (read as a group by the sentiment engine)."""
        from ingest.store import open_store

        from .price_format import company_of
        from .router import QA_NEWS, SENTIMENT_STRONG

        s = to_simplified(unquoted(message)).lower()
        industry = industry_named(s)
        if industry is None or not QA_NEWS.search(s) or SENTIMENT_STRONG.search(s):
            return None
        rest = QA_NEWS.sub(" ", re.sub(industry.pattern, " ", s))
        if re.sub(r"[\W_]+|\b(?:the|about|on|of|for|any|latest|recent|top|stocks?|shares|companies|industry|sector"
                  r"|summary|summari[sz]e|roundup|round-up|recap|digest|give|me|show)\b"
                  r"|最新|最近|相关|的|有|吗|哪些|类股|股|产业|公司|总结|摘要|整理|重点", "", rest):
            return None  # "semiconductor tariff news": a topic of its own, searched as it is
        codes = [c for c in open_store(self.settings.store_path).news_codes() if industry.covers(company_of(c))]
        if not codes:
            return None
        zh = answers_zh(message)
        names = ("、" if zh else ", ").join(codes[:8]) + ("…" if len(codes) > 8 else "")
        return codes, (f"視為{industry.name_zh}中有已存新聞的 {len(codes)} 家公司的新聞：{names}。" if zh else
                       f"Read as the news of the {len(codes)} {english_name(industry.name_zh)} companies with stored "
                       f"news: {names}.")

    def _precheck(self, route: str, slots: Slots, notices: list[str], message: str = "") -> Answer | None:
        """Answers that need no engine: unknown company, no company, no stored prices."""
        if asks_about_watchlist(unquoted(message)):  # "what's on my watchlist?", "add 2382 to my watchlist"
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=watchlist_help(
                message, self._watchlist(), [c for c in slots.codes if c]))
        if asks_alert(message):  # "set an alert when 2330 drops below 900": finqa watches nothing; what to ask instead
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=alert_help(message, slots.code))
        if asks_export(message):  # "export the data as CSV": the download button and `finqa ingest export`
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=export_help(message, slots.code))
        if asks_data_update(message):  # "update 2330", "how do I add a company?": the commands and the Data tab
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=update_help(message, slots.code))
        if (route in ("forecast", "sentiment") and not slots.code and not slots.unknown_company
                and not slots.quoted_text and has_cjk(message) and not asks_about_a_group(message)):
            # "预测台机电未来五天": a Chinese name with a typo is found by no rule; suggest the closest.
            guess = guess_cjk_company(message, self._directory())
            if guess is not None:
                slots.unknown_company, slots.suggestions = guess
        if slots.code and not slots.quoted_text:
            from .coverage import cannot_compare, foreign_comparison

            # "compare TSMC and Samsung", "那跟高通比呢" after 聯發科: one side finqa does not hold
            compared = foreign_comparison(message, list(slots.codes or [slots.code]) if slots.inherited_code else None)
            if compared is not None:
                return Answer(route=route, engine="router", notices=notices, code=slots.code,
                              answer=cannot_compare(*compared, answers_zh(message)))
        if (not slots.code or slots.inherited_code) and not slots.quoted_text:
            from .coverage import foreign_company, no_asset_prices, not_covered, other_asset

            # "NVIDIA stock price", "輝達股價預測", "what about Apple?" (after a TSMC answer): not a Taiwan listing
            foreign = foreign_company(message)
            if foreign is not None:
                kept = [n for n in notices if not (slots.unknown_company and slots.unknown_company in n)]  # said in the answer
                return Answer(route=route, engine="router", notices=kept, answer=not_covered(foreign, answers_zh(message)))
            asset = other_asset(message)  # "gold price today", "台幣匯率": no market finqa stores
            if asset is not None:
                return Answer(route=route, engine="router", notices=notices, answer=no_asset_prices(asset, answers_zh(message)))
        from .movers import is_market_question

        if route == "qa" and not slots.code and not slots.quoted_text and not is_market_question(message):
            # "TSMX", "how is tsmcc doing?", "台機電": a company asked about, misspelt ("台股" is the market).
            from .overview import unknown_company_word

            guess = unknown_company_word(message, self._directory())
            if guess is not None:
                slots.unknown_company, slots.suggestions = guess
        if slots.unknown_company and not slots.code and not (route == "sentiment" and slots.quoted_text):
            if route in ("forecast", "sentiment") or _only_about(message, slots.unknown_company):
                if answers_zh(message):
                    hint = ("您是指：" + "、".join(slots.suggestions) + "？") if slots.suggestions else ""
                    return Answer(route=route, engine="router", code=None, notices=[],
                                  answer=f"找不到名為「{slots.unknown_company}」的上市櫃公司。{hint}"
                                         f"請用代號（2330）、中文名稱（台積電）或英文名稱（TSMC）。")
                hint = (" Did you mean: " + ", ".join(slots.suggestions) + "?") if slots.suggestions else ""
                return Answer(route=route, engine="router", code=None, notices=[],
                              answer=f"I could not find a listed company called {slots.unknown_company!r}.{hint} "
                                     f"Try a code (2330), a Chinese name (台積電) or an English name (TSMC).")
        if not slots.code and not slots.quoted_text and asks_models(to_simplified(message).lower()):
            # "What models do you use?": the engines that answer now, as the UI's status panel says
            return Answer(route=route, engine="help", notices=notices, answer=models_text(
                self.engine_status(), self.settings.embedding_model, message))
        if not slots.code and not slots.quoted_text and asks_sentiment_quality(to_simplified(message).lower()):
            # "how accurate is your sentiment classifier?": its own validation scores
            return Answer(route=route, engine="help", notices=notices,
                          answer=sentiment_quality(message, self.settings.adapters_dir))
        if not slots.quoted_text and asks_sentiment_method(message):
            # "How do you calculate sentiment?": the method (it had asked which company)
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=sentiment_method(message))
        if not slots.code and not slots.quoted_text and asks_data_sources(message):
            # "Where does your data come from?", "多久更新一次": the sources and when they are refreshed
            return Answer(route=route, engine="help", notices=notices, answer=data_sources(message))
        if not slots.quoted_text and asks_forecast_method(to_simplified(message).lower()):
            # "How does your forecaster work?": the method (with a company named too: it asks how, not what)
            return Answer(route=route, engine="help", notices=notices, code=slots.code, answer=forecast_method(message))
        if not slots.code and not slots.quoted_text and asks_forecast_quality(to_simplified(message).lower()):
            # "How accurate are your forecasts?": how they are measured, not "which company?".
            return Answer(route=route, engine="help", notices=notices, answer=forecast_quality(message))
        if not slots.code and not slots.quoted_text and asks_for_picks(message):
            # "What stock should I buy?", "推薦股票": no picks; say why and what finqa can show.
            return Answer(route=route, engine="router", notices=notices, answer=(
                "finqa 不推薦股票：它的預測在回測中並未穩定勝過「永遠看漲」、動能、反轉等簡單基準（數字見 README）。"
                "它能給的是資料：過去的排名（`上個月漲幅最大的股票`）、一家公司的概況（`台積電最近怎麼樣`），"
                "以及附回測與基準的單一公司預測（`台積電未來5天走勢`）。"
                if answers_zh(message) else
                "finqa does not pick stocks: its forecasts do not reliably beat trivial baselines such as always-rise, "
                "momentum and reversal (the README has the numbers). What it can give is the data: past rankings "
                "(`which stocks rose the most last month?`), a company's overview (`How is TSMC doing?`), and one "
                "company's forecast beside its backtest (`forecast 2330 next 5 days`)."))
        if route == "forecast" and not slots.code and asks_future_ranking(message):
            # "Which stocks will rise the most next week?": say why there is no such list, rather
            # than ask which company to forecast.
            return Answer(route=route, engine="router", notices=notices, answer=(
                "finqa 只預測你指名的公司（最多四家），每家都附上逐步回測與簡單基準；它不替股票的未來漲跌排名，因為它的方向判斷接近擲硬幣"
                "（在 ACL18 基準上並未勝過「永遠看漲」等簡單基準；數字見 README）。可以問 `台積電未來5天走勢`、`預測台積電和聯發科`，"
                "或問過去的排名，例如 `上個月漲幅最大的股票`。"
                if answers_zh(message) else
                "finqa forecasts the companies you name (up to four), each beside its walk-forward backtest and trivial "
                "baselines; it does not rank stocks by where they will go, because its calls are close to a coin flip (on "
                "the ACL18 benchmark it does not beat always-rise; the README has the numbers). Ask `forecast 2330 next 5 "
                "days` or `forecast 2330 and 2454`, or for a past ranking such as `which stocks rose the most last month?`."))
        if route == "forecast" and not slots.code and (group := industry_named(to_simplified(message).lower())) is not None:
            # "forecast chip stocks next week": no forecast of a whole group; name its companies
            codes = self._group_codes(group)
            return Answer(route=route, engine="router", notices=notices, answer=(
                f"finqa 不預測整個{group.name_zh}，只預測指名的公司（最多四家，各附回測）。資料庫中有股價的{group.name_zh}公司："
                + ("、".join(codes) if codes else "沒有") + (f"。例如 `預測 {' '.join(codes[:2])}`。" if codes else "。")
                if answers_zh(message) else
                f"finqa does not forecast a whole group ({group.name_en}); it forecasts the companies you name, up to four, "
                "each with its backtest. The group's companies with stored prices: " + (", ".join(codes) if codes else "none")
                + (f". For example `forecast {' and '.join(codes[:2])} next 5 days`." if codes else ".")))
        if route == "forecast" and not slots.code:
            return Answer(route=route, engine="router", notices=notices,
                          answer=("要預測哪家公司？例如：`鴻海下週會漲嗎`、`台積電未來5天走勢`，或 `forecast 2330 next 5 days`。"
                                  if answers_zh(message) else
                                  "Which company should I forecast? For example: `forecast 2330 next 5 days` or "
                                  "`鴻海下週會漲嗎`."))
        if route == "forecast" and slots.code:
            try:
                from ingest.store import open_store

                store = open_store(self.settings.store_path)
                # several companies: the engine forecasts those it can and says which it cannot
                has_bars = any(store.last_bar_date(c) is not None for c in (slots.codes or [slots.code]))
            except Exception as exc:  # the engine will explain a broken store itself
                log.warning("store check failed: %s", exc)
                has_bars = True
            if not has_bars:
                return Answer(route=route, engine="router", notices=notices, code=slots.code,
                              answer=f"No prices for {_company_label(slots)} are stored yet. "
                                     f"Run `finqa ingest prices {slots.code}` to fetch them (and "
                                     f"`finqa index build` to index them), then ask again.")
        return None

    def _group_codes(self, group: Any) -> list[str]:
        """The stored companies of an industry or market group, by code."""
        from ingest.store import open_store

        from .price_format import company_of

        try:
            held = open_store(self.settings.store_path).price_codes()
        except Exception as exc:  # a broken store: the list is only a hint
            log.warning("store check failed: %s", exc)
            return []
        return sorted(c for c in held if group.covers(company_of(c)))

    @staticmethod
    def _remember(session: ChatSession | None, route: str, slots: Slots, message: str, answer: Answer,
                  asked: str | None = None) -> None:
        if session is None:
            return
        if answer.engine in ("qa:glossary", "help") and not slots.code and session.last_route:
            # "區間是什麼意思" between a forecast and "那一個月呢": the conversation is still the forecast's
            route = session.last_route
        session.remember(route, slots.code, slots.horizon_days if route == "forecast" else None,
                         user=message, assistant=answer.answer, codes=list(slots.codes))
        if answer.ranking:  # kept through the follow-ups: "why did the top one rise?", then "and the worst one?"
            session.last_ranked = ranked_ends(answer.ranking)
            session.last_ranked_question = asked or message
        elif side := (answer.indicators or {}).get("side_by_side"):  # "compare 2330 2454 2317 this year"
            same = bool(session.last_ranked) and set(session.last_ranked.values()) <= set(side)
            session.last_ranked = {"top": side[0], "bottom": side[-1]}
            if not same or parse_period(asked or message, date.today()).kind != "latest":
                # "which one is the best?" after the same companies' comparison this year read this year:
                # its span stays the one "and the worst?" reads
                session.last_ranked_question = asked or message
        session.last_quoted = slots.quoted_text if route == "sentiment" and slots.quoted_text else None
        session.last_price_question = price_question_of(asked or message, answer, session.last_price_question)
        if answer.engine == "qa:prices" and holdings_stated(message):
            # the user's own words, not a follow-up's carried text; with the positions they add to
            session.holdings = added_positions(message, session.holdings) or message
        session.last_news_question = news_question_of(asked or message, answer)
        if answer.forecasts or answer.forecast is not None:  # "worst case?" next reads them
            session.last_forecasts = [replace(f, figure=None) for f in (answer.forecasts or [answer.forecast])]
        if parse_period(asked or message, date.today()).kind in ("day", "range"):
            session.last_dated_question = asked or message

    # --- status for the UI ---------------------------------------------------------------------
    def engine_status(self) -> dict[str, str]:
        """Per route, which tier/model would answer and whether it is loaded (UI side panel)."""
        out: dict[str, str] = {}
        for route, engine in self.engines.items():
            try:
                describe = getattr(engine, "describe", None)
                if describe is not None:
                    out[route] = describe()
                    continue
                runner = engine.get_runner() if hasattr(engine, "get_runner") else engine
                for name in ("describe", "status", "engine_status"):
                    fn = getattr(runner, name, None)
                    if callable(fn):
                        value = fn()
                        out[route] = value if isinstance(value, str) else str(value)
                        break
                else:
                    out[route] = _forecast_status(self.settings)
            except Exception as exc:
                out[route] = f"unavailable: {exc}"
        return out


def ranked_ends(ranking: dict[str, Any]) -> dict[str, str]:
    """The first and the last company of a ranking answer (its first list, or the gainers' top
    and the losers' top): what "the top one" / "the worst one" name next."""
    lists = {kind: rows for kind, rows in (ranking or {}).items() if rows and "code" in rows[0]}  # companies, not days
    if not lists:
        return {}
    first = next(iter(lists.values()))
    if "losers" in lists:  # the worst is the losers' first, whether or not gainers came before
        return {"top": str(first[0]["code"]), "bottom": str(lists["losers"][0]["code"])}
    return {"top": str(first[0]["code"]), "bottom": str(first[-1]["code"])}


def _forecast_status(settings: Any) -> str:
    from .engines.qa import model_label

    if settings.cpu_only:
        return "analog (CPU tier, nearest historical windows): cpu_only is set"
    return f"{model_label(settings.forecaster)} for P(rise) when it loads; analog (CPU tier) path always"


_assistant: Assistant | None = None
_assistant_lock = threading.Lock()


def get_assistant(settings: Any = None) -> Assistant:
    """The process-wide Assistant; rebuilt when called with different settings."""
    global _assistant
    if settings is None:
        from ingest.config import get_settings

        settings = get_settings()
    with _assistant_lock:
        if _assistant is None or _assistant.settings is not settings:
            _assistant = Assistant(settings)
        return _assistant


def reset_assistant() -> None:
    """Forget the singleton (tests)."""
    global _assistant
    with _assistant_lock:
        _assistant = None


__all__ = ["Assistant", "ChatSession", "get_assistant", "reset_assistant"]
