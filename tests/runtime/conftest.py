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
