"""Read a dealership's tables from CSV or Excel, map Chinese headers and values, parse types, and validate.

Every table of :mod:`kit.schemas` may arrive as ``NAME.csv`` (UTF-8, UTF-8 with BOM, GBK/GB18030; commas, tabs or
semicolons) or ``NAME.xlsx`` (the first sheet holding the headers), with canonical English or Chinese headers,
optionally below a few title rows, with dates as ``2026-10-31``, ``2026/10/31``, ``2026年10月31日`` or Excel dates.
Problems are collected in one pass and raised as one :class:`~kit.exceptions.DataContractError` whose message names
the file, the rows as Excel shows them, the column, what was expected and what was found.

One concern per module: :mod:`~kit.io.files` (paths, encodings, cells), :mod:`~kit.io.parsing` (typing text),
:mod:`~kit.io.tables` (one table), :mod:`~kit.io.folder` (the folder and :class:`Dealer`),
:mod:`~kit.io.plausibility` (warnings), :mod:`~kit.io.settings_file` (reading ``dealer.yml``),
:mod:`~kit.io.months` (``--month last``), :mod:`~kit.io.snapshot` (validated tables as Parquet),
:mod:`~kit.io.stores` (a dealer group's stores: one store's rows, a group whose bad store is left out).
Importing this package imports none of the analyses.

>>> from kit import io
>>> dealer = io.load_dealer("data_samples")          # every table, validated, plus dealer.yml
>>> leads = io.load_leads("data_samples")            # one table
"""

from kit.exceptions import DataContractError, Problem
from kit.io.files import (DELIMITERS, ENCODINGS, MAX_TITLE_ROWS, RawTable, find_table_file, read_file_bytes, read_raw,
                          read_rows, sha256_file)
from kit.io.folder import (Dealer, ValidationReport, load_dealer, load_followups, load_kpis, load_leads, load_sales,
                           load_staff, load_stock, load_table, validate_dir)
from kit.io.months import DataRange, MonthChoice, choose_month, data_range, latest_complete_month
from kit.io.parsing import EMPTY_WORDS, FALSE_WORDS, TRUE_WORDS, parse_bools, parse_dates, parse_months, parse_numbers
from kit.io.settings_file import MAX_SETTINGS_BYTES, read_settings_file
from kit.io.snapshot import load_snapshot, save_snapshot
from kit.io.stores import GroupLoad, for_store, load_group, row_stores, split_stores, store_ids
from kit.io.tables import Table, frame_table, read_table

__all__ = [
    "DELIMITERS", "ENCODINGS", "EMPTY_WORDS", "FALSE_WORDS", "MAX_SETTINGS_BYTES", "MAX_TITLE_ROWS", "TRUE_WORDS",
    "DataContractError", "DataRange", "Dealer", "GroupLoad", "MonthChoice", "Problem", "RawTable", "Table",
    "ValidationReport", "choose_month", "data_range", "find_table_file", "for_store", "frame_table",
    "latest_complete_month", "load_dealer", "load_followups", "load_group", "load_kpis", "load_leads", "load_sales",
    "load_snapshot", "load_staff", "load_stock", "load_table", "parse_bools", "parse_dates", "parse_months",
    "parse_numbers", "read_file_bytes", "read_raw", "read_rows", "read_settings_file", "read_table", "row_stores",
    "save_snapshot", "sha256_file", "split_stores", "store_ids", "validate_dir",
]
