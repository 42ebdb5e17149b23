"""Permute against real Keras."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("dims", [(2, 1), (3, 1, 2)])
def test_permute_matches_keras(tmp_path: Path, dims: tuple[int, ...]) -> None:
    shape = (2, 3) if len(dims) == 2 else (2, 3, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Permute(dims)(x))

    roundtrip("Permute", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_permute_rejects_bad_dims() -> None:
    with pytest.raises(ValueError, match="Invalid permutation"):
        rr.layers.Permute((0, 1))
