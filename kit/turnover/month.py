"""The report month's turnover in one object: rates by group against target, the trends, the formulas and the cost.

:func:`turnover_month` computes the rates once; the report's tiles (:attr:`TurnoverMonth.numbers`), tables, charts
and advice all read them from here, so the same number is the same everywhere. Frames named ``*_table`` are in the
report's language (display catalog, ``kit/catalog/turnover.yml``), ready for :func:`kit.report.table` and Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.i18n import t
from kit.turnover.cost import turnover_cost
from kit.turnover.inputs import check_lang, check_staff, to_period, word
from kit.turnover.settings import FORMULAS, TurnoverSettings
from kit.turnover.targets import label_staff_group, month_rows, rates_by

#: Groupings computed for the report: everyone, key vs other staff, stores, departments, roles, role groups.
DIMENSIONS = (None, "staff_group", "store_id", "department", "role", "role_group")
#: Groupings of the "against target" table, in display order.
GLANCE_DIMENSIONS = (None, "staff_group", "store_id", "department")
#: Months shown in the trend charts.
TREND_MONTHS = 24
#: Statuses counted as over target.
OVER = ("above target", "alert")
#: Display kinds (:mod:`kit.report.format`) of the report's columns whose kind the name does not tell.
FORMATS = {"leavers_over_target": "number1", "whatif_leavers": "number1", "tenure_months": "number1",
           "median_tenure_months": "number1", "median_low_months": "number1", "median_high_months": "number1",
           "leave_probability": "pct0",
           "hazard_ratio": "number", "hazard_low": "number", "hazard_high": "number", "p_value": "number3"}


@dataclass(frozen=True)
class TurnoverNumbers:
    """The manager's numbers for the month (tiles and advice); rates are fractions, NaN when undefined."""

    month: str
    turnover_12m: float
    target_12m: float
    status: str
    leavers_12m: int
    headcount: int
    key_staff_12m: float
    key_staff_ceiling: float
    key_staff_status: str
    key_staff_leavers_12m: int
    key_staff_headcount: int
    leavers_month: int
    voluntary_month: int
    hires_month: int
    cost_12m: float
    cost_month: float


