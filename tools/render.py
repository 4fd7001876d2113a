"""Developer tool: run one report notebook with papermill and export it as the manager's HTML, without a batch.

usage: python tools/render.py NAME [--data DIR] [--lang en|zh] [--month YYYY-MM|last] [--out DIR]
                                    [--period day|week|month --date YYYY-MM-DD]

Writes OUT/NAME.ipynb, OUT/NAME.html, the glue file and any Excel files beside them, and prints the headline
numbers and the "what to do" sentences. The notebook runs with its kernel in notebooks/, as in JupyterLab.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import papermill as pm

from kit import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--data", default="")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--month", default="last")
    parser.add_argument("--out", default="/tmp/render")
    parser.add_argument("--period", default="month")
    parser.add_argument("--date", default="")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    glue = out / f".{args.name}.glue.json"
    run = {"output_dir": str(out), "glue_file": str(glue), "period": args.period}
    if args.date:
        run["date"] = args.date
    params = {"month": args.month, "lang": args.lang, "data_dir": str(Path(args.data).resolve()) if args.data else "",
              "run": run}
    declared = set(pm.inspect_notebook(str(config.NOTEBOOKS_DIR / f"{args.name}.ipynb")))
    executed = out / f"{args.name}.ipynb"
    from kit.runner.execute import without_explore  # as the batch runs it: the what-ifs need JupyterLab

    pm.execute_notebook(without_explore(str(config.NOTEBOOKS_DIR / f"{args.name}.ipynb")), str(executed),
                        parameters={k: v for k, v in params.items() if k in declared}, kernel_name="python3",
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False)
    headline = json.loads(glue.read_text(encoding="utf-8")) if glue.exists() else {}
    advice = headline.pop("_advice", [])
    from kit import config as kit_config, io
    from kit.runner.export import notebook_title
    from kit.runner.export import write_html

    month = args.month
    if month == "last":
        month = io.choose_month(io.load_dealer(kit_config.data_dir(args.data))).month
    write_html(executed, out / f"{args.name}.html", title=notebook_title(executed, args.lang) or args.name,
               lang=args.lang, header={"dealer": "", "meta_key": "report_meta", "meta_fields": {"month": month}},
               headline=headline, advice=advice)
    for line in advice:
        print("ADVICE", line)
    for key, item in headline.items():
        print("HEADLINE", key, item.get("label"), item.get("display"))
    print(out / f"{args.name}.html")


if __name__ == "__main__":
    main()
