"""The forecast report notebook end to end on a small generated dealership, as JupyterLab runs it (kernel in
``notebooks/``): its tiles, advice and workbook against the kit functions called independently here."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kit import config

pytestmark = pytest.mark.slow  # two notebook runs with forecasts and a backtest: about two minutes

NOTEBOOK = config.NOTEBOOKS_DIR / "sales_forecast.ipynb"
BACKTEST_WINDOWS = 3


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    from kit.samples import make_dealership

    data = tmp_path_factory.mktemp("dealer")
    for name, frame in make_dealership(seed=5, scale=0.1, start="2023-11", end="2026-10").items():
        frame.to_csv(data / f"{name}.csv", index=False)
    shutil.copyfile(config.DEFAULT_SETTINGS_FILE, data / "dealer.yml")
    return data


@pytest.fixture(scope="module")
def expected(folder):
    """The report's numbers from the kit functions, called here without the notebook."""
    from kit import forecast as kf
    from kit import io

    dealer = io.load_dealer(folder)
    month = io.latest_complete_month(dealer)
    settings = dealer.settings.order_plan
    series = kf.sales_series(dealer.sales[dealer.sales["month"] <= month])
    fc = kf.reconcile(series, max(3, settings.forecast_months_needed))
    plan = kf.order_plan(fc, kf.stock_positions(dealer.stock), settings)
    firm = plan[plan["months_ahead"] == 1]
    return {"month": month, "fc": fc, "firm": firm, "models": firm[firm["level"] == "store_model"],
            "group": firm[firm["level"] == "group"].iloc[0], "stores": dealer.settings.dealer.stores}


def run_notebook(folder: Path, out: Path, lang: str) -> tuple[dict, object]:
    import nbformat
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)

    out.mkdir(parents=True, exist_ok=True)
    run = {"output_dir": str(out), "glue_file": str(out / "glue.json"), "reports_dir": str(out.parent)}
    pm.execute_notebook(without_explore(NOTEBOOK), str(out / "forecast.ipynb"), kernel_name="python3",
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False,
                        parameters={"data_dir": str(folder), "lang": lang, "run": run,
                                    "backtest_windows": BACKTEST_WINDOWS})
    return json.loads((out / "glue.json").read_text(encoding="utf-8")), nbformat.read(str(out / "forecast.ipynb"), 4)


def shown_html(nb) -> str:
    parts = []
    for cell in nb.cells:
        if "explore" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/html", "") or data.get("text/plain", ""))
    return "\n".join(parts)


def test_the_notebook_is_thin_and_declares_its_parameters():
    import nbformat
    import papermill as pm

    assert list(pm.inspect_notebook(str(NOTEBOOK))) == ["month", "lang", "data_dir", "mask_personal_data", "run",
                                                        "horizon", "backtest_windows"]
    nb = nbformat.read(str(NOTEBOOK), 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code)
    assert not any(re.search(r"\b(def|class|try|except|pick)\b", c.source) for c in code)
    explore = [c for c in nb.cells if "explore" in c.metadata.get("tags", [])]
    assert len([c for c in explore if c.cell_type == "code"]) == 1
    assert all(c.metadata.get("tags") for c in nb.cells if c.cell_type == "markdown")


def test_tiles_advice_and_workbook_agree_with_the_kit(folder, expected, tmp_path):
    import openpyxl

    glue, nb = run_notebook(folder, tmp_path / expected["month"], "en")
    group, models = expected["group"], expected["models"]
    next_month = expected["fc"][expected["fc"]["unique_id"] == "ALL/ALL"].sort_values("ds").iloc[0]
    total = int(group["suggested_order_units"])
    assert total == int(models["suggested_order_units"].sum())       # the headline is the table's total
    assert glue["order_next_month_total"]["value"] == total
    assert glue["forecast_next_month_total"]["value"] == pytest.approx(float(next_month["yhat"]))
    assert glue["models_gave_way"]["value"] == int((models["gave_way"] != "").sum())
    assert glue["stock_cover_after_months"]["value"] == pytest.approx(round(float(group["stock_months_after"]), 1))
    advice = glue["_advice"]
    assert 2 <= len(advice) <= 6
    assert advice[0].startswith(f"Order {total} cars for {pd_month(next_month['ds'])}")
    for store_id, name in expected["stores"].items():
        store_total = int(expected["firm"].set_index("unique_id").loc[f"{store_id}/ALL", "suggested_order_units"])
        assert f"{name} {store_total}" in advice[0]
    # the workbook: the order sheet's totals row is the group's order, the store sheet's rows are the stores
    book = openpyxl.load_workbook(tmp_path / expected["month"] / f"order_plan_{expected['month']}.xlsx")
    assert book.sheetnames[0] not in ("Order N+1",)   # an About sheet comes first
    orders = book["Order N+1"]
    header = [c.value for c in orders[1]]
    column = header.index("Order (cars)") + 1
    values = [orders.cell(row=r, column=column).value for r in range(2, orders.max_row + 1)]
    numbers = [v for v in values if isinstance(v, (int, float))]
    assert numbers[-1] == total and sum(numbers[:-1]) == total and len(numbers) == len(models) + 1
    # every earlier run's forecasts are kept for the ledger
    assert (tmp_path / expected["month"] / "sales_forecast.forecasts.csv").is_file()
    html = shown_html(nb)
    assert "Traceback" not in html and "Error" not in html


def test_the_chinese_report_has_no_code_names_or_english(folder, expected, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import reportscan

    glue, nb = run_notebook(folder, tmp_path / "zh", "zh")
    text = reportscan.html_text(shown_html(nb))
    data_words = list(expected["stores"].values()) + ["Aurora", "Breeze", "Comet", "Dart", "EV5", "Falcon", "Glide",
                                                      "Nova", "S1", "S2"]
    assert not reportscan.identifiers(text, data_words)
    assert not reportscan.english_words(text, data_words)
    assert glue["_advice"][0].startswith(f"{pd_month(expected['fc']['ds'].min())}订车")
    for key in ("order_next_month_total", "forecast_next_month_total", "models_gave_way", "stock_cover_after_months"):
        assert not re.search(r"[A-Za-z]{3,}", glue[key]["label"]), glue[key]["label"]


def pd_month(ds) -> str:
    import pandas as pd

    return pd.Timestamp(ds).strftime("%Y-%m")
