"""HTML tables, notes and markdown for reports (kit.report.tables, kit.report.page): escaped, formatted, shaded."""

from __future__ import annotations

import base64
import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from kit.report import markdown, note, table

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "javascript:alert(3)",
       "[click](javascript:alert(4))", "![x](http://evil.example/t.png)", '"><svg onload=alert(5)>']


def _cells(markup: str, column: int) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", markup.split("<tbody>")[1].split("</tbody>")[0])
    return [re.findall(r"<td[^>]*>.*?</td>", r)[column] for r in rows]


def _shade(cell: str) -> int | None:
    m = re.search(r"kit-s(\d)", cell)
    return int(m.group(1)) if m else None


def test_every_value_header_and_caption_is_escaped():
    frame = pd.DataFrame({"<b>name</b>": XSS, "x": range(len(XSS))})
    markup = table(frame, caption="<script>alert('c')</script>", labels={"x": "<i>x</i>"}).html
    assert "<script" not in markup and "<img" not in markup and "<svg" not in markup and "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "&lt;i&gt;x&lt;/i&gt;" in markup
    assert "&lt;b&gt;name&lt;/b&gt;" in markup
    assert 'data-label="&lt;b&gt;name&lt;/b&gt;"' in markup, "the card label is escaped too"


def test_numbers_are_formatted_and_keep_a_raw_sort_key():
    frame = pd.DataFrame({"bonus_cny": [8266.39, np.nan], "rate": [0.6538, 0.1], "n": [1234, 5],
                          "day": pd.to_datetime(["2026-10-22", None])})
    markup = table(frame, formats={"bonus_cny": "money", "rate": "pct"}).html
    assert _cells(markup, 0) == ['<td data-label="Bonus" class="kit-num" data-v="8266.39">¥8,266</td>',
                                 '<td data-label="Bonus" class="kit-num" data-v="">–</td>']
    assert 'data-v="0.6538">65.4%</td>' in markup and 'data-v="1234.0">1,234</td>' in markup
    assert 'data-v="2026-10-22T00:00:00">2026-10-22</td>' in markup
    assert '<th scope="col" data-sort="num" class="kit-num">Bonus</th>' in markup
    assert '<th scope="col" data-sort="date">day</th>' in markup


def test_headers_come_from_labels_then_the_catalog():
    markup = table(pd.DataFrame({"bonus_cny": [1.0], "zzz": [2]}), lang="zh").html
    assert ">奖金</th>" in markup and ">zzz</th>" in markup


def test_gap_where_distance_from_zero_is_bad_is_red_far_from_zero_and_blue_near_it():
    # the grade audit: 0.12 is "in line", 1.15 "inflates", -0.9 "deflates"
    audit = pd.DataFrame({"grade_gap": [0.12, 1.15, -0.9, 0.0]})
    shades = [_shade(c) for c in _cells(table(audit, gradient=["grade_gap"], good="small").html, 0)]
    assert shades[0] <= 1 and shades[3] == 0, "near zero is blue (good)"
    assert shades[1] == 6, "the largest gap is dark red (bad)"
    assert shades[2] >= 4, "a large negative gap is red too"


def test_direction_decides_which_end_is_red():
    frame = pd.DataFrame({"v": [0.1, 0.5, 0.9]})
    high = [_shade(c) for c in _cells(table(frame, gradient=["v"]).html, 0)]
    low = [_shade(c) for c in _cells(table(frame, gradient={"v": "low"}).html, 0)]
    legacy = [_shade(c) for c in _cells(table(frame, high_is_bad=["v"]).html, 0)]
    assert high == [6, 3, 0] and low == [0, 3, 6] and legacy == low


def test_center_makes_the_target_neutral():
    achievement = pd.DataFrame({"a": [1.0, 1.2, 0.5, 1.0]})
    shades = [_shade(c) for c in _cells(table(achievement, gradient=["a"], center=1.0).html, 0)]
    assert shades == [3, 2, 6, 3], "on target is neutral, above is blue, far below is dark red"


def test_bad_direction_is_refused_clearly():
    with pytest.raises(ValueError, match="good\\['v'\\]: expected one of high, low, small; got 'up'"):
        table(pd.DataFrame({"v": [1]}), gradient={"v": "up"})


def test_highlight_marks_cells_and_hides_an_unlabelled_flag_column():
    frame = pd.DataFrame({"days": [9, 1], "late": [True, False]})
    markup = table(frame, highlight={"days": "late"}).html
    assert "late" not in markup
    assert 'class="kit-num kit-flag"' in _cells(markup, 0)[0] and "kit-flag" not in _cells(markup, 0)[1]


def test_searchable_cards_and_totals():
    frame = pd.DataFrame({"consultant": [f"E{i:03d}" for i in range(20)], "bonus_cny": [100.0] * 20,
                          "overdue": [True, False] * 10})
    markup = table(frame, cards=True, totals=["bonus_cny", "overdue"], lang="zh").html
    assert 'data-kit-filter="筛选本表…"' in markup, "more than 15 rows: a filter box by default"
    assert 'class="kit-table kit-cards-table"' in markup
    foot = markup.split("<tfoot>")[1]
    assert ">合计</td>" in foot and ">¥2,000</td>" in foot and ">10</td>" in foot
    assert "data-kit-filter" not in table(frame.head(5)).html
    assert "data-kit-filter" in table(frame.head(5), searchable=True).html


