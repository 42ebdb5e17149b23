"""Dense against real Keras (spec §5.9): any input rank, bias on/off, activations."""

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
        ((6,), {"units": 4}),
        ((3, 6), {"units": 5, "activation": "relu"}),
        ((2, 3, 6), {"units": 2, "use_bias": False, "activation": "tanh"}),
    ],
)
def test_dense_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Dense(**kwargs)(x))

    roundtrip("Dense", tmp_path, build, random_inputs([((4, *shape), "float32")]))


def test_dense_weights_and_config() -> None:
    layer = rr.layers.Dense(3, activation="relu")
    layer.build((None, 5))
    assert [w.shape for w in layer.weights] == [(5, 3), (3,)]
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    cfg = layer.get_config()
    assert cfg["activation"] == "relu" and cfg["units"] == 3
    clone = rr.layers.Dense.from_config(cfg)
    clone.build((None, 5))
    clone.set_weights(layer.get_weights())
    x = np.ones((2, 5), "float32")
    np.testing.assert_array_equal(clone(x), layer(x))
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        rr.layers.Dense(3, bogus=1)