@dataclass(frozen=True)
class TurnoverMonth:
    """Turnover for one report month (built by :func:`turnover_month`).

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    lang : str
        Language of the ``*_table`` frames, labels and titles.
    settings : TurnoverSettings
    rows : DataFrame
        :func:`kit.turnover.targets.month_rows` for every grouping in :data:`DIMENSIONS`, in codes.
    monthly, trailing : dict
        Grouping (None = everyone) -> :func:`kit.turnover.targets.rates_by` output over ``months`` months.
    cost : DataFrame
        :func:`kit.turnover.cost.turnover_cost` for the month and the trailing 12 months.
    """

    month: str
    lang: str
    settings: TurnoverSettings
    rows: pd.DataFrame
    monthly: dict = field(repr=False)
    trailing: dict = field(repr=False)
    cost: pd.DataFrame = field(repr=False)

    # ----------------------------------------------------------------- the numbers

    def row(self, dimension: str | None, group: object = "all_staff") -> pd.Series | None:
        """The month's row of one group (None when the group has nobody and nobody left in the year)."""
        rows = self.rows[(self.rows["dimension"] == (dimension or "all")) & (self.rows["group"] == group)]
        return rows.iloc[0] if len(rows) else None

    @property
    def numbers(self) -> TurnoverNumbers:
        """Tiles and advice: everyone's and key staff's trailing-12-month turnover, the month's leavers, the cost."""
        everyone = self.row(None)
        key = self.row("staff_group", "key_staff")
        cost = self.cost.groupby("window")["total_cny"].sum()
        ceiling = float(self.settings.key_staff_target)

        def number(row: pd.Series | None, col: str, default: float = np.nan) -> float:
            return default if row is None or pd.isna(row[col]) else float(row[col])

        return TurnoverNumbers(
            month=self.month,
            turnover_12m=number(everyone, "rate_12m"), target_12m=number(everyone, "target"),
            status=str(everyone["status"]) if everyone is not None else "no rate",
            leavers_12m=int(number(everyone, "leavers_12m", 0)), headcount=int(number(everyone, "headcount", 0)),
            key_staff_12m=number(key, "rate_12m"), key_staff_ceiling=ceiling,
            key_staff_status=str(key["status"]) if key is not None else "no rate",
            key_staff_leavers_12m=int(number(key, "leavers_12m", 0)),
            key_staff_headcount=int(number(key, "headcount", 0)),
            leavers_month=int(number(everyone, "leavers", 0)), voluntary_month=int(number(everyone, "voluntary", 0)),
            hires_month=int(number(everyone, "hires", 0)),
            cost_12m=float(cost.get("trailing_12_months", 0.0)), cost_month=float(cost.get("month", 0.0)))

    def roles_over_target(self) -> pd.DataFrame:
        """Roles above their annual target over 12 months, most leavers beyond the target first (codes).

        ``leavers_over_target`` = leavers in 12 months − target × average headcount: how many more people left
        than the target allows.
        """
        roles = self.role_rows()
        return roles[roles["status"].isin(OVER) & (roles["leavers_over_target"] > 0)].reset_index(drop=True)

    def role_rows(self) -> pd.DataFrame:
        """The month's rows by role (codes) with ``leavers_over_target``, most leavers beyond the target first."""
        roles = self.rows[self.rows["dimension"] == "role"].copy()
        roles["leavers_over_target"] = roles["leavers_12m"] - roles["target"] * roles["headcount_avg_12m"]
        return roles.sort_values(["leavers_over_target", "group"], ascending=[False, True]).reset_index(drop=True)

    # ----------------------------------------------------------------- tables in the report's language

    def glance_table(self) -> pd.DataFrame:
        """Everyone, key and other staff, stores and departments: the month and 12 months against target."""
        rows = self.rows[self.rows["dimension"].isin([d or "all" for d in GLANCE_DIMENSIONS])]
        order = {d or "all": i for i, d in enumerate(GLANCE_DIMENSIONS)}
        rows = rows.assign(_o=rows["dimension"].map(order)).sort_values("_o", kind="stable")
        return pd.DataFrame({
            "turnover_group": rows["group"].map(self._word).to_numpy(),
            "headcount": rows["headcount"].astype(int).to_numpy(),
            "hires": rows["hires"].astype(int).to_numpy(),
            "leavers": rows["leavers"].astype(int).to_numpy(),
            "leavers_12m": rows["leavers_12m"].astype(int).to_numpy(),
            "turnover_12m_rate": rows["rate_12m"].astype(float).to_numpy(),
            "voluntary_12m_rate": rows["rate_12m_voluntary"].astype(float).to_numpy(),
            "annual_target_rate": rows["target"].astype(float).to_numpy(),
            "turnover_status": rows["status"].map(self._word).to_numpy(),
            "over_target": rows["status"].isin(OVER).to_numpy(),
        })

    def role_table(self) -> pd.DataFrame:
        """Each role over 12 months against its target, most leavers beyond what the target allows first."""
        roles = self.role_rows()
        return pd.DataFrame({
            "staff_role": roles["group"].map(self._word),
            "headcount": roles["headcount"].astype(int),
            "hires_12m": roles["hires_12m"].astype(int),
            "leavers_12m": roles["leavers_12m"].astype(int),
            "voluntary_12m": roles["voluntary_12m"].astype(int),
            "turnover_12m_rate": roles["rate_12m"].astype(float),
            "annual_target_rate": roles["target"].astype(float),
            "leavers_over_target": roles["leavers_over_target"].astype(float),
            "turnover_status": roles["status"].map(self._word),
            "over_target": roles["status"].isin(OVER),
        }).reset_index(drop=True)

    def role_totals(self) -> dict[str, object]:
        """The totals row of :meth:`role_table`: counts summed, everyone's rate and role-mix target."""
        n = self.numbers
        return {"headcount": "sum", "hires_12m": "sum", "leavers_12m": "sum", "voluntary_12m": "sum",
                "turnover_12m_rate": n.turnover_12m, "annual_target_rate": n.target_12m}

    def formula_table(self) -> pd.DataFrame:
        """Everyone's turnover with each formula (the one ``dealer.yml`` chooses is marked)."""
        m = self.monthly[None].set_index("period").loc[self.month]
        tr = self.trailing[None].set_index("period").loc[self.month]
        chosen = {self.settings.formula, self.settings.annual}
        codes = [*FORMULAS, "sum_of_monthly"]
        return pd.DataFrame({
            "turnover_formula": [t(f"turnover.formula.{c}", self.lang) for c in codes],
            "month_turnover_rate": [m.get(f"rate_{c}", np.nan) if c in FORMULAS else np.nan for c in codes],
            "turnover_12m_rate": [tr[f"rate_trailing_{c}"] for c in codes],
            "formula_used": [c in chosen for c in codes],
        }).astype({"month_turnover_rate": float, "turnover_12m_rate": float})

    def cost_table(self) -> pd.DataFrame:
        """The trailing 12 months' cost per role with leavers: leavers × replacement cost, by term."""
        part = self.cost[(self.cost["window"] == "trailing_12_months") & (self.cost["leavers"] > 0)]
        return pd.DataFrame({
            "staff_role": part["role"].map(self._word).to_numpy(),
            "leavers_12m": part["leavers"].astype(int).to_numpy(),
            "cost_per_leaver_cny": [self.settings.cost_for(r).total_cny for r in part["role"]],
            "recruiting_cny": part["recruiting_cny"].astype(float).to_numpy(),
            "training_cny": part["training_cny"].astype(float).to_numpy(),
            "lost_sales_cny": part["lost_sales_cny"].astype(float).to_numpy(),
            "total_cny": part["total_cny"].astype(float).to_numpy(),
        })

    #: The totals row of :meth:`cost_table`.
    cost_totals = ("leavers_12m", "recruiting_cny", "training_cny", "lost_sales_cny", "total_cny")

    # ----------------------------------------------------------------- charts

    def trend(self, group: str = "all_staff") -> pd.DataFrame:
        """The last :data:`TREND_MONTHS` months of one group: ``period``, monthly ``rate``, ``rate_trailing``,
        ``target_annual``. ``group`` is ``all_staff``, ``key_staff``, ``other_staff`` or a role (no rows when
        nobody ever held it)."""
        by = None if group == "all_staff" else "staff_group" if group in ("key_staff", "other_staff") else "role"
        keys = [by] if by else []
        monthly, trailing = self.monthly[by], self.trailing[by]
        if by:
            monthly, trailing = monthly[monthly[by] == group], trailing[trailing[by] == group]
        frame = monthly[["period", *keys, "rate"]].merge(
            trailing[["period", *keys, "rate_trailing", "target_annual"]], on=["period", *keys], how="left")
        return frame.drop(columns=keys).tail(TREND_MONTHS).reset_index(drop=True)

    def chart(self, group: str = "all_staff") -> dict[str, object]:
        """Keyword arguments of :func:`kit.plots.plot_rate_trend` for one group, its target line labelled."""
        frame = self.trend(group)
        target = float(frame["target_annual"].iloc[-1]) if len(frame) else np.nan
        if group == "key_staff":
            target = float(self.settings.key_staff_target)
            line = t("turnover.chart.ceiling_key_staff", self.lang, target=target)
        elif group == "all_staff":
            line = t("turnover.chart.target_mix", self.lang, target=target)
        else:
            line = t("turnover.chart.target_role", self.lang, target=target)
        return {"frame": frame, "x": "period", "monthly": "rate", "trailing": "rate_trailing",
                "target_annual": target, "target_monthly": target / 12, "target_label": line,
                "title": t("turnover.chart.trend", self.lang, group=self._word(group), months=TREND_MONTHS,
                           month=self.month)}

    def _word(self, code: object) -> str:
        return word(code, self.lang)


