"""Charts of the sales performance report; each returns a Figure and only draws (numbers come from kit.sales).

Colours keep one meaning across the kit (:mod:`kit.plots`): red is bad (behind pace, below target), green good,
grey neutral; the target is a dashed dark-red line.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kit import i18n
from kit.plots import BAD, GOOD, NEUTRAL, PALETTE, TARGET_COLOUR, percent_axis
from kit.sales.pace import is_bad
from kit.sales.traffic import TRAFFIC_CHANNELS


def _figure(height: float = 3.8) -> tuple[Figure, object]:
    fig = Figure(figsize=(9.0, height))
    return fig, fig.subplots()


def _ylabel(ax, text: str) -> None:
    """Axis label; a one- or two-character Chinese unit (台, 人次) reads upright, not turned on its side."""
    short = len(text) <= 2 and not text.isascii()
    ax.set_ylabel(text, rotation=0 if short else 90, labelpad=12 if short else 4)


def plot_pace(pace_daily: pd.DataFrame, *, target: float | None, lang: str = "en", title: str | None = None
              ) -> Figure:
    """Cumulative deliveries through the month against the straight path to the target over the selling days.

    Parameters
    ----------
    pace_daily : DataFrame
        :attr:`SalesPerformance.pace_daily` (date, selling_day, cumulative_units, target_path_units).
    target : float or None
        The month's delivery target (the path is drawn when known).
    """
    fig, ax = _figure()
    d = pace_daily
    known = d.loc[d["cumulative_units"].notna()]
    if np.isfinite(target or np.nan):
        ax.plot(d["date"], d["target_path_units"], linestyle="--", color=TARGET_COLOUR, linewidth=1.5,
                label=i18n.t("sales.chart.target_path", lang, target=f"{target:,.0f}"))
    colour = NEUTRAL
    if len(known) and np.isfinite(target or np.nan):
        last = known.iloc[-1]
        colour = BAD if last["cumulative_units"] < last["target_path_units"] - 1e-9 else GOOD
    ax.plot(known["date"], known["cumulative_units"], color=colour, linewidth=2.4,
            label=i18n.t("sales.chart.delivered", lang))
    if len(known) and len(known) < len(d):
        last = known.iloc[-1]
        open_days = d["selling_day"].cumsum()
        gone = open_days.loc[known.index[-1]]
        if gone > 0:
            rate = last["cumulative_units"] / gone
            ahead = d.loc[d.index > known.index[-1]]
            projected = last["cumulative_units"] + rate * (open_days.loc[ahead.index] - gone)
            ax.plot(pd.concat([known["date"].tail(1), ahead["date"]]),
                    np.r_[last["cumulative_units"], projected.to_numpy()], linestyle=":", color=colour,
                    linewidth=1.8, label=i18n.t("sales.chart.projected", lang))
    _ylabel(ax, i18n.t("sales.chart.cars", lang))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def plot_attainment(frame: pd.DataFrame, *, labels: pd.Series, rate: str, status: str, elapsed: float | None,
                    lang: str = "en", title: str | None = None) -> Figure:
    """Horizontal bars of achievement per row (consultant, store), red when behind or short, with the pace line.

    Parameters
    ----------
    frame : DataFrame
        Rows with the ``rate`` (achievement, 0–1+) and ``status`` columns; rows without a target are left out.
    labels : Series
        Display label of each row (same index as ``frame``).
    elapsed : float or None
        Share of the month gone (a line is drawn there); None for a complete month.
    """
    rows = frame.loc[frame[rate].notna()]
    rows = rows.assign(_label=labels.loc[rows.index]).sort_values(rate)
    fig, ax = _figure(height=max(2.4, 0.34 * len(rows) + 1.2))
    colours = [BAD if bad else GOOD for bad in is_bad(rows[status])]
    ax.barh(rows["_label"].astype(str), rows[rate], color=colours)
    ax.axvline(1.0, color=TARGET_COLOUR, linestyle="--", linewidth=1.2, label=i18n.t("sales.chart.target", lang))
    if elapsed is not None:
        ax.axvline(elapsed, color=NEUTRAL, linestyle=":", linewidth=1.5,
                   label=i18n.t("sales.chart.time_elapsed", lang, rate=f"{elapsed:.0%}"))
    percent_axis(ax, "x")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_traffic(daily: pd.DataFrame, *, lang: str = "en", title: str | None = None) -> Figure:
    """Visitors per day by channel (stacked bars) and the registration rate (line, right axis)."""
    fig, ax = _figure()
    bottom = np.zeros(len(daily))
    x = daily["date"]
    for i, channel in enumerate(TRAFFIC_CHANNELS):
        values = pd.to_numeric(daily[f"{channel}_visitors"], errors="coerce").fillna(0).to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, width=0.8, color=PALETTE[i], label=i18n.label(f"{channel}_visitors", lang))
        bottom += values
    _ylabel(ax, i18n.t("sales.chart.visitors", lang))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    right = ax.twinx()
    right.plot(x, daily["registration_rate"], color="#000000", marker="o", markersize=3, linewidth=1.4,
               label=i18n.label("registration_rate", lang))
    right.set_ylim(0, max(1.0, float(np.nanmax(daily["registration_rate"].to_numpy(dtype=float), initial=0))))
    percent_axis(right, "y")
    right.grid(False)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    names = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4)
    if title:
        ax.set_title(title)
    return fig
