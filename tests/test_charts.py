"""The forecast chart: Taiwan colours, moving averages, volume subplot, forecast after the last bar."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.charts import DOWN_COLOR, UP_COLOR, candlestick_figure
from assistant.types import Forecast, ForecastPoint


def _bars(n: int = 80) -> pd.DataFrame:
    days = pd.bdate_range("2025-01-02", periods=n)
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = close * (1 + rng.normal(0, 0.005, n))
    return pd.DataFrame({
        "open": open_, "high": np.maximum(open_, close) * 1.01, "low": np.minimum(open_, close) * 0.99,
        "close": close, "volume": rng.integers(1000, 5000, n).astype(float),
    }, index=pd.Index(days, name="date"))


def _forecast(last_close: float) -> Forecast:
    days = ["2025-04-28", "2025-04-29", "2025-04-30"]
    return Forecast(code="2330", name_zh="台積電", name_en="TSMC", as_of="2025-04-25", horizon_days=3,
                    path=[ForecastPoint(d, last_close * (1 + 0.01 * i), last_close * 0.95, last_close * 1.05)
                          for i, d in enumerate(days, 1)],
                    p_rise=0.6, engine="analog", last_close=last_close)


def test_candles_are_red_up_green_down_with_mas_and_volume():
    bars = _bars()
    fig = candlestick_figure(bars, title="2330")
    candle = next(t for t in fig.data if t.type == "candlestick")
    assert candle.increasing.line.color == UP_COLOR == "#d62728"  # red up (Taiwan)
    assert candle.decreasing.line.color == DOWN_COLOR == "#2ca02c"  # green down
    names = [t.name for t in fig.data]
    for ma in ("MA5", "MA20", "MA60"):
        assert ma in names
    ma20 = next(t for t in fig.data if t.name == "MA20")
    assert np.isnan(ma20.y[18]) and ma20.y[19] == pytest.approx(bars["close"].iloc[:20].mean())
    vol = next(t for t in fig.data if t.type == "bar")
    assert vol.yaxis == "y2"  # the volume subplot
    # volume bars coloured like their candle
    up_day = int(np.flatnonzero(bars["close"].to_numpy() >= bars["open"].to_numpy())[0])
    assert vol.marker.color[up_day] == UP_COLOR
    assert fig.layout.title.text == "2330"


def test_forecast_path_and_band_after_the_last_bar():
    bars = _bars()
    fc = _forecast(float(bars["close"].iloc[-1]))
    fig = candlestick_figure(bars, fc)
    last_bar = bars.index[-1].date().isoformat()
    path = next(t for t in fig.data if t.name and t.name.startswith("forecast ("))
    assert path.x[0] == last_bar  # joins the last candle
    assert all(x > last_bar for x in path.x[1:])
    assert list(path.x[1:]) == [p.date for p in fc.path]
    assert list(path.y[1:]) == pytest.approx([p.close for p in fc.path])
    band = next(t for t in fig.data if t.name == "10-90% band")
    assert band.fill == "tonexty"
    assert list(band.y[1:]) == pytest.approx([p.low for p in fc.path])


def test_a_target_asked_about_is_a_dotted_line_over_the_forecast_days():
    bars = _bars()
    fc = _forecast(float(bars["close"].iloc[-1]))
    assert not any(t.name and t.name.startswith("target") for t in candlestick_figure(bars, fc).data)
    fc.target = 123.0
    line = next(t for t in candlestick_figure(bars, fc).data if t.name == "target 123.00")
    assert list(line.y) == [123.0, 123.0] and list(line.x) == [bars.index[-1].date().isoformat(), fc.path[-1].date]


def test_no_forecast_no_forecast_traces_and_empty_bars_rejected():
    fig = candlestick_figure(_bars())
    assert not any(t.name and "forecast" in t.name for t in fig.data)
    with pytest.raises(ValueError):
        candlestick_figure(_bars().iloc[0:0])


def test_comparison_rebases_to_100_and_ticks_days_on_a_short_span():
    """A one-day ranking ("how is the market doing?") is two points a day apart: the axis ticks
    days, not the hours plotly would put between them."""
    from assistant.charts import comparison_figure

    short = comparison_figure({"2330": pd.Series([1000.0, 1010.0], index=["2025-05-28", "2025-05-29"]),
                               "2454": pd.Series([1280.0, 1260.0], index=["2025-05-28", "2025-05-29"])})
    assert [list(t.y) for t in short.data] == [[100.0, 101.0], [100.0, pytest.approx(98.4375)]]
    assert short.layout.xaxis.tickformat == "%Y-%m-%d" and short.layout.xaxis.dtick == 24 * 3600 * 1000
    days = pd.bdate_range("2025-01-02", periods=60).strftime("%Y-%m-%d")
    long = comparison_figure({"2330": pd.Series(np.linspace(100, 120, 60), index=days)})
    assert long.layout.xaxis.dtick is None  # plotly chooses for two months
