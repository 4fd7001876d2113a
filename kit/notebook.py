"""The start of every report notebook: one call gives the validated dealer, the period, and the report's words.

A report notebook is parameters → :func:`start` → kit calls → display::

    month: str = "last"        # reporting month YYYY-MM, or "last" (the latest complete month)
    lang: str = "en"           # report language: en or zh
    data_dir: str = ""         # the dealership's tables; empty means $KIT_DATA or the sample dealership
    mask_personal_data: bool = True
    run: dict = {}             # set by the runner

    r = notebook.start("lead_scoring", month=month, lang=lang, data_dir=data_dir,
                       mask_personal_data=mask_personal_data, run=run)
    r.table(frame)             # headers and values in the report's language
    r.glue("overdue_followups", 23, kind="int")
    r.advise("leads.call_first", n=23)

The same notebook runs in JupyterLab (kernel in ``notebooks/``), from the repository root or anywhere else: paths
resolve against the project (:mod:`kit.config`). Under the runner, ``run`` carries the output folder, the file for
headline numbers, the validated snapshot of the tables (so no notebook parses the exports again) and the period.

In a dealer group's run (``kit report --stores``) it also carries ``store`` — the report is that store manager's:
every table holds only the store's rows (:func:`kit.io.for_store`) — and ``shared_dir``, where the run keeps what
it computed once for the whole group (the lead model fitted on the group's closed leads, the reconciled forecast of
every store and model): ``r.shared("lead_model")`` gives it, cut to the store, or None outside a group run, when
the kit call then computes it itself. An analyst may pass ``run={"store": "S001"}`` to see one store of a group.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit import config, i18n, io, periods
from kit.report.format import format_value

#: Keys a runner may put in the ``run`` parameter.
RUN_KEYS = ("output_dir", "reports_dir", "glue_file", "snapshot_dir", "period", "period_start", "period_end", "as_of",
            "month", "date", "store", "shared_dir")

_DEALERS: dict[tuple, io.Dealer] = {}


def _load_dealer(data_dir: Path, snapshot_dir: str | None) -> io.Dealer:
    """The validated dealer: from the runner's snapshot when given, else parsed once per process and folder."""
    if snapshot_dir and hasattr(io, "load_snapshot"):
        return io.load_snapshot(snapshot_dir)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                         for p in data_dir.iterdir() if p.is_file())) if data_dir.is_dir() else ()
    key = (str(data_dir), stamp)
    if key not in _DEALERS:
        _DEALERS.clear()
        _DEALERS[key] = io.load_dealer(data_dir)
    return _DEALERS[key]


