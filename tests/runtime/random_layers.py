"""Shared by the ``Random*`` layer tests: Keras constructors with non-default
arguments, and the comparison of what Keras and the runtime wrote."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from layer_check import check_layer

__all__ = ["check_identity", "images", "saved_config", "saved_groups"]


def images(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray[Any, Any]:
    return (np.random.default_rng(seed).random(shape) * 255).astype(dtype)


def saved_config(path: Path) -> Any:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))["config"]["layers"]


def saved_groups(path: Path) -> list[tuple[str, str]]:
    """Every group and dataset of the weights file with its dtype and shape."""
    with zipfile.ZipFile(path) as z:
        raw = z.read("model.weights.h5")
    out: list[tuple[str, str]] = []
    with h5py.File(io.BytesIO(raw), "r") as f:
        f.visititems(
            lambda name, obj: out.append(
                (name, f"{obj.dtype}{obj.shape}" if isinstance(obj, h5py.Dataset) else "group")
            )
        )
    return out


def check_identity(
    tmp_path: Path,
    class_name: str,
    kwargs: dict[str, Any],
    dtype: str = "uint8",
    shape: tuple[int, ...] = (2, 6, 7, 3),
) -> Any:
    """A model ``Input -> class(**kwargs)``: outputs equal the input (cast as
    Keras casts it), the config and the H5 layout survive the runtime's re-save."""

    def build(keras: Any) -> Any:
        x = keras.Input(shape[1:], dtype=dtype)
        return keras.Model(x, getattr(keras.layers, class_name)(**kwargs)(x))

    data = images(shape, dtype)
    ours = check_layer(class_name, tmp_path, build, [data], atol=0)
    import keras

    want = keras.saving.load_model(tmp_path / "keras_written.keras").predict(data, verbose=0)
    got = ours.predict(data)
    assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
    np.testing.assert_array_equal(got, data.astype(got.dtype))
    keras_file, ours_file = tmp_path / "keras_written.keras", tmp_path / "runtime_written.keras"
    assert saved_config(ours_file) == saved_config(keras_file)
    assert saved_groups(ours_file) == saved_groups(keras_file)
    return ours
