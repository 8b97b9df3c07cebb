"""The Gradio chat UI (``finqa ui``) and the one-command demo (``finqa demo``).

Why it is shaped like this:

- The assistant does the thinking; this module only turns its typed ``Answer`` into what a person
  wants to see (a candlestick with the forecast after the last bar, a bar of sentiment labels,
  numbered sources as links). The rendering functions are pure (``render_*``) so that they are
  tested without a browser.
- Every engine call is wrapped: a ``FinqaError`` becomes its message in the chat, anything else a
  short apology plus a logged trace. The page never shows a blank bubble or a stack trace.
- Gradio's queue with ``settings.ui_concurrency`` workers keeps long work (a forecast, an ingest)
  from freezing other sessions; ingest and index rebuilds share one worker so that two browser
  tabs cannot hammer TWSE at the same time.
- One ``ChatSession`` per browser session (``gr.State``) keeps the last intent for follow-ups
  ("and 2454?"). The ``/chat`` API endpoint answers one message statelessly.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pandas as pd

from assistant.types import Answer, Forecast, SentimentResult
from ingest.errors import FinqaError

log = logging.getLogger(__name__)

# No usage analytics or version pings from Gradio unless the user opts in: finqa talks only to
# the services it was configured for.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

EXAMPLES: tuple[str, ...] = (
    "forecast 2330 next 5 days",
    "台積電最近新聞情緒如何？",
    "Explain what a yield curve inversion implies for equities.",
    "and 2454?",
    "台積電過去10天股價",
    "which stocks rose the most in the past 20 days?",
    "How is TSMC doing?",
    "2330 max drawdown",
)

ROUTE_TITLES = {"qa": "Finance QA", "forecast": "Forecaster", "sentiment": "Sentiment"}
PRICE_CONTEXT_DAYS = 120  # trading days charted before a price answer's own (MA60 needs 60 of them)
FORECAST_CONTEXT_DAYS = 60  # trading days of closes charted before several forecasts
PRICE_TABLE_ROWS = 60  # the newest bars of a long period shown in the table
COMPARE_CHART_SESSIONS = 20  # a one-day comparison is charted over the last 20 sessions, as its text reads
MAX_MESSAGE_CHARS = 4000

# Taiwan shows rises in red and falls in green; sentiment uses colours without that clash.
_SENTIMENT_COLOURS = {
    "negative": "#e4572e", "strong negative": "#b8321a", "moderately negative": "#e4572e",
    "mildly negative": "#f2a07b", "neutral": "#9aa5b1", "mildly positive": "#8fb8de",
    "moderately positive": "#3f88c5", "strong positive": "#1c5d99", "positive": "#3f88c5",
}
_SENTIMENT_ORDER = [
    "strong negative", "moderately negative", "negative", "mildly negative", "neutral",
    "mildly positive", "positive", "moderately positive", "strong positive",
]

CSS = """
#finqa-side .prose h3 { margin-top: 0.6em; }
#finqa-results { min-height: 120px; }
#finqa-companies { max-height: 340px; overflow-y: auto; font-size: 0.92em; }
.finqa-example button { text-align: left; }
footer { display: none !important; }
"""


# --------------------------------------------------------------------------------------------
# Pure rendering: Answer -> markdown / figures / tables
# --------------------------------------------------------------------------------------------
def _pct(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:.{digits}f}%"


def _md_escape(text: str) -> str:
    """Escape what would break a markdown link label or table cell."""
    return (text or "").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


def _link(title: str, url: str | None) -> str:
    """A markdown link to the article; the title alone where the URL is only a consent page."""
    from ingest.article_body import is_interstitial_url

    title = _md_escape(title) or "(untitled)"
    if is_interstitial_url(url):
        return f"{title} (no link: newsapi gave a cookie-consent page, not the article)"
    return f"[{title}]({url})" if url else title


def render_citations(answer: Answer) -> str:
    """Numbered sources as links, in the order the answer cites them."""
    if not answer.citations:
        return ""
    lines = ["**Sources**", ""]
    for c in sorted(answer.citations, key=lambda c: c.n):
        meta = ", ".join(x for x in (c.source, c.date) if x)
        lines.append(f"{c.n}. {_link(c.title, c.url)}" + (f" — {_md_escape(meta)}" if meta else ""))
    return "\n".join(lines)


def _label_rank(label: str) -> float:
    """-1 for the most negative label, +1 for the most positive (3- and 7-class wordings)."""
    label = label.lower()
    sign = -1.0 if "negative" in label else 1.0 if "positive" in label else 0.0
    weight = 1.0 if label.startswith("strong") or label in ("negative", "positive") else (
        0.66 if label.startswith("moderately") else 0.33)
    return sign * weight


def top_headlines(result: SentimentResult, k: int = 3) -> tuple[list, list]:
    """The ``k`` most positive and ``k`` most negative items (by label, then confidence)."""
    pos = [i for i in result.items if _label_rank(i.label) > 0]
    neg = [i for i in result.items if _label_rank(i.label) < 0]
    pos.sort(key=lambda i: (_label_rank(i.label), i.p), reverse=True)
    neg.sort(key=lambda i: (-_label_rank(i.label), i.p), reverse=True)
    return pos[:k], neg[:k]


def quoted_texts(result: SentimentResult) -> bool:
    """Whether the result classified quoted texts (no link, no date) rather than stored articles."""
    return bool(result.items) and all(i.url is None and i.date is None for i in result.items)


def render_sentiment(result: SentimentResult) -> str:
    """Counts, net score and the most positive / most negative headlines as links."""
    n = sum(result.counts.values())
    counts = ", ".join(f"{label} {cnt}" for label, cnt in _ordered_counts(result.counts))
    noun = "quoted text" if quoted_texts(result) else "article"
    lines = [f"**Net sentiment {result.score:+.2f}** over {n} {noun}{'s' if n != 1 else ''} ({counts})"]
    pos, neg = top_headlines(result)
    for title, items in (("Most positive", pos), ("Most negative", neg)):
        if items:
            lines.append(f"\n**{title}**")
            for it in items:
                when = f" ({it.date})" if it.date else ""
                lines.append(f"- {_link(it.title, it.url)}{when} — {it.label}, p={it.p:.2f}")
    return "\n".join(lines)


def _ordered_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    known = [(lab, counts[lab]) for lab in _SENTIMENT_ORDER if lab in counts]
    other = [(lab, c) for lab, c in counts.items() if lab not in _SENTIMENT_ORDER]
    return known + other


def _metric(entry: Any, default_n: int | None = None) -> tuple[float | None, float | None, int | None]:
    """(hit rate, MCC, n) from a backtest entry, whatever the engine named its fields."""
    if isinstance(entry, (int, float)):
        return float(entry), None, default_n
    if not isinstance(entry, dict):
        return None, None, default_n
    rate = next((float(entry[k]) for k in ("hit_rate", "direction_accuracy", "accuracy")
                 if isinstance(entry.get(k), (int, float))), None)
    mcc = float(entry["mcc"]) if isinstance(entry.get("mcc"), (int, float)) else None
    n = entry.get("n", default_n)
    return rate, mcc, int(n) if isinstance(n, (int, float)) else None


def backtest_rows(forecast: Forecast) -> list[tuple[str, float | None, float | None, int | None]]:
    """(name, hit rate, MCC, n): the answering engine first, then each trivial baseline.

    Baselines are scored on the engine's own walk-forward steps, so they share its ``n``.
    """
    bt = forecast.backtest or {}
    rows: list[tuple[str, float | None, float | None, int | None]] = []
    n_engine = None
    if "engine" in bt:
        name = bt["engine"].get("name", forecast.engine) if isinstance(bt["engine"], dict) else forecast.engine
        rate, mcc, n_engine = _metric(bt["engine"])
        rows.append((f"{name} (this forecast)", rate, mcc, n_engine))
    for name, entry in (bt.get("baselines") or {}).items():
        rows.append((name.replace("_", " "), *_metric(entry, n_engine)))
    return rows


def render_forecast(forecast: Forecast) -> str:
    """P(rise), the engine, the end of the path and the backtest beside the baselines."""
    name = " ".join(x for x in (forecast.code, forecast.name_zh, forecast.name_en) if x)
    end = forecast.path[-1] if forecast.path else None
    lines = [f"**{name}** — last close {forecast.last_close:,.2f} on {forecast.as_of}"]
    lines.append(f"**P(rise): {_pct(forecast.p_rise)}** · engine: `{forecast.engine}` · "
                 f"horizon: {forecast.horizon_days} trading day{'s' if forecast.horizon_days != 1 else ''}")
    if end is not None and forecast.last_close:
        chg = end.close / forecast.last_close - 1
        lines.append(f"Expected close on {end.date}: **{end.close:,.2f}** ({chg:+.2%}), "
                     f"10–90% band {end.low:,.2f} – {end.high:,.2f}")
    rows = backtest_rows(forecast)
    if not (forecast.backtest or {}).get("engine", {}).get("n"):
        lines.append("**No backtest possible**: the stored history of this stock is too short to test a "
                     f"{forecast.horizon_days}-day horizon walk-forward, so this forecast has no track record.")
    elif rows:
        table = ["**Backtest hit rate on this stock's own history** (walk-forward, point-in-time)", "",
                 "| engine | hit rate | MCC | n |", "|---|---:|---:|---:|"]
        table += [f"| {_md_escape(name)} | {_pct(rate)} | {'–' if mcc is None else f'{mcc:+.2f}'} | "
                  f"{n if n is not None else '–'} |" for name, rate, mcc, n in rows]
        lines.append("\n".join(table))
    return "\n\n".join(lines)


def forecast_table(forecast: Forecast) -> pd.DataFrame:
    """One row per forecast trading day: date, expected close, the band, change vs last close."""
    rows = [
        {"date": p.date, "close": round(p.close, 2), "low (10%)": round(p.low, 2), "high (90%)": round(p.high, 2),
         "vs last": f"{(p.close / forecast.last_close - 1):+.2%}" if forecast.last_close else "–"}
        for p in forecast.path
    ]
    return pd.DataFrame(rows, columns=["date", "close", "low (10%)", "high (90%)", "vs last"])


def forecasts_table(forecasts: list[Forecast]) -> pd.DataFrame:
    """One row per company: P(rise), the expected close at the horizon and its band, and the
    engine's backtest hit rate beside the best trivial baseline's (a higher P(rise) is no pick)."""
    rows = []
    for f in forecasts:
        end = f.path[-1] if f.path else None
        backtest = backtest_rows(f)
        engine = next((r for r in backtest if r[0].endswith("(this forecast)")), None)
        baselines = [r for r in backtest if r is not engine and r[1] is not None]
        best = max(baselines, key=lambda r: r[1]) if baselines else None
        rows.append({
            "company": " ".join(x for x in (f.code, f.name_zh) if x),
            "as of": f.as_of, "last close": round(f.last_close, 2), "P(rise)": _pct(f.p_rise),
            "expected close": round(end.close, 2) if end else None,
            "change": f"{end.close / f.last_close - 1:+.2%}" if end and f.last_close else "–",
            "band (10–90%)": f"{end.low:,.2f} – {end.high:,.2f}" if end else "–",
            "backtest hit rate": _pct(engine[1]) if engine else "–",
            "best baseline": f"{best[0]} {_pct(best[1])}" if best else "–",
        })
    return pd.DataFrame(rows)


def coverage_table(answer: Answer) -> pd.DataFrame | None:
    """One row per company of an answer about what the store holds (``assistant.coverage``):
    its price span and sessions, its article count and news span; ``None`` for other answers."""
    companies = answer.indicators.get("companies") if isinstance(answer.indicators, dict) else None
    if not isinstance(companies, dict) or not companies or not all(
            isinstance(v, dict) and "articles" in v for v in companies.values()):
        return None
    rows = []
    for code, v in companies.items():
        prices = v.get("prices") or {}
        rows.append({"code": code, "prices from": prices.get("first", "–"), "prices to": prices.get("last", "–"),
                     "sessions": prices.get("rows", 0), "articles": v.get("articles", 0),
                     "news from": v.get("news_first") or "–", "news to": v.get("news_last") or "–"})
    return pd.DataFrame(rows)


def forecast_figure(forecast: Forecast, bars: pd.DataFrame | None = None):
    """The engine's candlestick figure; if it has none, a plain one from the stored bars + path."""
    if forecast.figure is not None:
        return forecast.figure
    import plotly.graph_objects as go

    fig = go.Figure()
    if bars is not None and len(bars):
        tail = bars.tail(120)
        fig.add_trace(go.Candlestick(
            x=tail.index, open=tail["open"], high=tail["high"], low=tail["low"], close=tail["close"],
            name=forecast.code, increasing_line_color="#d62728", decreasing_line_color="#2ca02c"))
    xs = [forecast.as_of] + [p.date for p in forecast.path]
    fig.add_trace(go.Scatter(x=[p.date for p in forecast.path], y=[p.high for p in forecast.path],
                             mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[p.date for p in forecast.path], y=[p.low for p in forecast.path],
                             mode="lines", fill="tonexty", fillcolor="rgba(31,119,180,0.2)", line=dict(width=0),
                             name="10–90% band"))
    fig.add_trace(go.Scatter(x=xs, y=[forecast.last_close] + [p.close for p in forecast.path],
                             mode="lines+markers", line=dict(color="#1f77b4", dash="dash"), name="forecast"))
    fig.update_layout(title=f"{forecast.code} forecast ({forecast.engine})", xaxis_rangeslider_visible=False,
                      height=420, margin=dict(l=40, r=20, t=50, b=30))
    return fig


