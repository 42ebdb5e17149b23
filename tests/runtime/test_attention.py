"""Attention and AdditiveAttention against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

QV = [((2, 3, 4), "float32"), ((2, 5, 4), "float32")]
QVK = [*QV, ((2, 5, 4), "float32")]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"use_scale": True},
        {"score_mode": "concat"},
        {"score_mode": "concat", "use_scale": True, "dropout": 0.3},
    ],
)
def test_attention_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    def build(keras: Any) -> Any:
        q, v = keras.Input((3, 4)), keras.Input((5, 4))
        return keras.Model([q, v], keras.layers.Attention(**kwargs)([q, v]))

    check_layer("Attention", tmp_path, build, random_inputs(QV))


@pytest.mark.parametrize("use_scale", [True, False])
def test_additive_attention_with_key_matches_keras(tmp_path: Path, use_scale: bool) -> None:
    def build(keras: Any) -> Any:
        q, v, k = keras.Input((3, 4)), keras.Input((5, 4)), keras.Input((5, 4))
        out = keras.layers.AdditiveAttention(use_scale=use_scale)([q, v, k])
        return keras.Model([q, v, k], out)

    check_layer("AdditiveAttention", tmp_path, build, random_inputs(QVK))


def test_causal_mask_and_scores_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        q, v = keras.Input((4, 4)), keras.Input((4, 4))
        out, scores = keras.layers.Attention(use_scale=True)(
            [q, v], use_causal_mask=True, return_attention_scores=True
        )
        return keras.Model([q, v], [out, scores])

    data = random_inputs([((2, 4, 4), "float32"), ((2, 4, 4), "float32")])
    check_layer("Attention causal", tmp_path, build, data)


def test_padding_masks_reach_attention(tmp_path: Path) -> None:
    # Embedding(mask_zero) masks value positions and query rows, as in Keras.
    def build(keras: Any) -> Any:
        qi, vi = keras.Input((4,), dtype="int32"), keras.Input((6,), dtype="int32")
        emb = keras.layers.Embedding(10, 4, mask_zero=True)
        out = keras.layers.Attention()([emb(qi), emb(vi)])
        return keras.Model([qi, vi], out)

    qi = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], "int32")
    vi = np.array([[4, 5, 6, 0, 0, 0], [7, 8, 9, 1, 2, 0]], "int32")
    check_layer("Attention masks", tmp_path, build, [qi, vi])


def test_refusals() -> None:
    import reference_runtime.layers as layers

    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(np.zeros((1, 2, 3), "float32"))
