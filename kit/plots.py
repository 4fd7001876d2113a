"""One look for every report: the matplotlib style, a CJK font, and ``plot_*`` helpers that return Figures.

Chinese text needs a font with CJK glyphs; matplotlib's default (DejaVu Sans) has none. :func:`cjk_font` registers
the kit's own CJK font (:mod:`kit.fonts`: the same file on every machine, so charts look the same everywhere).
Latin text stays in DejaVu Sans; matplotlib falls back to the CJK font glyph by glyph.

Helpers follow one signature: ``plot_x(data, *, ax=None, title=None, lang="en", ...) -> Figure``; they only draw
(the numbers come from the domain modules), never call ``plt.show`` or read files.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from kit import fonts  # noqa: E402

#: Fixed colour order (colour-blind safe, Okabe–Ito), so a series keeps its colour across reports.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255")
TARGET_COLOUR = "#C0392B"
GOOD, BAD, NEUTRAL = "#2E7D32", "#C62828", "#607D8B"

def cjk_font_file() -> Path:
    """The font file Chinese is drawn with (the kit's bundled Noto Sans CJK SC; see :mod:`kit.fonts`)."""
    return fonts.cjk_font().path


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Family name of the kit's CJK font, registered with matplotlib (no font-cache rebuild or root needed)."""
    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_style() -> None:
    """Apply the kit's matplotlib style (fonts, sizes, grid, colours) to the current process."""
    cjk = cjk_font()
    # the CJK font has one weight; matplotlib's notice that bold titles use it is not news to anyone
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    matplotlib.rcParams.update({
        # a list of concrete families: matplotlib then falls back glyph by glyph (a generic "sans-serif" does not)
        "font.family": ["DejaVu Sans", cjk],
        "font.sans-serif": ["DejaVu Sans", cjk],
        "axes.unicode_minus": False,
        "figure.figsize": (9.0, 4.2),
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "figure.constrained_layout.use": True,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
        "legend.frameon": False,
        "legend.fontsize": 9,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
    })


def _axes(ax, *, figsize=None):
    if ax is not None:
        return ax.figure, ax
    use_style()
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()


def percent_axis(ax, axis: str = "y", digits: int = 0) -> None:
    fmt = mticker.PercentFormatter(1.0, decimals=digits)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)



def _month_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())


# --------------------------------------------------------------------------- generic helpers


def plot_lines(frame: pd.DataFrame, *, x: str, ys: Sequence[str], labels: Sequence[str] | None = None,
               target: float | None = None, target_label: str = "target", ax=None, title: str | None = None,
               ylabel: str | None = None, percent: bool = False, figsize=None) -> Figure:
    """Lines over time (x a date or period column), an optional horizontal target line."""
    fig, ax = _axes(ax, figsize=figsize)
    xs = frame[x]
    if isinstance(xs.dtype, pd.PeriodDtype):
        xs = xs.dt.to_timestamp()
    for i, col in enumerate(ys):
        ax.plot(xs, frame[col], marker="o", markersize=3, lw=1.8, color=PALETTE[i % len(PALETTE)],
                label=(labels[i] if labels else col))
    if target is not None:
        ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.2, label=target_label)
    if percent:
        percent_axis(ax)
    if pd.api.types.is_datetime64_any_dtype(xs):
        _month_axis(ax)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best")
    return fig


def plot_bars(frame: pd.DataFrame, *, x: str, y: str, ax=None, title: str | None = None, xlabel: str | None = None,
              target: float | None = None, target_label: str = "target", percent: bool = False,
              horizontal: bool = True, colour_by: str | None = None, annotate: bool = True,
              figsize=None) -> Figure:
    """Bars (horizontal by default, so long Chinese or model names stay readable), values printed on the bars."""
    n = len(frame)
    if figsize is None and horizontal:
        figsize = (9.0, max(2.2, 0.32 * n + 1.0))
    fig, ax = _axes(ax, figsize=figsize)
    colours = [PALETTE[0]] * n
    if colour_by is not None:
        colours = [BAD if bool(v) else PALETTE[0] for v in frame[colour_by]]
    labels = [str(v) for v in frame[x]]
    values = frame[y].astype(float).to_numpy()
    if horizontal:
        bars = ax.barh(labels[::-1], values[::-1], color=colours[::-1])
        if target is not None:
            ax.axvline(target, color=TARGET_COLOUR, ls="--", lw=1.2, label=target_label)
        if percent:
            percent_axis(ax, "x")
        ax.grid(axis="y", visible=False)
        if xlabel:
            ax.set_xlabel(xlabel)
    else:
        bars = ax.bar(labels, values, color=colours)
        if target is not None:
            ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.2, label=target_label)
        if percent:
            percent_axis(ax)
        ax.grid(axis="x", visible=False)
        if xlabel:
            ax.set_ylabel(xlabel)
    if annotate:
        fmt = (lambda v: f"{v * 100:.0f}%") if percent else (lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2g}")
        ax.bar_label(bars, labels=[fmt(v) if np.isfinite(v) else "" for v in
                                   (values[::-1] if horizontal else values)], padding=2, fontsize=8)
    if target is not None:
        ax.legend(loc="lower right" if horizontal else "best")
    if title:
        ax.set_title(title)
    return fig


