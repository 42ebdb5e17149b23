"""Max/AveragePooling1D/2D/3D against real Keras (runtime, validator, TensorFlow twin).

Odd input sizes with strides that do not divide them make the ``same``
padding uneven, so the edge windows of average pooling hold fewer inputs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

from kformat.validate._layers import layer_issues

pytestmark = pytest.mark.oracle

SPATIAL = {1: (9,), 2: (7, 5), 3: (5, 4, 3)}

CASES = [
    # (rank, kind, pool_size, strides, padding, data_format)
    (1, "Max", 2, None, "valid", "channels_last"),
    (1, "Average", 3, 2, "same", "channels_last"),
    (1, "Max", 3, 2, "same", "channels_first"),
    (1, "Average", 2, 1, "valid", "channels_first"),
    (2, "Max", (3, 2), (2, 1), "same", "channels_last"),
    (2, "Average", (3, 3), 2, "same", "channels_last"),
    (2, "Average", 2, None, "valid", "channels_first"),
    (2, "Max", 2, 1, "valid", "channels_first"),
    (3, "Max", 2, None, "same", "channels_last"),
    (3, "Average", (2, 3, 2), (2, 2, 1), "same", "channels_first"),
]


@pytest.mark.parametrize(("rank", "kind", "pool", "strides", "padding", "fmt"), CASES)
def test_pooling_matches_keras(
    tmp_path: Path, rank: int, kind: str, pool: Any, strides: Any, padding: str, fmt: str
) -> None:
    spatial = SPATIAL[rank]
    shape = (*spatial, 3) if fmt == "channels_last" else (3, *spatial)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        cls = getattr(keras.layers, f"{kind}Pooling{rank}D")
        y = cls(pool, strides=strides, padding=padding, data_format=fmt)(x)
        return keras.Model(x, keras.layers.Dense(2)(y))

    check_layer(f"{kind}Pooling{rank}D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_same_average_counts_only_inputs() -> None:
    # Closed form: a ramp 0..4 pooled by 2 with stride 2 and same padding
    # (one pad after) gives means (0+1)/2, (2+3)/2 and 4/1, not 4/2.
    import reference_runtime.layers as layers

    x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    y = layers.AveragePooling1D(pool_size=2, padding="same")(x)
    np.testing.assert_array_equal(y[0, :, 0], [0.5, 2.5, 4.0])
    y = layers.MaxPooling1D(pool_size=3, strides=2, padding="same")(-x)
    np.testing.assert_array_equal(y[0, :, 0], [0.0, -1.0, -3.0])


def test_aliases_load_as_their_class() -> None:
    import reference_runtime.layers as layers

    assert layers.LAYERS["MaxPool2D"] is layers.LAYERS["MaxPooling2D"]
    assert layers.LAYERS["AvgPool3D"] is layers.LAYERS["AveragePooling3D"]


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": [2, 2]}, "pool_size"),
        ({"pool_size": 2, "strides": 0}, "strides"),
        ({"pool_size": 2, "padding": "SAME"}, "padding"),
        ({"pool_size": 2, "padding": "causal"}, "padding"),
        ({"pool_size": 2, "data_format": "channels_middle"}, "data_format"),
    ],
)
def test_refused_values(config: dict[str, Any], key: str) -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match=key):
        layers.MaxPooling1D(**config)
    entry = {
        "module": "keras.layers",
        "class_name": "MaxPooling1D",
        "config": {"name": "p", **config},
    }
    model = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": [entry]},
    }
    codes = [(i.code, i.path) for i in layer_issues(model, [])]
    assert ("KF305", f"/config/layers/0/config/{key}") in codes, codes


def test_average_pool_size_is_required() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(TypeError, match="pool_size"):
        layers.AveragePooling2D()


def test_window_larger_than_input_is_refused() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="zero or negative"):
        layers.MaxPooling2D(pool_size=4)(np.zeros((1, 3, 3, 1), "float32"))


def test_strides_default_to_pool_size_in_the_config(keras: Any) -> None:
    # Keras saves the resolved strides; so does the runtime.
    import reference_runtime.layers as layers

    ours = layers.MaxPooling2D(pool_size=3).get_config()["strides"]
    assert ours == list(keras.layers.MaxPooling2D(3).get_config()["strides"]) == [3, 3]
    assert layers.AveragePooling1D.from_config({"pool_size": [2], "strides": None}).strides == (2,)
