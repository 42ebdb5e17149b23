"""LayerNormalization against real Keras: axes, center/scale off, epsilon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((6,), {}),
        ((4, 6), {"axis": -1, "epsilon": 1e-6}),
        ((3, 4, 5), {"axis": [1, 2], "center": False}),
        ((3, 4, 5), {"axis": 1, "scale": False}),
    ],
)
def test_layer_normalization_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.LayerNormalization(**kwargs)(x))

    roundtrip("LayerNormalization", tmp_path, build, random_inputs([((3, *shape), "float32")]))
