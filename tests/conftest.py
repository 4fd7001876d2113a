"""Suite-wide settings: property tests are derandomised so a run is reproducible (CI and a developer see the same
examples); ``HYPOTHESIS_PROFILE=explore`` searches fresh random examples when hunting for new edge cases."""

import os
import re

from hypothesis import HealthCheck, settings

settings.register_profile("repeatable", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=500,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


_SLOW_MODULE = re.compile(r"^pytestmark = pytest\.mark\.slow", re.M)


def pytest_ignore_collect(collection_path, config):
    """``-m "not slow"`` (``make test-fast``) does not even import a module marked slow as a whole: importing the
    notebook and browser tooling would cost each worker seconds for tests it deselects anyway."""
    if (config.getoption("markexpr") == "not slow" and collection_path.suffix == ".py"
            and collection_path.name.startswith("test_")
            and _SLOW_MODULE.search(collection_path.read_text(encoding="utf-8"))):
        return True
    return None
