"""Resizing against real Keras (runtime, validator, TensorFlow twin).

Keras' NumPy backend is the oracle: the runtime must give its outputs bit for
bit (``atol=0``) for every interpolation it supports, integer and float
images, both data formats, cropping/padding to the aspect ratio and
antialiased downscaling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, export_outputs, validation_problems

import reference_runtime as rr

pytestmark = pytest.mark.oracle

METHODS = ["bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"]


def images(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray[Any, Any]:
    """Random images: 0..255 integers, or floats in the same range."""
    rng = np.random.default_rng(seed)
    return (rng.random(shape) * 255).astype(dtype)


def check_resizing(
    tmp_path: Path,
    shape: tuple[int, ...],
    dtype: str,
    exact: bool = True,
    **options: Any,
) -> Any:
    def build(keras: Any) -> Any:
        x = keras.Input(shape[1:], dtype=dtype)
        return keras.Model(x, keras.layers.Resizing(**options)(x))

    # Rounded integer outputs may differ by one at exact .5 ties in the
    # TensorFlow twin (GEMM summation order); NumPy parity is exact.
    tol = 1.0 if np.issubdtype(np.dtype(dtype), np.integer) else 1e-3
    ours = check_layer("Resizing", tmp_path, build, [images(shape, dtype)], rtol=1e-5, atol=tol)
    keras = pytest.importorskip("keras")
    model = keras.saving.load_model(tmp_path / "keras_written.keras")
    x = images(shape, dtype)
    want = np.asarray(model.predict(x, verbose=0))
    got = ours.predict(x)
    assert got.dtype == want.dtype
    if exact:
        np.testing.assert_array_equal(got, want)
    return ours


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_resizing_every_method(tmp_path: Path, method: str, dtype: str) -> None:
    check_resizing(tmp_path, (2, 7, 9, 3), dtype, height=4, width=5, interpolation=method)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "lanczos3"])
def test_resizing_antialias_downscale(tmp_path: Path, method: str) -> None:
    check_resizing(
        tmp_path, (2, 11, 13, 2), "float32", height=4, width=5, interpolation=method, antialias=True
    )


def test_resizing_upscale_uint8_channels_first(tmp_path: Path) -> None:
    check_resizing(
        tmp_path,
        (2, 3, 5, 6),
        "uint8",
        height=9,
        width=11,
        interpolation="bicubic",
        data_format="channels_first",
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_resizing_crop_to_aspect_ratio(tmp_path: Path, data_format: str, dtype: str) -> None:
    shape = (2, 8, 12, 3) if data_format == "channels_last" else (2, 3, 8, 12)
    check_resizing(
        tmp_path,
        shape,
        dtype,
        height=5,
        width=4,
        crop_to_aspect_ratio=True,
        data_format=data_format,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_resizing_pad_to_aspect_ratio(tmp_path: Path, data_format: str, dtype: str) -> None:
    # The float fill value promotes the padded images to float64 (channels_first
    # always pads in float64): the resize runs in float64 and is cast back.
    shape = (2, 6, 12, 3) if data_format == "channels_last" else (2, 3, 6, 12)
    check_resizing(
        tmp_path,
        shape,
        dtype,
        height=6,
        width=4,
        pad_to_aspect_ratio=True,
        fill_value=17.0,
        data_format=data_format,
    )


def test_resizing_area_matches_tensorflow(tmp_path: Path) -> None:
    """``area`` exists only on Keras' TensorFlow backend: compare with its resize."""
    keras = pytest.importorskip("keras")
    tf_image = pytest.importorskip("keras.src.backend.tensorflow.image")
    x = keras.Input((9, 7, 3))
    model = keras.Model(x, keras.layers.Resizing(4, 3, interpolation="area")(x))
    path = tmp_path / "area.keras"
    model.save(path)
    assert not validation_problems(path)
    ours = rr.load_model(path)
    for data in (images((2, 9, 7, 3), "float32"), images((2, 9, 7, 3), "float32", 1)):
        want = tf_image.resize(data, (4, 3), interpolation="area").numpy()
        np.testing.assert_allclose(ours.predict(data), want, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(export_outputs(ours, data), want, rtol=1e-5, atol=1e-4)
    # uint8: TensorFlow's area resize yields float32; Resizing rounds and casts back.
    data8 = images((2, 9, 7, 3), "uint8")
    want8 = np.clip(np.round(tf_image.resize(data8, (4, 3), interpolation="area")), 0, 255)
    got8 = rr.layers.Resizing(height=4, width=3, interpolation="area")(data8)
    assert got8.dtype == np.uint8
    np.testing.assert_array_equal(got8, want8.astype(np.uint8))
    up = rr.layers.Resizing(height=11, width=10, interpolation="area")
    data = images((1, 4, 3, 2), "float32")
    want = tf_image.resize(data, (11, 10), interpolation="area").numpy()
    np.testing.assert_allclose(up(data), want, rtol=1e-5, atol=1e-4)


def test_resizing_refusals() -> None:
    from kformat.validate import iter_issues  # noqa: F401  (validator import cost up front)

    with pytest.raises(ValueError, match="interpolation"):
        rr.layers.Resizing(height=2, width=2, interpolation="cubic")
    with pytest.raises(ValueError, match="height"):
        rr.layers.Resizing(height=0, width=2)
    with pytest.raises(ValueError, match="fill_mode"):
        rr.layers.Resizing(height=2, width=2, fill_mode="reflect")
    both = rr.layers.Resizing(
        height=2, width=2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True
    )
    with pytest.raises(ValueError, match="Only one of"):
        both(np.zeros((1, 4, 4, 1), "float32"))


def test_preprocessing_in_a_classifier(tmp_path: Path) -> None:
    """A Sequential uint8 image classifier (augmentation, Resizing, Rescaling,
    CenterCrop, Dense) runs as Keras does and validates without KF310."""

    def build(keras: Any) -> Any:
        return keras.Sequential(
            [
                keras.Input((9, 11, 3), dtype="uint8"),
                keras.layers.RandomFlip(),
                keras.layers.Resizing(8, 8, crop_to_aspect_ratio=True),
                keras.layers.Rescaling(1 / 127.5, offset=-1),
                keras.layers.CenterCrop(6, 5),
                keras.layers.Flatten(),
                keras.layers.Dense(4),
            ]
        )

    check_layer("classifier", tmp_path, build, [images((3, 9, 11, 3), "uint8")], atol=1e-5)
    from kformat.validate import iter_issues

    found = {i.code for i in iter_issues(tmp_path / "keras_written.keras")}
    assert "KF310" not in found


def test_only_small_weight_matrices_are_cached() -> None:
    # A config may ask for any output size: large matrices are not kept.
    from kformat.layers import _resize

    before = _resize._cached_weight_matrix.cache_info().currsize
    big = _resize._weight_matrix(2048, 4096, "bilinear", False)
    assert big.shape == (2048, 4096)
    assert _resize._cached_weight_matrix.cache_info().currsize == before
    _resize._cached_weight_matrix.cache_clear()
    before = 0
    _resize._weight_matrix(13, 29, "lanczos5", True)
    assert _resize._cached_weight_matrix.cache_info().currsize == before + 1
