"""GroupQueryAttention against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

QV = [((2, 3, 8), "float32"), ((2, 5, 8), "float32")]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"use_gate": True, "use_bias": False},
        {"num_key_value_heads": 4},
        {"dropout": 0.2},
    ],
)
def test_gqa_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    opts = {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2, **kwargs}

    def build(keras: Any) -> Any:
        q, v = keras.Input((3, 8)), keras.Input((5, 8))
        return keras.Model([q, v], keras.layers.GroupQueryAttention(**opts)(q, v))

    check_layer("GroupQueryAttention", tmp_path, build, random_inputs(QV))


def test_gqa_causal_key_and_scores_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        q, v, k = keras.Input((4, 8)), keras.Input((4, 8)), keras.Input((4, 8))
        out, scores = keras.layers.GroupQueryAttention(4, 4, 2)(
            q, v, k, use_causal_mask=True, return_attention_scores=True
        )
        return keras.Model([q, v, k], [out, scores])

    check_layer(
        "GroupQueryAttention causal", tmp_path, build, random_inputs([((2, 4, 8), "float32")] * 3)
    )


def test_gqa_causal_only_and_sliding_window_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        q = keras.Input((5, 8))
        a = keras.layers.GroupQueryAttention(4, 2, 1)(q, q, use_causal_mask=True)
        b = keras.layers.GroupQueryAttention(4, 2, 2, sliding_window=2)(q, q)
        return keras.Model(q, [a, b])

    check_layer(
        "GroupQueryAttention window", tmp_path, build, random_inputs([((2, 5, 8), "float32")])
    )


def test_gqa_padding_masks_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        t = keras.Input((5,), dtype="int32")
        x = keras.layers.Embedding(10, 8, mask_zero=True)(t)
        return keras.Model(t, keras.layers.GroupQueryAttention(4, 4, 2)(x, x))

    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], "int32")
    check_layer("GroupQueryAttention masks", tmp_path, build, [tokens])


def test_refuses_heads_that_do_not_divide() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=4, num_query_heads=3, num_key_value_heads=2)
