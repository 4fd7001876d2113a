"""Index pages: a period's reports (status, headline numbers, the whole failure reason) and the folder of all periods.

Every value that comes from the data, ``dealer.yml`` or a notebook (dealer name, titles, numbers, failure reasons) is
HTML-escaped here; the pages are self-contained (inline CSS, the kit's web font, no external requests).
A month's index also links the day and week folders that fall in that month.

A dealer group's run (``kit report --stores``) has two kinds: each store's index (``S001/index.html``: the store's
reports, a link up to the group) and the group index (the period's ``index.html``: the group's reports, then every
store with its status, its reports' first headline numbers and a link to its index).
"""

from __future__ import annotations

import json
import re
from html import escape as e
from pathlib import Path
from typing import Iterable

from kit import config, i18n, webfont
from kit.runner.lock import atomic_write
from kit.runner.periods import Period, label_kind, period_from_label


def _css() -> str:
    return (config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")


def _html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def period_title(period: Period, lang: str) -> str:
    """``Monthly management reports — 2026-10`` / the week's / the day's title."""
    if period.kind == "month":
        return i18n.t("index_title", lang, month=period.label)
    if period.kind == "week":
        return i18n.t("index_title_week", lang, week=period.label, start=period.start.isoformat(),
                      end=period.end.isoformat())
    return i18n.t("index_title_day", lang, day=period.label)


def report_header(period: Period, lang: str, dealer_name: str) -> dict:
    """What a report page's title block says about the period (used by the HTML export)."""
    if period.kind == "month":
        return {"dealer": dealer_name, "meta_key": "report_meta", "meta_fields": {"month": period.label},
                "back_key": "back_to_index"}
    fields = {"day": period.label} if period.kind == "day" else {
        "week": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}
    return {"dealer": dealer_name, "meta_key": f"report_meta_{period.kind}", "meta_fields": fields,
            "back_key": f"back_to_index_{period.kind}"}


#: Index pages run no script and load nothing: a policy that forbids both, so nothing injected could.
CSP = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
       'img-src data:; font-src data:">')

#: "What to do" sentences a report card shows on the index (the report itself shows them all).
ADVICE_ON_INDEX = 3


def _card(r, lang: str) -> str:
    get = r.get if isinstance(r, dict) else (lambda k, d=None: getattr(r, k, d))
    status = get("status")
    badge = i18n.t("status_ok" if status == "ok" else "status_failed", lang)
    numbers = "".join(
        f'<li><span class="kit-kpi-label">{e(str(v.get("label", k)))}</span> '
        f'<span class="kit-kpi-value">{e(str(v.get("display", "")))}</span></li>'
        for k, v in (get("headline") or {}).items())
    if status == "ok" and get("html"):
        link = f'<a class="kit-open" href="{e(get("html"))}">{e(i18n.t("open_report", lang))}</a>'
        advice = "".join(f"<li>{e(str(a))}</li>" for a in (get("advice") or [])[:ADVICE_ON_INDEX])
        detail = (f"<ul class='kit-advice'>{advice}</ul>" if advice else "") + (
            f"<ul class='kit-numbers'>{numbers}</ul>" if numbers else "")
    else:
        nb_link = (f' <a href="{e(get("notebook"))}">{e(i18n.t("executed_notebook", lang))}</a>'
                   if get("notebook") else "")
        link = ""
        detail = (f'<p class="kit-failure"><strong>{e(i18n.t("failed_reason", lang))}.</strong></p>'
                  f'<p class="kit-failure" style="white-space: pre-wrap; overflow-wrap: anywhere">'
                  f'{e(get("reason") or "")}</p><p class="kit-failure">{nb_link}</p>')
    seconds = float(get("seconds") or 0)
    return (f'<section class="kit-card kit-{e(str(status))}"><h2>{e(get("title") or get("name"))}</h2>'
            f'<p class="kit-status"><span class="kit-badge kit-badge-{e(str(status))}">{e(badge)}</span> '
            f'{e(i18n.t("run_seconds", lang, seconds=f"{seconds:.0f}"))}</p>{detail}{link}</section>')


