"""Masking against real Keras: zeroed timesteps, and its mask reaching the
layers downstream that consume masks (pooling, attention)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems

import reference_runtime as rr
from reference_runtime._backend import get_keras_mask

pytestmark = pytest.mark.oracle


def _steps(value: float) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    x[0, 3:] = value  # padded tail
    x[1, 1] = value  # a hole
    x[2, 0, :2] = value  # only part of a step: not masked
    return x


@pytest.mark.parametrize("value", [0.0, -1.0])
def test_masking_feeds_pooling_like_keras(tmp_path: Path, value: float) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((5, 4))
        h = keras.layers.Masking(mask_value=value)(x)
        h = keras.layers.Dense(3)(h)  # Dense passes the mask through
        return keras.Model(x, keras.layers.GlobalAveragePooling1D()(h))

    check_layer("Masking", tmp_path, build, [_steps(value)])


def test_masking_in_a_sequential_model(tmp_path: Path) -> None:
    # Sequential models carry the mask from layer to layer (no op nodes in the config)
    def build(keras: Any) -> Any:
        return keras.Sequential(
            [
                keras.Input((5, 4)),
                keras.layers.Masking(mask_value=-1.0),
                keras.layers.Dense(3),
                keras.layers.GlobalAveragePooling1D(),
            ]
        )

    check_layer("Masking (Sequential)", tmp_path, build, [_steps(-1.0)])


def test_masking_feeds_attention_like_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((5, 4))
        h = keras.layers.Masking()(x)
        a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(h, h)
        return keras.Model(x, keras.layers.Dense(2)(a))

    check_layer("Masking+MHA", tmp_path, build, [_steps(0.0)])


def test_masking_output_and_mask() -> None:
    x = _steps(2.0)
    y = rr.layers.Masking(mask_value=2.0)(x)
    keep = np.any(x != 2.0, axis=-1)
    np.testing.assert_array_equal(get_keras_mask(y), keep)
    np.testing.assert_array_equal(y, np.where(keep[..., None], x, 0))


def test_masking_reads_a_serialized_scalar() -> None:
    # Keras writes mask_value=np.float32(1.5) as a __tensor__ object
    value = {"class_name": "__tensor__", "config": {"value": 1.5, "dtype": "float32"}}
    layer = rr.layers.Masking(mask_value=value)
    x = np.array([[[1.5, 1.5], [1.0, 2.0]]], "float32")
    np.testing.assert_array_equal(get_keras_mask(layer(x)), [[False, True]])
    assert layer.get_config()["mask_value"] == value


def test_masking_refuses_a_string() -> None:
    with pytest.raises(ValueError, match="mask_value"):
        rr.layers.Masking(mask_value="pad")


def test_masking_kf305(tmp_path: Path) -> None:
    model = rr.Sequential([rr.layers.Input((3, 4)), rr.layers.Masking()])
    path = tmp_path / "m.keras"
    model.save(path)
    assert validation_problems(path) == []
    set_config_key(path, "Masking", "mask_value", "pad")
    assert any(p.startswith("KF305") and "mask_value" in p for p in validation_problems(path))
