"""Shared test settings: the hypothesis profiles.

``fast`` (the default) keeps every property test to a bounded number of examples and no
per-example deadline (the first example of a new shape may pay numba's compile time), so the
whole suite stays quick on 2 cores. ``thorough`` runs many more examples:

    LOOPNET_HYPOTHESIS_PROFILE=thorough python3 -m pytest -q tests/test_properties.py
"""
import os

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("fast", deadline=None, max_examples=25, suppress_health_check=_QUIET,
                          print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=400, suppress_health_check=_QUIET,
                          print_blob=True)
settings.load_profile(os.environ.get("LOOPNET_HYPOTHESIS_PROFILE", "fast"))
