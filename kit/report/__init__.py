"""What a report notebook needs besides the analysis: parameters, headline numbers, formatting, masking, tables.

======== ===============================================================
module   owns
======== ===============================================================
glue     :func:`setup`, :func:`parse_month`, headline numbers (:func:`glue`, :func:`read_glue`)
format   :func:`fmt_money`, :func:`fmt_pct`, :func:`fmt_int`, :func:`format_value`
masking  :func:`mask_name`, :func:`mask_phone`, :func:`mask_personal`, :func:`staff_labels`
tables   :func:`table` (HTML tables), :func:`note`, :func:`markdown`
excel    :func:`export_excel` (workbooks beside the report)
======== ===============================================================

>>> from kit import report
>>> period = report.parse_month("2026-10")
>>> report.fmt_money(1234567.8)
'¥1,234,568'
"""

from kit.report.excel import export_excel
from kit.report.format import fmt_int, fmt_money, fmt_number, fmt_pct, format_value
from kit.report.glue import glue, glued, parse_month, read_glue, setup
from kit.report.masking import mask_name, mask_personal, mask_phone, staff_labels
from kit.report.tables import kind_of, markdown, note, table

__all__ = ["export_excel", "fmt_int", "fmt_money", "fmt_number", "fmt_pct", "format_value", "glue", "glued",
           "kind_of", "markdown", "mask_name", "mask_personal", "mask_phone", "note", "parse_month", "read_glue",
           "setup", "staff_labels", "table"]