def render_index(month: str, reports: Iterable, *, lang: str, dealer_name: str, generated: str,
                 title: str | None = None, links: list[tuple[str, str]] | None = None,
                 notices: list[str] | None = None, up: tuple[str, str] | None = None, root: str = "../index.html",
                 extra: str = "") -> str:
    """A period's index page (self-contained HTML, every value escaped).

    month : the period's label (``2026-10``, ``2026-W45``, ``2026-11-02``); ``title`` defaults to the month's.
    reports : :class:`~kit.runner.execute.ReportResult` objects or their manifest dicts.
    links : (text, href) of related periods (a month's days and weeks), shown below the reports.
    notices : sentences shown above the reports (personal data shown in full, reports kept from an earlier run).
    up : (text, href) of the page above this one (a store's index: its group's), shown above the reports.
    root : the folder of all periods, relative to this page.
    extra : HTML shown below the reports (the group index's stores); the caller escapes it.
    """
    title = title or i18n.t("index_title", lang, month=month)
    cards = "".join(_card(r, lang) for r in reports)
    up_html = f'<p class="kit-back"><a href="{e(up[1])}">{e(up[0])}</a></p>' if up else ""
    notice_html = "".join(f'<p class="kit-failure">{e(n)}</p>' for n in (notices or []))
    links_html = ""
    if links:
        items = "".join(f'<li><a href="{e(href)}">{e(text)}</a></li>' for text, href in links)
        links_html = (f'<section class="kit-periods"><h2>{e(i18n.t("index_periods", lang))}</h2>'
                      f'<ul class="kit-months">{items}</ul></section>')
    return f"""<!DOCTYPE html>
<html lang="{_html_lang(lang)}"><head><meta charset="utf-8">{CSP}
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{e(title)}</title>
<style>{_css()}</style></head>
<body class="kit-index"><header class="kit-header"><div class="kit-brand">{e(dealer_name)}</div>
<h1 class="kit-title">{e(title)}</h1><div class="kit-meta">{e(i18n.t("generated", lang))} {e(generated)}</div>
{notice_html}{up_html}</header><main class="kit-cards">{cards}</main>{extra}{links_html}
<footer class="kit-footer"><a href="{e(root)}">{e(i18n.t("all_months", lang))}</a></footer></body></html>
"""


def period_folders(out_dir: Path) -> dict[str, list[str]]:
    """``{kind: [label, …]}`` of the published period folders (with an index), newest first."""
    found: dict[str, list[str]] = {"month": [], "week": [], "day": []}
    for index in out_dir.glob("*/index.html"):
        kind = label_kind(index.parent.name)
        if kind:
            found[kind].append(index.parent.name)
    return {k: sorted(v, reverse=True) for k, v in found.items()}


def month_links(out_dir: Path, month: str, lang: str) -> list[tuple[str, str]]:
    """Links from a month's index to the weeks and days of that month that have been run."""
    links = []
    folders = period_folders(out_dir)
    for kind in ("week", "day"):
        for label in sorted(folders[kind]):
            period = period_from_label(label)
            if period is not None and month in period.months():
                links.append((period_title(period, lang), f"../{label}/index.html"))
    return links


def _first_number(report: dict) -> tuple[str, str] | None:
    """(label, display) of a report's first headline number, or None."""
    for value in (report.get("headline") or {}).values():
        if isinstance(value, dict) and value.get("display") not in (None, ""):
            return str(value.get("label", "")), str(value["display"])
    return None


#: a label's closing parenthesis, e.g. "(target 39%)" or "（目标 39%）": the part of a label that may differ by store
_LABEL_DETAIL = re.compile(r"\s*([(（][^()（）]*[)）])\s*$")


