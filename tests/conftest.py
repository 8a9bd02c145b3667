"""Shared test configuration: hypothesis profiles.

The ``ci`` profile (the default) keeps property-based tests fast: few examples, no
deadline (the machine is shared), no database writes. ``HYPOTHESIS_PROFILE=thorough``
runs many more examples locally.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
