"""What-if for the analyst: grade thresholds and a day's capacity → how many H/A leads each consultant must call.

The numbers come from :func:`kit.leads.call_load` (tested without a browser); :func:`call_load_view` shows them for
one choice of thresholds and :func:`call_capacity` puts sliders on it::

    explore.leads.call_capacity(r, res)     # r = notebook.start(...), res = kit.leads.analyse(...)
"""

from __future__ import annotations

from typing import Any

from kit.explore.widgets import _ipywidgets, live, slider


def call_load_view(r: Any, res: Any, *, h: float, a: float, b: float, calls_per_day: int):
    """The call load for thresholds ``h``, ``a``, ``b`` and ``calls_per_day``: a summary line above the table per
    consultant (team in the totals row), or a note when the thresholds do not fall from H to B."""
    from IPython.display import HTML

    from kit.exceptions import ConfigError
    from kit.leads import capacity, views
    from kit.report.tables import note

    try:
        load = capacity.call_load(res.call_list, thresholds={"H": h, "A": a, "B": b}, calls_per_day=calls_per_day,
                                  settings=res.settings)
    except ConfigError:
        return note(r.t("leads.whatif.order"), kind="warning")
    team = load.team
    summary = note(r.t("leads.whatif.summary", hot=f"{team['h_leads'] + team['a_leads']:,}",
                       calls=f"{team['calls_a_day_h_a']:,.1f}", over=f"{team['over_capacity']:,}",
                       consultants=f"{len(load.rows):,}", capacity=f"{calls_per_day:,}"),
                   kind="warning" if team["over_capacity"] else "ok")
    table = r.table(views.call_load(res, load), totals=team, cards=True,
                    formats={"calls_a_day_h_a": "number1", "calls_a_day": "number1", "capacity_used": "pct0"},
                    gradient={"capacity_used": "low"}, center=1.0)
    return HTML(summary.data + table.html)


def call_capacity(r: Any, res: Any):
    """Sliders for the H, A and B thresholds and the calls a consultant can make a day, above
    :func:`call_load_view` (shown again whenever a slider moves).

    Parameters
    ----------
    r : kit.notebook.Report
        The report (its language and tables).
    res : kit.leads.LeadResults
        From :func:`kit.leads.analyse`; its call list's scores are graded again with the sliders' thresholds.
    """
    w = _ipywidgets()
    s = res.settings
    controls = {
        "h": slider(r.t("leads.whatif.h"), s.grade_thresholds["H"], 0.02, 0.95, 0.01, percent=True),
        "a": slider(r.t("leads.whatif.a"), s.grade_thresholds["A"], 0.01, 0.90, 0.01, percent=True),
        "b": slider(r.t("leads.whatif.b"), s.grade_thresholds["B"], 0.01, 0.85, 0.01, percent=True),
        "calls_per_day": w.IntSlider(value=s.calls_per_consultant_per_day, min=1, max=80, step=1,
                                     description=r.t("leads.whatif.capacity"), continuous_update=False,
                                     style={"description_width": "initial"}, layout=w.Layout(width="420px")),
    }
    return live(controls, lambda **values: call_load_view(r, res, **values))
