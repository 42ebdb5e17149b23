"""EinsumDense against real Keras (spec §5.9): equations, ellipses, bias axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((6,), {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"}),
        ((3, 6), {"equation": "abc,cd->abd", "output_shape": (None, 5), "activation": "relu"}),
        ((3, 6), {"equation": "abc,cde->abde", "output_shape": (None, 2, 4), "bias_axes": "de"}),
        ((3, 4, 6), {"equation": "...b,bc->...c", "output_shape": 5, "bias_axes": "c"}),
        ((6, 3), {"equation": "ab...,bc->ac...", "output_shape": (4, 3), "bias_axes": "c"}),
    ],
)
def test_einsum_dense_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.EinsumDense(**kwargs)(x))

    roundtrip("EinsumDense", tmp_path, build, random_inputs([((2, *shape), "float32")]))