@dataclass
class Report:
    """One report being built: where its data and words come from and where its outputs go."""

    name: str
    lang: str
    dealer: io.Dealer
    period: periods.Period
    as_of_day: pd.Timestamp | None = None
    mask: bool = True
    output_dir: Path | None = None
    reports_dir: Path = config.REPORTS_DIR
    glue_file: Path | None = None
    store: str | None = None  # the store whose manager the report is for (a group run); None: the whole dealer
    shared_dir: Path | None = None  # what the group run computed once for every store (see :meth:`shared`)
    headline: dict[str, dict] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- what the report is about

    @property
    def settings(self):
        return self.dealer.settings

    @property
    def month(self) -> str:
        """The month the period ends in, ``YYYY-MM``."""
        return self.period.month.strftime("%Y-%m")

    @property
    def as_of(self) -> pd.Timestamp:
        """The last day the report knows (midnight): the period's end, or the last day the data covers."""
        return self.as_of_day if self.as_of_day is not None else self.period.end

    @property
    def people(self) -> dict[str, str]:
        """``staff_id`` → ``'E012 张*'`` (masked unless the run reveals personal data)."""
        from kit.report.masking import staff_labels

        return staff_labels(self.dealer.staff, mask=self.mask)

    def person(self, ids: pd.Series) -> pd.Series:
        """Staff ids as people (``E012 张*``); unknown ids are kept as they are."""
        people = self.people
        return ids.map(lambda s: people.get(s, s))

    def shared(self, name: str, **expected: object) -> Any:
        """A result the group run computed once for every store (cut to this report's store), or None.

        None outside a group run, or when the run's result was made for another period than this report's, for
        other ``expected`` parameters (e.g. ``months=6`` where the run forecast 4), or could not be computed; the
        caller then computes it itself, so a notebook behaves the same with or without it. Names and what each
        holds: :data:`kit.group.shared.STEPS`.

        >>> res = kl.analyse(r.dealer, period=r.period, model=r.shared("lead_model"))   # doctest: +SKIP
        """
        if self.shared_dir is None:
            return None
        from kit.group.shared import STEPS, read_shared

        step = STEPS.get(name)
        context = step.expect(self) if step is not None else {}
        return read_shared(self.shared_dir, name, store=self.store, **(context | expected))

    def shared_or(self, name: str, compute, *args: object, expected: dict | None = None, **kwargs: object) -> Any:
        """:meth:`shared` ``name``, or ``compute(*args, **kwargs)`` when the run has none for this report.

        >>> fc = r.shared_or("forecast", kf.reconcile, series, 4, expected={"months": 4})   # doctest: +SKIP
        """
        found = self.shared(name, **(expected or {}))
        return found if found is not None else compute(*args, **kwargs)

    # ----------------------------------------------------------------- words

    def t(self, key: str, **fields: object) -> str:
        """A sentence from the catalog in the report's language."""
        return i18n.t(key, self.lang, **fields)

    def label(self, code: object, *, group: str | None = None) -> str:
        """A code's display name in the report's language."""
        return i18n.label(code, self.lang, group=group)

    def labels(self, codes) -> dict[str, str]:
        return {str(c): self.label(c) for c in codes}

    # ----------------------------------------------------------------- display

    def table(self, frame: pd.DataFrame, **kwargs):
        """:func:`kit.report.table` in the report's language (headers from the catalog unless ``labels`` says)."""
        from kit.report.tables import table

        kwargs.setdefault("lang", self.lang)
        return table(frame, **kwargs)

    def note(self, key: str, *, kind: str = "info", **fields: object):
        """A message box with the catalog sentence ``key`` (values from ``fields``, escaped)."""
        from kit.report.tables import note

        return note(self.t(key, **fields), kind=kind)

    def markdown(self, key: str, **fields: object):
        """The catalog sentence ``key`` as Markdown, its ``{fields}`` escaped (data never becomes markup)."""
        from kit.i18n import catalog
        from kit.report.tables import markdown

        entry = catalog()["text"].get(key)
        template = entry[self.lang] if entry else self.t(key)
        return markdown(template, **fields)

    def excel(self, sheets: dict, file_name: str, *, title_key: str | None = None):
        """Write an Excel workbook beside the report (see :func:`kit.report.export_excel`); link shown in the page."""
        from kit.report.excel import export_excel

        return export_excel(sheets, output_dir=self.output_dir, file_name=file_name, lang=self.lang,
                            title=self.t(title_key) if title_key else None,
                            dealer=self.settings.dealer.name, period=self.period.label, masked=self.mask)

    # ----------------------------------------------------------------- headline numbers and advice

    def glue(self, name: str, value: Any, *, kind: str = "number", label: str | None = None) -> None:
        """Record a headline number for the index page and the report's summary (shows nothing)."""
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        self.headline[name] = {"value": value, "label": label or self.label(name), "kind": kind,
                               "display": format_value(value, kind, lang=self.lang)}
        self._write_glue()

    def advise(self, key: str, **fields: object) -> str:
        """Add one sentence of "what to do" (catalog ``key`` filled with ``fields``); shown at the top of the report."""
        sentence = self.t(key, **fields)
        self.advice.append(sentence)
        self._write_glue()
        return sentence

    def _write_glue(self) -> None:
        if self.glue_file is None:
            return
        payload = dict(self.headline) | {"_advice": list(self.advice)}
        tmp = self.glue_file.with_name(f".{self.glue_file.name}.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.glue_file)


def start(name: str, *, month: str = "last", lang: str = "en", data_dir: str = "", mask_personal_data: bool = True,
          run: dict | None = None) -> Report:
    """Start report ``name``: style, validated data, period and words.

    Parameters
    ----------
    name : the report (notebook) name, e.g. ``"lead_scoring"``.
    month : ``YYYY-MM`` or ``"last"`` (the latest month complete in the data).
    lang : ``en`` or ``zh``.
    data_dir : the dealership's tables; empty means ``$KIT_DATA`` or the sample dealership; relative paths are
        relative to the project, not the working directory.
    mask_personal_data : mask customer and staff names and phone numbers (the runner passes the run's choice).
    run : set by the runner — ``output_dir``, ``reports_dir``, ``glue_file``, ``snapshot_dir``, ``period``
        (``day``/``week``/``month``), ``period_start``/``period_end``/``as_of`` (ISO dates), ``month``, and in a
        group run ``store`` and ``shared_dir``; an analyst may pass ``{"period": "week", "date": "2026-10-14"}`` or
        ``{"store": "S001"}``.

    Raises
    ------
    DataContractError, ConfigError : the data folder or dealer.yml is invalid (the message names file, row, column).
    KitError : a bad month, period or language; a ``store`` with no rows in the data.
    """
    run = dict(run or {})
    unknown = sorted(set(run) - set(RUN_KEYS))
    if unknown:
        raise ValueError(f"run: unknown keys {', '.join(unknown)}; known: {', '.join(RUN_KEYS)}.")
    if lang not in i18n.LANGS:
        raise ValueError(f"lang: expected one of {', '.join(i18n.LANGS)}; got {lang!r}.")
    _quiet_and_styled(lang)
    dealer = _load_dealer(config.data_dir(data_dir), run.get("snapshot_dir"))
    store = str(run["store"]) if run.get("store") else None
    if store is not None:
        dealer = dealer.for_store(store)
    kind = run.get("period") or "month"
    if kind == "month":
        chosen = io.latest_complete_month(dealer) if str(month).strip() in ("", "last") else month
        when = periods.parse_month(chosen).strftime("%Y-%m")
    else:
        when = run.get("period_start") or run.get("date") or dt.date.today() - dt.timedelta(days=1)
    period = periods.period(kind, when)
    # the runner caps a period running past the end of the data at the last day the data covers
    as_of = pd.Timestamp(run["as_of"]).normalize() if run.get("as_of") else period.end
    glue_file = Path(run["glue_file"]) if run.get("glue_file") else None
    report = Report(name=name, lang=lang, dealer=dealer, period=period, as_of_day=min(as_of, period.end),
                    mask=bool(mask_personal_data),
                    output_dir=Path(run["output_dir"]) if run.get("output_dir") else None,
                    reports_dir=config.reports_dir(run.get("reports_dir")), glue_file=glue_file, store=store,
                    shared_dir=Path(run["shared_dir"]) if run.get("shared_dir") else None)
    if glue_file is not None:
        glue_file.parent.mkdir(parents=True, exist_ok=True)
        report._write_glue()
    return report


def _quiet_and_styled(lang: str) -> None:
    """Library warnings are for the log, not a manager's page; one chart style; tables' own words in ``lang``."""
    from kit import plots
    from kit.report.tables import set_language

    warnings.filterwarnings("ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    plots.use_style()
    set_language(lang)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)
