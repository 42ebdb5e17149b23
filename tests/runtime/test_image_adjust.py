"""AutoContrast and Equalization against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from random_layers import check_identity, images

import reference_runtime as rr

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("dtype", "value_range", "data_format"),
    [
        ("uint8", (0, 255), "channels_last"),
        ("float32", (0, 255), "channels_last"),
        ("float32", (255, 0), "channels_last"),  # Keras sorts the range
        ("int32", (0, 1000), "channels_first"),  # min/max over axes 1, 2 as Keras
    ],
)
def test_auto_contrast_matches_keras(
    tmp_path: Path, dtype: str, value_range: Any, data_format: str
) -> None:
    shape = (3, 5, 6, 3) if data_format == "channels_last" else (3, 3, 5, 6)

    def build(keras: Any) -> Any:
        x = keras.Input(shape[1:], dtype=dtype)
        layer = keras.layers.AutoContrast(value_range=value_range, data_format=data_format)
        return keras.Model(x, layer(x))

    data = images(shape, dtype)
    data[1] = 7  # a constant image: NaN scale, Keras keeps the input values
    ours = check_layer("AutoContrast", tmp_path, build, [data], atol=1e-4)
    keras = pytest.importorskip("keras")
    want = keras.saving.load_model(tmp_path / "keras_written.keras").predict(data, verbose=0)
    got = ours.predict(data)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_equalization_identity() -> None:
    # Keras 3.15 cannot put Equalization in a functional model (its
    # compute_output_spec returns the input tensor itself: a graph cycle), so
    # it is compared as a layer; RandAugment's test saves it as a sub-layer.
    keras = pytest.importorskip("keras")
    theirs = keras.layers.Equalization(bins=64, value_range=(1, 0))
    ours = rr.layers.Equalization.from_config(theirs.get_config())
    assert ours.get_config() == theirs.get_config()
    for dtype in ("uint8", "float32"):
        data = images((2, 4, 5, 3), dtype)
        want = np.asarray(theirs(data, training=False))
        got = ours(data)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_max_num_bounding_boxes_passes_images_through(tmp_path: Path) -> None:
    check_identity(tmp_path, "MaxNumBoundingBoxes", {"max_number": 5}, "uint8")


def test_refusals() -> None:
    with pytest.raises(ValueError, match="value_range"):
        rr.layers.AutoContrast(value_range=[0, 1, 2])
    with pytest.raises(ValueError, match="bins"):
        rr.layers.Equalization(bins=0)
