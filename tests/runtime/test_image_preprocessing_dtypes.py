"""Every image preprocessing class against Keras' layers called directly, under
each dtype policy and input dtype: same values, bit for bit, and same dtype.

Keras' dtype rules here are uneven (integer images pass through some classes
and are cast by others; the NumPy backend turns float64 into float32 at
``convert_to_tensor``), so each class is checked on the whole grid.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import reference_runtime as rr
from kformat import layers as catalogue

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

POLICIES = ["float32", "mixed_float16", "mixed_bfloat16", "float64"]
INPUTS = ["uint8", "int32", "float16", "float32", "float64"]
ARGS: dict[str, dict[str, Any]] = {
    "RandomBrightness": {"factor": 0.2},
    "RandomColorDegeneration": {"factor": 0.2},
    "RandomContrast": {"factor": 0.2},
    "RandomCrop": {"height": 4, "width": 4},
    "RandomPosterization": {"factor": (1, 4)},
    "RandomRotation": {"factor": 0.2},
    "RandomSaturation": {"factor": 0.2},
    "RandomSharpness": {"factor": 0.2},
    "RandomShear": {"x_factor": 0.2},
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
    "RandomZoom": {"height_factor": 0.1},
    "RandomHue": {"factor": 0.2},
    "Rescaling": {"scale": [0.5, 1 / 255.0, 2.0], "offset": -1.0},
    "Resizing": {"height": 4, "width": 9, "interpolation": "lanczos3", "antialias": True},
    "CenterCrop": {"height": 8, "width": 5},
    "AutoContrast": {"value_range": (0, 1)},
    "MaxNumBoundingBoxes": {"max_number": 3},
}
CLASSES = sorted(
    name
    for name, d in catalogue.REGISTRY.items()
    if "/image_preprocessing/" in d.source or name == "Rescaling"
)


@pytest.mark.parametrize("class_name", CLASSES)
def test_dtype_grid(class_name: str) -> None:
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    for policy in POLICIES:
        theirs = getattr(keras.layers, class_name)(**ARGS.get(class_name, {}), dtype=policy)
        ours = getattr(rr.layers, class_name).from_config(theirs.get_config())
        assert json.dumps(ours.get_config()) == json.dumps(theirs.get_config())
        for dtype in INPUTS:
            x = (rng.random((2, 6, 7, 3)) * 255).astype(dtype)
            x[0, ..., 1] = 3  # a constant channel (AutoContrast's NaN path)
            want = np.asarray(theirs(x, training=False))
            got = np.asarray(ours(x))
            assert got.dtype == want.dtype, (policy, dtype)
            np.testing.assert_array_equal(got, want, err_msg=f"{policy} {dtype}")
