"""The report look: Chinese renders in charts with no missing glyphs; helpers return Figures without pyplot."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from kit import plots, webfont


def _render(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_chinese_text_renders_without_missing_glyph_warnings():
    plots.use_style()
    fig = Figure()
    ax = fig.subplots()
    ax.set_title("全体员工流失率（滚动12个月） 2026-10")
    ax.set_xlabel("入职月数 months since hire")
    ax.plot([1, 2], [1, 2], label="销售顾问")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for tofu
        png = _render(fig)
    assert png.startswith(b"\x89PNG")


def test_cjk_font_is_a_real_file_with_the_glyphs():
    from fontTools.ttLib import TTFont

    path = plots.cjk_font_file()
    assert path is not None and path.is_file()
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    assert all(ord(ch) in cmap for ch in "销售顾问流失率郑")


def test_html_embeds_exactly_the_pages_chinese_characters():
    page = "<html><head><title>x</title></head><body>销售 sales 销量</body></html>"
    assert webfont.cjk_characters(page) == "售量销"
    out = webfont.embed(page)
    assert "@font-face" in out and "unicode-range: U+552E, U+91CF, U+9500" in out
    assert webfont.embed("<html><head></head><body>no Chinese</body></html>").count("@font-face") == 0


def test_helpers_return_figures_with_labelled_axes():
    frame = pd.DataFrame({"month": pd.period_range("2025-01", periods=6, freq="M"),
                          "rate": np.linspace(0.02, 0.07, 6)})
    fig = plots.plot_lines(frame, x="month", ys=["rate"], labels=["monthly rate"], target=0.05, percent=True,
                           title="Turnover 2025", ylabel="rate")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "Turnover 2025" and ax.get_ylabel() == "rate"
    assert len(ax.get_lines()) == 2  # the series and the target line
    bars = plots.plot_bars(pd.DataFrame({"who": ["a", "b"], "v": [0.5, 1.1]}), x="who", y="v", percent=True)
    assert len(bars.axes[0].patches) == 2


@pytest.mark.parametrize("curves_rows", [3])
def test_survival_plot_draws_one_curve_per_group(curves_rows):
    curves = pd.DataFrame({"g": ["x"] * curves_rows + ["y"] * curves_rows, "tenure_months": [0, 6, 12] * 2,
                           "retention": [1, 0.8, 0.5, 1, 0.9, 0.7], "ci_lower": [1, 0.6, 0.3, 1, 0.7, 0.5],
                           "ci_upper": [1, 0.9, 0.7, 1, 1, 0.9], "at_risk": [10, 8, 5, 9, 8, 6]})
    fig = plots.plot_survival(curves, group="g")
    assert len(fig.axes[0].get_lines()) >= 2
