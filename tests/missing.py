"""What a test does when something it needs is missing: skip with the reason, or fail in CI, where
nothing may be skipped silently."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """Fails the test when ``CI`` is set, skips it with ``reason`` everywhere else."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this test must run)", pytrace=False)
    pytest.skip(reason)
