"""The colour ``Random*`` layers (and MixUp, CutMix, Solarization) against real
Keras: identity at inference, uint8 kept or cast as Keras does, config and
(empty) weights group round-tripped."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from layer_check import validation_problems
from random_layers import check_identity

import reference_runtime as rr

pytestmark = pytest.mark.oracle

CASES: dict[str, dict[str, Any]] = {
    "RandomBrightness": {"factor": 0.3, "value_range": (0, 1), "seed": 5},
    "RandomContrast": {"factor": (0.1, 0.4)},
    "RandomColorDegeneration": {"factor": 0.2},
    "RandomHue": {"factor": 0.1, "value_range": (0, 1)},
    "RandomSaturation": {"factor": (0.2, 0.6)},
    "RandomPosterization": {"factor": (2, 5)},
    "RandomSharpness": {"factor": 0.3},
    "RandomInvert": {"factor": 0.4},
    "RandomGrayscale": {"factor": 0.3},
    "RandomGaussianBlur": {"factor": 0.5, "kernel_size": 5, "sigma": 0.7},
    "RandomErasing": {"factor": 0.5, "scale": (0.1, 0.2), "fill_value": 3.0},
    "Solarization": {"addition_factor": 0.2, "threshold_factor": (0.1, 0.3)},
    "MixUp": {"alpha": 0.4},
    "CutMix": {"factor": 0.5, "seed": 2},
}


@pytest.mark.parametrize("class_name", sorted(CASES))
def test_identity_at_inference_uint8(tmp_path: Path, class_name: str) -> None:
    check_identity(tmp_path, class_name, CASES[class_name], "uint8")


@pytest.mark.parametrize("class_name", ["RandomBrightness", "RandomSharpness"])
def test_identity_at_inference_float(tmp_path: Path, class_name: str) -> None:
    check_identity(tmp_path, class_name, CASES[class_name], "float32")


def test_refusals(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match="factor"):
        keras.layers.RandomGrayscale(factor=1.5)
    with pytest.raises(ValueError, match="factor"):
        rr.layers.RandomGrayscale(factor=1.5)
    x = keras.Input((3, 3, 3))
    keras.Model(x, keras.layers.RandomGrayscale(factor=0.25)(x)).save(tmp_path / "m.keras")
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(tmp_path / "m.keras") as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = data.replace(b'"factor": 0.25', b'"factor": 1.5')
            dst.writestr(item, data)
    problems = validation_problems(bad)
    assert any(p.startswith("KF305") and "factor" in p for p in problems), problems
