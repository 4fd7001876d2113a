"""Writing the sample dealership to files: CSV text, the dealer-style exports and the folder's README."""

from __future__ import annotations

import io as _stdio
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

import kit
from kit.samples.dealership import make_dealership
from kit.samples.parameters import DEALER_NAME, DEFAULT_SEED, MODELS, _FIXED_ZIP_TIME
from kit.schemas import CHINESE_HEADERS, CHINESE_VALUES

#: Formats numpy writes itself (much faster than strftime for millions of rows), by the string's length.
_ISO_FORMATS = {"%Y-%m-%d": ("D", 10), "%Y-%m-%d %H:%M": ("m", 16)}


def _fmt_date(series: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    """Dates as text in ``fmt``; empty for missing."""
    if fmt in _ISO_FORMATS:
        unit, width = _ISO_FORMATS[fmt]
        text = np.datetime_as_string(series.to_numpy(dtype="datetime64[ns]").astype(f"datetime64[{unit}]"))
        text = text.astype(f"<U{width}")
        if unit == "m":   # 2026-10-31T14:30 -> 2026-10-31 14:30
            chars = text.view("<U1").reshape(-1, width)
            chars[:, 10] = " "
        return pd.Series(text, index=series.index).astype(object).where(series.notna(), "")
    return series.dt.strftime(fmt).astype(object).where(series.notna(), "")


def _fmt_number(series: pd.Series, *, digits: int = 1) -> pd.Series:
    """Whole numbers without a decimal point, others rounded to ``digits`` decimals; empty for missing."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        v = round(float(v), digits) + 0.0   # + 0.0 turns -0.0 into 0.0
        return str(int(v)) if v == int(v) else f"{v:.{digits}f}".rstrip("0")
    # each distinct value formatted once: a group's tables repeat the same numbers millions of times
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = np.array([one(v) for v in uniques] + [""], dtype=object)
    return pd.Series(text[codes], index=series.index, dtype=object)


def _text(frame: pd.DataFrame, *, date_format: str = "%Y-%m-%d", digits: int = 1) -> pd.DataFrame:
    """Every column as text, the way the CSV files are written."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            fmt = "%Y-%m-%d %H:%M" if col == "at" else date_format
            out[col] = _fmt_date(s, fmt)
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "true", False: "false"}).astype(object)
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = _fmt_number(s, digits=digits)
        else:
            out[col] = s.astype(object).where(s.notna(), "")
    return out


#: Decimals written per truth table (the data tables use one).
_DIGITS = {"consultant_traits": 4, "lead_truth": 5, "stores": 4}


def _csv_text(name: str, frame: pd.DataFrame, *, header: bool = True) -> str:
    """Table ``name`` as the CSV text the sample folders hold (the grade log's dates without a time)."""
    if name == "grade_log":
        frame = frame.assign(at=_fmt_date(frame["at"]))
    return _text(frame, digits=_DIGITS.get(name, 1)).to_csv(index=False, header=header, lineterminator="\n")


