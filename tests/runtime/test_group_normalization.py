"""GroupNormalization against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat import layer_specs

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((5, 6), {"groups": 3}),
        ((4, 4, 8), {"groups": 2}),
        ((4, 4, 8), {"groups": -1}),
        ((6, 4, 3), {"groups": 2, "axis": 1}),
        ((3, 6, 4), {"groups": 3, "axis": -2, "epsilon": 0.1}),
        ((5, 6), {"groups": 6, "center": False}),
        ((5, 6), {"groups": 1, "scale": False}),
    ],
)
def test_group_normalization_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        h = keras.layers.GroupNormalization(**kwargs)(x)
        return keras.Model(x, keras.layers.Dense(2)(h))

    # large offsets and scales: the E[x^2] - E[x]^2 variance is computed as Keras does
    data = [3.0 + 2.0 * random_inputs([((3, *shape), "float32")])[0]]
    check_layer("GroupNormalization", tmp_path, build, data)


def test_group_normalization_variables() -> None:
    specs = layer_specs.variables("GroupNormalization", {"groups": -1}, (None, 4, 6))
    assert [(v.name, v.shape) for v in specs] == [("gamma", (6,)), ("beta", (6,))]
    with pytest.raises(ValueError, match="multiple"):
        layer_specs.variables("GroupNormalization", {"groups": 4}, (None, 6))


def test_group_normalization_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="groups"):
        rr.layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="multiple"):
        rr.layers.GroupNormalization(groups=4)(np.zeros((1, 6), "float32"))
    model = rr.Sequential([rr.layers.Input((6,)), rr.layers.GroupNormalization(groups=3)])
    model.save(tmp_path / "ok.keras")
    assert validation_problems(tmp_path / "ok.keras") == []


@pytest.mark.parametrize(("key", "value"), [("groups", 0), ("groups", 2.5), ("axis", [1])])
def test_group_normalization_kf305(tmp_path: Path, key: str, value: Any) -> None:
    model = rr.Sequential([rr.layers.Input((6,)), rr.layers.GroupNormalization(groups=3)])
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, "GroupNormalization", key, value)
    assert any(
        p.startswith(f"KF305 /config/layers/1/config/{key}") for p in validation_problems(path)
    )
    with pytest.raises(ValueError, match=key):
        rr.layers.GroupNormalization(**{key: value})
