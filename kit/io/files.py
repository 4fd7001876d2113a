"""Files and encodings: find a table's file, read its bytes safely, decode it, and split it into header and cells.

Everything here refuses bad paths with a message instead of an ``OSError``: a folder, a named pipe or a device
where a file should be, a symbolic link that loops or points nowhere, a file that cannot be read. CSV text may be
UTF-8 (with or without BOM) or GBK/GB18030, separated by commas, tabs or semicolons; UTF-16 and files that mix two
encodings are refused. CSV is parsed by pyarrow's multi-threaded reader; the few files it cannot take as they are
(blank lines, ragged rows) go through Python's ``csv`` module, which keeps the Excel row of every line.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import hashlib
import io as _stdio
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kit import schemas
from kit.exceptions import DataContractError, Problem
from kit.io.parsing import arrow_text
from kit.schemas import TableSpec

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_TITLE_ROWS = 10
DELIMITERS = (",", "\t", ";", "|")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: the header line is looked for in this much of the top of a CSV
_HEAD_CHARS = 1 << 16


# --------------------------------------------------------------------------- safe file access


#: what a path that is not a regular file is: (sentence, catalog key)
_MODES = (
    (stat.S_ISDIR, "is a folder, not a file", "path_is_folder"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file; reading it could wait forever", "path_is_fifo"),
    (stat.S_ISSOCK, "is a socket, not a file", "path_is_socket"),
    (stat.S_ISCHR, "is a device, not a file", "path_is_device"),
    (stat.S_ISBLK, "is a device, not a file", "path_is_device"),
)


def _describe_mode(mode: int) -> tuple[str, str] | None:
    """What a non-regular file is, in words, and the catalog key of that sentence (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    for test, text, key in _MODES:
        if test(mode):
            return text, key
    return "is not a regular file", "path_not_regular"


def read_file_bytes(path: str | Path, *, max_bytes: int | None = None, error: type[Exception] = DataContractError,
                    label: str | None = None) -> bytes:
    """The bytes of a regular file, or ``error`` with a message naming the file and what is wrong with the path.

    Never blocks on a named pipe: the file is opened non-blocking and checked to be a regular file before reading.
    The error carries the message's catalog ``key`` and ``fields`` (see :class:`~kit.exceptions.KitError`).
    """
    path = Path(path)
    name = label or path.name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        text, key, fields = _os_error(path, exc)
        raise error(f"{name}: {text}", key=key, fields=fields) from None
    try:
        info = os.fstat(fd)
        what = _describe_mode(info.st_mode)
        if what:
            raise error(f"{name}: {what[0]}.", key=what[1])
        if max_bytes is not None and info.st_size > max_bytes:
            raise error(f"{name}: the file is {info.st_size:,} bytes; a settings file is at most {max_bytes:,} bytes.",
                        key="settings_too_large", fields={"size": info.st_size, "limit": max_bytes})
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 22)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if max_bytes is not None and total > max_bytes:
                raise error(f"{name}: the file is larger than {max_bytes:,} bytes.", key="settings_larger_than",
                            fields={"limit": max_bytes})
        return b"".join(chunks)
    except OSError as exc:
        text, key, fields = _os_error(path, exc)
        raise error(f"{name}: {text}", key=key, fields=fields) from None
    finally:
        os.close(fd)