def sentiment_figure(result: SentimentResult):
    """A bar of label counts; the net score week by week when the question asked for the trend."""
    import plotly.graph_objects as go

    if result.weekly:
        weeks = [r["week"] for r in result.weekly]
        scores = [r["score"] for r in result.weekly]
        fig = go.Figure(go.Bar(
            x=weeks, y=scores, text=[f"{r['score']:+.2f} ({r['n']})" for r in result.weekly], textposition="auto",
            marker_color=[_SENTIMENT_COLOURS["positive"] if v > 0 else _SENTIMENT_COLOURS["negative"] if v < 0
                          else _SENTIMENT_COLOURS["neutral"] for v in scores], name="net score"))
        fig.update_layout(title=f"News tone week by week{' for ' + result.code if result.code else ''} (articles)",
                          yaxis=dict(title="net score", range=[-1.05, 1.05]), xaxis=dict(title="week of", type="category"),
                          height=360, margin=dict(l=40, r=20, t=50, b=30))
        return fig
    pairs = _ordered_counts(result.counts)
    labels = [lab for lab, _ in pairs]
    fig = go.Figure(go.Bar(
        x=labels, y=[c for _, c in pairs], text=[c for _, c in pairs], textposition="auto",
        marker_color=[_SENTIMENT_COLOURS.get(lab, "#9aa5b1") for lab in labels]))
    quoted = quoted_texts(result)
    what = (f"Sentiment of the quoted text{'s' if len(result.items) > 1 else ''}" if quoted else
            f"News sentiment{' for ' + result.code if result.code else ''}")
    fig.update_layout(title=f"{what}: net {result.score:+.2f}", yaxis_title="texts" if quoted else "articles", height=360,
                      margin=dict(l=40, r=20, t=50, b=30))
    return fig


