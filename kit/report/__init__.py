"""What a report notebook needs besides the analysis: parameters, headline numbers, formatting, masking, tables.

======== ===============================================================
module   owns
======== ===============================================================
glue     :func:`setup`, :func:`parse_month`, headline numbers (:func:`glue`, :func:`read_glue`)
format   :func:`fmt_money`, :func:`fmt_pct`, :func:`fmt_int`, :func:`format_value`, column kinds
masking  :func:`mask_name`, :func:`mask_phone`, :func:`mask_personal`, :func:`staff_labels`
tables   :func:`table` (HTML tables), :func:`note`, :func:`markdown` (all escaped)
excel    :func:`export_excel` with :class:`Sheet` (workbooks beside the report)
page     the report page: the nbconvert preprocessor that makes every output safe and inlines the table script
======== ===============================================================

>>> from kit import report
>>> period = report.parse_month("2026-10")
>>> report.fmt_money(1234567.8)
'¥1,234,568'
"""

import functools

from kit.report import glue as _glue
from kit.report.excel import Sheet, export_excel, neutralise, write_workbook
from kit.report.format import (compute_totals, fmt_int, fmt_money, fmt_number, fmt_pct, format_value, infer_kind,
                               kind_of)
from kit.report.glue import glue, glued, parse_month, read_glue
from kit.report.masking import mask_name, mask_personal, mask_phone, staff_labels
from kit.report.tables import Table, escape_markdown, markdown, note, render_markdown, set_language, table


@functools.wraps(_glue.setup)
def setup(*, glue_file: str | None = None, lang: str = "en") -> None:
    _glue.setup(glue_file=glue_file, lang=lang)
    set_language(lang)  # the words tables add themselves (filter box, totals) follow the report's language


__all__ = ["Sheet", "Table", "compute_totals", "escape_markdown", "export_excel", "fmt_int", "fmt_money",
           "fmt_number", "fmt_pct", "format_value", "glue", "glued", "infer_kind", "kind_of", "markdown",
           "mask_name", "mask_personal", "mask_phone", "neutralise", "note", "parse_month", "read_glue",
           "render_markdown", "set_language", "setup", "staff_labels", "table", "write_workbook"]
