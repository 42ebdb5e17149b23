"""Fixtures for the runtime tests (helpers live in ``runtime_oracle``)."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")

from runtime_oracle import keras_or_skip


@pytest.fixture
def keras() -> Any:
    """The real Keras module (skips when unavailable)."""
    return keras_or_skip()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With ``RUNTIME_MAXDIFF_REPORT=path``, write the largest |runtime - keras| per check."""
    target = os.environ.get("RUNTIME_MAXDIFF_REPORT")
    if target:
        import json

        from runtime_oracle import MAX_DIFFS

        with open(target, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(MAX_DIFFS.items())), f, indent=1)
