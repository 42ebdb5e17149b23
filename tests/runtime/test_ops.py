"""Operations in Functional configs: Keras 3 ``keras.ops`` nodes and tf-keras ``TFOpLambda``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr
from kformat.errors import UnsupportedFeatureError
from reference_runtime.saving import _state


@pytest.mark.oracle
def test_keras_ops_nodes(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((4,))
        h = keras.ops.multiply(keras.ops.add(x, 1.0), keras.layers.Dense(4)(x))
        m = keras.ops.cast(keras.ops.not_equal(x, 0.0), "float32")
        return keras.Model(x, keras.ops.mean(h * m, axis=-1, keepdims=True))

    model = roundtrip("ops", tmp_path, build, random_inputs([((3, 4), "float32")]))
    assert [type(la).__name__ for la in model.layers] == ["InputLayer", "Dense"]
    assert [e.paths[0] for e in _state.walk(model)] == ["", "/layers/input_layer", "/layers/dense"]


def test_tf_op_lambda_table_and_refusal() -> None:
    layer = rr.layers.TFOpLambda("math.multiply", name="tf.math.multiply")
    np.testing.assert_array_equal(
        layer(np.ones((1, 2), "float32"), y=np.full((1, 2), 3.0, "float32")), [[3.0, 3.0]]
    )
    with pytest.raises(UnsupportedFeatureError, match=r"tf\.io\.read_file"):
        rr.layers.TFOpLambda("io.read_file")
