"""SimpleRNN, LSTM, GRU, RNN over cells and StackedRNNCells, Bidirectional, against
real Keras (runtime, validator, TensorFlow twin).

Few checks, each a functional model with many parallel branches: every option
that changes the math (return_sequences/return_state/go_backwards, masks from
Embedding(mask_zero) and Masking, activations, use_bias, reset_after both ways,
initial_state as a call argument, every merge mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle


def _masked_tokens() -> np.ndarray[Any, Any]:
    # Rows with trailing, leading and inner padding (token 0): every mask pattern.
    tokens = random_inputs([((4, 6), "int32")], seed=3)[0] % 9 + 1
    tokens[0, 4:] = 0
    tokens[1, :2] = 0
    tokens[2, 2] = 0
    tokens[3, 0] = 0
    tokens[3, 5] = 0
    return tokens


def test_recurrent_layers_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        L = keras.layers
        x = keras.Input((5, 3))
        outs = [
            L.SimpleRNN(4)(x),
            L.SimpleRNN(3, return_sequences=True, go_backwards=True, activation="relu")(x),
            L.LSTM(4, return_sequences=True)(x),
            L.LSTM(3, go_backwards=True, use_bias=False, recurrent_activation="hard_sigmoid")(x),
            L.GRU(4, return_sequences=True, go_backwards=True)(x),
            L.GRU(3, reset_after=False, use_bias=False, return_sequences=True)(x),
            L.LSTM(2, dropout=0.5, recurrent_dropout=0.3, unroll=True, unit_forget_bias=False)(x),
        ]
        seq, h, c = L.LSTM(3, return_state=True, return_sequences=True)(x)
        outs += [seq, h, c]
        g_out, g_h = L.GRU(3, return_state=True, go_backwards=True)(x)
        outs += [g_out, g_h]
        outs.append(L.SimpleRNN(3)(x, initial_state=[h]))
        outs.append(L.LSTM(3, return_sequences=True)(x, initial_state=[h, c]))
        return keras.Model(x, outs)

    check_layer("recurrent layers", tmp_path, build, random_inputs([((3, 5, 3), "float32")]))


def test_recurrent_masks_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        L = keras.layers
        tokens = keras.Input((6,), dtype="int32")
        e = L.Embedding(10, 3, mask_zero=True)(tokens)
        outs = [
            L.LSTM(3)(e),
            L.LSTM(3, return_sequences=True, go_backwards=True)(e),
            L.GRU(3, return_sequences=True)(e),
            L.GRU(2, reset_after=False, go_backwards=True)(e),
            L.SimpleRNN(3, return_sequences=True, zero_output_for_mask=True)(e),
            L.RNN(L.LSTMCell(2), return_sequences=True)(e),
            L.Bidirectional(L.LSTM(2, return_sequences=True))(e),
            L.Bidirectional(L.GRU(2), merge_mode="sum")(e),
        ]
        # the mask travels on with return_sequences (a second recurrent layer sees it)
        outs.append(L.GRU(2)(L.LSTM(3, return_sequences=True)(e)))
        # Masking: steps whose features all equal mask_value
        m = L.Masking(0.0)(
            L.Dense(3)(L.Embedding(10, 2)(tokens))
            * keras.ops.cast(keras.ops.expand_dims(keras.ops.not_equal(tokens, 0), -1), "float32")
        )
        outs.append(L.SimpleRNN(2, go_backwards=True, return_sequences=True)(m))
        seq, h, c = L.LSTM(2, return_state=True, return_sequences=True)(e)
        outs += [L.GRU(2)(seq), h, c]
        return keras.Model(tokens, outs)

    check_layer("recurrent masks", tmp_path, build, [_masked_tokens()])


def test_rnn_cells_and_bidirectional_match_keras(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        L = keras.layers
        x = keras.Input((4, 3))
        stacked = L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(2)])
        outs = [
            L.RNN(L.SimpleRNNCell(3))(x),
            L.RNN(L.GRUCell(3, reset_after=False), return_sequences=True, go_backwards=True)(x),
            L.RNN(stacked, return_sequences=True)(x),
            L.RNN([L.LSTMCell(2), L.LSTMCell(2)], go_backwards=True)(x),
        ]
        # merge modes: concat, mul here, ave below, sum in the masks test, None below
        outs.append(L.Bidirectional(L.LSTM(2, return_sequences=True))(x))
        outs.append(L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="mul")(x))
        outs += list(L.Bidirectional(L.GRU(2), merge_mode=None)(x))
        outs.append(
            L.Bidirectional(
                L.SimpleRNN(2, return_sequences=True),
                backward_layer=L.GRU(2, return_sequences=True, go_backwards=True),
            )(x)
        )
        outs.append(L.Bidirectional(L.RNN(L.GRUCell(2)), merge_mode="ave")(x))
        outs += list(L.Bidirectional(L.LSTM(2, return_state=True))(x))
        outs += list(L.Bidirectional(L.GRU(2, return_state=True), merge_mode=None)(x))
        # stacked states: (output, [h1, c1], h2), flattened for the model outputs
        both = L.RNN([L.LSTMCell(2), L.GRUCell(2)], return_state=True)(x)
        outs += keras.tree.flatten(both)
        return keras.Model(x, outs)

    check_layer("cells and Bidirectional", tmp_path, build, random_inputs([((2, 4, 3), "float32")]))


def test_recurrent_refusals(tmp_path: Path) -> None:
    import keras

    import reference_runtime.layers as layers
    from kformat.errors import UnsupportedFeatureError

    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(UnsupportedFeatureError, match="stateful"):
        layers.GRU(2, stateful=True)
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))

    x = keras.Input((4, 3))
    model = keras.Model(x, keras.layers.GRU(2)(x))
    path = tmp_path / "gru.keras"
    model.save(path)
    set_config_key(path, "GRU", "units", 0)
    assert any(p.startswith("KF305") for p in validation_problems(path))
    x = keras.Input((4, 3))
    model = keras.Model(x, keras.layers.Bidirectional(keras.layers.LSTM(2))(x))
    model.save(path)
    set_config_key(path, "Bidirectional", "merge_mode", "max")
    assert any(p.startswith("KF305") for p in validation_problems(path))


def test_lstm_step_count_is_one_input_gemm() -> None:
    """The input projection is one GEMM over all steps; the loop holds only the
    recurrent GEMM: count the matmuls the loop runs."""
    from kformat.layers import _rnn_math

    calls: list[tuple[int, ...]] = []
    real = np.matmul

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

        @staticmethod
        def matmul(a: Any, b: Any, **kw: Any) -> Any:
            calls.append(np.shape(a))
            return real(a, b, **kw)

    import reference_runtime.layers as layers

    layer = layers.LSTM(4, return_sequences=True)
    x = np.ones((2, 7, 3), "float32")
    layer(x)
    saved = _rnn_math.np
    _rnn_math.np = Counting()  # type: ignore[assignment]
    try:
        layer(x)
    finally:
        _rnn_math.np = saved
    assert calls[0] == (14, 3)  # all 7 steps of 2 rows at once
    assert calls[1:] == [(2, 4)] * 7  # then one recurrent GEMM per step
