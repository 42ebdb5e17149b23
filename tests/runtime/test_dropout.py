"""Dropout against real Keras (spec §5.9): the identity at inference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr


@pytest.mark.oracle
@pytest.mark.parametrize("rate", [0.0, 0.5, 0.99])
def test_dropout_matches_keras(tmp_path: Path, rate: float) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((5,))
        y = keras.layers.Dropout(rate, noise_shape=None, seed=3)(keras.layers.Dense(4)(x))
        return keras.Model(x, y)

    roundtrip("Dropout", tmp_path, build, random_inputs([((3, 5), "float32")]))


def test_dropout_is_identity() -> None:
    x = np.arange(6, dtype="float32").reshape(2, 3)
    assert rr.layers.Dropout(0.5)(x) is x
    assert rr.layers.Dropout(0.5).get_config()["rate"] == 0.5
