"""Identity against real Keras."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr


@pytest.mark.oracle
def test_identity_matches_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((4,))
        return keras.Model(x, keras.layers.Identity()(keras.layers.Dense(3)(x)))

    roundtrip("Identity", tmp_path, build, random_inputs([((2, 4), "float32")]))


def test_identity_returns_input() -> None:
    x = np.ones((2, 2), "float32")
    assert rr.layers.Identity()(x) is x
