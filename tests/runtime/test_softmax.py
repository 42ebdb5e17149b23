"""Softmax layer against real Keras: axis, several axes, masked input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr


@pytest.mark.oracle
@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax_matches_keras(tmp_path: Path, axis: Any) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 4))
        return keras.Model(x, keras.layers.Softmax(axis=axis)(x))

    # Keras 3.15 cannot reload a tuple axis (it becomes a TrackedList), so
    # only the Keras -> runtime direction is checked for it.
    roundtrip(
        "Softmax",
        tmp_path,
        build,
        random_inputs([((2, 3, 4), "float32")]),
        keras_reload=not isinstance(axis, tuple),
    )


def test_softmax_mask_zeroes_fully_masked_rows() -> None:
    x = np.zeros((1, 2, 3), "float32")
    mask = np.array([[[True, False, True], [False, False, False]]])
    out = rr.layers.Softmax()(x, mask=mask)
    np.testing.assert_allclose(out, [[[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]])
