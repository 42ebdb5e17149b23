"""UpSampling1D/2D/3D against real Keras (runtime, validator, TensorFlow twin):
nearest repetition per axis, and UpSampling2D's image-resize interpolations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle


def test_upsampling1d_matches_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((4, 3))
        return keras.Model(x, keras.layers.Dense(2)(keras.layers.UpSampling1D(3)(x)))

    check_layer("UpSampling1D", tmp_path, build, random_inputs([((2, 4, 3), "float32")]))


@pytest.mark.parametrize(
    ("size", "fmt", "interpolation"),
    [
        ((2, 3), "channels_last", "nearest"),
        (2, "channels_first", "nearest"),
        (2, "channels_last", "bilinear"),
        ((3, 2), "channels_first", "bilinear"),
        ((2, 1), "channels_last", "bicubic"),
        (2, "channels_first", "lanczos3"),
        ((1, 2), "channels_last", "lanczos5"),
    ],
)
def test_upsampling2d_matches_keras(
    tmp_path: Path, size: Any, fmt: str, interpolation: str
) -> None:
    shape = (4, 5, 3) if fmt == "channels_last" else (3, 4, 5)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        layer = keras.layers.UpSampling2D(size, data_format=fmt, interpolation=interpolation)
        return keras.Model(x, keras.layers.Dense(2)(layer(x)))

    check_layer("UpSampling2D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_upsampling3d_matches_keras(tmp_path: Path, fmt: str) -> None:
    shape = (3, 2, 4, 2) if fmt == "channels_last" else (2, 3, 2, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        layer = keras.layers.UpSampling3D((2, 1, 3), data_format=fmt)
        return keras.Model(x, keras.layers.Dense(2)(layer(x)))

    check_layer("UpSampling3D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_bilinear_resizes_integers_with_rounding(keras: Any) -> None:
    # Keras resizes integer images in float32, then rounds and clips them.
    import reference_runtime.layers as layers

    x = np.random.default_rng(1).integers(0, 255, (1, 3, 4, 2)).astype("uint8")
    want = np.asarray(keras.layers.UpSampling2D(2, interpolation="bilinear")(x))
    got = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
    assert got.dtype == want.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


_TF_BACKEND = """
import os, sys
os.environ["KERAS_BACKEND"] = "tensorflow"
import numpy as np, keras
x = np.load(sys.argv[1])
out = {m: np.asarray(keras.layers.UpSampling2D((2, 3), interpolation=m)(x)) for m in sys.argv[3:]}
np.savez(sys.argv[2], **out)
"""


def test_tensorflow_backend_interpolations(tmp_path: Path) -> None:
    # ``area`` exists only on Keras' TensorFlow backend (``tf.image.resize``),
    # which Keras' NumPy backend refuses: run Keras on TensorFlow in a child.
    # (Its bicubic is TensorFlow's table-driven kernel, about 2e-3 away from
    # the NumPy and JAX backends' exact one, which the runtime follows.)
    pytest.importorskip("tensorflow")
    import reference_runtime.layers as layers

    x = np.random.default_rng(2).standard_normal((2, 3, 4, 2)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    methods = ["area", "bilinear"]
    subprocess.run(
        [
            sys.executable,
            "-c",
            _TF_BACKEND,
            str(tmp_path / "x.npy"),
            str(tmp_path / "y.npz"),
            *methods,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    want = np.load(tmp_path / "y.npz")
    for m in methods:
        got = layers.UpSampling2D(size=(2, 3), interpolation=m.upper())(x)
        np.testing.assert_allclose(got, want[m], rtol=1e-5, atol=1e-5, err_msg=m)


def test_refused_values() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="gaussian")
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling1D(size=0)
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling3D(size=[2, 2])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_bilinear_in_half_precision(tmp_path: Path, policy: str) -> None:
    # Half-precision floats resize in their own dtype; only integers are rounded.
    def build(keras: Any) -> Any:
        x = keras.Input((3, 4, 2))
        y = keras.layers.UpSampling2D(2, interpolation="bilinear", dtype=policy)(x)
        return keras.Model(x, keras.layers.Dense(2)(y))

    check_layer(
        "UpSampling2D", tmp_path, build, random_inputs([((2, 3, 4, 2), "float32")]), 1e-2, 1e-2
    )
