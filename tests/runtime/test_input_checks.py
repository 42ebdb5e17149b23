"""Model inputs are checked as Keras checks them (input_spec.py, Functional._adjust_input_rank)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import reference_runtime as rr


@pytest.fixture
def model() -> Any:
    x = rr.Input((4,), name="features")
    return rr.Model(x, rr.layers.Dense(3)(x))


def test_good_inputs_still_run(model: Any) -> None:
    assert model(np.ones((2, 4), "float32")).shape == (2, 3)
    assert model(np.ones((2, 4), "int32")).dtype == np.float32  # numbers are cast
    assert model(np.ones((2, 4, 1), "float32")).shape == (2, 3)  # trailing unit axis squeezed
    assert model([[1.0, 2.0, 3.0, 4.0]]).shape == (1, 3)  # nested numbers: one input's data


@pytest.mark.parametrize(
    ("x", "found"),
    [
        (np.ones(4, "float32"), "found shape=(4,)"),
        (np.ones((2, 5), "float32"), "found shape=(2, 5)"),
        (np.ones((2, 4, 2), "float32"), "found shape=(2, 4, 2)"),
        (np.ones((), "float32"), "found shape=()"),
    ],
)
def test_wrong_shape_names_input_expected_and_found(model: Any, x: Any, found: str) -> None:
    with pytest.raises(ValueError, match=r"'features'.*expected shape=\(None, 4\)") as info:
        model(x)
    assert found in str(info.value)


def test_strings_into_a_float_model(model: Any) -> None:
    with pytest.raises(ValueError, match=r"'features'.*expected dtype=float32.*found dtype=<U1"):
        model(np.array([["a", "b", "c", "d"]]))


def test_wrong_number_of_inputs(model: Any) -> None:
    with pytest.raises(ValueError, match=r"expects 1 input\(s\) \['features'\].*received 2"):
        model([np.ones((1, 4)), np.ones((1, 4))])


def test_ragged_nested_list(model: Any) -> None:
    with pytest.raises(ValueError, match="'features'"):
        model([[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]])


def test_predict_batch_size_and_scalars(model: Any) -> None:
    x = np.ones((5, 4), "float32")
    assert model.predict(x, batch_size=2).shape == (5, 3)
    assert model.predict([[1.0, 2.0, 3.0, 4.0]]).shape == (1, 3)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.predict(x, batch_size=0)
    with pytest.raises(TypeError):
        model.predict(x, batch_size="2")
    with pytest.raises(ValueError, match="'features'"):
        model.predict(np.ones(4, "float32"))


def test_multi_input_model_checks_each_input() -> None:
    a, b = rr.Input((2,), name="a"), rr.Input((3,), name="b")
    y = rr.layers.Concatenate()([a, b])
    model = rr.Model([a, b], y)
    assert model([np.ones((1, 2)), np.ones((1, 3))]).shape == (1, 5)
    with pytest.raises(ValueError, match=r"Input 1 with name 'b'.*found shape=\(1, 2\)"):
        model([np.ones((1, 2)), np.ones((1, 2))])
    with pytest.raises(ValueError, match=r"expects 2 input\(s\)"):
        model([np.ones((1, 2))])


def test_sequential_checks_through_its_graph() -> None:
    model = rr.Sequential([rr.Input((4,)), rr.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(3, 5\)"):
        model(np.ones((3, 5), "float32"))
