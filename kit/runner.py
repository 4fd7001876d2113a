"""The monthly batch: execute each report notebook with papermill and publish manager-ready HTML.

For a month ``YYYY-MM`` the runner writes to ``OUT/YYYY-MM/``:

- ``NAME.ipynb`` — the executed notebook (for the analyst; kept also when it failed),
- ``NAME.html`` — the report: no code, no warnings or tracebacks, images embedded, no external requests, a
  summary of the headline numbers and a table of contents at the top,
- whatever the notebook exported beside it (Excel sheets, the forecast ledger file),
- ``index.html`` — every report of the month with status, run time, headline numbers and a link,
- ``manifest.json`` — parameters, the SHA-256 of every input file, package versions, timings and status.

The month is built in a staging folder and swapped in when done, so a re-run replaces the month's outputs cleanly
and a reader never sees half-written files. One failing notebook does not stop the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import platform
import re
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable

from kit import config, i18n, io, webfont
from kit.exceptions import DataContractError, KitError
from kit.report import read_glue

LANG_TAGS = {"en": "lang-en", "zh": "lang-zh"}
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove", "remove_cell"}
PACKAGES = ("dealer-kit", "pandas", "numpy", "scikit-learn", "scipy", "matplotlib", "statsforecast", "lifelines",
            "pandera", "papermill", "nbconvert", "openpyxl")


class UsageError(KitError):
    """Bad command-line usage (exit code 2)."""


@dataclass
class ReportResult:
    name: str
    status: str  # ok | failed
    seconds: float
    title: str = ""
    html: str | None = None
    notebook: str | None = None
    reason: str | None = None
    headline: dict = field(default_factory=dict)


@dataclass
class BatchResult:
    month: str
    out_dir: Path
    index: Path
    reports: list[ReportResult]

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.reports)


def available_reports(notebooks_dir: Path = config.NOTEBOOKS_DIR) -> list[str]:
    """Report names in batch order: the known ones first (data health first), then any others alphabetically."""
    found = sorted(p.stem for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith("."))
    ordered = [n for n in config.REPORT_ORDER if n in found]
    return ordered + [n for n in found if n not in ordered]


def resolve_month(month: str | None, dealer: io.Dealer) -> str:
    """``last``/None → the latest complete month in the data; otherwise check ``YYYY-MM`` is covered by the data."""
    if month in (None, "", "last"):
        return io.latest_complete_month(dealer)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(month)):
        raise UsageError(f"--month: expected YYYY-MM (e.g. 2026-10) or 'last'; got {month!r}.")
    last = io.latest_complete_month(dealer)
    if month > last:
        raise UsageError(f"--month {month}: the data in {dealer.data_dir} ends with {last}; choose {last} or earlier.")
    return month


# --------------------------------------------------------------------------- one notebook


def _execute(name: str, *, notebooks_dir: Path, stage: Path, params: dict, timeout: int) -> ReportResult:
    import papermill as pm

    src = notebooks_dir / f"{name}.ipynb"
    out_nb = stage / f"{name}.ipynb"
    glue_file = stage / ".glue" / f"{name}.json"
    parameters = {**params, "glue_file": str(glue_file), "output_dir": str(stage)}
    declared = {p for p in pm.inspect_notebook(str(src))}
    parameters = {k: v for k, v in parameters.items() if k in declared}
    start = time.perf_counter()
    status, reason = "ok", None
    try:
        pm.execute_notebook(str(src), str(out_nb), parameters=parameters, kernel_name="python3",
                            cwd=str(config.PROJECT_ROOT), progress_bar=False, log_output=False,
                            request_save_on_cell_execute=False, execution_timeout=timeout)
    except pm.PapermillExecutionError as exc:
        status, reason = "failed", f"{exc.ename}: {_first_line(exc.evalue)}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: still one failed report, not a crash
        status, reason = "failed", f"{type(exc).__name__}: {_first_line(str(exc))}"
    seconds = time.perf_counter() - start
    title = _notebook_title(out_nb if out_nb.exists() else src, params.get("lang", "en")) or name
    result = ReportResult(name=name, status=status, seconds=round(seconds, 2), title=title,
                          notebook=out_nb.name if out_nb.exists() else None, reason=reason,
                          headline=read_glue(glue_file))
    if status == "ok":
        try:
            _write_html(out_nb, stage / f"{name}.html", title=title, params=params, headline=result.headline)
            result.html = f"{name}.html"
        except Exception as exc:  # pragma: no cover - exporter failure is reported like a failed notebook
            result.status, result.reason = "failed", f"HTML export: {type(exc).__name__}: {_first_line(str(exc))}"
    return result


def _first_line(text: str, limit: int = 240) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text or "")).strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _notebook_title(path: Path, lang: str) -> str | None:
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return None
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not _keep_for_lang(cell, lang):
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def _keep_for_lang(cell, lang: str) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    other = {t for code, t in LANG_TAGS.items() if code != lang}
    return not (tags & other)


def _slug(i: int) -> str:
    return f"section-{i}"


def _prepare_for_html(nb, lang: str) -> tuple[object, list[dict]]:
    """Drop code, other-language cells, stderr and errors; anchor the headings; return the table of contents."""
    toc: list[dict] = []
    cells = []
    first_title_dropped = False
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS or not _keep_for_lang(cell, lang):
            continue
        if cell.cell_type == "markdown":
            lines = []
            for line in cell.source.splitlines():
                m = re.match(r"^(#{1,3})\s+(.*)$", line)
                if m and len(m.group(1)) == 1 and not first_title_dropped:
                    first_title_dropped = True
                    continue
                if m and len(m.group(1)) in (2, 3):
                    anchor = _slug(len(toc) + 1)
                    toc.append({"level": len(m.group(1)), "text": re.sub(r"[*_`]", "", m.group(2)).strip(),
                                "anchor": anchor})
                    lines.append(f'<a id="{anchor}" class="kit-anchor"></a>')
                    lines.append("")
                lines.append(line)
            cell.source = "\n".join(lines)
        elif cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and o.get("output_type") != "error"]
            cell.outputs = [o for o in cell.outputs if not _is_noise(o)]
        cells.append(cell)
    nb.cells = cells
    return nb, toc


def _is_noise(output) -> bool:
    """Outputs a manager should not see: bare object reprs and warnings printed to stdout."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "Warning" in text or "warn(" in text
    data = output.get("data", {})
    if set(data) == {"text/plain"}:
        text = data["text/plain"]
        return text.startswith("<") and text.endswith(">")  # e.g. <Figure size …>, <pandas.io.formats.style…>
    return False


def _write_html(executed: Path, target: Path, *, title: str, params: dict, headline: dict) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    lang = params.get("lang", "en")
    nb = nbformat.read(str(executed), as_version=4)
    nb, toc = _prepare_for_html(nb, lang)
    exporter = HTMLExporter(template_name="kit_report",
                            extra_template_basedirs=[str(config.TEMPLATES_DIR / "nbconvert")],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    resources = {"kit": {
        "title": title,
        "dealer": params.get("dealer_name", ""),
        "meta": i18n.t("report_meta", lang).format(month=params["month"], generated=generated),
        "summary": [{"label": v.get("label", k), "value": v.get("display", "")} for k, v in headline.items()],
        "summary_label": i18n.t("summary", lang),
        "toc": toc,
        "toc_label": i18n.t("contents", lang),
        "back_label": i18n.t("back_to_index", lang),
        "footer": i18n.t("report_footer", lang).format(version=_version("dealer-kit")),
        "css": (config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
    }, "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    _atomic_write(target, webfont.embed(body))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------- the batch


def run_batch(*, month: str | None = "last", data_dir: str | Path = config.DATA_SAMPLES_DIR,
              out_dir: str | Path = config.REPORTS_DIR, lang: str | None = None, only: Iterable[str] | None = None,
              workers: int = 1, show_personal_data: bool = False, notebooks_dir: str | Path = config.NOTEBOOKS_DIR,
              timeout: int = 1800, progress: Callable[[str], None] | None = print) -> BatchResult:
    """Run the month's reports; see the module docstring for what is written.

    Raises
    ------
    DataContractError : the input data is invalid (nothing is written).
    UsageError : bad month, unknown report name, bad language.
    """
    data_dir, out_dir, notebooks_dir = Path(data_dir).resolve(), Path(out_dir).resolve(), Path(notebooks_dir)
    names = available_reports(notebooks_dir)
    if only:
        wanted = [n.strip() for n in only if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise UsageError(f"--only: unknown report {', '.join(unknown)}; available: {', '.join(names)}.")
        names = [n for n in names if n in wanted]
    if not names:
        raise UsageError(f"no notebooks found in {notebooks_dir}.")
    dealer = io.load_dealer(data_dir)  # raises DataContractError before anything is written
    lang = lang or dealer.settings.dealer.language
    if lang not in ("en", "zh"):
        raise UsageError(f"--lang: expected en or zh; got {lang!r}.")
    month = resolve_month(month, dealer)
    mask = dealer.settings.dealer.mask_personal_data and not show_personal_data

    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / month
    stage = out_dir / f".{month}.staging-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    previous = _read_manifest(final)
    if only and final.is_dir():  # keep the month's other reports when re-running a subset
        for item in final.iterdir():
            if item.name.startswith(".") or item.name in ("index.html", "manifest.json", "run.log"):
                continue
            if item.stem.split(".")[0] not in names:
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, stage / item.name)

    params = {"month": month, "data_dir": str(data_dir), "lang": lang, "reports_dir": str(out_dir),
              "mask_personal_data": bool(mask), "dealer_name": dealer.settings.dealer.name}
    os.environ.setdefault("PYTHONHASHSEED", "0")
    started = dt.datetime.now().isoformat(timespec="seconds")
    results: dict[str, ReportResult] = {}
    total = len(names)
    with _stderr_to(stage / "run.log"), ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        futures = {pool.submit(_execute, n, notebooks_dir=notebooks_dir, stage=stage, params=params,
                               timeout=timeout): n for n in names}
        for fut in as_completed(futures):
            name = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # pragma: no cover - _execute catches; this is the last line of defence
                res = ReportResult(name=name, status="failed", seconds=0.0, title=name,
                                   reason=f"{type(exc).__name__}: {_first_line(str(exc))}")
                traceback.print_exc()
            results[name] = res
            if progress:
                mark = "ok" if res.status == "ok" else f"FAILED — {res.reason}"
                progress(f"[{len(results)}/{total}] {name:<16} {res.seconds:6.1f} s  {mark}")

    ordered = [results[n] for n in names]
    kept = [ReportResult(**r) for r in previous.get("reports", []) if only and r["name"] not in names
            and (stage / (r.get("html") or r.get("notebook") or "")).exists()]
    all_reports = sorted(ordered + kept, key=lambda r: (available_reports(notebooks_dir) + [r.name]).index(r.name))
    manifest = {
        "month": month,
        "parameters": {k: v for k, v in params.items()} | {"workers": workers, "only": list(only or [])},
        "started": started,
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "inputs": {str(Path(p).relative_to(data_dir)) if Path(p).is_relative_to(data_dir) else str(p): h
                   for p, h in dealer.file_hashes().items()},
        "packages": {p: _version(p) for p in PACKAGES} | {"python": platform.python_version()},
        "reports": [asdict(r) for r in all_reports],
    }
    _atomic_write(stage / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    _atomic_write(stage / "index.html", webfont.embed(render_index(
        month, all_reports, lang=lang, dealer_name=dealer.settings.dealer.name,
        generated=manifest["finished"].replace("T", " ")[:16])))
    shutil.rmtree(stage / ".glue", ignore_errors=True)
    _swap(stage, final)
    _write_root_index(out_dir, lang=lang)
    return BatchResult(month=month, out_dir=final, index=final / "index.html", reports=all_reports)


@contextlib.contextmanager
def _stderr_to(path: Path):
    """Send the process's stderr (kernel start-up chatter, library log lines) to the month's ``run.log``.

    Kernels inherit file descriptor 2, so this is done at the descriptor level; the terminal keeps one clean
    progress line per report, and the log stays beside the reports for whoever investigates a failure.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _read_manifest(month_dir: Path) -> dict:
    try:
        return json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _swap(stage: Path, final: Path) -> None:
    """Replace ``final`` by ``stage`` with two renames, so the month is never half-written."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(stage, final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- index pages


def render_index(month: str, reports: list[ReportResult], *, lang: str, dealer_name: str, generated: str) -> str:
    """The month's index page (self-contained HTML, every value escaped)."""
    e = html.escape
    css = (config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    cards = []
    for r in reports:
        status = i18n.t("status_ok" if r.status == "ok" else "status_failed", lang)
        numbers = "".join(
            f'<li><span class="kit-kpi-label">{e(str(v.get("label", k)))}</span> '
            f'<span class="kit-kpi-value">{e(str(v.get("display", "")))}</span></li>'
            for k, v in (r.headline or {}).items())
        if r.status == "ok" and r.html:
            link = f'<a class="kit-open" href="{e(r.html)}">{e(i18n.t("open_report", lang))}</a>'
            detail = f"<ul class='kit-numbers'>{numbers}</ul>" if numbers else ""
        else:
            nb_link = (f' <a href="{e(r.notebook)}">{e(i18n.t("executed_notebook", lang))}</a>'
                       if r.notebook else "")
            link = ""
            detail = (f'<p class="kit-failure">{e(i18n.t("failed_reason", lang))}: {e(r.reason or "")}.'
                      f'{nb_link}</p>')
        cards.append(
            f'<section class="kit-card kit-{e(r.status)}"><h2>{e(r.title or r.name)}</h2>'
            f'<p class="kit-status"><span class="kit-badge kit-badge-{e(r.status)}">{e(status)}</span> '
            f'{e(i18n.t("run_time", lang))} {r.seconds:.0f} s</p>{detail}{link}</section>')
    title = i18n.t("index_title", lang).format(month=month)
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{e(title)}</title>
<style>{css}</style></head>
<body class="kit-index"><header class="kit-header"><div class="kit-brand">{e(dealer_name)}</div>
<h1 class="kit-title">{e(title)}</h1><div class="kit-meta">{e(i18n.t("generated", lang))} {e(generated)}</div>
</header><main class="kit-cards">{''.join(cards)}</main>
<footer class="kit-footer"><a href="../index.html">{e(i18n.t("all_months", lang))}</a></footer></body></html>
"""


def _write_root_index(out_dir: Path, *, lang: str) -> None:
    """``OUT/index.html``: links to every month that has an index."""
    e = html.escape
    months = sorted((p.parent.name for p in out_dir.glob("*/index.html") if not p.parent.name.startswith(".")),
                    reverse=True)
    css = (config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    items = "".join(f'<li><a href="{e(m)}/index.html">{e(m)}</a></li>' for m in months)
    title = i18n.t("all_months", lang)
    _atomic_write(out_dir / "index.html", f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{css}</style></head><body class="kit-index"><header class="kit-header"><h1 class="kit-title">{e(title)}</h1>
</header><main><ul class="kit-months">{items}</ul></main></body></html>
""")