def plot_hist(values, *, ax=None, title: str | None = None, xlabel: str | None = None, bins: int = 30,
              marker: float | None = None, marker_label: str | None = None, figsize=None) -> Figure:
    """A histogram of a distribution (e.g. Kendall's tau over weight draws), an optional vertical marker."""
    fig, ax = _axes(ax, figsize=figsize or (9.0, 3.2))
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.85)
    if marker is not None:
        ax.axvline(marker, color=TARGET_COLOUR, ls="--", lw=1.2, label=marker_label)
        if marker_label:
            ax.legend(loc="upper left")
    ax.set_ylabel("count")
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig


def plot_rank_compare(frame: pd.DataFrame, *, label: str, ranks: Sequence[str], rank_labels: Sequence[str],
                      highlight: str | None = None, ax=None, title: str | None = None, figsize=None) -> Figure:
    """One line per person across columns of ranks (rank 1 at the top): whose rank moves between weight sets."""
    n = len(frame)
    fig, ax = _axes(ax, figsize=figsize or (9.0, max(3.0, 0.28 * n + 1.2)))
    xs = np.arange(len(ranks))
    for i, (_, row) in enumerate(frame.iterrows()):
        ys = [row[c] for c in ranks]
        strong = highlight is not None and bool(row.get(highlight, False))
        ax.plot(xs, ys, marker="o", lw=2.2 if strong else 1.0, alpha=1.0 if strong else 0.45,
                color=PALETTE[i % len(PALETTE)])
        ax.annotate(str(row[label]), (xs[-1], ys[-1]), xytext=(6, 0), textcoords="offset points", va="center",
                    fontsize=8)
        ax.annotate(str(row[label]), (xs[0], ys[0]), xytext=(-6, 0), textcoords="offset points", va="center",
                    ha="right", fontsize=8)
    ax.set_xticks(xs, rank_labels)
    ax.invert_yaxis()
    ax.set_ylabel("rank")
    ax.grid(axis="x", visible=False)
    ax.set_xlim(-0.9, len(ranks) - 0.1 + 0.8)
    if title:
        ax.set_title(title)
    return fig


def plot_gains(gains: pd.DataFrame, *, ax=None, title: str | None = None, lang: str = "en",
               figsize=None) -> Figure:
    """Cumulative gains: share of buyers found (y) when calling the top x % of leads by score, vs random."""
    fig, ax = _axes(ax, figsize=figsize or (5.2, 4.2))
    xs = np.r_[0.0, gains["cumulative_share"].to_numpy(dtype=float)]
    ys = np.r_[0.0, gains["cumulative_capture"].to_numpy(dtype=float)]
    ax.plot(xs, ys, marker="o", color=PALETTE[0], label="kit score" if lang != "zh" else "评分模型")
    ax.plot([0, 1], [0, 1], ls="--", color=NEUTRAL, label="random" if lang != "zh" else "随机")
    if 0.2 in np.round(xs, 6):
        y20 = ys[np.argmin(np.abs(xs - 0.2))]
        ax.annotate(f"{y20:.0%}", (0.2, y20), xytext=(8, -14), textcoords="offset points", fontsize=9)
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_xlabel("share of leads called, highest scores first" if lang != "zh" else "按评分从高到低拨打的线索比例")
    ax.set_ylabel("share of buyers found" if lang != "zh" else "找到的成交客户比例")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return fig