def turnover_month(staff: pd.DataFrame, month: object, settings: TurnoverSettings | None = None, *,
                   lang: str = "en", stores: Sequence[object] = (), months: int = 36) -> TurnoverMonth:
    """Rates by every grouping of :data:`DIMENSIONS` over ``months`` months to ``month``, and the cost.

    Parameters
    ----------
    staff : DataFrame
        Staff roster (``kit.schemas.STAFF``).
    month : str or Period
        The report month.
    settings : TurnoverSettings, optional
        Formula, annual method, targets, key roles, replacement costs.
    lang : {"en", "zh"}
        Language of the tables, labels and titles.
    stores : sequence
        Stores to show even without staff (the stores of ``dealer.yml``).
    months : int
        History for the trailing rates and the trends (at least 12).
    """
    check_lang(lang)
    settings = settings or TurnoverSettings.defaults()
    period = str(to_period(month, "M"))
    frame = label_staff_group(check_staff(staff), settings)
    listed = list(dict.fromkeys([*stores, *frame["store_id"].dropna()]))
    levels = {"store_id": listed} if listed else None
    monthly, trailing, rows = {}, {}, []
    for by in DIMENSIONS:
        monthly[by], trailing[by] = rates_by(frame, period, settings, by=by, months=months, levels=levels)
        rows.append(month_rows(monthly[by], trailing[by], period, by=by,
                               listed=listed if by == "store_id" else ()))
    cost = turnover_cost(frame, settings, month=period)
    return TurnoverMonth(month=period, lang=lang, settings=settings, rows=pd.concat(rows, ignore_index=True),
                         monthly=monthly, trailing=trailing, cost=cost)
