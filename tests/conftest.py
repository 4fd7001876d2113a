"""Suite-wide settings: property tests are derandomised so a run is reproducible (CI and a developer see the same
examples); ``HYPOTHESIS_PROFILE=explore`` searches fresh random examples when hunting for new edge cases."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("repeatable", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=500,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