def plot_calibration(calibration: pd.DataFrame, *, ax=None, title: str | None = None, lang: str = "en",
                     figsize=None) -> Figure:
    """Predicted vs observed conversion per score bin; marker area shows how many leads are in each bin."""
    fig, ax = _axes(ax, figsize=figsize or (5.2, 4.2))
    c = calibration[calibration["count"] > 0]
    top = float(max(c["mean_predicted"].max(), c["observed_rate"].max(), 0.05)) * 1.1
    ax.plot([0, top], [0, top], ls="--", color=NEUTRAL, label="perfect" if lang != "zh" else "完全校准")
    sizes = 20 + 200 * c["count"] / c["count"].max()
    ax.scatter(c["mean_predicted"], c["observed_rate"], s=sizes, color=PALETTE[0], alpha=0.8,
               label="score bins" if lang != "zh" else "评分分组", zorder=3)
    ax.plot(c["mean_predicted"], c["observed_rate"], color=PALETTE[0], lw=1)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_xlabel("score (predicted chance to buy)" if lang != "zh" else "评分（预测成交概率）")
    ax.set_ylabel("share that bought" if lang != "zh" else "实际成交比例")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def plot_funnel(steps: pd.DataFrame, *, label: str, value: str, ax=None, title: str | None = None,
                rate: str | None = None, figsize=None) -> Figure:
    """Horizontal funnel: one bar per step (widest first), with the count and the step's rate printed."""
    n = len(steps)
    fig, ax = _axes(ax, figsize=figsize or (9.0, 0.55 * n + 1.2))
    values = steps[value].astype(float).to_numpy()
    labels = steps[label].astype(str).tolist()
    ys = np.arange(n)[::-1]
    ax.barh(ys, values, color=[PALETTE[i % len(PALETTE)] for i in range(n)], height=0.65)
    for i, (y, v) in enumerate(zip(ys, values)):
        text = f"{v:,.0f}"
        if rate is not None and i > 0 and pd.notna(steps[rate].iloc[i]):
            text += f"  ({steps[rate].iloc[i]:.0%})"
        ax.text(v, y, "  " + text, va="center", fontsize=9)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, values.max() * 1.25 if len(values) and values.max() > 0 else 1)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return fig


