"""Typing cells from text: dates, months, yes/no, numbers and coded values, vectorised.

Each parser takes a Series of cells and returns the typed Series and a boolean mask of cells that are not empty but
could not be read. The work is done once per distinct value (a date column of 100,000 rows holds a few hundred
distinct days) and with pyarrow's compute kernels (RE2 regular expressions, trimming, casts), never by a Python
loop over rows.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from kit import schemas

TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0", "是", "有", "√", "✓", "已试驾", "已报价"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0", "否", "无", "×", "✗", "未试驾", "未报价"}
EMPTY_WORDS = {"", "nan", "nat", "none", "null", "na", "n/a", "-", "—", "无数据"}

ARROW_STRING = pd.StringDtype("pyarrow")

_DATE_PATTERN = (r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
                 r"(?:[ T]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2}(?:\.\d+)?))?秒?)?\s*$")
_MONTH_PATTERN = r"^(?P<y>\d{4})\s*(?:[-/.年]\s*)?(?P<m>\d{1,2})\s*月?$"
_SERIAL_PATTERN = r"^\d{5}(?:\.\d+)?$"
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
#: Excel serial numbers accepted in a month column: 1990-01-01 … 2099-12-31 (five digits are otherwise ambiguous)
SERIAL_MONTH_RANGE = (32874, 73050)
#: years a date may have (pandas' nanosecond timestamps span 1677-09-22 … 2262-04-11)
YEAR_RANGE = (1678, 2261)


# --------------------------------------------------------------------------- helpers


def clean_text(values: pd.Series, *, empty_words: set[str] = EMPTY_WORDS) -> pd.Series:
    """Cells as trimmed arrow-backed text; NA where empty or a word for empty (``-``, ``无数据``, ``null`` …)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.dtype != ARROW_STRING:
        values = values.astype(ARROW_STRING)
    text = pc.utf8_trim_whitespace(arrow_text(values))
    empty = pc.is_in(pc.utf8_lower(text), value_set=pa.array(sorted(empty_words), type=pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(pc.if_else(empty, None, text)), index=values.index)


def arrow_text(values: pd.Series):
    """The cells as one contiguous pyarrow string array (chunks joined)."""
    import pyarrow as pa

    cells = pa.array(values, type=pa.string())
    return cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells


def python_strings(values: pd.Series) -> pd.Series:
    """Text as pandas' ``string`` dtype with python storage (what the analyses get), converted in one pass.

    Columns with few distinct values (stores, channels, statuses) build each Python string once.
    """
    import pyarrow.compute as pc

    if values.dtype == "string[python]":
        return values
    if values.dtype != ARROW_STRING:
        return values.astype("string[python]")
    cells = arrow_text(values)
    if len(cells) > 1000:
        encoded = pc.dictionary_encode(cells)
        if len(encoded.dictionary) * 4 < len(cells):
            words = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
            codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
            objects = _take(words, codes, pd.NA)
            return pd.Series(pd.arrays.StringArray(objects), index=values.index, name=values.name)
    objects = cells.to_numpy(zero_copy_only=False)
    if cells.null_count:
        objects[~cells.is_valid().to_numpy(zero_copy_only=False)] = pd.NA
    return pd.Series(pd.arrays.StringArray(objects), index=values.index, name=values.name)


def factorize(text: pd.Series) -> tuple[np.ndarray, "object"]:
    """Codes (-1 for NA) and the distinct values as a pyarrow string array (arrow's dictionary encoding)."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arrow_text(text))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return codes, encoded.dictionary


def _take(per_unique: np.ndarray, codes: np.ndarray, fill) -> np.ndarray:
    out = per_unique[np.where(codes >= 0, codes, 0)] if len(per_unique) else np.full(len(codes), fill,
                                                                                     dtype=per_unique.dtype)
    if (codes < 0).any():
        out = out.copy()
        out[codes < 0] = fill
    return out


def _ints(struct, field: str, default: int = 0) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = struct.field(field)
    col = pc.if_else(pc.equal(col, ""), None, col)
    return pc.fill_null(pc.cast(col, pa.int64()), default).to_numpy(zero_copy_only=False)


def _nfkc_retry(uniques, matched: np.ndarray):
    """Unmatched values with non-ASCII characters, NFKC-normalised (full-width digits, ideographic spaces)."""
    import pyarrow as pa

    idx = [i for i in np.flatnonzero(~matched) if not uniques[int(i)].as_py().isascii()]
    if not idx:
        return None, None
    return np.asarray(idx), pa.array([unicodedata.normalize("NFKC", uniques[int(i)].as_py()) for i in idx])


# --------------------------------------------------------------------------- dates


def _dates_of_uniques(uniques) -> np.ndarray:
    """datetime64[ns] per distinct text (NaT where it is not a date)."""
    import pyarrow.compute as pc

    import pyarrow as pa

    n = len(uniques)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if n == 0:
        return out
    matched = _iso_fast_path(uniques, out)
    rest = np.flatnonzero(~matched)
    if len(rest):
        sub = uniques.take(pa.array(rest))
        parts = pc.extract_regex(sub, _DATE_PATTERN)
        ok = parts.is_valid().to_numpy(zero_copy_only=False)
        if ok.any():
            out[rest[ok]] = _assemble(parts.filter(parts.is_valid()))
            matched[rest[ok]] = True
    idx, retry = _nfkc_retry(uniques, matched)
    if idx is not None:
        again = pc.extract_regex(retry, _DATE_PATTERN)
        ok = again.is_valid().to_numpy(zero_copy_only=False)
        if ok.any():
            out[idx[ok]] = _assemble(again.filter(again.is_valid()))
        matched = matched.copy()
        matched[idx[ok]] = True
    serial = ~matched & pc.match_substring_regex(uniques, _SERIAL_PATTERN).to_numpy(zero_copy_only=False)
    if serial.any():
        days = pc.cast(uniques.filter(serial), "float64").to_numpy(zero_copy_only=False)
        out[serial] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy(dtype="datetime64[ns]")
    return out


_ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$"
_ISO_FORMATS = {10: "%Y-%m-%d", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}


def _iso_fast_path(uniques, out: np.ndarray) -> np.ndarray:
    """Parse the ISO forms (``2026-10-31``, ``… 14:30``, ``… 14:30:05``) with arrow's strptime into ``out``.

    strptime rolls an impossible day over (2026-02-30 becomes 2026-03-02), so a parse only counts when its day
    equals the written day; whatever is not taken here goes through the general pattern.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    matched = np.zeros(len(uniques), dtype=bool)
    iso = pc.match_substring_regex(uniques, _ISO_PATTERN).to_numpy(zero_copy_only=False)
    if not iso.any():
        return matched
    lengths = pc.utf8_length(uniques).to_numpy(zero_copy_only=False)
    for length, fmt in _ISO_FORMATS.items():
        idx = np.flatnonzero(iso & (lengths == length))
        if not len(idx):
            continue
        sub = uniques.take(pa.array(idx))
        stamps = pc.strptime(sub, format=fmt, unit="ns", error_is_null=True)
        written_day = pc.cast(pc.utf8_slice_codeunits(sub, 8, 10), pa.int64())
        years = pc.year(stamps)
        ok = pc.and_(pc.equal(pc.day(stamps), written_day),
                     pc.and_(pc.greater_equal(years, YEAR_RANGE[0]), pc.less_equal(years, YEAR_RANGE[1])))
        ok = pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
        values = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        out[idx[ok]] = values[ok]
        matched[idx[ok]] = True
    return matched


def _assemble(parts) -> np.ndarray:
    """Timestamps from matched year/month/day/hour/minute/second parts; NaT for impossible ones (2026-02-30)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    y, m, d = _ints(parts, "y"), _ints(parts, "m"), _ints(parts, "d")
    hh, mm = _ints(parts, "H"), _ints(parts, "M")
    s_text = parts.field("S")
    ss = pc.fill_null(pc.cast(pc.if_else(pc.equal(s_text, ""), None, s_text), pa.float64()), 0.0)
    ss = np.floor(ss.to_numpy(zero_copy_only=False)).astype(np.int64)
    ok = ((y >= YEAR_RANGE[0]) & (y <= YEAR_RANGE[1]) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
          & (hh < 24) & (mm < 60) & (ss < 60))
    month_index = np.where(ok, (y - 1970) * 12 + (m - 1), 0)
    day = month_index.astype("datetime64[M]").astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= day.astype("datetime64[M]").astype(np.int64) == month_index  # 2026-02-30 rolls into March: not a date
    stamp = day.astype("datetime64[ns]") + (hh * 3600 + mm * 60 + ss).astype("timedelta64[s]")
    return np.where(ok, stamp, np.datetime64("NaT"))


def parse_dates(values: pd.Series, *, with_time: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse ISO, ``2026/10/31``, ``2026年10月31日`` (optionally with a time) and Excel serial numbers.

    Returns the parsed Series (datetime64, NaT where empty) and a boolean mask of cells that could not be parsed.
    """
    text = clean_text(values)
    codes, uniques = factorize(text)
    per_unique = _dates_of_uniques(uniques)
    if not with_time:
        per_unique = per_unique.astype("datetime64[D]").astype("datetime64[ns]")
    parsed = _take(per_unique, codes, np.datetime64("NaT"))
    bad = (codes >= 0) & np.isnat(parsed)
    return pd.Series(parsed, index=values.index, dtype="datetime64[ns]"), pd.Series(bad, index=values.index)


# --------------------------------------------------------------------------- months


def parse_months(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``2026-10``, ``2026/10``, ``2026年10月``, ``202610``, a date or an Excel serial into ``'YYYY-MM'``.

    A five-digit number is an Excel serial (a date cell shown as a number) when it falls in 1990–2099 and is
    refused otherwise: read as year and month it would give years such as 4629.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = clean_text(values)
    codes, uniques = factorize(text)
    n = len(uniques)
    year = np.zeros(n, dtype=np.int64)
    month = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if n:
        serial = pc.match_substring_regex(uniques, r"^\d{5}(?:\.0+)?$").to_numpy(zero_copy_only=False)
        parts = pc.extract_regex(uniques, _MONTH_PATTERN)
        matched = parts.is_valid().to_numpy(zero_copy_only=False) & ~serial
        if matched.any():
            sub = parts.filter(pa.array(matched))
            year[matched], month[matched] = _ints(sub, "y"), _ints(sub, "m")
            ok[matched] = True
        if serial.any():
            days = pc.cast(uniques.filter(pa.array(serial)), "float64").to_numpy(zero_copy_only=False)
            inside = (days >= SERIAL_MONTH_RANGE[0]) & (days <= SERIAL_MONTH_RANGE[1])
            stamps = _EXCEL_EPOCH + days.astype("timedelta64[D]")
            idx = np.flatnonzero(serial)[inside]
            year[idx] = stamps[inside].astype("datetime64[Y]").astype(np.int64) + 1970
            month[idx] = stamps[inside].astype("datetime64[M]").astype(np.int64) % 12 + 1
            ok[idx] = True
        rest = ~matched & ~serial
        if rest.any():
            dates = _dates_of_uniques(uniques.filter(pa.array(rest)))
            good = ~np.isnat(dates)
            idx = np.flatnonzero(rest)[good]
            year[idx] = dates[good].astype("datetime64[Y]").astype(np.int64) + 1970
            month[idx] = dates[good].astype("datetime64[M]").astype(np.int64) % 12 + 1
            ok[idx] = True
        ok &= (month >= 1) & (month <= 12) & (year >= YEAR_RANGE[0]) & (year <= YEAR_RANGE[1])
    labels = np.array([f"{y:04d}-{m:02d}" if g else "" for y, m, g in zip(year, month, ok)], dtype=object)
    good_codes = (codes >= 0) & _take(ok, codes, False)
    out = pd.Series(_take(labels, codes, ""), index=values.index, dtype="string")
    out = out.mask(~good_codes)
    return out, pd.Series((codes >= 0) & ~good_codes, index=values.index)


# --------------------------------------------------------------------------- yes/no, numbers, codes


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否, true/false, yes/no, 1/0, √/× … into nullable booleans."""
    text = clean_text(values, empty_words=EMPTY_WORDS - {"无"})
    codes, uniques = factorize(text)
    words = [u.lower() for u in uniques.to_pylist()]
    value = np.array([w in TRUE_WORDS for w in words], dtype=bool)
    known = np.array([w in TRUE_WORDS or w in FALSE_WORDS for w in words], dtype=bool)
    is_known = _take(known, codes, False)
    out = pd.Series(pd.array(_take(value, codes, False), dtype="boolean"), index=values.index)
    out = out.mask(~is_known)
    return out, pd.Series((codes >= 0) & ~is_known, index=values.index)


def _number_of(text: str) -> float:
    """One number as dealer exports write it: ``¥12,345.00``, ``12,345元``, ``85%``, full-width digits; NaN if not."""
    s = unicodedata.normalize("NFKC", text).strip()
    for token in ("¥", "元", "RMB", "CNY", "rmb", "cny", " "):
        s = s.replace(token, "")
    scale = 1.0
    if s.endswith("%"):
        s, scale = s[:-1], 0.01
    if "," in s:
        # thousands separators only: 1,234,500 — never a decimal comma (12,5) that would silently read as 125
        head, _, tail = s.partition(".")
        groups = head.lstrip("+-").split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
                and all(g.isdigit() for g in groups)):
            return np.nan
        s = s.replace(",", "")
    try:
        value = float(s) * scale
    except ValueError:
        return np.nan
    return value if np.isfinite(value) else np.nan


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, including money and percentages as exports write them (``¥12,345.00``, ``1,234``, ``85%``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = clean_text(values)
    try:  # the common case, every cell a plain number: one arrow cast
        floats = pc.cast(arrow_text(text), pa.float64()).to_numpy(zero_copy_only=False)
        out = pd.Series(floats, index=values.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = pd.to_numeric(text, errors="coerce").astype("float64")
    out = out.where(np.isfinite(out))
    rest = (text.notna() & out.isna()).to_numpy(dtype=bool)
    if rest.any():
        codes, uniques = factorize(text[rest])
        per_unique = np.array([_number_of(u) for u in uniques.to_pylist()], dtype="float64")
        out.loc[rest] = _take(per_unique, codes, np.nan)
    bad = text.notna().to_numpy(dtype=bool) & out.isna().to_numpy()
    return out, pd.Series(bad, index=values.index)


def canonical_values(text: pd.Series, column: str, allowed: tuple[str, ...] | None = None) -> pd.Series:
    """Map Chinese spellings and other-case spellings (``Won``, ``a``) to the canonical codes."""
    mapping = {schemas.normalise_header(k): v for k, v in schemas.VALUE_ALIASES.get(column, {}).items()}
    mapping.update({schemas.normalise_header(code): code for code in (allowed or ())})
    if not mapping:
        return text
    codes, uniques = factorize(text)
    if not len(uniques):
        return text
    mapped = np.array([mapping.get(schemas.normalise_header(u), u) for u in uniques.to_pylist()], dtype=object)
    out = pd.Series(_take(mapped, codes, None), index=text.index, dtype=ARROW_STRING)
    return out
