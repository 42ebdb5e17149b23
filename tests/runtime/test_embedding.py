"""Embedding against real Keras: lookups, float indices, mask_zero feeding masks downstream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import roundtrip

import reference_runtime as rr
from reference_runtime._backend import get_keras_mask


@pytest.mark.oracle
@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_matches_keras(tmp_path: Path, mask_zero: bool) -> None:
    def build(keras: Any) -> Any:
        t = keras.Input((6,), dtype="int32")
        x = keras.layers.Embedding(12, 4, mask_zero=mask_zero)(t)
        y = keras.layers.MultiHeadAttention(num_heads=1, key_dim=4)(x, x)
        return keras.Model(t, keras.layers.Dense(3)(y))

    tokens = np.array([[3, 1, 0, 0, 0, 0], [5, 6, 7, 8, 9, 11]], "int32")
    roundtrip("Embedding", tmp_path, build, [tokens])


def test_mask_zero_attaches_mask() -> None:
    layer = rr.layers.Embedding(5, 2, mask_zero=True)
    out = layer(np.array([[1, 0, 2]]))
    np.testing.assert_array_equal(get_keras_mask(out), [[True, False, True]])
    assert get_keras_mask(rr.layers.Embedding(5, 2)(np.array([[1, 0]]))) is None
    assert layer.get_config()["embeddings_initializer"]["class_name"] == "RandomUniform"
