"""ReLU and LeakyReLU layers against real Keras."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 1.0},
        {"negative_slope": 0.1},
        {"threshold": 0.5},
        {"max_value": 6.0, "negative_slope": 0.2, "threshold": 0.3},
    ],
)
def test_relu_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((8,))
        return keras.Model(x, keras.layers.ReLU(**kwargs)(x))

    roundtrip("ReLU", tmp_path, build, random_inputs([((4, 8), "float32")]))


def test_leaky_relu_matches_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((8,))
        return keras.Model(x, keras.layers.LeakyReLU(negative_slope=0.1)(x))

    roundtrip("LeakyReLU", tmp_path, build, random_inputs([((4, 8), "float32")]))
