"""InputLayer / Input: configs, dtypes and the input conversions of a Functional model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import roundtrip

import reference_runtime as rr


def test_input_layer_config() -> None:
    t = rr.Input((3, 4), name="x", dtype="int32")
    layer = t._keras_history.operation
    assert t.shape == (None, 3, 4) and t.dtype == "int32"
    assert layer.get_config() == {
        "batch_shape": [None, 3, 4],
        "dtype": "int32",
        "sparse": False,
        "ragged": False,
        "name": "x",
        "optional": False,
    }
    legacy = rr.layers.InputLayer(batch_input_shape=[None, 2], dtype="float32", name="old")
    assert legacy.batch_shape == (None, 2)


def test_model_casts_inputs_to_input_dtype() -> None:
    x = rr.Input((2,))
    model = rr.Model(x, rr.layers.Identity()(x))
    out = model(np.array([[1, 2]], dtype="int64"))
    assert out.dtype == np.float32


@pytest.mark.oracle
def test_int_and_float_inputs_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        t = keras.Input((4,), dtype="int32", name="tokens")
        f = keras.Input((3,), name="features")
        e = keras.layers.Flatten()(keras.layers.Embedding(10, 2)(t))
        return keras.Model([t, f], keras.layers.Concatenate()([e, f]))

    data = [np.array([[1, 2, 3, 4], [0, 9, 8, 7]], "int32"), np.ones((2, 3), "float32")]
    roundtrip("InputLayer", tmp_path, build, data)
