"""BatchNormalization against real Keras (spec §5.9): axis, center/scale off, epsilon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((6,), {}),
        ((4, 6), {"axis": 1}),
        ((3, 4, 5), {"axis": 2, "center": False}),
        ((3, 4, 5), {"axis": -1, "scale": False, "epsilon": 0.1}),
        ((5,), {"center": False, "scale": False}),
    ],
)
def test_batch_normalization_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.BatchNormalization(**kwargs)(x))

    roundtrip("BatchNormalization", tmp_path, build, random_inputs([((4, *shape), "float32")]))


def test_batch_normalization_uses_moving_statistics() -> None:
    layer = rr.layers.BatchNormalization(epsilon=0.0)
    layer.build((None, 2))
    layer.set_weights(
        [np.array([2.0, 1.0]), np.array([0.5, 0.0]), np.array([1.0, -1.0]), np.array([4.0, 1.0])]
    )
    out = layer(np.array([[3.0, 1.0]], "float32"), training=True)
    np.testing.assert_allclose(out, [[2.0 * (3 - 1) / 2 + 0.5, 1.0 * (1 + 1) / 1]])
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