def render_answer_markdown(answer: Answer) -> str:
    """The chat bubble for a final answer: text, route-specific extras, notices, who answered."""
    parts = [answer.answer.strip() or "(no answer text)"]
    if answer.route == "qa":
        cites = render_citations(answer)
        if cites:
            parts.append(cites)
    elif answer.route == "sentiment" and answer.sentiment is not None:
        s = answer.sentiment
        parts.append(f"Net sentiment **{s.score:+.2f}** · label counts and headlines in the results panel below.")
        if answer.citations:  # the span's prices beside the tone ("sentiment and price of TSMC in April")
            parts.append(render_citations(answer))
    elif answer.route == "forecast" and len(answer.forecasts) > 1:
        each = " · ".join(f"{f.code} **{_pct(f.p_rise)}**" for f in answer.forecasts)
        parts.append(f"P(rise) {each} · chart and table in the results panel below.")
    elif answer.route == "forecast" and answer.forecast is not None:
        f = answer.forecast
        parts.append(f"P(rise) **{_pct(f.p_rise)}** · chart and table in the results panel below.")
    for notice in answer.notices:
        parts.append(f"> ℹ️ {notice}")
    footer = f"_answered by `{answer.engine}`"
    if answer.fallback_reason and not _says_reason(answer.answer, answer.fallback_reason):
        footer += f" (fallback: {answer.fallback_reason})"
    parts.append(footer + "_")
    return "\n\n".join(parts)


def _says_reason(text: str, reason: str) -> bool:
    """Whether the answer already quotes why the CPU tier answered (in English or in Chinese)."""
    from assistant.i18n import reason_zh

    return reason in text or reason_zh(reason) in text


def render_engine_status(status: dict[str, str]) -> str:
    """One bullet per route: which engine/model tier answers it."""
    order = [r for r in ("forecast", "sentiment", "qa") if r in status] + [r for r in status if r not in ROUTE_TITLES]
    return "\n".join(f"- **{ROUTE_TITLES.get(r, r)}**: {_md_escape(str(status[r]))}" for r in order)


def render_companies(frame: pd.DataFrame) -> str:
    """The side panel's compact list of companies with data (a table is too wide there)."""
    if frame.empty:
        return "_No data yet: add a company in the Data tab, or run `finqa demo`._"
    lines = []
    # Companies with prices first (they can be forecast), then news-only ones.
    for r in sorted(frame.itertuples(index=False), key=lambda r: (r.bars == 0, r.code)):
        name = f" {r.name}" if r.name else ""
        prices = f"prices to {r[2]}" if r.bars else "no prices"
        lines.append(f"- **{r.code}**{name} — {prices}, {r.articles} article{'s' if r.articles != 1 else ''}")
    return "\n".join(lines)


