"""Rescaling against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, validation_problems

import reference_runtime as rr

pytestmark = pytest.mark.oracle


def images(shape: tuple[int, ...], dtype: str) -> np.ndarray[Any, Any]:
    return (np.random.default_rng(0).random(shape) * 255).astype(dtype)


def config_of(path: Path, class_name: str) -> dict[str, Any]:
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    layer = next(e for e in config["config"]["layers"] if e["class_name"] == class_name)
    out: dict[str, Any] = layer["config"]
    return out


@pytest.mark.parametrize(
    ("scale", "offset"),
    [
        (1 / 255.0, 0.0),
        (1 / 127.5, -1),
        ([0.5, 1.0, 2.0], [0.0, -1.0, 3.0]),
        ("array", 0.25),
    ],
)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_rescaling_matches_keras(tmp_path: Path, scale: Any, offset: Any, dtype: str) -> None:
    def build(keras: Any) -> Any:
        s = np.array([0.5, 1.5, 2.5], "float32") if isinstance(scale, str) else scale
        x = keras.Input((4, 5, 3), dtype=dtype)
        return keras.Model(x, keras.layers.Rescaling(s, offset=offset)(x))

    ours = check_layer("Rescaling", tmp_path, build, [images((2, 4, 5, 3), dtype)], atol=0)
    # The runtime writes scale/offset back exactly as Keras did (arrays as
    # ``__tensor__`` objects with their dtype).
    written = config_of(tmp_path / "keras_written.keras", "Rescaling")
    again = config_of(tmp_path / "runtime_written.keras", "Rescaling")
    assert again == written
    assert ours.predict(images((2, 4, 5, 3), dtype)).dtype == np.float32


def test_rescaling_mixed_float16(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 3, 1), dtype="uint8")
        return keras.Model(x, keras.layers.Rescaling(1 / 255.0, dtype="mixed_float16")(x))

    ours = check_layer("Rescaling", tmp_path, build, [images((2, 3, 3, 1), "uint8")], atol=1e-3)
    assert ours.predict(images((2, 3, 3, 1), "uint8")).dtype == np.float16


def test_rescaling_refuses_non_numbers(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        rr.layers.Rescaling(scale="half")
    with pytest.raises(ValueError, match="dtype"):
        rr.layers.Rescaling(
            scale={"class_name": "__tensor__", "config": {"value": 1, "dtype": "object"}}
        )
    keras = pytest.importorskip("keras")
    x = keras.Input((2,))
    keras.Model(x, keras.layers.Rescaling(0.5)(x)).save(tmp_path / "m.keras")
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(tmp_path / "m.keras") as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = data.replace(b'"scale": 0.5', b'"scale": "half"')
            dst.writestr(item, data)
    problems = validation_problems(bad)
    assert any(p.startswith("KF305") and "scale" in p for p in problems), problems
