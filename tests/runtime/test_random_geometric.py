"""The geometric ``Random*`` layers against real Keras: identity at inference,
dtype as Keras gives it, config and (empty) weights group round-tripped."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import validation_problems
from random_layers import check_identity, images

import reference_runtime as rr

pytestmark = pytest.mark.oracle

CASES: dict[str, dict[str, Any]] = {
    "RandomFlip": {"mode": "horizontal", "seed": 7},
    "RandomRotation": {"factor": (-0.1, 0.3), "fill_mode": "constant", "fill_value": 2.0},
    "RandomZoom": {"height_factor": 0.2, "width_factor": (-0.1, 0.1), "interpolation": "nearest"},
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.2, "fill_mode": "wrap"},
    "RandomShear": {"x_factor": (0.1, 0.3), "y_factor": (0.1, 0.2), "seed": 3},
    "RandomPerspective": {"factor": 0.5, "scale": 0.7},
    "RandomElasticTransform": {"factor": 0.5, "scale": 0.3, "fill_mode": "constant"},
    "RandomCrop": {"height": 4, "width": 5, "seed": 11},
}


@pytest.mark.parametrize("class_name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_identity_at_inference(tmp_path: Path, class_name: str, dtype: str) -> None:
    check_identity(tmp_path, class_name, CASES[class_name], dtype)


def test_channels_first(tmp_path: Path) -> None:
    check_identity(
        tmp_path, "RandomFlip", {"data_format": "channels_first"}, "float32", (2, 3, 5, 6)
    )


def test_random_crop_keeps_float16_and_declares_the_crop(tmp_path: Path) -> None:
    # Keras 3.8+: no autocast, no crop at inference; compute_output_shape still
    # says (height, width).
    keras = pytest.importorskip("keras")
    x = keras.Input((6, 7, 3), dtype="float16")
    layer = keras.layers.RandomCrop(4, 5, seed=1)
    model = keras.Model(x, layer(x))
    data = images((2, 6, 7, 3), "float16")
    want = np.asarray(model.predict(data, verbose=0))
    model.save(tmp_path / "m.keras")
    ours = rr.load_model(tmp_path / "m.keras")
    got = ours.predict(data)
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_array_equal(got, want)
    assert ours.layers[-1].compute_output_shape((None, 6, 7, 3)) == (None, 4, 5, 3)


def test_training_argument_is_accepted() -> None:
    # Keras records training=True in these layers' nodes; predict overrides it.
    layer = rr.layers.RandomFlip()
    data = images((1, 3, 3, 1), "float32")
    np.testing.assert_array_equal(layer(data, training=False), data)
    np.testing.assert_array_equal(layer(data, training=True), data)


def test_refusals(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match="scale"):
        keras.layers.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="scale"):
        rr.layers.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match="factor"):
        rr.layers.RandomRotation(factor="a lot")
    # Modes and interpolations are not checked by Keras: any string loads.
    assert rr.layers.RandomFlip(mode="diagonal").mode == "diagonal"
    x = keras.Input((3, 3, 1))
    keras.Model(x, keras.layers.RandomPerspective(scale=0.75)(x)).save(tmp_path / "m.keras")
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(tmp_path / "m.keras") as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = data.replace(b'"scale": 0.75', b'"scale": 1.5')
            dst.writestr(item, data)
    problems = validation_problems(bad)
    assert any(p.startswith("KF305") and "scale" in p for p in problems), problems


def test_keras_3_0_rotation_value_range(tmp_path: Path) -> None:
    # Keras 3.0-3.5 wrote RandomRotation's value_range; Keras 3.6+ refuses the
    # key. The runtime reads it (warning), drops it on re-save, and the
    # validator reports KF314, not an error.
    keras = pytest.importorskip("keras")
    x = keras.Input((4, 4, 1))
    keras.Model(x, keras.layers.RandomRotation(0.1)(x)).save(tmp_path / "m.keras")
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(tmp_path / "m.keras") as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = data.replace(b'"factor": [', b'"value_range": [0, 255], "factor": [')
            dst.writestr(item, data)
    assert not validation_problems(old)
    from kformat.validate import iter_issues

    assert [i.code for i in iter_issues(old) if i.code == "KF314"] == ["KF314"]
    with pytest.warns(UserWarning, match="value_range"):
        ours = rr.load_model(old)
    data = images((1, 4, 4, 1), "float32")
    np.testing.assert_array_equal(ours.predict(data), data)
    ours.save(tmp_path / "again.keras")
    again = keras.saving.load_model(tmp_path / "again.keras")
    np.testing.assert_array_equal(again.predict(data, verbose=0), data)
