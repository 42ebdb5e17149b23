"""CenterCrop against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer

import reference_runtime as rr

pytestmark = pytest.mark.oracle


def images(shape: tuple[int, ...], dtype: str) -> np.ndarray[Any, Any]:
    return (np.random.default_rng(0).random(shape) * 255).astype(dtype)


@pytest.mark.parametrize(
    ("shape", "height", "width", "data_format"),
    [
        ((2, 8, 9, 3), 4, 5, "channels_last"),  # crop
        ((2, 3, 8, 9), 5, 4, "channels_first"),  # crop
        ((2, 4, 9, 3), 6, 5, "channels_last"),  # smaller height: crop to aspect + resize
        ((2, 3, 5, 4), 3, 7, "channels_first"),  # smaller width: crop to aspect + resize
        ((2, 3, 4, 2), 6, 8, "channels_last"),  # smaller both: upscale
    ],
)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_center_crop_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], height: int, width: int, data_format: str, dtype: str
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape[1:], dtype=dtype)
        layer = keras.layers.CenterCrop(height, width, data_format=data_format)
        return keras.Model(x, layer(x))

    data = images(shape, dtype)
    ours = check_layer("CenterCrop", tmp_path, build, [data], atol=1e-4)
    keras = pytest.importorskip("keras")
    want = keras.saving.load_model(tmp_path / "keras_written.keras").predict(data, verbose=0)
    got = ours.predict(data)
    assert got.dtype == want.dtype == np.float32  # cast to the compute dtype
    np.testing.assert_array_equal(got, want)


def test_center_crop_refusals() -> None:
    with pytest.raises(ValueError, match="width"):
        rr.layers.CenterCrop(height=2, width=0)
    with pytest.raises(ValueError, match="data_format"):
        rr.layers.CenterCrop(height=2, width=2, data_format="channels_middle")