def _column_titles(stores: list[dict], lang: str = "en") -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The heading of each report's column and, where the stores' labels differ only in a closing parenthesis (each
    store's own target), that parenthesis by label, to show beside each store's number instead of in the heading.

    A column is named by its first headline number's label when every store's is the same; by the label without its
    parenthesis when only that differs ("Turnover, 12 months" over "47.6% (target 39%)"); otherwise by the report's
    title, each cell then carrying its own label in parentheses (full-width ones in Chinese)."""
    labels: dict[str, list[str]] = {}
    report_titles: dict[str, str] = {}
    for entry in stores:
        for r in entry.get("reports") or []:
            report_titles.setdefault(r["name"], r.get("title") or r["name"])
            first = _first_number(r)
            if first and first[0] and first[0] not in labels.setdefault(r["name"], []):
                labels[r["name"]].append(first[0])
    titles: dict[str, str] = {}
    details: dict[str, dict[str, str]] = {}
    for name, title in report_titles.items():
        seen = labels.get(name) or []
        if len(seen) <= 1:
            titles[name] = seen[0] if seen else title
            continue
        bases = {_LABEL_DETAIL.sub("", label) for label in seen}
        if len(bases) == 1:
            titles[name] = bases.pop()
            details[name] = {label: (m.group(1) if (m := _LABEL_DETAIL.search(label)) else "") for label in seen}
        else:
            titles[name] = title
            details[name] = {label: f"（{label}）" if lang == "zh" else f"({label})" for label in seen}
    return titles, details


def stores_section(stores: list[dict], lang: str) -> str:
    """The group index's stores: a summary line, then one row per store — status, the first headline number of
    each of its reports, a link to its index (or, for a store left out of the run, why)."""
    if not stores:
        return ""
    names: list[str] = []
    for entry in stores:
        for r in entry.get("reports") or []:
            if r["name"] not in names:
                names.append(r["name"])
    titles, details = _column_titles(stores, lang)
    sep = "、" if lang == "zh" else ", "
    failed = [s for s in stores if s.get("status") != "ok"]
    summary = i18n.t("group.index_summary", lang, ok=len(stores) - len(failed), stores=len(stores))
    if failed:
        summary += " " + i18n.t("group.index_failed", lang, stores=sep.join(s["store_id"] for s in failed))
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in
                   [i18n.t("group.store", lang), i18n.t("group.status", lang), *[titles[n] for n in names]])
    rows = []
    for entry in stores:
        status = entry.get("status")
        badge = i18n.t("status_ok" if status == "ok" else "status_failed", lang)
        label = f'{entry["store_id"]} {entry.get("name") or ""}'.strip()
        store = (f'<a href="{e(entry["folder"])}/index.html">{e(label)}</a>' if entry.get("folder") and
                 status != "left_out" else e(label))
        cells = [f'<td data-label="{e(i18n.t("group.store", lang))}">{store}</td>']
        state = f'<span class="kit-badge kit-badge-{"ok" if status == "ok" else "failed"}">{e(badge)}</span>'
        if status == "left_out":
            state += f'<br><span class="kit-failure">{e(entry.get("reason") or "")}</span>'
        elif status != "ok":
            bad = [r.get("title") or r["name"] for r in entry.get("reports") or [] if r.get("status") != "ok"]
            state += f' <span class="kit-failure">{e(sep.join(bad))}</span>'
        cells.append(f'<td data-label="{e(i18n.t("group.status", lang))}">{state}</td>')
        own = {r["name"]: r for r in entry.get("reports") or []}
        for n in names:
            r = own.get(n)
            if r is None:
                text = ""
            elif r.get("status") != "ok":
                text = i18n.t("status_failed", lang)
            else:
                first = _first_number(r)
                text = first[1] if first else i18n.t("status_ok", lang)
                detail = details.get(n, {}).get(first[0], "") if first else ""
                if detail:  # the store's own part of its label, e.g. its own target
                    text += detail if detail.startswith("（") else f" {detail}"
            cls = ' class="kit-flag"' if r is not None and r.get("status") != "ok" else ' class="kit-num"'
            cells.append(f'<td data-label="{e(titles[n])}"{cls}>{e(text)}</td>')
        rows.append(f'<tr id="store-{e(entry["store_id"])}">{"".join(cells)}</tr>')
    return (f'<section class="kit-stores" style="max-width: 1180px; margin: 0 auto; padding: 8px 24px 40px">'
            f'<h2>{e(i18n.t("group.stores_title", lang))}</h2>'
            f'<p class="kit-status">{e(summary)}</p><div class="kit-table-wrap">'
            f'<table class="kit-table kit-cards-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table></div></section>')


def write_store_indexes(stage: Path, manifest: dict, entries: list[dict], *, label: str) -> None:
    """``STORE/index.html`` of each store of a group run (its reports, a link up to the group index).

    The pages share one CJK font subset (the union of their characters): one subset instead of one per store.
    """
    period = period_from_label(label)
    lang = manifest["parameters"]["lang"]
    base = period_title(period, lang) if period else i18n.t("index_title", lang, month=label)
    pages = {}
    for entry in entries:
        title = f'{entry["store_id"]} {entry.get("name") or ""}'.strip() + f" — {base}"
        pages[entry["folder"]] = render_index(
            label, entry.get("reports") or [], lang=lang, dealer_name=manifest.get("dealer", ""),
            generated=manifest["run"]["finished"].replace("T", " ")[:16], title=title,
            notices=_notices(manifest, entry["store_id"]), up=(i18n.t("group.back_to_group", lang), "../index.html"),
            root="../../index.html")
    characters = webfont.cjk_characters("".join(pages.values()))
    for folder, html in pages.items():
        (stage / folder).mkdir(exist_ok=True)
        atomic_write(stage / folder / "index.html", webfont.embed(html, characters))


def _notices(manifest: dict, store: str | None = None) -> list[str]:
    files = manifest.get("files", {}).values()
    revealed = {f["run"] for f in files if f.get("personal_data") == "revealed"
                and (store is None or f.get("store") == store)}
    return [i18n.t("personal_data_shown", manifest["parameters"]["lang"])] if revealed else []


def write_period_index(folder: Path, out_dir: Path, *, label: str | None = None) -> None:
    """(Re)write ``folder/index.html`` from its ``manifest.json`` and the day and week folders beside it.

    label : the period's label when ``folder`` is not (yet) named after it (the staging folder).
    A group run's manifest (with ``stores``) gives the group index: the group's reports, then the stores.
    """
    label = label or folder.name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    period = period_from_label(label)
    lang = manifest["parameters"]["lang"]
    links = month_links(out_dir, label, lang) if period and period.kind == "month" else []
    html = render_index(label, manifest["reports"], lang=lang, dealer_name=manifest.get("dealer", ""),
                        generated=manifest["run"]["finished"].replace("T", " ")[:16],
                        title=period_title(period, lang) if period else None, links=links,
                        notices=_notices(manifest), extra=stores_section(manifest.get("stores") or [], lang))
    atomic_write(folder / "index.html", webfont.embed(html))


def write_root_index(out_dir: Path, *, lang: str) -> None:
    """``OUT/index.html``: every month, week and day that has an index, newest first."""
    folders = period_folders(out_dir)
    sections = []
    for kind, key in (("month", "index_months"), ("week", "index_weeks"), ("day", "index_days")):
        if folders[kind]:
            items = "".join(f'<li><a href="{e(label)}/index.html">{e(label)}</a></li>' for label in folders[kind])
            sections.append(f'<h2>{e(i18n.t(key, lang))}</h2><ul class="kit-months">{items}</ul>')
    title = i18n.t("all_months", lang)
    atomic_write(out_dir / "index.html", f"""<!DOCTYPE html>
<html lang="{_html_lang(lang)}"><head><meta charset="utf-8">{CSP}
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{e(title)}</title>
<style>{_css()}</style></head><body class="kit-index"><header class="kit-header"><h1 class="kit-title">{e(title)}</h1>
</header><main>{''.join(sections)}</main></body></html>
""")
