"""RepeatVector against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("n", [1, 4])
def test_repeat_vector_matches_keras(tmp_path: Path, n: int) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((5,))
        h = keras.layers.RepeatVector(n)(keras.layers.Dense(3)(x))
        return keras.Model(x, keras.layers.Dense(2)(h))

    check_layer("RepeatVector", tmp_path, build, random_inputs([((3, 5), "float32")]))


def test_repeat_vector_refuses_rank_3() -> None:
    import numpy as np

    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="rank 2"):
        layers.RepeatVector(n=2)(np.zeros((1, 2, 3), "float32"))