def test_max_rows_says_how_many_are_shown_and_empty_shows_a_note():
    frame = pd.DataFrame({"x": range(300)})
    markup = table(frame, lang="en").html
    assert markup.count("<tr>") == 201 and "First 200 of 300 rows shown" in markup
    empty = table(frame.iloc[:0], empty="Nothing <here>")
    assert "Nothing &lt;here&gt;" in empty.data


def test_markdown_values_are_escaped_for_html_and_markdown():
    out = markdown("Profile this month: **{profile}** — {weights}", profile=XSS[1], weights="**not bold** [a](b)")
    html = out.data
    assert "<strong>&lt;img src=x onerror=alert(2)&gt;</strong>" in html
    assert "<img" not in html and "<a " not in html and "**not bold**" in html
    for value in XSS:
        rendered = markdown("Name: {name}", name=value).data
        assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered and "<svg" not in rendered
    assert "60%" in markdown("Units {w:.0%}", w=0.6).data


def test_plain_markdown_is_safe_too():
    html = markdown("**Hi** <script>alert(1)</script> [x](javascript:alert(1)) ![t](http://evil.example/t.png) "
                    "[ok](https://example.org)").data
    assert "<strong>Hi</strong>" in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "<img" not in html and "evil.example" not in html
    assert '<a href="https://example.org">ok</a>' in html


def test_note_escapes_and_checks_its_kind():
    assert note("Call {name}", name="<b>x</b>").data == '<div class="kit-note kit-note-info">Call &lt;b&gt;x&lt;/b&gt;</div>'
    with pytest.raises(ValueError, match="note kind"):
        note("x", kind="danger")


def test_page_outputs_are_made_safe():
    import nbformat  # here, not at the top (nbformat and nbconvert cost seconds at collection in every worker)

    from kit.report.page import clean_html, safe_output

    hostile = {"output_type": "display_data", "metadata": {}, "data": {
        "text/html": '<div class="a" data-v="1"><img src=x onerror=alert(1)><img src="data:image/png;base64,AA==">'
                     '<a href="javascript:alert(1)">j</a><script>alert(2)</script><p onclick="x()">p</p></div>',
        "application/javascript": "alert(3)"}}
    html = safe_output(nbformat.from_dict(hostile))["data"]["text/html"]
    assert "onerror" not in html and 'src="x"' not in html and "onclick" not in html and "<script" not in html
    assert html.count("<img") == 1, "an image from elsewhere is dropped, not left broken"
    assert 'src="data:image/png;base64,AA=="' in html and 'data-v="1"' in html and "javascript:" not in html
    md = safe_output(nbformat.from_dict({"output_type": "execute_result", "metadata": {}, "execution_count": 1,
                                         "data": {"text/markdown": "<img src=x onerror=alert(1)> **b**"}}))
    assert "text/markdown" not in md["data"] and "<strong>b</strong>" in md["data"]["text/html"]
    assert "<img" not in md["data"]["text/html"]
    assert clean_html("<style>.x{color:red}</style><table><tr><td>1</td></tr></table>").startswith("<style>")


def test_page_gets_the_script_its_hash_and_the_language():
    import nbformat

    from kit.report.page import KitPagePreprocessor, content_security_policy, script

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"lang": "zh"}}
    _, resources = KitPagePreprocessor().preprocess(nb, {})
    digest = base64.b64encode(hashlib.sha256(script().encode()).digest()).decode()
    assert resources["language_code"] == "zh-CN"
    assert f"script-src 'sha256-{digest}'" in resources["kit_page"]["csp"]
    assert "default-src 'none'" in content_security_policy("x") and "img-src data:" in content_security_policy("x")
    assert len(script()) < 8000, "the table script stays small"


def test_charts_get_the_heading_they_illustrate_as_alternative_text():
    import nbformat

    from kit.report.page import KitPagePreprocessor

    nb = nbformat.v4.new_notebook()
    png = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}
    nb.cells = [nbformat.v4.new_markdown_cell("## 流失趋势\n说明"), nbformat.v4.new_code_cell("x", outputs=[png])]
    out, _ = KitPagePreprocessor().preprocess(nb, {})
    assert out.cells[1].outputs[0]["metadata"]["kit_alt"] == "流失趋势"


def test_a_common_spread_compares_colours_across_columns():
    from kit.report.tables import _shades

    # per column, 89 % (the worst of its column) is nearly the strongest red …
    assert _shades(pd.Series([0.89, 1.0, 1.2]), "high", 1.0) == [5, 3, 0]
    # … with a common spread of 50 points it is a light red, 120 % a light blue, and 0 % the strongest red
    assert _shades(pd.Series([0.89, 1.0, 1.2]), "high", 1.0, 0.5) == [4, 3, 2]
    assert _shades(pd.Series([0.0, 1.0]), "high", 1.0, 0.5)[0] == 6
