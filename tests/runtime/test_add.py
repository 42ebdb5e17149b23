"""Add against real Keras: plain, with broadcasting ranks, and with masks from an Embedding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


def test_add_matches_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        a = keras.Input((3, 4))
        b = keras.Input((3, 4))
        return keras.Model([a, b], keras.layers.Add()([a, b]))

    data = random_inputs([((2, 3, 4), "float32"), ((2, 3, 4), "float32")])
    roundtrip("Add", tmp_path, build, data)


def test_add_with_masks(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        t = keras.Input((5,), dtype="int32")
        u = keras.Input((5,), dtype="int32")
        e1 = keras.layers.Embedding(10, 4, mask_zero=True)(t)
        e2 = keras.layers.Embedding(10, 4, mask_zero=True)(u)
        merged = keras.layers.Add()([e1, e2])
        # A masked softmax downstream makes the output mask visible in the values.
        scores = keras.layers.Dense(5)(merged)
        return keras.Model([t, u], keras.layers.MultiHeadAttention(1, 2)(scores, scores))

    t = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], "int32")
    u = np.array([[1, 0, 0, 0, 0], [3, 4, 5, 6, 7]], "int32")
    roundtrip("Add", tmp_path, build, [t, u])


def test_add_broadcasts_lower_rank(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        a = keras.Input((3, 4))
        b = keras.Input((4,))
        return keras.Model([a, b], keras.layers.Add()([a, b]))

    data = random_inputs([((2, 3, 4), "float32"), ((2, 4), "float32")])
    roundtrip("Add", tmp_path, build, data)