def plot_survival(curves: pd.DataFrame, *, group: str | None, ax=None, title: str | None = None,
                  labels: dict | None = None, lang: str = "en", max_months: float | None = 48,
                  figsize=None) -> Figure:
    """Kaplan–Meier retention curves (step lines) with their confidence bands, one per group."""
    from kit.i18n import label, t

    fig, ax = _axes(ax, figsize=figsize or (9.0, 4.4))
    groups = [None] if group is None else list(dict.fromkeys(curves[group]))
    for i, g in enumerate(groups):
        c = curves if g is None else curves[curves[group] == g]
        c = c.sort_values("tenure_months")
        colour = PALETTE[i % len(PALETTE)]
        name = label("all_staff", lang) if g is None else (labels or {}).get(g, str(g))
        ax.step(c["tenure_months"], c["retention"], where="post", color=colour, lw=1.8,
                label=t("turnover.chart.people", lang, name=name, n=int(c["at_risk"].max())))
        ax.fill_between(c["tenure_months"], c["ci_lower"], c["ci_upper"], step="post", color=colour, alpha=0.12)
    ax.axhline(0.5, color=NEUTRAL, lw=0.8, ls=":")
    for m in (3, 6, 12, 24):
        ax.axvline(m, color=NEUTRAL, lw=0.5, ls=":")
    percent_axis(ax)
    ax.set_ylim(0, 1.02)
    if max_months:
        ax.set_xlim(0, max_months)
    ax.set_xlabel(t("turnover.chart.months_since_hire", lang))
    ax.set_ylabel(t("turnover.chart.still_employed", lang))
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def plot_rate_trend(frame: pd.DataFrame, *, x: str = "period", monthly: str = "rate", trailing: str = "rate_trailing",
                    target_monthly: float | None = None, target_annual: float | None = None,
                    target_label: str | None = None, ax=None, title: str | None = None, lang: str = "en",
                    figsize=None) -> Figure:
    """Monthly rate as bars (left axis) and the trailing-12-month rate as a line (right axis), with targets.

    ``target_label`` names the annual target line (the configured ceiling, e.g. "ceiling for key staff and
    managers 10 % a year"); the line is also labelled at its right end. Missing rates are left out.
    """
    from kit.i18n import t

    fig, ax = _axes(ax, figsize=figsize or (9.5, 4.2))
    xs = frame[x]
    if not pd.api.types.is_datetime64_any_dtype(xs):
        xs = pd.PeriodIndex(xs.astype(str), freq="M").to_timestamp()
    ax.bar(xs, frame[monthly], width=20, color=PALETTE[5], alpha=0.8, label=t("turnover.chart.monthly", lang))
    if target_monthly is not None and np.isfinite(target_monthly):
        ax.axhline(target_monthly, color=PALETTE[5], ls=":", lw=1.2, label=t("turnover.chart.monthly_target", lang))
    percent_axis(ax)
    ax2 = ax.twinx()
    ax2.plot(xs, frame[trailing], color=PALETTE[0], lw=2.2, marker="o", markersize=3,
             label=t("turnover.chart.trailing", lang))
    has_target = target_annual is not None and np.isfinite(target_annual)
    if has_target:
        ax2.axhline(target_annual, color=TARGET_COLOUR, ls="--", lw=1.6,
                    label=target_label or t("turnover.chart.annual_target", lang))
        ax2.annotate(f"{target_annual:.0%}", xy=(1.0, target_annual), xycoords=("axes fraction", "data"),
                     xytext=(-2, 3), textcoords="offset points", ha="right", va="bottom", color=TARGET_COLOUR,
                     fontsize=9, fontweight="bold")
    percent_axis(ax2)

    def top(values: pd.Series, floor: float) -> float:
        v = values.to_numpy(dtype=float)
        return max(float(np.nanmax(v)) if np.isfinite(v).any() else 0.0, floor)

    ax2.set_ylim(0, top(frame[trailing], target_annual if has_target else 0.0) * 1.25 + 1e-9)
    floor = target_monthly if target_monthly is not None and np.isfinite(target_monthly) else 0.0
    ax.set_ylim(0, top(frame[monthly], floor) * 1.6 + 1e-9)
    ax2.spines["right"].set_visible(True)
    ax2.grid(False)
    # two scales: say on each axis which one it is (the target line belongs to the right-hand, 12-month scale)
    ax.set_ylabel(t("turnover.chart.monthly_axis", lang), color=NEUTRAL)
    ax2.set_ylabel(t("turnover.chart.trailing_axis", lang), color=PALETTE[0])
    ax2.tick_params(axis="y", colors=PALETTE[0])
    _month_axis(ax)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8, ncol=2)
    if title:
        ax.set_title(title)
    return fig


def plot_fan_grid(history: pd.DataFrame, forecast: pd.DataFrame, *, ids: Sequence[str], months: int = 24,
                  ncols: int = 3, title: str | None = None, lang: str = "en", titles: dict | None = None) -> Figure:
    """Small multiples: each series' last ``months`` of history and its forecast with 80 % / 95 % bands.

    ``history`` is long ``unique_id, ds, y``; ``forecast`` has ``yhat`` and ``yhat_lo_80`` … ``yhat_hi_95``.
    """
    use_style()
    n = len(ids)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig = Figure(figsize=(4.0 * ncols, 2.6 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, uid in zip(axes, ids):
        h = history[history["unique_id"] == uid].sort_values("ds").tail(months)
        f = forecast[forecast["unique_id"] == uid].sort_values("ds")
        ax.plot(h["ds"], h["y"], color=NEUTRAL, lw=1.4, marker="o", markersize=2)
        if len(f):
            xs = pd.concat([h["ds"].tail(1), f["ds"]])
            join = lambda col: np.r_[h["y"].tail(1).to_numpy(dtype=float), f[col].to_numpy(dtype=float)]  # noqa: E731
            ax.fill_between(xs, join("yhat_lo_95"), join("yhat_hi_95"), color=PALETTE[0], alpha=0.15, lw=0)
            ax.fill_between(xs, join("yhat_lo_80"), join("yhat_hi_80"), color=PALETTE[0], alpha=0.3, lw=0)
            ax.plot(xs, join("yhat"), color=PALETTE[0], lw=1.8)
        ax.set_title((titles or {}).get(uid, uid), fontsize=10)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%y-%m"))
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.supylabel("cars delivered per month" if lang != "zh" else "月交车台数", fontsize=9)
    return fig