def _os_error(path: Path, exc: OSError) -> tuple[str, str, dict]:
    """Why an OS call on ``path`` failed: the sentence, its catalog key and fields."""
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            target = str(os.readlink(path))
            return f"is a symbolic link to {target}, which does not exist.", "path_broken_link", {"target": target}
        return "file not found.", "path_not_found", {}
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that loops back on itself; point it at the real file.", "path_link_loop", {}
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied (check the file's permissions).", "path_permission_denied", {}
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file.", "path_is_folder", {}
    reason = str(exc.strerror or exc)
    return f"cannot be read ({reason}).", "path_os_error", {"reason": reason}


def path_problem(path: Path) -> tuple[str, str, dict] | None:
    """Why ``path`` cannot be read as a file (without reading it): the sentence, its catalog key and fields; None
    when it looks like a regular file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return _os_error(path, exc)
    what = _describe_mode(info.st_mode)
    return (f"{what[0]}.", what[1], {}) if what else None


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_table_file(data_dir: str | Path, name: str) -> Path | None:
    """The file holding table ``name`` in ``data_dir`` (``NAME.csv`` or ``NAME.xlsx``), or None.

    A path that exists but is not a readable file (a folder, a pipe, a looping link) is returned, so that reading
    it gives a message saying what is wrong instead of "no such file".
    """
    data_dir = Path(data_dir)
    found = [data_dir / f"{name}{ext}" for ext in TABLE_SUFFIXES if os.path.lexists(data_dir / f"{name}{ext}")]
    if not found and os.path.lexists(data_dir / f"{name}.xls"):
        raise DataContractError(f"{data_dir / (name + '.xls')}: the old Excel 97–2003 format is not read; open it in "
                                f"Excel and save it as {name}.xlsx (or export {name}.csv).", key="file_old_excel",
                                fields={"name": name})
    if len(found) > 1:
        raise DataContractError(
            f"{data_dir}: both {found[0].name} and {found[1].name} exist; keep one file per table.",
            key="file_two_for_one_table", fields={"first": found[0].name, "second": found[1].name})
    return found[0] if found else None


# --------------------------------------------------------------------------- encodings

_UTF16_HINT = ("the file is neither UTF-8 nor GBK/GB18030 text but UTF-16 (Excel's 'Unicode text'); save it from "
               "Excel as 'CSV UTF-8' or as .xlsx.")


def decode(path: Path, raw: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else GBK/GB18030; UTF-16 and mixed encodings are refused."""
    return _decode(path, raw)[0]


def _decode(path: Path, raw: bytes) -> tuple[str, bool]:
    """The text and whether the bytes were UTF-8 (so pyarrow can parse them as they are)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataContractError(f"{path.name}: {_UTF16_HINT}", key="file_utf16")
    head = raw[:4096]
    if head and head.count(b"\x00") > len(head) // 5:
        raise DataContractError(f"{path.name}: {_UTF16_HINT.replace('but UTF-16', 'but looks like UTF-16')}",
                                key="file_utf16")
    try:
        return raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(path, raw)
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise DataContractError(
            f"{path.name}: the file is neither UTF-8 nor GBK/GB18030 text; save it from Excel as "
            "'CSV UTF-8' or as .xlsx.", key="file_not_text"
        ) from None
    return text, False


_UTF8_CJK_PAIR = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf]{2}){2}")


def _refuse_mixed_encodings(path: Path, raw: bytes) -> None:
    """Refuse a file whose lines are partly UTF-8 Chinese and partly GBK (two exports pasted together).

    GB18030 decodes almost any bytes, so UTF-8 lines in a GBK file would silently become other characters.
    """
    utf8_rows, gbk_rows = [], []
    for i, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            gbk_rows.append(i)
            continue
        if _UTF8_CJK_PAIR.search(line):
            utf8_rows.append(i)
    if utf8_rows and gbk_rows:
        shown = utf8_rows if len(utf8_rows) <= len(gbk_rows) else gbk_rows
        other = "GBK" if shown is utf8_rows else "UTF-8"
        minority = "UTF-8" if shown is utf8_rows else "GBK"
        fields = {"utf8_lines": len(utf8_rows), "gbk_lines": len(gbk_rows), "majority": other, "minority": minority}
        raise DataContractError(
            f"{path.name}: the file mixes two encodings: {len(utf8_rows):,} line(s) are UTF-8 and {len(gbk_rows):,} "
            f"GBK (two exports pasted together?); save it again as one 'CSV UTF-8' file.",
            [Problem(path.name, None, f"one encoding for the whole file (most lines are {other})",
                     f"lines in {minority}", tuple(shown), key="file_mixed_encodings", fields=fields)],
            key="file_mixed_encodings", fields=fields)


# --------------------------------------------------------------------------- raw cells


@dataclass
class RawTable:
    """A file's cells as text before typing: the header, the body and the Excel row of each body row."""

    header: list[str]
    body: pd.DataFrame           # positional columns 0..n-1, arrow-backed strings, blank lines already dropped
    row_numbers: np.ndarray      # Excel row of each body row
    header_row: int              # Excel row of the header
    problems: list[Problem]      # file-level findings (too many cells in a row, NUL bytes)
    sheet: str | None = None


def read_rows(path: str | Path) -> list[list[str]]:
    """All rows of a CSV or the first sheet of an Excel file, as lists of strings ('' for empty cells)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _excel_sheets(path)[0][1]
    text = decode(path, read_file_bytes(path))
    delimiter = _sniff_delimiter(text[:_HEAD_CHARS], None)
    return [row for row in csv.reader(_stdio.StringIO(text), delimiter=delimiter)]


def read_raw(path: Path, spec: TableSpec) -> RawTable:
    """Read a table file's cells as text, find its header line and keep each row's Excel row number."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_excel(path, spec)
    return _read_csv(path, spec)


def _header_hits(row: list[str], aliases: dict[str, str]) -> int:
    return len({aliases[k] for k in (schemas.normalise_header(c) for c in row if str(c).strip()) if k in aliases})


def find_header(rows: list[list[str]], spec: TableSpec) -> tuple[int, int]:
    """Index of the header line among the top rows and how many known headers it holds."""
    aliases = spec.header_aliases()
    required = [c.name for c in spec.columns if c.required]
    best, best_hits = 0, -1
    for i, row in enumerate(rows[:MAX_TITLE_ROWS]):
        hits = _header_hits(row, aliases)
        if hits > best_hits:
            best, best_hits = i, hits
        if hits >= max(2, len(required) // 2):
            return i, hits
    return best, max(best_hits, 0)


def _sniff_delimiter(head: str, spec: TableSpec | None) -> str:
    """The separator whose split of the top lines finds the most known headers (else the most common one)."""
    lines = head.splitlines()[:MAX_TITLE_ROWS]
    if spec is not None:
        scores = {}
        for d in DELIMITERS:
            rows = list(csv.reader(lines, delimiter=d))
            scores[d] = find_header(rows, spec)[1]
        best = max(DELIMITERS, key=lambda d: (scores[d], -DELIMITERS.index(d)))
        if scores[best] > 0:
            return best
    counts = {d: head.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def _records_with_offsets(text: str, delimiter: str, limit: int) -> tuple[list[list[str]], list[int]]:
    """The first ``limit`` CSV records of ``text`` and the character offset where each starts."""
    lines = text[:_HEAD_CHARS].splitlines(keepends=True)
    offsets, records, pos, i = [], [], 0, 0
    it = iter(lines)

    def counted():
        nonlocal pos
        for line in it:
            pos += len(line)
            yield line

    reader = csv.reader(counted(), delimiter=delimiter)
    start = 0
    for record in reader:
        offsets.append(start)
        records.append(record)
        start = pos
        i += 1
        if i >= limit:
            break
    offsets.append(start)  # where the record after the last one starts
    return records, offsets


def _read_csv(path: Path, spec: TableSpec) -> RawTable:
    raw = read_file_bytes(path)
    text, is_utf8 = _decode(path, raw)
    if not text.strip().strip(",;\t|\r\n "):
        return RawTable([], pd.DataFrame(), np.zeros(0, dtype=np.int64), 1, [])
    delimiter = _sniff_delimiter(text[:_HEAD_CHARS], spec)
    top, offsets = _records_with_offsets(text, delimiter, MAX_TITLE_ROWS + 1)
    h, _ = find_header(top, spec)
    header = [str(c).strip() for c in top[h]]
    header_row = h + 1
    start = offsets[h + 1] if h + 1 < len(offsets) else len(text)
    body_text = text[start:].rstrip("\r\n")
    problems: list[Problem] = []
    frame, rows = None, None
    if body_text:  # a blank line or a ragged row makes pyarrow refuse the body: the exact path takes it then
        if is_utf8:  # parse the file's own bytes from the first data row on; no re-encoding
            skip = len(text[:start].encode("utf-8")) + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
            body = raw[skip:].rstrip(b"\r\n") + b"\n"
        else:
            body = body_text.encode("utf-8") + b"\n"
        frame = _arrow_parse(body, len(header), delimiter)
    if frame is not None:
        rows = np.arange(header_row + 1, header_row + 1 + len(frame), dtype=np.int64)
    else:
        frame, rows, problems = _python_parse(path, body_text, len(header), delimiter, header_row)
    if "\x00" in body_text:
        problems += _nul_problems(path, header, frame, rows)
    return _drop_blank_rows(RawTable(header, frame, rows, header_row, problems))


def _nul_problems(path: Path, header: list[str], frame: pd.DataFrame, rows: np.ndarray) -> list[Problem]:
    """One error per column whose cells hold NUL (zero) characters: a damaged export, never real text."""
    problems = []
    for i, c in enumerate(frame.columns):
        hit = frame[c].str.contains("\x00", regex=False).to_numpy(dtype=bool, na_value=False)
        if hit.any():
            name = header[i] if i < len(header) and header[i] else f"column_{i + 1}"
            problems.append(Problem(path.name, name, "text without NUL (zero) characters; the export is damaged — "
                                    "export it again", "NUL characters in the cell", tuple(rows[hit].tolist()),
                                    key="cell_nul"))
    return problems


def _arrow_parse(body: bytes, width: int, delimiter: str) -> pd.DataFrame | None:
    """Parse the body with pyarrow (every cell as text), or None when it needs the slower exact path."""
    if width == 0:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    out = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow"),
                                        pa.large_string(): pd.StringDtype("pyarrow")}.get)
    out.columns = range(width)
    return out


def _python_parse(path: Path, body: str, width: int, delimiter: str,
                  header_row: int) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Parse the body line by line: blank lines keep their Excel row, short rows are padded, long rows reported."""
    rows, numbers, too_long = [], [], []
    for i, record in enumerate(csv.reader(_stdio.StringIO(body), delimiter=delimiter)):
        excel_row = header_row + 1 + i
        if len(record) > width:
            if any(c.strip() for c in record[width:]):
                too_long.append(excel_row)
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
        numbers.append(excel_row)
    frame = pd.DataFrame(rows, columns=range(width), dtype=pd.StringDtype("pyarrow")) if rows else \
        pd.DataFrame({i: pd.Series([], dtype=pd.StringDtype("pyarrow")) for i in range(width)})
    problems = []
    if too_long:
        problems.append(Problem(path.name, None, f"at most {width} cells per row, like the header (a comma inside an "
                                "unquoted value, such as ¥12,345, splits it in two)", "more cells than the header has",
                                tuple(too_long), key="row_too_many_cells", fields={"width": width}))
    return frame, np.asarray(numbers, dtype=np.int64), problems


def _drop_blank_rows(raw: RawTable) -> RawTable:
    """Drop rows whose cells are all empty (Excel leaves them at the end), keeping each kept row's Excel row."""
    import pyarrow.compute as pc

    if raw.body.empty:
        return raw
    blank = np.ones(len(raw.body), dtype=bool)
    for c in raw.body.columns:
        cells = pc.utf8_trim_whitespace(arrow_text(raw.body[c]))
        blank &= pc.fill_null(pc.equal(cells, ""), True).to_numpy(zero_copy_only=False)
        if not blank.any():
            return raw
    raw.body = raw.body[~blank].reset_index(drop=True)
    raw.row_numbers = raw.row_numbers[~blank]
    return raw


# --------------------------------------------------------------------------- Excel


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_sheets(path: Path, *, max_sheets: int | None = None) -> list[tuple[str, list[list[str]]]]:
    """Each sheet's title and rows as text (read-only, cached values of formulas)."""
    from openpyxl import load_workbook

    problem = path_problem(path)
    if problem:
        raise DataContractError(f"{path.name}: {problem[0]}", key=problem[1], fields=problem[2])
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except PermissionError as exc:
        text, key, fields = _os_error(path, exc)
        raise DataContractError(f"{path.name}: {text}", key=key, fields=fields) from None
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise DataContractError(f"{path.name}: cannot be opened as an Excel workbook ({exc}).",
                                key="excel_cannot_open", fields={"reason": str(exc)}) from None
    try:
        sheets = []
        for ws in wb.worksheets[:max_sheets]:
            sheets.append((ws.title, [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]))
        if not sheets:
            raise DataContractError(f"{path.name}: the workbook has no worksheet.", key="excel_no_sheet")
        return sheets
    except DataContractError:
        raise
    except Exception as exc:
        raise DataContractError(f"{path.name}: cannot be read as an Excel workbook ({exc}).",
                                key="excel_cannot_read", fields={"reason": str(exc)}) from None
    finally:
        wb.close()


def _read_excel(path: Path, spec: TableSpec) -> RawTable:
    """The first sheet whose top rows hold the table's headers (a notes sheet before the data is skipped)."""
    sheets = _excel_sheets(path)
    best = None
    for title, rows in sheets:
        h, hits = find_header(rows, spec)
        if best is None or hits > best[2]:
            best = (title, rows, hits, h)
        if hits >= 2:
            break
    title, rows, _, h = best
    problems: list[Problem] = []
    if not any(any(c.strip() for c in r) for r in rows):
        return RawTable([], pd.DataFrame(), np.zeros(0, dtype=np.int64), 1, problems, sheet=title)
    header = [str(c).strip() for c in rows[h]]
    width = len(header)
    while width and not header[width - 1]:  # trailing empty header cells with no data below are not columns
        if any(len(r) >= width and r[width - 1].strip() for r in rows[h + 1:]):
            break
        width -= 1
    header = header[:width]
    body = [(r + [""] * (width - len(r)))[:width] for r in rows[h + 1:]]
    too_long = [h + 2 + i for i, r in enumerate(rows[h + 1:]) if any(c.strip() for c in r[width:])]
    if too_long:
        problems.append(Problem(path.name, None, f"no cells right of the last header column ({width})",
                                "values without a header", tuple(too_long), key="row_cells_beyond_header",
                                fields={"width": width}))
    frame = pd.DataFrame(body, columns=range(width), dtype=pd.StringDtype("pyarrow")) if body else \
        pd.DataFrame({i: pd.Series([], dtype=pd.StringDtype("pyarrow")) for i in range(width)})
    numbers = np.arange(h + 2, h + 2 + len(body), dtype=np.int64)
    if any("\x00" in c for r in body for c in r):
        problems += _nul_problems(path, header, frame, numbers)
    return _drop_blank_rows(RawTable(header, frame, numbers, h + 1, problems, sheet=title))
