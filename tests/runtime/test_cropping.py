"""Cropping1D/2D/3D against real Keras (runtime, validator, TensorFlow twin),
in each form ``cropping`` takes, with and without an ``after`` crop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

CASES = [
    (1, (1, 2), None),
    (1, (2, 0), None),
    (2, 1, "channels_last"),
    (2, ((0, 1), (2, 0)), "channels_first"),
    (3, (1, 0, 1), "channels_last"),
    (3, ((1, 0), (0, 2), (1, 1)), "channels_first"),
]
SPATIAL = {1: (6,), 2: (4, 5), 3: (3, 4, 3)}


@pytest.mark.parametrize(("rank", "cropping", "fmt"), CASES)
def test_cropping_matches_keras(tmp_path: Path, rank: int, cropping: Any, fmt: Any) -> None:
    first = fmt == "channels_first"
    shape = (3, *SPATIAL[rank]) if first else (*SPATIAL[rank], 3)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        cls = getattr(keras.layers, f"Cropping{rank}D")
        layer = cls(cropping) if rank == 1 else cls(cropping, data_format=fmt)
        return keras.Model(x, keras.layers.Dense(2)(layer(x)))

    check_layer(f"Cropping{rank}D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_crop_that_empties_an_axis_is_refused() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="non-empty"):
        layers.Cropping2D(cropping=((2, 2), (0, 0)))(np.zeros((1, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(cropping=-1)
