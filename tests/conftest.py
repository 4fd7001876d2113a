"""Suite-wide settings: property tests are derandomised so a run is reproducible (CI and a developer see the same
examples); ``HYPOTHESIS_PROFILE=explore`` searches fresh random examples when hunting for new edge cases. Notebooks
executed by the tests leave out their ``explore`` cells, as the runner does (the what-ifs are tested in-process)."""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("repeatable", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=500,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True, scope="session")
def _notebooks_without_explore_cells():
    """papermill runs a notebook as the batch does: without the cells tagged ``explore``. A widget kernel-side with
    no frontend can stall nbclient for good (nbclient#312); the what-ifs' widgets are built and checked in-process."""
    import papermill

    from kit.runner.execute import _without_explore

    real = papermill.execute_notebook

    def execute(input_path, *args, **kwargs):
        if isinstance(input_path, (str, os.PathLike)):
            input_path = _without_explore(str(input_path))
        return real(input_path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:  # session-wide: module fixtures execute notebooks too
        patch.setattr(papermill, "execute_notebook", execute)
        yield
