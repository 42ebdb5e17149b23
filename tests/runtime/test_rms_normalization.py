"""RMSNormalization against real Keras, over the last axis and over two axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2], "epsilon": 1e-3}])
def test_rms_normalization_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((4, 6))
        return keras.Model(x, keras.layers.RMSNormalization(**kwargs)(x))

    roundtrip("RMSNormalization", tmp_path, build, random_inputs([((2, 4, 6), "float32")]))
