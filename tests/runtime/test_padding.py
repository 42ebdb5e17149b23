"""ZeroPadding1D/2D/3D against real Keras (runtime, validator, TensorFlow twin),
in each form ``padding`` takes: one int, one per axis, one pair per axis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

from kformat.validate._layers import layer_issues

pytestmark = pytest.mark.oracle

CASES = [
    (1, 2, "channels_last"),
    (1, (0, 3), "channels_first"),
    (2, 1, "channels_last"),
    (2, (2, 0), "channels_first"),
    (2, ((0, 1), (2, 3)), "channels_last"),
    (3, (1, 0, 2), "channels_last"),
    (3, ((1, 0), (0, 2), (1, 1)), "channels_first"),
]
SPATIAL = {1: (4,), 2: (3, 4), 3: (2, 3, 2)}


@pytest.mark.parametrize(("rank", "padding", "fmt"), CASES)
def test_zero_padding_matches_keras(tmp_path: Path, rank: int, padding: Any, fmt: str) -> None:
    shape = (*SPATIAL[rank], 3) if fmt == "channels_last" else (3, *SPATIAL[rank])

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        layer = getattr(keras.layers, f"ZeroPadding{rank}D")(padding, data_format=fmt)
        return keras.Model(x, keras.layers.Dense(2)(layer(x)))

    check_layer(f"ZeroPadding{rank}D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize(
    ("cls", "padding"),
    [
        ("ZeroPadding1D", -1),
        ("ZeroPadding1D", [1, 2, 3]),
        ("ZeroPadding2D", [[1, 2, 3], [0, 0]]),
        ("ZeroPadding2D", [1, -2]),
        ("ZeroPadding3D", [1, 2]),
    ],
)
def test_refused_padding(cls: str, padding: Any) -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="padding"):
        getattr(layers, cls)(padding=padding)
    entry = {
        "module": "keras.layers",
        "class_name": cls,
        "config": {"name": "p", "padding": padding},
    }
    model = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": [entry]},
    }
    codes = [(i.code, i.path) for i in layer_issues(model, [])]
    assert ("KF305", "/config/layers/0/config/padding") in codes, codes