def _write_csv(frame: pd.DataFrame, path: Path, *, digits: int = 1) -> Path:
    _text(frame, digits=digits).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def _dealer_leads(leads: pd.DataFrame, *, closed_format: str) -> pd.DataFrame:
    """The leads table as a dealer system exports it: Chinese headers and values, 是/否."""
    out = _text(leads, date_format="%Y/%m/%d")
    for col in ("closed_at", "delivered_at"):
        out[col] = _fmt_date(leads[col], closed_format)
    for col in ("test_drive", "quoted", "trade_in", "finance"):
        out[col] = leads[col].map({True: "是", False: "否"}).astype(object)
    for col in ("channel", "status"):
        out[col] = leads[col].map(CHINESE_VALUES[col]).astype(object)
    return out.rename(columns=CHINESE_HEADERS["leads"])


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx (zip) with fixed timestamps and document dates, so equal content gives equal bytes."""
    stamp = "2026-11-01T00:00:00Z"
    src = zipfile.ZipFile(_stdio.BytesIO(raw))
    buf = _stdio.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    return buf.getvalue()


def _write_leads_xlsx(leads: pd.DataFrame, path: Path, *, export_date: pd.Timestamp) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    table = _dealer_leads(leads, closed_format="%Y年%m月%d日")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("意向客户")
    ws.append(["意向客户明细表"])
    ws.append([f"导出日期：{export_date:%Y年%m月%d日}", "", "导出人：系统管理员", "", f"门店：{DEALER_NAME}（全部）"])
    ws.append(list(table.columns))
    created_col = list(leads.columns).index("created_at")
    numeric = {list(leads.columns).index(c) for c in ("visits", "gross_profit")}
    created = list(leads["created_at"].dt.date)
    values = table.to_numpy()
    for r in range(len(table)):
        row = []
        for j, v in enumerate(values[r]):
            if j == created_col:
                cell = WriteOnlyCell(ws, value=created[r])
                cell.number_format = "yyyy/mm/dd"
                row.append(cell)
            elif j in numeric:
                row.append(int(v) if v != "" else None)
            else:
                row.append(v if v != "" else None)
        ws.append(row)
    wb.properties.creator = DEALER_NAME
    buf = _stdio.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))
    return path


def _ledger_readme_rows(tables: dict[str, pd.DataFrame]) -> list[str]:
    """README rows of ``orders.csv`` and ``targets.csv``, with the figures a reader can check in the files."""
    orders, sales, targets = tables["orders"], tables["sales"], tables["targets"]
    first = pd.Timestamp(sales["month"].min())
    retail = orders[orders["sale_type"] == "retail"]
    fleet = orders[orders["sale_type"] == "fleet"]
    before = int((orders["ordered_at"] < first).sum())
    cars = retail[retail["delivered_at"].notna()]
    rates = []
    for col, word in (("finance_income", "finance (按揭)"), ("insurance_income", "insurance"),
                      ("accessories_income", "accessories (精品/装饰)"),
                      ("warranty_income", "extended warranty (延保)"), ("trade_in_income", "trade-in (置换)")):
        sold = cars[col] > 0
        rates.append(f"{word} {sold.mean():.0%} of cars, {cars.loc[sold, col].mean():,.0f} CNY each")
    settled = cars[cars["delivered_at"] <= cars["delivered_at"].max() - pd.Timedelta(days=21)]
    within = (settled["followup_at"] - settled["delivered_at"]).dt.days <= 3
    traits = tables.get("consultant_traits")
    late_within = ""
    if traits is not None and "delivery_followup" in traits:
        late = settled["consultant_id"].isin(traits.loc[traits["delivery_followup"] == "late", "staff_id"])
        late_within = (f"; the consultants marked `late` in `truth/consultant_traits.csv` (the ones who also let "
                       f"lead follow-ups slide) on {within[late].mean():.0%} of theirs")
    store = targets[targets["model"].isna() & (targets["metric"] == "deliveries")]
    achieved = store.merge(sales.groupby(["month", "store_id"], as_index=False)["units"].sum(),
                           on=["month", "store_id"])
    met = (achieved["units"] >= achieved["target"]).mean()
    return [
        "| `orders.csv` | the order and delivery ledger (订单交车台账), one row per car: every won lead "
        f"({len(retail) - before:,} retail orders signed in the history: `ordered_at` = the lead's `closed_at`, "
        "`delivered_at` its `delivered_at`, `gross_profit` its `gross_profit`), "
        f"{len(fleet):,} fleet (大客户) cars, in deals of 2–5 cars with a company, that come from no lead "
        "(`sale_type` fleet, `consultant_id` empty: sold by the sales manager) and "
        f"{before} cars ordered before the history and delivered in its first month (their lead is not in the "
        f"export). {int(orders['cancelled_at'].notna().sum())} orders were cancelled (`cancelled_at`, more often "
        "when the customer wanted a loan or waited for the car, `kit.samples.CANCELLATION`): never delivered, "
        "attached income 0; the lead stays `won` without `delivered_at`. Attached income in CNY (0 = not sold), "
        "on delivered retail cars: " + "; ".join(rates) + ". It varies by model tier and by consultant "
        "(`truth/consultant_traits.csv`: `deal_skill_logit` for finance, insurance and warranty, "
        "`accessories_factor`; rates in `kit.samples.FINANCE_TAKE_UP` …). `followup_at` = the first call after "
        f"hand-over (交车回访): within 3 days on {within.mean():.0%} of the cars delivered up to three weeks before "
        f"the end{late_within}; empty = no call (yet). Names and phones invented. |",
        "| `targets.csv` | monthly targets per store (`model` empty: `deliveries`, `orders`, `gross_profit` and the "
        "five attached-income metrics) and per store × model (`deliveries`; they add up to the store's), for every "
        "month of the history and the month after it. Set as a dealer sets them (`kit.samples.TARGET_GROWTH`): "
        "last year's same month (smoothed with the 淡旺季 calendar) + 8 %, × 1.10 in September and October and "
        "× 1.15 in December for the OEM's push; the first year from the demand model. Income and gross-profit "
        "targets = the deliveries target × the amount per car of the 12 months before (+5 % for income). "
        f"Deliveries targets met in {met:.0%} of store-months; the Spring Festival moving from 2025-01 to 2026-02 "
        "leaves January 2026 easy and February 2026 hard; the run-out model misses its model targets, the "
        "growing EV beats them. |",
    ]


def _readme(seed: int, tables: dict[str, pd.DataFrame]) -> str:
    """The ``README.md`` written next to the sample files: the seed and what each file holds."""
    leads, staff, sales, kpi = tables["leads"], tables["staff"], tables["sales"], tables["kpi"]
    grade_log = tables["grade_log"]
    first, last = kpi["month"].min(), kpi["month"].max()
    carried = int((leads["created_at"] < pd.Timestamp(first)).sum())
    won = leads[leads["status"] == "won"]
    delivered = int((won["delivered_at"] >= pd.Timestamp(first)).sum())
    fleet = 1 - delivered / int(sales["units"].sum())
    rehired = int(staff["name"].duplicated().sum())
    launch = next(m.name for m in MODELS if m.lifecycle == "launch")
    counts = leads["status"].value_counts()
    lines = [
        "# data_samples: the synthetic dealership \"Sample Motors\"",
        "",
        "Generated by `kit.samples.write_samples`; never edit by hand. Regenerate (byte for byte) with",
        "",
        "```",
        f"kit samples --out data_samples --seed {seed}",
        "```",
        "",
        f"seed: {seed}",
        "",
        f"Two stores (S1, S2), history {first} to {last}. {len(leads):,} leads ({counts.get('won', 0):,} won, "
        f"{counts.get('lost', 0):,} lost, {counts.get('open', 0):,} open), {len(tables['followups']):,} contacts, "
        f"{len(staff)} employment spells. Every name and phone number is invented.",
        "",
        "| file | contents |",
        "|---|---|",
        "| `leads.csv` | one row per lead, the columns of `kit.schemas.LEADS` incl. `delivered_at`. Won or lost "
        "follows the logistic model `kit.samples.LEAD_SIGNALS`. Leads created before the first month and still "
        f"open on its first day are included ({carried}, like a DMS export of the leads active in the period). "
        "Leads undecided on the last day are `open`; leads whose consultant left before they closed were "
        "closed as lost (`失联`). |",
        "| `followups.csv` | every contact (`call`, `visit`, `wechat`, `sms`). Each showroom visit is a `visit` "
        "row (a walk-in's first visit on `created_at`); test drive = outcome `test_drive`, quote = `quoted`, "
        "order = `ordered`, 战败 call = `lost`; others `considering`, `no_answer`, `info_sent`, `invited`, "
        "`negotiating`. |",
        "| `staff.csv` | roster, one row per employment spell; `base_pay_cny`, `weekend_shifts_per_month` and "
        "`training_hours` are extra columns for the at-risk model. Leaving follows "
        f"`kit.samples.STAFF_SIGNALS`. {rehired} former consultant(s) rehired under a new staff id (same name). |",
        "| `kpi.csv` | monthly actual and target per sales consultant employed in the month. `units_sold` = "
        "won leads by `closed_at` month (= the consultant's orders signed that month in `orders.csv`; a later "
        "cancellation is not deducted, like a KPI sheet closed at month end); the tier targets split the unit "
        f"target (one decimal); `new_model_units` exists from the launch of {launch}; `complaints` is "
        "lower-is-better (target = allowed maximum). |",
        "| `sales.csv` | the monthly sum of `orders.csv` per store and model: `units` = cars delivered in the month, "
        "`orders` = orders signed in it (a later cancellation is not deducted), `gross_profit` = the delivered "
        f"cars' gross profit. Fleet (大客户) deals that come from no lead are {fleet:.0%} of units; the first "
        "month's deliveries include cars ordered before it. |",
        *_ledger_readme_rows(tables),
        "| `traffic.csv` | daily walk-ins, calls and online enquiries per store, registered as leads or not. |",
        "| `stock.csv` | stock per store and model on the last day. |",
        f"| `grade_log.csv` | the month-end grade sheet (意向客户级别状况表): one row per lead open on each month "
        f"end (created on or before it, not closed by it), {len(grade_log):,} rows: `lead_id`, `at` (the month "
        "end), `grade` (H/A/B/C the consultant wrote then; `N` for some leads registered in the last days before "
        "it). Graded like the leads' current grade (`kit.samples.GRADE_THRESHOLDS`, the consultant's bias "
        "included) but on what was true that day: the signals shown so far and how soon the customer orders "
        "(`kit.samples.GRADE_READINESS_LOGIT`). On the last day it equals the open leads' `grade`. |",
        "| `dealer.yml` | the dealership's settings, a copy of `kit/templates/dealer.yml`. |",
        "| `dealer_exports/leads.xlsx` | the leads as a dealer system exports them: two title rows, Chinese "
        "headers and values, 是/否, `建档日期` as an Excel date shown `yyyy/mm/dd`, other dates as text "
        "`2026年10月31日`. |",
        "| `dealer_exports/leads_gbk.csv` | the same table as a GBK-encoded CSV with CRLF line ends and dates "
        "`2026/10/31`. |",
        "| `truth/consultant_traits.csv` | hidden per-consultant values the generator used: conversion skill, "
        "grade bias (`inflater` / `deflater`), follow-up discipline. |",
        "| `truth/lead_truth.csv` | each lead's true win probability, its planted signals and whether it was "
        "orphaned. |",
        "",
    ]
    return "\n".join(lines)


def write_dealership(out_dir: str | Path, **options) -> Path:
    """Write a generated dealership folder (every table as plain CSV, the kit's example ``dealer.yml``); return it.

    ``options`` go to :func:`make_dealership` (``seed``, ``scale``, ``start``, ``end``, ``n_stores``). For tests and
    for trying the kit on a small dealership; the committed sample is :func:`write_samples`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in make_dealership(**options).items():
        frame.to_csv(out / f"{name}.csv", index=False)
    shutil.copyfile(Path(kit.__file__).parent / "templates" / "dealer.yml", out / "dealer.yml")
    return out


def write_samples(out_dir: str | Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the sample dealership to ``out_dir`` (the committed ``data_samples/``).

    Parameters
    ----------
    out_dir
        Target folder; created if missing. Existing files of the same names are replaced.
    seed
        Seed of the generator; the same seed reproduces every file byte for byte.

    Returns
    -------
    dict of Path
        Each written file by name (``leads``, ``staff``, …, ``grade_log``, ``orders``, ``targets``, ``dealer``,
        ``leads_xlsx``, ``leads_gbk``, ``readme``, ``consultant_traits``, ``lead_truth``).
    """
    out = Path(out_dir)
    (out / "dealer_exports").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    tables = make_dealership(seed=seed, include_truth=True)
    paths: dict[str, Path] = {}
    for name in ("staff", "leads", "followups", "traffic", "kpi", "sales", "stock", "orders", "targets"):
        paths[name] = _write_csv(tables[name], out / f"{name}.csv")
    grade_log = tables["grade_log"]
    paths["grade_log"] = _write_csv(grade_log.assign(at=_fmt_date(grade_log["at"])), out / "grade_log.csv")
    paths["consultant_traits"] = _write_csv(tables["consultant_traits"], out / "truth" / "consultant_traits.csv",
                                            digits=4)
    paths["lead_truth"] = _write_csv(tables["lead_truth"], out / "truth" / "lead_truth.csv", digits=5)
    paths["dealer"] = out / "dealer.yml"
    shutil.copyfile(Path(kit.__file__).parent / "templates" / "dealer.yml", paths["dealer"])
    export_date = tables["stock"]["as_of"].max() + pd.Timedelta(days=1)
    paths["leads_xlsx"] = _write_leads_xlsx(tables["leads"], out / "dealer_exports" / "leads.xlsx",
                                            export_date=export_date)
    gbk = _dealer_leads(tables["leads"], closed_format="%Y/%m/%d")
    paths["leads_gbk"] = out / "dealer_exports" / "leads_gbk.csv"
    gbk.to_csv(paths["leads_gbk"], index=False, lineterminator="\r\n", encoding="gbk")
    paths["readme"] = out / "README.md"
    paths["readme"].write_text(_readme(seed, tables), encoding="utf-8")
    return paths
