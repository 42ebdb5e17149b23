"""ELU against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("alpha", [1.0, 0.3, -2.0])
def test_elu_matches_keras(tmp_path: Path, alpha: float, keras: Any) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((6,))
        h = keras.layers.ELU(alpha=alpha, name="act")(keras.layers.Dense(5)(x))
        return keras.Model(x, keras.layers.Dense(2)(h))

    ours = check_layer("ELU", tmp_path, build, random_inputs([((4, 6), "float32")]))
    theirs = keras.layers.ELU(alpha=alpha, name="e").get_config()
    mine = rr.layers.ELU(alpha=alpha, name="e").get_config()
    assert list(mine) == list(theirs) and mine["alpha"] == alpha
    assert ours.get_layer("act").get_config()["alpha"] == alpha


def test_elu_values() -> None:
    x = np.array([-2.0, -0.5, 0.0, 1.5], "float32")
    y = rr.layers.ELU(alpha=0.5)(x)
    np.testing.assert_allclose(y, [0.5 * np.expm1(-2.0), 0.5 * np.expm1(-0.5), 0.0, 1.5], 1e-6)
    assert y.dtype == np.float32


def test_elu_refuses_a_non_number() -> None:
    with pytest.raises(ValueError, match="alpha"):
        rr.layers.ELU(alpha="big")


def test_elu_kf305(tmp_path: Path) -> None:
    model = rr.Sequential([rr.layers.Input((3,)), rr.layers.ELU()])
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, "ELU", "alpha", "big")
    assert any(p.startswith("KF305") and "alpha" in p for p in validation_problems(path))
