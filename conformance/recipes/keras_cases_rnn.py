"""Recurrent cases for the real-Keras oracle corpus: SimpleRNN, LSTM, GRU (reset_after both
ways), masks from Embedding(mask_zero) and Masking, Bidirectional merge modes, RNN over
StackedRNNCells. Tiny (few units, short sequences). Registered in keras_cases.CASES (the
driver, keras_models.py, imports this module).

State outputs (return_state) pass through a linear Activation each so that every output has
its own layer name (outputs.npz is keyed by layer name).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras_cases import Built, case


def _named(ctx: Any, tensors: list[Any], prefix: str) -> list[Any]:
    L = ctx.keras.layers
    return [L.Activation("linear", name=f"{prefix}_{i}")(t) for i, t in enumerate(tensors)]


@case(
    "rnn_layers",
    "SimpleRNN(return_sequences), LSTM(go_backwards), GRU(reset_after=False, "
    "use_bias=False), GRU(return_sequences, go_backwards), LSTM(return_state) on (B, 5, 3)",
)
def rnn_layers(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(5, 3), name="x")
    outs = [
        L.SimpleRNN(3, return_sequences=True, name="simple_seq")(x),
        L.LSTM(3, go_backwards=True, name="lstm_back")(x),
        L.GRU(3, reset_after=False, use_bias=False, name="gru_v1")(x),
        L.GRU(2, return_sequences=True, go_backwards=True, name="gru_seq_back")(x),
    ]
    seq, h, c = L.LSTM(2, return_sequences=True, return_state=True, name="lstm_state")(x)
    outs += _named(ctx, [seq, h, c], "lstm_state_out")
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model(x, outs),
        {"x": ctx.normal(2, 5, 3)},
        "single",
        names,
        "list",
        notes="states of lstm_state (sequence, h, c) pass through linear Activations",
    )


@case(
    "rnn_masked",
    "masks: Embedding(10, 3, mask_zero) -> LSTM(return_sequences) -> GRU, "
    "-> Bidirectional(LSTM(return_sequences), sum), -> SimpleRNN(go_backwards), -> "
    "Bidirectional(GRU(reset_after=False, return_sequences), ave); Masking(0) "
    "on a (B, 6, 2) float input -> GRU(return_sequences); padded rows of tokens",
)
def rnn_masked(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    tokens = K.Input(shape=(6,), dtype="int32", name="tokens")
    feats = K.Input(shape=(6, 2), name="feats")
    e = L.Embedding(10, 3, mask_zero=True, name="embed")(tokens)
    h = L.LSTM(3, return_sequences=True, name="lstm_masked")(e)
    outs = [
        h,
        L.GRU(2, name="gru_after")(h),
        L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="sum", name="bi_sum")(e),
        L.SimpleRNN(2, go_backwards=True, name="simple_back")(e),
        L.Bidirectional(
            L.GRU(2, return_sequences=True, reset_after=False), merge_mode="ave", name="bi_ave"
        )(e),
        L.GRU(2, return_sequences=True, name="gru_masking")(L.Masking(0.0, name="masking")(feats)),
    ]
    tok = np.array([[1, 2, 3, 4, 0, 0], [0, 0, 5, 6, 7, 8], [9, 1, 0, 2, 3, 4]], "int32")
    f = ctx.normal(3, 6, 2)
    f[0, 4:] = 0.0
    f[1, :2] = 0.0
    f[2, 2] = 0.0
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(
        K.Model([tokens, feats], outs),
        {"tokens": tok, "feats": f},
        "list",
        names,
        "list",
        notes="token 0 and all-zero feature steps are masked (trailing, leading and inner padding)",
    )


@case(
    "rnn_bidirectional_stacked",
    "Bidirectional(LSTM) concat, Bidirectional(GRU) mul "
    "(return_sequences), Bidirectional(SimpleRNN, merge_mode=None), Bidirectional with an "
    "explicit backward_layer, RNN(StackedRNNCells([LSTMCell, GRUCell])) on (B, 4, 3)",
)
def rnn_bidirectional_stacked(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 3), name="x")
    fwd, bwd = L.Bidirectional(L.SimpleRNN(2), merge_mode=None, name="bi_none")(x)
    outs = [
        L.Bidirectional(L.LSTM(2), name="bi_concat")(x),
        L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="mul", name="bi_mul")(x),
        *_named(ctx, [fwd, bwd], "bi_none_out"),
        L.Bidirectional(
            L.LSTM(2, return_sequences=True),
            backward_layer=L.GRU(2, return_sequences=True, go_backwards=True),
            name="bi_backward_layer",
        )(x),
        L.RNN(
            L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)]),
            return_sequences=True,
            name="rnn_stacked",
        )(x),
    ]
    names = [ctx.layer_name_of(t) for t in outs]
    return Built(K.Model(x, outs), {"x": ctx.normal(2, 4, 3)}, "single", names, "list")
