"""Discretization and CategoryEncoding against real Keras (runtime, validator, TF twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer

pytestmark = pytest.mark.oracle

VALUES = np.array([[-2.0, 0.1, 0.5], [0.9, 1.0, 7.5], [0.0, -0.3, 3.0]], "float32")


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_matches_keras(tmp_path: Path, mode: str) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3,))
        layer = keras.layers.Discretization(bin_boundaries=[0.0, 0.5, 1.0], output_mode=mode)
        if mode == "one_hot":
            return keras.Model(x, layer(keras.layers.Reshape((3, 1))(x)))
        return keras.Model(x, layer(x))

    check_layer(f"Discretization {mode}", tmp_path, build, [VALUES])


def test_adapted_discretization_keeps_its_boundaries(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        layer = keras.layers.Discretization(num_bins=4, output_mode="multi_hot")
        layer.adapt(np.random.default_rng(0).normal(size=(200, 1)).astype("float32"))
        x = keras.Input((3,))
        return keras.Model(x, layer(x))

    check_layer("Discretization adapted", tmp_path, build, [VALUES])


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_category_encoding_matches_keras(tmp_path: Path, mode: str) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((1,) if mode == "one_hot" else (4,), dtype="int32")
        return keras.Model(x, keras.layers.CategoryEncoding(num_tokens=6, output_mode=mode)(x))

    data = np.array([[0, 5, 5, 2], [1, 1, 1, 3], [4, 0, 2, 2]], "int32")
    check_layer(
        f"CategoryEncoding {mode}", tmp_path, build, [data[:, :1] if mode == "one_hot" else data]
    )


def test_refusals() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(num_tokens=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(num_tokens=0)
    with pytest.raises(ValueError, match="out of range"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[3]], "int32"))
    with pytest.raises(ValueError, match="sorted"):
        layers.Discretization(bin_boundaries=[1.0, 0.0])
