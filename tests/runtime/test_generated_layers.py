"""Runtime classes generated from the layer catalogue: constructed as Keras constructs
them (positional arguments, Python objects), refusing what Keras refuses, and
writing Keras' ``get_config`` exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference_runtime as rr

pytestmark = pytest.mark.oracle

# (class, args, kwargs) built in both; configs must be equal, keys in Keras' order.
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("Add", (), {}),
    ("Subtract", (), {}),
    ("Multiply", (), {}),
    ("Average", (), {}),
    ("Maximum", (), {}),
    ("Minimum", (), {}),
    ("Concatenate", (1,), {}),
    ("Dot", ((1, 2),), {"normalize": True}),
    ("Dot", (-1,), {}),
    ("Flatten", (), {"data_format": "CHANNELS_FIRST"}),
    ("Flatten", (), {}),
    ("Reshape", ((2, -1),), {}),
    ("Permute", ([2, 1],), {}),
    ("Identity", (), {}),
    ("ReLU", (6,), {"negative_slope": 0.1, "threshold": 0.5}),
    ("LeakyReLU", (), {"negative_slope": 0.2}),
    ("Activation", ("tanh",), {}),
    ("Dropout", (0.25,), {"seed": 3}),
    ("PReLU", (), {"shared_axes": 1}),
    ("PReLU", (), {"alpha_initializer": "ones", "shared_axes": [1, 2]}),
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_get_config_is_keras(keras: Any, name: str, args: tuple[Any, ...], kwargs: Any) -> None:
    mine = getattr(rr.layers, name)(*args, name="x", **kwargs).get_config()
    theirs = _jsonable(getattr(keras.layers, name)(*args, name="x", **kwargs).get_config())
    assert list(mine) == list(theirs)
    assert mine == theirs


REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("Reshape", {"target_shape": (-1, -1)}),
    ("Permute", {"dims": (1, 3)}),
    ("ReLU", {"max_value": -1}),
    ("ReLU", {"negative_slope": -1}),
    ("LeakyReLU", {"negative_slope": -1}),
    ("Dropout", {"rate": 2}),
    ("Flatten", {"data_format": "channels_middle"}),
]


@pytest.mark.parametrize(("name", "kwargs"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refuses_what_keras_refuses(keras: Any, name: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(**kwargs)
    with pytest.raises(ValueError):
        getattr(rr.layers, name)(**kwargs)


def test_python_objects_and_keras2_spellings() -> None:
    layer = rr.layers.Activation(lambda x: x * 2)
    assert np.array_equal(layer(np.ones((1, 2), "float32")), np.full((1, 2), 2, "float32"))
    assert rr.layers.LeakyReLU(alpha=0.1).negative_slope == 0.1
    with pytest.raises(TypeError):
        rr.layers.Reshape((2,), target_shape=(2,))
