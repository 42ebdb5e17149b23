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


@pytest.mark.oracle
def test_more_keras_ops_nodes_match_keras(tmp_path: Path) -> None:
    # Nodes Keras writes for indexing and the common elementwise, reduction and
    # shape operations; each output is compared with Keras and the TF twin.
    from layer_check import check_layer

    def build(keras: Any) -> Any:
        ops = keras.ops
        x, i = keras.Input((4, 6)), keras.Input((4,), dtype="int32")
        pos = ops.abs(x) + 0.5
        outs = [
            x[:, 0],
            x[..., 1:3],
            x[:, None, 2, ::2],
            ops.clip(x, -0.5, 0.5),
            ops.sin(x) + ops.cos(x),
            ops.floor(x) + ops.ceil(x) + ops.sign(x) + ops.round(x * 3),
            ops.log1p(pos) + ops.expm1(x) + ops.reciprocal(pos) + ops.rsqrt(pos),
            ops.argmax(x, axis=-1),
            ops.argmin(x, axis=1, keepdims=True),
            ops.var(x, axis=1),
            ops.std(x, axis=-1, keepdims=True),
            ops.cumsum(x, axis=-1),
            ops.tile(x, (1, 2, 1)),
            ops.repeat(x, 2, axis=1),
            ops.take(x, i, axis=1),
            ops.flip(x, axis=1),
            ops.einsum("bij,bkj->bik", x, x),
            ops.erf(x),
            ops.softplus(x) + ops.silu(x) + ops.hard_sigmoid(x) + ops.leaky_relu(x),
            ops.one_hot(i, 6),
        ]
        return keras.Model([x, i], outs)

    rng = np.random.default_rng(3)
    data = [
        rng.normal(size=(3, 4, 6)).astype("float32"),
        rng.integers(0, 4, (3, 4)).astype("int32"),
    ]
    check_layer("keras.ops nodes", tmp_path, build, data)
