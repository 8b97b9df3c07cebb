"""The forecast chart: a plotly candlestick the way a Taiwanese investor reads one.

Taiwan colours candles the opposite way to the US: red is up (漲), green is down (跌). Moving
averages MA5/20/60 (the 週線/月線/季線 every local charting tool shows), volume in a subplot
below coloured like its candle, and the forecast path with its 10-90% band drawn on the trading
days after the last bar, so past and forecast never overlap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from .types import Forecast

UP_COLOR = "#d62728"  # red: the close is above the open
DOWN_COLOR = "#2ca02c"  # green: below
MA_WINDOWS = (5, 20, 60)
MA_COLORS = {5: "#ff7f0e", 20: "#1f77b4", 60: "#9467bd"}
FORECAST_COLOR = "#e377c2"


def _frame(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars indexed by date (``Store.bars``) or with a ``date`` column → indexed by Timestamp."""
    df = bars.copy()
    if "date" in df.columns:
        df = df.set_index("date")
    df.index = pd.to_datetime(df.index)
    df = df.sort_index()
    for col in ("open", "high", "low"):
        if col not in df.columns or df[col].isna().all():
            df[col] = df["close"]
    if "volume" not in df.columns:
        df["volume"] = float("nan")
    return df


def candlestick_figure(bars: pd.DataFrame, forecast: Forecast | None = None, *, title: str = "",
                       interval: str | None = None) -> go.Figure:
    """Candles (red up / green down), MA5/20/60, volume subplot, forecast path + band after the last bar.

    With ``interval`` ("W", "M") the bars are weekly or monthly candles, and the averages are
    named in their unit ("MA5 (weeks)"): a reader of a weekly chart would take "MA5" for days.

    ``bars``: one code's bars (``Store.bars`` output or a frame with a ``date`` column) with
    open/high/low/close/volume. Empty bars are a ValueError: there is nothing to draw.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df = _frame(bars)
    if df.empty:
        raise ValueError("no bars to chart")
    x = [d.date().isoformat() for d in df.index]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
    fig.add_trace(
        go.Candlestick(
            x=x, open=df["open"], high=df["high"], low=df["low"], close=df["close"], name="price",
            increasing_line_color=UP_COLOR, increasing_fillcolor=UP_COLOR,
            decreasing_line_color=DOWN_COLOR, decreasing_fillcolor=DOWN_COLOR,
        ),
        row=1, col=1,
    )
    for w in MA_WINDOWS:
        ma = df["close"].rolling(w, min_periods=w).mean()
        fig.add_trace(
            go.Scatter(x=x, y=ma, mode="lines", name=f"MA{w}{_MA_UNITS.get(interval or '', '')}",
                       line={"width": 1.2, "color": MA_COLORS[w]}),
            row=1, col=1,
        )
    vol_colors = [UP_COLOR if c >= o else DOWN_COLOR for o, c in zip(df["open"], df["close"])]
    fig.add_trace(go.Bar(x=x, y=df["volume"], name="volume", marker_color=vol_colors, showlegend=False), row=2, col=1)

    if forecast is not None and forecast.path:
        # Start the forecast lines at the last real close so the path visibly continues the chart.
        fx = [x[-1]] + [p.date for p in forecast.path]
        last = float(forecast.last_close)
        fig.add_trace(
            go.Scatter(x=fx, y=[last] + [p.high for p in forecast.path], mode="lines",
                       line={"width": 0}, showlegend=False, hoverinfo="skip", name="forecast 90%"),
            row=1, col=1,
        )
        fig.add_trace(
            go.Scatter(x=fx, y=[last] + [p.low for p in forecast.path], mode="lines", line={"width": 0},
                       fill="tonexty", fillcolor="rgba(227,119,194,0.2)", name="10-90% band"),
            row=1, col=1,
        )
        fig.add_trace(
            go.Scatter(x=fx, y=[last] + [p.close for p in forecast.path], mode="lines+markers",
                       line={"color": FORECAST_COLOR, "dash": "dash", "width": 2},
                       name=f"forecast ({forecast.engine})"),
            row=1, col=1,
        )
        if forecast.target is not None:  # "will 2330 reach 1,000?": the price asked about, over the forecast days
            fig.add_trace(
                go.Scatter(x=[fx[0], fx[-1]], y=[forecast.target] * 2, mode="lines",
                           line={"color": "#444444", "dash": "dot", "width": 1.5}, name=f"target {forecast.target:,.2f}"),
                row=1, col=1,
            )
    fig.update_layout(
        title=title or None, xaxis_rangeslider_visible=False, hovermode="x unified",
        margin={"l": 40, "r": 20, "t": 70 if title else 40, "b": 30},
        # above the plot, not over it: the shaded span's "asked" label sits at the plot's top edge
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    # Category axes would space trading days evenly, but dates keep hover labels readable;
    # hide weekends so the candles do not gap.
    fig.update_xaxes(type="date", rangebreaks=[{"bounds": ["sat", "mon"]}])
    fig.update_yaxes(title_text="price", row=1, col=1)
    fig.update_yaxes(title_text="volume", row=2, col=1)
    return fig


_MA_UNITS = {"W": " (weeks)", "M": " (months)"}
_PERIODS = {"W": "W-SUN", "M": "M"}  # Monday-to-Sunday weeks, as the answers' "week of" lines


def candles(bars: pd.DataFrame, interval: str) -> pd.DataFrame:
    """Daily bars as weekly ("W") or monthly ("M") candles: the first open, the highest high, the
    lowest low, the last close and the volume summed; each dated by its first session (a date the
    chart's weekend gaps never hide)."""
    df = _frame(bars)
    key = df.index.to_period(_PERIODS[interval])
    grouped = df.groupby(key)
    out = pd.DataFrame({"open": grouped["open"].first(), "high": grouped["high"].max(), "low": grouped["low"].min(),
                        "close": grouped["close"].last(), "volume": grouped["volume"].sum(min_count=1)})
    out.index = pd.DatetimeIndex(df.index.to_series().groupby(key).first().to_numpy(), name="date")
    return out


def price_facts_figure(context: pd.DataFrame, start: str, end: str, *, title: str = "",
                       interval: str | None = None) -> go.Figure:
    """The candlestick around a price answer, the days it reports shaded.

    ``context`` holds the bars up to ``end`` (never after it: the chart shows nothing the answer
    could not see); ``start``/``end`` are the ISO days the answer covers. With ``interval`` ("W",
    "M") the candles are weekly or monthly, and the shading spans the candles holding those days.
    """
    if interval in _PERIODS:
        daily = _frame(context)
        context = candles(daily, interval)
        first = context.index[context.index.to_period(_PERIODS[interval]) == pd.Timestamp(start).to_period(_PERIODS[interval])]
        last = context.index[context.index.to_period(_PERIODS[interval]) == pd.Timestamp(end).to_period(_PERIODS[interval])]
        start = (first[0] if len(first) else context.index[0]).date().isoformat()
        end = (last[0] if len(last) else context.index[-1]).date().isoformat()
    fig = candlestick_figure(context, title=title, interval=interval if interval in _PERIODS else None)
    # Half a day each side so that a one-day answer still shades its candle.
    lo = (pd.Timestamp(start) - pd.Timedelta(hours=12)).isoformat()
    hi = (pd.Timestamp(end) + pd.Timedelta(hours=12)).isoformat()
    fig.add_vrect(x0=lo, x1=hi, fillcolor="rgba(255, 215, 0, 0.25)", line_width=0, layer="below",
                  annotation_text="asked", annotation_position="top left")
    return fig


def comparison_figure(closes: dict[str, pd.Series], *, title: str = "") -> go.Figure:
    """Several companies' closes over the same days, each rebased to 100 on its first point (the
    close before the period, when the caller has it), so that "TSMC against MediaTek in April"
    compares moves, not price levels."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for code, series in closes.items():
        series = series.dropna()
        if series.empty:
            continue
        fig.add_trace(go.Scatter(x=[pd.Timestamp(d).date().isoformat() for d in series.index],
                                 y=(series / float(series.iloc[0]) * 100.0).tolist(), mode="lines+markers", name=code))
    fig.update_layout(title=title or None, yaxis_title="close, rebased to 100", hovermode="x unified",
                      margin={"l": 40, "r": 20, "t": 50 if title else 20, "b": 30},
                      legend={"orientation": "h", "y": 1.02, "x": 0})
    fig.update_xaxes(type="date", rangebreaks=[{"bounds": ["sat", "mon"]}], tickformat="%Y-%m-%d")
    days = {x for trace in fig.data for x in trace.x}
    if len(days) <= 10:  # a day or two ("how is the market doing?"): daily ticks, not hours
        fig.update_xaxes(dtick=24 * 3600 * 1000)
    return fig


def forecasts_figure(forecasts: list[Forecast], closes: dict[str, pd.Series], *, title: str = "") -> go.Figure:
    """Several companies' forecasts on one chart: each one's recent closes and its forecast path,
    rebased to 100 on its last close (the day the forecast starts from), so that "forecast 2330
    and 2454" compares the expected moves and their bands, not price levels. ``closes`` holds each
    company's closes up to its forecast's last bar (never after it)."""
    import plotly.graph_objects as go

    palette = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")  # not red or green: up and down
    fig = go.Figure()
    for i, f in enumerate(forecasts):
        if not f.last_close:
            continue
        colour = palette[i % len(palette)]
        base = float(f.last_close)
        history = closes.get(f.code, pd.Series(dtype=float)).dropna()
        if not history.empty:
            fig.add_trace(go.Scatter(x=[pd.Timestamp(d).date().isoformat() for d in history.index],
                                     y=(history / base * 100.0).tolist(), mode="lines", name=f"{f.code} close",
                                     line={"color": colour}, legendgroup=f.code))
        days = [p.date for p in f.path]
        fig.add_trace(go.Scatter(x=days + days[::-1], y=[p.high / base * 100.0 for p in f.path]
                                 + [p.low / base * 100.0 for p in f.path][::-1], fill="toself", mode="lines",
                                 line={"width": 0}, fillcolor=colour, opacity=0.15, hoverinfo="skip",
                                 name=f"{f.code} 10–90% band", legendgroup=f.code, showlegend=False))
        fig.add_trace(go.Scatter(x=[f.as_of, *days], y=[100.0] + [p.close / base * 100.0 for p in f.path],
                                 mode="lines+markers", line={"color": colour, "dash": "dash"},
                                 name=f"{f.code} forecast (P(rise) {f.p_rise:.0%})", legendgroup=f.code))
    fig.update_layout(title=title or None, yaxis_title="close, rebased to 100 on the last close", hovermode="x unified",
                      margin={"l": 40, "r": 20, "t": 90 if title else 60, "b": 30},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(type="date", rangebreaks=[{"bounds": ["sat", "mon"]}], tickformat="%Y-%m-%d")
    return fig