def companies_frame(status: dict[str, Any], names: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Companies with data: code, name, last price date, bars, articles."""
    codes = sorted(set(status.get("prices", {})) | {c for c in status.get("news", {}) if c})
    rows = []
    for code in codes:
        p = status["prices"].get(code, {})
        rows.append({"code": code, "name": names(code) if names else "", "last price": p.get("last") or "–",
                     "bars": int(p.get("rows", 0)), "articles": int(status.get("news", {}).get(code, 0))})
    return pd.DataFrame(rows, columns=["code", "name", "last price", "bars", "articles"])


def _company_name(code: str) -> str:
    try:
        from ingest.companies import get_directory

        c = get_directory().resolve_or_raise(code)
        return c.name_zh if not c.name_en else f"{c.name_zh} {c.name_en}"
    except Exception:  # noqa: BLE001 - a name is a nicety in a side panel; never fail for it
        return ""


def error_message(exc: BaseException) -> str:
    """What the user sees for a failure: the message of a FinqaError, else a short apology."""
    if isinstance(exc, FinqaError):
        return f"⚠️ {exc}"
    log.error("unexpected error while answering", exc_info=exc)
    return (f"⚠️ Sorry, something went wrong while answering ({type(exc).__name__}). "
            "The details are in the server log; please try again or rephrase the question.")


def parse_as_of(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FinqaError(f"The as-of date must look like YYYY-MM-DD, got {text!r}.") from None


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------
class ChatController:
    """The event handlers, bound to one assistant. Kept apart from the layout to test directly."""

    def __init__(self, assistant: Any, settings: Any, session_factory: Callable[[], Any] | None = None) -> None:
        self.assistant = assistant
        self.settings = settings
        self.session_factory = session_factory or _default_session_factory()

    def table_csv(self, frame: Any) -> Any:
        """The results table as a CSV file for the download button (hidden when there is none).

        One file per table content (named by its hash) under the data dir's ``exports`` folder, so
        two browser sessions never overwrite each other's download."""
        import hashlib
        from pathlib import Path

        import gradio as gr

        if not isinstance(frame, pd.DataFrame) or frame.empty:
            return gr.DownloadButton(value=None, visible=False)
        text = frame.to_csv(index=False)
        folder = Path(self.settings.data_dir) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"finqa-table-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]}.csv"
        if not path.exists():
            from ingest.exports import write_csv

            write_csv(frame, path)
        return gr.DownloadButton(value=str(path), visible=True)

    # ---- chat ----------------------------------------------------------------------------
    def stream(self, message: str, session: Any, as_of: date | None) -> Iterator[str | Answer]:
        """The assistant's stream, with input checks the user can act on."""
        if not (message or "").strip():
            raise FinqaError("Please type a question, e.g. “forecast 2330 next 5 days”.")
        yield from self.assistant.stream(message, session=session, as_of=as_of)

    def respond(self, message: str, history: list | None, session: Any, as_of_text: str | None = None):
        """Generator for the chat event: streams text deltas, then renders the final Answer.

        Yields (chatbot, session, textbox, details, plot, table) updates.
        """
        import gradio as gr

        history = list(history or [])
        session = session if session is not None else self.session_factory()
        history.append({"role": "user", "content": message or ""})
        history.append({"role": "assistant", "content": "…"})
        yield list(history), session, "", gr.skip(), gr.skip(), gr.skip()
        text = ""
        answer: Answer | None = None
        try:
            as_of = parse_as_of(as_of_text)
            for part in self.stream(message, session, as_of):
                if isinstance(part, Answer):
                    answer = part
                elif part:
                    text += str(part)
                    history[-1] = {"role": "assistant", "content": text}
                    yield list(history), session, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise RuntimeError("the assistant's stream ended without a final answer")
        except Exception as exc:  # noqa: BLE001 - every failure becomes a chat message
            history[-1] = {"role": "assistant", "content": error_message(exc)}
            yield list(history), session, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history[-1] = {"role": "assistant", "content": render_answer_markdown(answer)}
        details, figure, table = self.result_views(answer)
        yield list(history), session, gr.skip(), details, figure, table

    def result_views(self, answer: Answer):
        """(details markdown, plot update, table update) for the results panel."""
        import gradio as gr

        if answer.route == "forecast" and len(answer.forecasts) > 1:
            return self.forecasts_views(answer.forecasts)
        if answer.route == "forecast" and answer.forecast is not None:
            f = answer.forecast
            bars = None
            if f.figure is None:
                try:
                    from ingest.store import open_store

                    bars = open_store(self.settings.store_path).bars(f.code)
                except Exception:  # noqa: BLE001 - the fallback chart can do without bars
                    bars = None
            return (render_forecast(f), gr.Plot(value=forecast_figure(f, bars), visible=True),
                    gr.Dataframe(value=forecast_table(f), label="forecast days", visible=True))
        if answer.route == "sentiment" and answer.sentiment is not None:
            table = gr.Dataframe(visible=False)
            if answer.ranking.get("sentiment"):  # several companies: each one's counts and net score
                rows = pd.DataFrame(answer.ranking["sentiment"])
                table = gr.Dataframe(value=rows[["name", "n", "positive", "neutral", "negative", "score"]],
                                     label="companies by the tone of their news", visible=True)
            elif answer.sentiment.weekly:  # "has the tone improved?": the weeks
                table = gr.Dataframe(value=pd.DataFrame(answer.sentiment.weekly), label="news tone by week", visible=True)
            return (render_sentiment(answer.sentiment), gr.Plot(value=sentiment_figure(answer.sentiment), visible=True),
                    table)
        if answer.ranking:
            return self.ranking_views(answer)
        if answer.bars and answer.forecast is not None:
            # A company overview: its bars, with the forecast's path and band drawn after them.
            table = self._bars_table(answer).drop(columns=["code"])
            bars = table.assign(date=pd.to_datetime(table["date"])).set_index("date")
            # The forecast's backtest table beside the baselines, then the sources.
            details = render_forecast(answer.forecast) + "\n\n" + render_citations(answer)
            return (details, gr.Plot(value=forecast_figure(answer.forecast, bars), visible=True),
                    gr.Dataframe(value=table, label="daily prices", visible=True))
        if answer.bars:
            return self.price_views(answer)
        held = coverage_table(answer)
        if held is not None:  # "which company has the most news?", "what data do you have for 2330 and 2454?"
            return (render_citations(answer) or "_What the store holds, per company._", gr.Plot(value=None, visible=False),
                    gr.Dataframe(value=held, label="what the store holds", visible=True))
        details = render_citations(answer) if answer.route == "qa" else ""
        if not details and answer.engine in ("help", "input", "router"):
            details = "_Nothing to chart: no engine ran for this message._"
        return (details or f"_{ROUTE_TITLES.get(answer.route, answer.route)} answer; no chart for this one._",
                gr.Plot(value=None, visible=False), gr.Dataframe(visible=False))

    def forecasts_views(self, forecasts: list[Forecast]):
        """Several forecasts ("forecast 2330 and 2454"): each one's details and backtest, their
        paths on one chart rebased to 100 on each last close, and one row per company."""
        import gradio as gr

        from assistant.charts import forecasts_figure

        closes: dict[str, pd.Series] = {}
        try:
            from ingest.store import open_store

            store = open_store(self.settings.store_path)
            for f in forecasts:  # up to the forecast's own last bar: the chart shows nothing it could not see
                closes[f.code] = store.bars(f.code, end=date.fromisoformat(f.as_of))["close"].tail(FORECAST_CONTEXT_DAYS)
        except Exception:  # noqa: BLE001 - the paths alone still chart
            log.warning("forecast chart without the stored closes", exc_info=True)
        details = "\n\n---\n\n".join(render_forecast(f) for f in forecasts)
        figure = forecasts_figure(forecasts, closes, title=" vs ".join(f.code for f in forecasts) + " forecasts")
        return (details, gr.Plot(value=figure, visible=True),
                gr.Dataframe(value=forecasts_table(forecasts), label="forecasts side by side", visible=True))

    def ranking_views(self, answer: Answer):
        """A ranking: its sources, the leaders' closes rebased to 100 (when it charted any), and
        the ranking itself as a table (each list's rows, the list named in the first column)."""
        import gradio as gr

        rows = []
        for kind, entries in answer.ranking.items():
            for rank, e in enumerate(entries, 1):
                row = {"list": kind.replace("_", " "), "#": rank, "company": e.get("name") or e.get("code")}
                if "value" in e:  # by a measure: risk (drawdown, volatility, worst day), correlation, a screen
                    v, unit = e["value"], e.get("unit")
                    row.update({"value": f"{v:+.2f}" if unit in ("correlation", "ratio") else f"{v:.1f}" if unit == "rsi"
                                else f"{v:g}" if unit == "sessions" else f"{v:,.2f}" if unit == "price"
                                else f"{v:.1%}" if kind == "volatility" else f"{v:+.2%}",
                                "from": e.get("start"), "to": e.get("end") or e.get("date")})
                elif kind == "sectors":
                    row.update({"company": f"{e.get('name')} ({e.get('industry')})", "change": e.get("change"),
                                "companies": len(e.get("companies") or []), "best": e.get("best")})
                else:
                    row.update({"change": e.get("change"), "close": e.get("close"), "volume": e.get("volume")})
                    days = e.get(f"{kind}_days")  # an event list (limit up, new high...): its days
                    if days:
                        row["days"] = ", ".join(days)
                rows.append(row)
        table = pd.DataFrame(rows)
        if "change" in table:
            table["change"] = table["change"].map(lambda x: "–" if x is None or pd.isna(x) else f"{x:+.2%}")
        plot = (gr.Plot(value=self._price_figure(answer), visible=True) if answer.bars else
                gr.Plot(value=None, visible=False))
        return render_citations(answer), plot, gr.Dataframe(value=table, label="ranking", visible=not table.empty)

    def price_views(self, answer: Answer):
        """A price answer: its sources, a candlestick of the days before and through it (or, for
        several companies, their closes rebased to 100), and the bars."""
        import gradio as gr

        table = self._bars_table(answer)
        if answer.bars and len({b.code for b in answer.bars}) == 1:
            table = table.drop(columns=["code"])
        return (render_citations(answer), gr.Plot(value=self._price_figure(answer), visible=True),
                gr.Dataframe(value=table, label="daily prices", visible=True))

    @staticmethod
    def _bars_table(answer: Answer) -> pd.DataFrame:
        """The answer's bars, the newest PRICE_TABLE_ROWS of each company (a flat tail would drop
        the first companies)."""
        rows = [{"code": b.code, "date": b.date.isoformat(), "open": b.open, "high": b.high, "low": b.low,
                 "close": b.close, "volume": b.volume} for b in answer.bars]
        return pd.DataFrame(rows).groupby("code", sort=False).tail(PRICE_TABLE_ROWS).reset_index(drop=True)

    def _price_figure(self, answer: Answer):
        """One company: a candlestick of the answer's days and the PRICE_CONTEXT_DAYS before them.
        Several: their closes rebased to 100 from the close before each one's first day."""
        from assistant.charts import comparison_figure, price_facts_figure

        codes = list(dict.fromkeys(b.code for b in answer.bars))
        if len(codes) > 1:
            frame = pd.DataFrame([{"code": b.code, "date": b.date.isoformat(), "close": b.close} for b in answer.bars])
            closes = {c: frame[frame["code"] == c].set_index("date")["close"] for c in codes}
            if all(len(series) == 1 for series in closes.values()):
                # one day each ("2330 vs 2454", "chart 2330 and 2454 together"): two points are no
                # line; the sessions of the text's "over the last 20 trading days" line instead
                recent = {c: self._recent_closes(c, series.index[0], COMPARE_CHART_SESSIONS) for c, series in closes.items()}
                closes = {c: recent[c] if len(recent[c]) else series for c, series in closes.items()}
            else:
                closes = {c: pd.concat([self._close_before(c, series.index[0]), series]) for c, series in closes.items()}
            return comparison_figure(closes, title=" vs ".join(codes))
        first, last = answer.bars[0], answer.bars[-1]
        try:
            from ingest.store import open_store

            context = open_store(self.settings.store_path).bars(first.code, end=last.date)
            # weekly and monthly candles ("台積電週K") need more days before the answer's to say anything
            before = PRICE_CONTEXT_DAYS * {"W": 5, "M": 21}.get(answer.interval or "", 1)
            context = context.tail(len(answer.bars) + before)
        except Exception:  # noqa: BLE001 - the answer's own bars are enough for a chart
            log.warning("price chart from the answer's bars only", exc_info=True)
            context = self._bars_table(answer).drop(columns=["code"])
        kind = {"W": "weekly", "M": "monthly"}.get(answer.interval or "", "daily")
        fig = price_facts_figure(context, first.date.isoformat(), last.date.isoformat(),
                                 title=f"{first.code} {kind} prices", interval=answer.interval)
        for key, name, where in (("limit_up", "limit up", "top right"), ("limit_down", "limit down", "bottom right")):
            if isinstance(answer.indicators.get(key), (int, float)):  # "台積電明天漲停價": the next session's limits
                value = float(answer.indicators[key])
                fig.add_hline(y=value, row=1, col=1, line_dash="dot", line_color="#444444", line_width=1.2,
                              annotation_text=f"{name} {value:,.2f}", annotation_position=where)
        return fig

    def _recent_closes(self, code: str, day: str, sessions: int) -> pd.Series:
        """The close of ``day`` and of the ``sessions`` sessions before it (the first is what the
        change is measured from); that day's close alone when the store cannot be read."""
        try:
            from ingest.store import open_store

            bars = open_store(self.settings.store_path).bars(code, end=date.fromisoformat(day))
        except Exception:  # noqa: BLE001 - then the answer's own day
            log.warning("comparison chart from the answer's bars only", exc_info=True)
            bars = pd.DataFrame()
        if bars.empty:
            return pd.Series(dtype=float)
        tail = bars["close"].tail(sessions + 1)
        return pd.Series(tail.values, index=[d.date().isoformat() for d in tail.index])

    def _close_before(self, code: str, day: str) -> pd.Series:
        """The close before ``day`` (what the answer measures a period's change from), so that the
        rebased chart ends where the text's percentage does; empty when the store has none."""
        from datetime import timedelta

        try:
            from ingest.store import open_store

            bars = open_store(self.settings.store_path).bars(code, end=date.fromisoformat(day) - timedelta(days=1))
        except Exception:  # noqa: BLE001 - then the chart starts at the period's first day
            return pd.Series(dtype=float)
        tail = bars["close"].tail(1)
        return pd.Series(tail.values, index=[d.date().isoformat() for d in tail.index])

    def api_chat(self, message: str) -> str:
        """One message in, the final answer text out (the ``/chat`` API endpoint)."""
        try:
            if not (message or "").strip():
                raise FinqaError("Please type a question, e.g. “forecast 2330 next 5 days”.")
            return self.assistant.answer(message, session=self.session_factory()).answer
        except Exception as exc:  # noqa: BLE001 - the API answers with the message, like the chat
            return error_message(exc)

    # ---- side panel ----------------------------------------------------------------------
    def companies(self) -> pd.DataFrame:
        try:
            from ingest.store import open_store

            return companies_frame(open_store(self.settings.store_path).status(), _company_name)
        except Exception:  # noqa: BLE001
            log.exception("could not read the store status")
            return companies_frame({"prices": {}, "news": {}})

    def engines(self) -> str:
        try:
            return render_engine_status(self.assistant.engine_status())
        except Exception as exc:  # noqa: BLE001
            return error_message(exc)

    def refresh_panel(self):
        """(companies markdown, engines markdown, companies table) for the side panel and Data tab."""
        frame = self.companies()
        return render_companies(frame), self.engines(), frame

    # ---- data tab ------------------------------------------------------------------------
    def add_company(self, query: str, with_news: bool, days: float | None, progress: Any = None):
        """Resolve, fetch prices (and news), rebuild the index; returns (log markdown, companies)."""
        import gradio as gr

        notes: list[str] = []
        try:
            company = _resolve(query)
            notes.append(f"**{company.display}** ({company.market})")
            from ingest.prices import ingest_prices
            from ingest.store import open_store

            store = open_store(self.settings.store_path)
            report = ingest_prices(store, [company], since=None, settings=self.settings, progress=False,
                                   on_progress=_progress_callback(progress, "prices"))
            notes.append("Prices: " + _summarise_report(report))
            if report.get("errors"):
                notes.append(f"⚠️ {len(report['errors'])} month(s) failed, e.g. {report['errors'][0]}")
            if with_news:
                if not self.settings.newsapi_key_value():
                    notes.append("News: skipped — no `NEWSAPI_KEY` is set. Set it in the environment (or "
                                 "`finqa.toml`) and restart, or import news files with `finqa ingest import`.")
                else:
                    from ingest.news import ingest_news

                    nrep = ingest_news(store, [company], days=int(days or 30), languages=["zh", "en"],
                                       settings=self.settings, progress=False,
                                       on_progress=_progress_callback(progress, "news"))
                    notes.append("News: " + _summarise_report(nrep))
                    if nrep.get("stopped"):
                        notes.append(f"⚠️ News stopped: {nrep['stopped']}")
            notes.append(self._rebuild(progress))
        except Exception as exc:  # noqa: BLE001 - shown in the tab, never a stack trace
            notes.append(error_message(exc))
            gr.Warning(str(exc) if isinstance(exc, FinqaError) else "Adding the company failed; see the log.")
        return "\n\n".join(notes), self.companies()

    def rebuild_index(self, progress: Any = None):
        try:
            text = self._rebuild(progress)
        except Exception as exc:  # noqa: BLE001
            text = error_message(exc)
        return text, self.companies()

    def _rebuild(self, progress: Any) -> str:
        from index.news_index import build_news
        from index.windows_index import build_windows
        from ingest.store import open_store

        store = open_store(self.settings.store_path)
        if progress is not None:
            progress(0.0, desc="indexing news")
        news = build_news(store, self.settings)
        if progress is not None:
            progress(0.5, desc="indexing price windows")
        windows = build_windows(store, self.settings)
        if progress is not None:
            progress(1.0, desc="index ready")
        return f"Index rebuilt — news: {_summarise_report(news)}; price windows: {_summarise_report(windows)}"


def _resolve(query: str):
    query = (query or "").strip()
    if not query:
        raise FinqaError("Type a company code or name, e.g. 2330, 台積電 or MediaTek.")
    from ingest.companies import get_directory

    return get_directory().resolve_or_raise(query)


def _summarise_report(report: Any) -> str:
    """One line from an ingest/index report: numeric fields summed by name, lists counted."""
    if isinstance(report, dict):
        totals: dict[str, float] = {}

        def walk(d: dict) -> None:
            for k, v in d.items():
                if isinstance(v, bool):
                    continue
                if isinstance(v, (int, float)):
                    totals[str(k)] = totals.get(str(k), 0) + v
                elif isinstance(v, dict):
                    walk(v)

        walk(report)
        items = [f"{k.replace('_', ' ')} {v:g}" for k, v in totals.items()]
        items += [f"{k} {len(v)}" for k, v in report.items() if isinstance(v, list) and v]
        return ", ".join(items) or "nothing new"
    if isinstance(report, (int, float)):
        return f"{report} added"
    return "done" if report is None else str(report)


def _progress_callback(progress: Any, desc: str) -> Callable[..., None] | None:
    """Adapt an ingest ``on_progress(fraction, message)`` callback to ``gr.Progress``.

    Also accepts ``(done, total)`` counts, so that the UI keeps working if a producer reports
    progress as counts; a failing progress update never breaks the work it reports on.
    """
    if progress is None:
        return None

    def cb(*args: Any, **kwargs: Any) -> None:
        try:
            first = kwargs.get("fraction", args[0] if args else None)
            second = kwargs.get("message", args[1] if len(args) > 1 else None)
            if isinstance(second, str) or second is None:
                label = f"{desc} · {second}" if second else desc
                progress(float(first or 0.0), desc=label)
            else:
                progress((int(first or 0), int(second)), desc=desc)
        except Exception:  # noqa: BLE001
            log.debug("progress update failed", exc_info=True)

    return cb


def _constant(value: Any) -> Callable[[], Any]:
    def fn() -> Any:
        return value

    return fn


def _default_session_factory() -> Callable[[], Any]:
    from assistant.service import ChatSession

    return ChatSession


def build_app(assistant: Any = None, settings: Any = None,
              session_factory: Callable[[], Any] | None = None):
    """Build the Blocks app (not launched). ``assistant`` defaults to the process-wide one."""
    import gradio as gr

    from ingest.config import get_settings

    settings = settings or get_settings()
    if assistant is None:
        from assistant.service import get_assistant

        assistant = get_assistant(settings)
    ctl = ChatController(assistant, settings, session_factory)

    with gr.Blocks(title="finqa — Taiwan stocks assistant") as app:
        session = gr.State(None)
        gr.Markdown("## finqa · 台股助理 — forecasts, news sentiment and finance Q&A for TWSE/TPEx stocks\n"
                    "Not investment advice.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="finqa", show_label=False, height=460, feedback_options=None,
                                             buttons=["copy"], elem_id="finqa-chatbot",
                                             placeholder="Ask about a Taiwan-listed stock, in English or 中文.")
                        with gr.Row():
                            msg = gr.Textbox(placeholder="forecast 2330 next 5 days · 台積電最近新聞情緒如何？",
                                             show_label=False, scale=6, max_lines=4, elem_id="finqa-input",
                                             max_length=MAX_MESSAGE_CHARS * 2)
                            send = gr.Button("Send", variant="primary", scale=1, elem_id="finqa-send")
                        with gr.Accordion("Options", open=False):
                            as_of = gr.Textbox(label="As of (YYYY-MM-DD, empty = now): answers use only data before it",
                                               max_lines=1, elem_id="finqa-asof")
                            clear = gr.Button("New conversation", size="sm")
                        with gr.Column(elem_id="finqa-results"):
                            gr.Markdown("### Result")
                            details = gr.Markdown("Ask a question to see charts and details here.",
                                                  elem_id="finqa-details")
                            plot = gr.Plot(label="chart", visible=False, elem_id="finqa-plot")
                            table = gr.Dataframe(label="forecast days", visible=False, interactive=False,
                                                 elem_id="finqa-table")
                            download = gr.DownloadButton("Download table (CSV)", visible=False, size="sm",
                                                         elem_id="finqa-download")
                    with gr.Column(scale=1, min_width=280, elem_id="finqa-side"):
                        gr.Markdown("### Try")
                        example_buttons = [gr.Button(ex, size="sm", elem_classes=["finqa-example"]) for ex in EXAMPLES]
                        gr.Markdown("### Companies with data")
                        companies = gr.Markdown("", elem_id="finqa-companies")
                        gr.Markdown("### Engines")
                        engines = gr.Markdown("", elem_id="finqa-engines")
                        refresh = gr.Button("Refresh", size="sm")
            with gr.Tab("Data", id="data"):
                gr.Markdown("Add a company by code or name: fetches its daily prices from TWSE/TPEx "
                            "(and its news through newsapi when `NEWSAPI_KEY` is set), then rebuilds the index.")
                with gr.Row():
                    company_in = gr.Textbox(label="Company (code or name)", placeholder="2330, 台積電, MediaTek",
                                            scale=3, elem_id="finqa-company")
                    with_news = gr.Checkbox(label="also fetch news", value=True, scale=1)
                    days = gr.Number(label="news days", value=30, precision=0, minimum=1, maximum=30, scale=1)
                with gr.Row():
                    add_btn = gr.Button("Fetch prices and news", variant="primary", elem_id="finqa-add")
                    rebuild_btn = gr.Button("Rebuild index", elem_id="finqa-rebuild")
                data_log = gr.Markdown("", elem_id="finqa-data-log")
                data_companies = gr.Dataframe(value=None, interactive=False, label="stored data")

        # Every event that runs an engine shares one worker pool of settings.ui_concurrency.
        limit = max(1, int(settings.ui_concurrency))
        chat_in = [msg, chatbot, session, as_of]
        outputs = [chatbot, session, msg, details, plot, table]
        engine_kw = dict(concurrency_id="assistant", concurrency_limit=limit, api_visibility="private")
        msg.submit(ctl.respond, chat_in, outputs, **engine_kw)
        send.click(ctl.respond, chat_in, outputs, **engine_kw)
        for btn, text in zip(example_buttons, EXAMPLES):
            btn.click(_constant(text), None, msg, queue=False, api_visibility="private").then(
                ctl.respond, chat_in, outputs, **engine_kw)
        clear.click(lambda: ([], None, "Ask a question to see charts and details here.",
                             gr.Plot(value=None, visible=False), gr.Dataframe(visible=False)),
                    None, [chatbot, session, details, plot, table], queue=False, api_visibility="private")
        # the chat's own trash button clears the messages: the conversation's memory goes with them, or a
        # follow-up after it would still read the cleared companies and holdings
        chatbot.clear(lambda: None, None, session, queue=False, api_visibility="private")
        refresh.click(ctl.refresh_panel, None, [companies, engines, data_companies], api_visibility="private")
        # whatever table an answer shows can be downloaded as it is shown
        table.change(ctl.table_csv, table, download, queue=False, api_visibility="private")

        def _add(query: str, news: bool, n_days: float, progress=gr.Progress()):
            text, frame = ctl.add_company(query, news, n_days, progress)
            return text, frame, render_companies(frame)

        def _rebuild(progress=gr.Progress()):
            text, frame = ctl.rebuild_index(progress)
            return text, frame, render_companies(frame)

        add_btn.click(_add, [company_in, with_news, days], [data_log, data_companies, companies],
                      concurrency_id="ingest", concurrency_limit=1, api_visibility="private")
        company_in.submit(_add, [company_in, with_news, days], [data_log, data_companies, companies],
                          concurrency_id="ingest", concurrency_limit=1, api_visibility="private")
        rebuild_btn.click(_rebuild, None, [data_log, data_companies, companies],
                          concurrency_id="ingest", concurrency_limit=1, api_visibility="private")

        app.load(ctl.refresh_panel, None, [companies, engines, data_companies], api_visibility="private")

        def chat(message: str) -> str:
            """Answer one message (no conversation memory) and return the answer text."""
            return ctl.api_chat(message)

        gr.api(chat, api_name="chat", concurrency_id="assistant", concurrency_limit=limit)

    app.queue(default_concurrency_limit=limit)
    app.finqa_controller = ctl  # for tests and embedding
    return app


def download_paths(app: Any) -> list[str]:
    """The folders Gradio may serve files from besides the working directory and the temp dir:
    the data dir's ``exports`` (the tables' CSV downloads, ``ChatController.table_csv``). Gradio
    refuses any other path, and a data dir such as ``~/.finqa`` is in neither of its defaults."""
    from pathlib import Path

    ctl = getattr(app, "finqa_controller", None)
    if ctl is None:
        return []
    exports = Path(ctl.settings.data_dir) / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    return [str(exports)]


def launch_app(app: Any, *, host: str, port: int, auth: tuple[str, str] | None = None,
               share: bool = False) -> str:
    """Start the server in the background and return its local URL.

    Never blocks (``prevent_thread_lock``): ``finqa ui`` prints the URL and tiers first and then
    waits in ``app.block_thread()``; tests keep running in the same process.
    """
    import gradio as gr

    _, local_url, share_url = app.launch(
        server_name=host, server_port=port, auth=auth, share=share, prevent_thread_lock=True,
        quiet=True, show_error=False, theme=gr.themes.Soft(primary_hue="red"), css=CSS,
        footer_links=["api"], allowed_paths=download_paths(app),
    )
    app.finqa_share_url = share_url
    return local_url


def parse_auth(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise FinqaError("--auth must look like user:pass")
    return user, password


def _print_tiers(assistant: Any) -> None:
    try:
        status = assistant.engine_status()
    except Exception as exc:  # noqa: BLE001
        print(f"engines: unknown ({exc})")
        return
    print("engines:")
    for route, tier in status.items():
        print(f"  {route:<10} {tier}")


def _serve(settings: Any, host: str | None, port: int | None, auth: str | None, share: bool) -> int:
    from assistant.service import get_assistant

    credentials = parse_auth(auth)
    assistant = get_assistant(settings)
    app = build_app(assistant, settings)
    host = host or settings.ui_host
    port = port or settings.ui_port
    try:
        url = launch_app(app, host=host, port=port, auth=credentials, share=share)
    except OSError as exc:
        raise FinqaError(f"Cannot start the UI on {host}:{port}: {exc}. Try another --port.") from None
    print(f"finqa UI: {url}")
    if getattr(app, "finqa_share_url", None):
        print(f"public link: {app.finqa_share_url}")
    elif share:
        print("public link: not available (no internet connection to Gradio's share server?)")
    _print_tiers(assistant)
    sys.stdout.flush()
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """``finqa ui``: build and launch the app, print its URL and each engine's tier."""
    from ingest.config import get_settings

    return _serve(get_settings(), args.host, args.port, getattr(args, "auth", None), bool(getattr(args, "share", False)))


def cmd_demo(args: argparse.Namespace) -> int:
    """``finqa demo``: ingest the watchlist live (or ``--from`` files), index, print status, launch."""
    from ingest.cli import status_table
    from ingest.config import get_settings
    from ingest.store import open_store

    settings = get_settings()
    store = open_store(settings.store_path)
    if args.from_paths:
        _demo_import(store, args.from_paths)
    else:
        _demo_live(store, settings)
    print("building the index (news and price windows)…", flush=True)
    from index.news_index import build_news
    from index.windows_index import build_windows

    news = build_news(store, settings)
    windows = build_windows(store, settings)
    print(f"index: news {_summarise_report(news)}; price windows {_summarise_report(windows)}")
    print(status_table(store.status()))
    if getattr(args, "sentiment_data", None):
        _demo_sentiment(settings, args.sentiment_data)
    if args.no_ui:
        from assistant.service import get_assistant

        _print_tiers(get_assistant(settings))
        return 0
    return _serve(settings, args.host, args.port, None, False)


def _demo_sentiment(settings: Any, csvs: list[str]) -> None:
    """Train the CPU-tier sentiment classifier once, so the demo's sentiment route has a model.

    One epoch at 64 tokens: a demo-sized run (the full recipe is `finqa finetune sentiment
    --backend embedded`). An existing classifier is kept: reruns of the demo cost nothing.
    """
    from pathlib import Path

    from assistant.cpu_sentiment import CONFIG_NAME

    out = Path(settings.adapters_dir) / "sentiment-embedded"
    if (out / CONFIG_NAME).is_file():
        print(f"sentiment: CPU classifier already trained at {out}")
        return
    from finetune.embedded_classifier import EmbeddedTrainConfig, train_embedded_ensemble

    print(f"sentiment: training the CPU classifier on {', '.join(csvs)} (one epoch)…", flush=True)
    # extend_vocab: characters MiniLM maps to [UNK] (most Chinese ones) become trainable tokens;
    # one member, plus the lexical n-gram model at the default weight, as `finqa finetune` trains it.
    result = train_embedded_ensemble(EmbeddedTrainConfig(data=list(csvs), output=str(out), epochs=1.0,
                                                         max_length=64, extend_vocab=5000), members=1)
    print(f"sentiment: CPU classifier saved to {out} (validation weighted F1 {result['weighted_f1']:.3f}, "
          f"{result['train_seconds']:.0f} s)")


def _demo_import(store: Any, paths: list[str]) -> None:
    from pathlib import Path

    from ingest.imports import import_paths

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FinqaError(f"--from: no such file or folder: {', '.join(missing)}")
    print(f"importing {', '.join(paths)}…", flush=True)
    report = import_paths(store, paths)
    for line in import_summary(report):
        print(line)
    if not store.status()["prices"]:
        raise FinqaError("Nothing was imported: the --from paths held no price files finqa can read.")


def import_summary(report: dict[str, Any]) -> list[str]:
    """Human lines for an ``import_paths`` report: totals first, then what went wrong."""
    prices, news = report.get("prices") or {}, report.get("news") or {}
    lines = [f"import: {report.get('files', 0)} files; prices for {len(prices)} codes "
             f"({sum(prices.values())} new bars); news for {len([c for c in news if c])} codes "
             f"({sum(news.values())} new articles)"]
    for err in (report.get("errors") or [])[:20]:
        where = f"{err.get('file')}:{err['line']}" if isinstance(err, dict) and err.get("line") else (
            err.get("file") if isinstance(err, dict) else "")
        lines.append(f"  error: {where}: {err.get('error') if isinstance(err, dict) else err}")
    for item in (report.get("skipped") or [])[:20]:
        lines.append(f"  skipped: {item.get('file')}: {item.get('reason')}" if isinstance(item, dict) else f"  skipped: {item}")
    if report.get("empty"):
        lines.append(f"  empty files (header only): {len(report['empty'])}")
    if report.get("unresolved"):
        shown = ", ".join(report["unresolved"][:8])
        more = f" and {len(report['unresolved']) - 8} more" if len(report["unresolved"]) > 8 else ""
        lines.append(f"  not resolved to a listed company ({len(report['unresolved'])}): {shown}{more}")
    return lines


def _demo_live(store: Any, settings: Any) -> None:
    """Fetch the watchlist live; without internet, fail with a message that suggests ``--from``."""
    from ingest.companies import get_directory
    from ingest.prices import ingest_prices, taipei_today

    directory = get_directory()
    companies = [directory.resolve_or_raise(c) for c in settings.watchlist]
    print(f"fetching prices for {', '.join(c.display for c in companies)} from TWSE/TPEx…", flush=True)
    before = {c: v["rows"] for c, v in store.status()["prices"].items()}
    hint = ("No internet? Import local files instead, e.g. "
            "`finqa demo --from ../shared/data/twse ../shared/data/news`.")
    # One request without retries first: offline, the full run would spend minutes in backoff
    # before failing; this says so in about a second.
    probe = settings.model_copy(update={"twse_retries": 0})
    probe_report = ingest_prices(store, companies[:1], since=taipei_today().replace(day=1), settings=probe,
                                 progress=False)
    if probe_report.get("errors"):
        raise FinqaError(f"Could not reach TWSE/TPEx at {settings.twse_url} "
                         f"({probe_report['errors'][0]}). {hint}")
    report = ingest_prices(store, companies, since=None, settings=settings)
    print("prices: " + _summarise_report(report))
    after = store.status()["prices"]
    have = [c.code for c in companies if after.get(c.code, {}).get("rows", 0) > 0]
    if not have:
        errors = report.get("errors") if isinstance(report, dict) else None
        detail = f" ({errors[0]})" if errors else ""
        raise FinqaError(f"Could not fetch any prices live{detail}. {hint}")
    gained = sum(after[c]["rows"] - before.get(c, 0) for c in after)
    log.info("demo: %d new bars", gained)
    if settings.newsapi_key_value():
        from ingest.news import ingest_news

        print("fetching news through newsapi…", flush=True)
        nrep = ingest_news(store, companies, days=30, languages=["zh", "en"], settings=settings)
        if not isinstance(nrep, dict):
            nrep = {}
        print("news: " + _summarise_report(nrep))
        if nrep.get("stopped"):
            print(f"news stopped: {nrep['stopped']}")
    else:
        print("news: skipped (set NEWSAPI_KEY to fetch news too)")
