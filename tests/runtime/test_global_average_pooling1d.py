"""GlobalAveragePooling1D against real Keras, plain and with a mask from an Embedding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling1d_matches_keras(tmp_path: Path, keepdims: bool) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((5, 3))
        return keras.Model(x, keras.layers.GlobalAveragePooling1D(keepdims=keepdims)(x))

    roundtrip("GlobalAveragePooling1D", tmp_path, build, random_inputs([((2, 5, 3), "float32")]))


def test_masked_average(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        t = keras.Input((5,), dtype="int32")
        e = keras.layers.Embedding(10, 3, mask_zero=True)(t)
        return keras.Model(t, keras.layers.GlobalAveragePooling1D()(e))

    tokens = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]], "int32")
    roundtrip("GlobalAveragePooling1D", tmp_path, build, [tokens])
