"""MultiHeadAttention against real Keras (spec §5.9).

Self and cross attention, a separate key, value_dim != key_dim, output_shape,
use_bias off, attention over several axes, the causal mask, query/value
masks from an Embedding, an explicit attention mask, returned scores, the
gate, the sliding window and the explicit (dropout > 0) path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import reference_runtime as rr

pytestmark = pytest.mark.oracle

B, T, S, D = 2, 5, 7, 8


def _two(kwargs: dict[str, Any], call: dict[str, Any] | None = None) -> Any:
    def build(keras: Any) -> Any:
        q = keras.Input((T, D), name="q")
        v = keras.Input((S, D + 2), name="v")
        out = keras.layers.MultiHeadAttention(**kwargs)(q, v, **(call or {}))
        return keras.Model([q, v], out)

    return build


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_heads": 2, "key_dim": 4},
        {"num_heads": 3, "key_dim": 4, "value_dim": 5},
        {"num_heads": 2, "key_dim": 3, "output_shape": 6, "use_bias": False},
        {"num_heads": 2, "key_dim": 4, "output_shape": (2, 3)},
        {"num_heads": 2, "key_dim": 4, "use_gate": True, "value_dim": 3},
        {"num_heads": 2, "key_dim": 4, "dropout": 0.3},
    ],
)
def test_cross_attention(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    data = random_inputs([((B, T, D), "float32"), ((B, S, D + 2), "float32")])
    roundtrip("MultiHeadAttention", tmp_path, _two(kwargs), data)


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_self_attention_causal(tmp_path: Path, dropout: float) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((T, D))
        mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=dropout)
        return keras.Model(x, mha(x, x, use_causal_mask=True))

    roundtrip("MultiHeadAttention", tmp_path, build, random_inputs([((B, T, D), "float32")]))


def test_separate_key_and_sliding_window(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        q = keras.Input((T, D))
        v = keras.Input((S, D))
        k = keras.Input((S, 3))
        mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, sliding_window=2)
        return keras.Model([q, v, k], mha(q, v, key=k))

    data = random_inputs([((B, T, D), "float32"), ((B, S, D), "float32"), ((B, S, 3), "float32")])
    roundtrip("MultiHeadAttention", tmp_path, build, data)


def test_attention_axes_over_two_axes(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 4, 6))
        mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
        return keras.Model(x, mha(x, x))

    roundtrip("MultiHeadAttention", tmp_path, build, random_inputs([((B, 3, 4, 6), "float32")]))


def test_return_attention_scores(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        q = keras.Input((T, D))
        v = keras.Input((S, D))
        out, scores = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(
            q, v, return_attention_scores=True
        )
        return keras.Model([q, v], [out, scores])

    data = random_inputs([((B, T, D), "float32"), ((B, S, D), "float32")])
    roundtrip("MultiHeadAttention", tmp_path, build, data)


@pytest.mark.parametrize("causal", [False, True])
def test_masks_from_embedding_and_attention_mask(tmp_path: Path, causal: bool) -> None:
    def build(keras: Any) -> Any:
        tokens = keras.Input((T,), dtype="int32")
        mask = keras.Input((T, T), dtype="bool")
        x = keras.layers.Embedding(10, D, mask_zero=True)(tokens)
        y = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(
            x, x, attention_mask=mask, use_causal_mask=causal
        )
        return keras.Model([tokens, mask], keras.layers.Dense(3)(y))

    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]], dtype="int32")
    mask = np.random.default_rng(0).random((B, T, T)) > 0.2
    mask[:, :, 0] = True  # keep every row partly visible (fully masked rows differ by path)
    roundtrip("MultiHeadAttention", tmp_path, build, [tokens, mask])


def test_weight_paths_and_order() -> None:
    mha = rr.layers.MultiHeadAttention(num_heads=2, key_dim=4, use_gate=True)
    mha.build((None, 5, 16), (None, 7, 12))
    assert [w.shape for w in mha.query_dense.weights] == [(16, 2, 4), (2, 4)]
    assert [w.shape for w in mha.output_dense.weights] == [(2, 4, 16), (16,)]
    assert mha.count_params() == sum(int(np.prod(w.shape)) for w in mha.weights)
    names = [w.path for w in mha.weights]
    assert names[0].startswith("query/") and names[4].startswith("gate/")
