"""UnitNormalization against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization_matches_keras(tmp_path: Path, axis: Any) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 4))
        h = keras.layers.UnitNormalization(axis=axis)(keras.layers.Dense(4)(x))
        return keras.Model(x, keras.layers.Dense(2)(h))

    check_layer("UnitNormalization", tmp_path, build, random_inputs([((2, 3, 4), "float32")]))


def test_unit_normalization_zero_vector_stays_zero() -> None:
    y = rr.layers.UnitNormalization()(np.zeros((2, 3), "float32"))
    np.testing.assert_array_equal(y, 0.0)
    y = rr.layers.UnitNormalization()(np.array([[3.0, 4.0]], "float32"))
    np.testing.assert_allclose(y, [[0.6, 0.8]], rtol=1e-6)


def test_unit_normalization_refusals() -> None:
    with pytest.raises(ValueError, match="axis"):
        rr.layers.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="out of bounds"):
        rr.layers.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))


@pytest.mark.parametrize("value", ["last", [], [1, 1]])
def test_unit_normalization_kf305(tmp_path: Path, value: Any) -> None:
    model = rr.Sequential([rr.layers.Input((3, 4)), rr.layers.UnitNormalization()])
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, "UnitNormalization", "axis", value)
    assert any(
        p.startswith("KF305 /config/layers/1/config/axis") for p in validation_problems(path)
    )
