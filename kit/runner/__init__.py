"""The report runner behind ``kit report``: one period's reports executed, checked and published as one folder.

One concern per module:

=========== ==================================================================================================
batch       :func:`run_batch` — checks, the period's lock, staging, results, manifest, publishing
group       a dealer group's run (``--stores``): every store's reports in its folder, the group's, the group index
periods     which month, ISO week or day a run covers, chosen from the data and today, and why
pool        the local process pool and the per-report and whole-run time limits
execute     one report: the picklable task a worker runs (papermill, an IPC kernel under a memory cap)
export      manager HTML from an executed notebook
index       the period's index page and the folder of all periods
privacy     masking the input's names and phone numbers in every published file
lock        the period lock, publishing by rename, recovery from killed runs
=========== ==================================================================================================

Submodules load on first use, so a worker process that only executes a report does not import the batch.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(__name__, submod_attrs={
    "batch": ["run_batch", "available_reports", "BatchResult", "failure_reason", "notebook_periods",
              "notebook_scope"],
    "group": ["plan_reports", "store_folders"],
    "periods": ["UsageError", "Period", "choose_period"],
    "index": ["render_index"],
    "execute": ["ReportResult", "ReportTask", "execute_report"],
    "lock": ["BusyError"],
})
