"""Excel workbooks written beside a report."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd


def export_excel(sheets: dict[str, pd.DataFrame], *, output_dir: str | Path | None, file_name: str,
                 lang: str = "en"):
    """Write ``sheets`` to ``output_dir/file_name`` (atomically) and show a link to it; nothing when no folder.

    Sheet names are cut to Excel's 31 characters. Returns a displayable note with a relative link, so the link
    works wherever the month's folder is copied.
    """
    from IPython.display import HTML

    if not output_dir:
        return None
    path = Path(output_dir) / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            out = frame.copy()
            for col in out.columns:
                if isinstance(out[col].dtype, pd.PeriodDtype):
                    out[col] = out[col].astype(str)
                elif isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
            out.to_excel(writer, sheet_name=str(name)[:31], index=False)
            ws = writer.sheets[str(name)[:31]]
            for i, col in enumerate(out.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in out[col].head(200)]) + 2
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(width, 8), 60)
            ws.freeze_panes = "A2"
    os.replace(tmp, path)
    text = "Excel sheet beside this report" if lang != "zh" else "Excel表格（与本报告同目录）"
    return HTML(f'<div class="kit-note kit-note-ok">{html.escape(text)}: '
                f'<a href="{html.escape(file_name)}">{html.escape(file_name)}</a></div>')
