"""Global{Average,Max}Pooling1D/2D/3D against real Keras (runtime, validator,
TensorFlow twin); GlobalAveragePooling1D's mask has its own file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

SPATIAL = {1: (5,), 2: (4, 3), 3: (3, 4, 2)}


@pytest.mark.parametrize(
    ("rank", "kind", "keepdims", "fmt"),
    [
        (1, "Max", False, "channels_last"),
        (1, "Average", True, "channels_first"),
        (2, "Average", False, "channels_last"),
        (2, "Max", True, "channels_first"),
        (3, "Max", True, "channels_last"),
        (3, "Average", False, "channels_first"),
    ],
)
def test_global_pooling_matches_keras(
    tmp_path: Path, rank: int, kind: str, keepdims: bool, fmt: str
) -> None:
    spatial = SPATIAL[rank]
    shape = (*spatial, 3) if fmt == "channels_last" else (3, *spatial)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        cls = getattr(keras.layers, f"Global{kind}Pooling{rank}D")
        y = cls(keepdims=keepdims, data_format=fmt)(x)
        return keras.Model(x, keras.layers.Dense(2)(y))

    check_layer(
        f"Global{kind}Pooling{rank}D", tmp_path, build, random_inputs([((2, *shape), "float32")])
    )


def test_masked_average_twin(tmp_path: Path) -> None:
    # The mask of an Embedding reaches GlobalAveragePooling1D in the runtime
    # and in its TensorFlow twin.
    def build(keras: Any) -> Any:
        t = keras.Input((5,), dtype="int32")
        e = keras.layers.Embedding(10, 3, mask_zero=True)(t)
        return keras.Model(t, keras.layers.GlobalAveragePooling1D()(e))

    tokens = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]], "int32")
    check_layer("GlobalAveragePooling1D", tmp_path, build, [tokens])


def test_refuses_the_wrong_rank() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="rank 4"):
        layers.GlobalMaxPooling2D()(np.zeros((1, 2, 3), "float32"))


def test_integer_average_is_float32(keras: Any) -> None:
    # keras.ops.mean averages integers to float32.
    import reference_runtime.layers as layers

    x = np.arange(12, dtype="int32").reshape(1, 3, 4, 1)
    want = np.asarray(keras.layers.GlobalAveragePooling2D()(x))
    got = layers.GlobalAveragePooling2D()(x)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want)
