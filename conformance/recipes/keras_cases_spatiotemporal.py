"""Sequence-of-frames cases for the real-Keras oracle corpus: TimeDistributed over a layer
or a stack of layers (the wrapped layer's weights in <wrapper>/layer) and the ConvLSTM
layers (their weights in <layer>/cell). Registered in keras_cases.CASES (the driver,
keras_models.py, imports this module). Tiny sizes: 2-4 steps, a few filters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from keras_cases import Built, case


@case(
    "time_distributed",
    "TimeDistributed(Dense(3, tanh)) -> TimeDistributed(Dense(2)) on (B, 4, 5); per frame of "
    "(B, 3, 6, 6, 2): TimeDistributed Conv2D(3, 3, relu) -> MaxPooling2D(2) -> Flatten -> "
    "Dense(2)",
)
def time_distributed(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 5), name="x")
    h = L.TimeDistributed(L.Dense(3, activation="tanh"), name="td_hidden")(x)
    y = L.TimeDistributed(L.Dense(2), name="td_out")(h)
    frames = K.Input(shape=(3, 6, 6, 2), name="frames")
    f = L.TimeDistributed(L.Conv2D(3, 3, activation="relu"), name="td_conv")(frames)
    f = L.TimeDistributed(L.MaxPooling2D(2), name="td_pool")(f)
    f = L.TimeDistributed(L.Flatten(), name="td_flatten")(f)
    z = L.TimeDistributed(L.Dense(2), name="td_dense")(f)
    return Built(
        K.Model([x, frames], [h, y, z]),
        {"x": ctx.normal(2, 4, 5), "frames": ctx.normal(2, 3, 6, 6, 2)},
        "list",
        ["td_hidden", "td_out", "td_dense"],
        "list",
    )


@case(
    "conv_lstm",
    "(B, 3, 5, 5, 2): ConvLSTM2D(2, 3, same, return_sequences) -> ConvLSTM2D(2, 2, "
    "go_backwards, return_state); (B, 4, 6, 3): ConvLSTM1D(3, 2, strides 2, same, "
    "return_sequences, go_backwards); sigmoid gates written explicitly",
)
def conv_lstm(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    frames = K.Input(shape=(3, 5, 5, 2), name="frames")
    seq = L.ConvLSTM2D(
        2,
        3,
        padding="same",
        return_sequences=True,
        recurrent_activation="sigmoid",
        name="conv_lstm_seq",
    )(frames)
    out, h, c = L.ConvLSTM2D(
        2,
        2,
        go_backwards=True,
        return_state=True,
        recurrent_activation="sigmoid",
        name="conv_lstm_state",
    )(seq)
    steps = K.Input(shape=(4, 6, 3), name="steps")
    one_d = L.ConvLSTM1D(
        3,
        2,
        strides=2,
        padding="same",
        return_sequences=True,
        go_backwards=True,
        recurrent_activation="sigmoid",
        name="conv_lstm1d",
    )(steps)
    return Built(
        K.Model([frames, steps], [seq, out, h, c, one_d]),
        {"frames": ctx.normal(2, 3, 5, 5, 2), "steps": ctx.normal(2, 4, 6, 3)},
        "list",
        ["conv_lstm_seq", "conv_lstm_state", "state_h", "state_c", "conv_lstm1d"],
        "list",
    )


@case(
    "conv_lstm2d_masked",
    "(B, 4, 3, 3, 2) with an explicit (B, 4) boolean mask input: "
    "ConvLSTM2D(2, 2, return_sequences) and ConvLSTM2D(2, 2, same, go_backwards); masked "
    "steps keep the states (Keras 3's backend.rnn fails on it: SKIPPED.md)",
)
def conv_lstm2d_masked(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(4, 3, 3, 2), name="frames")
    m = K.Input(shape=(4,), dtype="bool", name="mask")
    seq = L.ConvLSTM2D(
        2, 2, return_sequences=True, recurrent_activation="sigmoid", name="conv_lstm_seq"
    )(x, mask=m)
    last = L.ConvLSTM2D(
        2,
        2,
        padding="same",
        go_backwards=True,
        recurrent_activation="sigmoid",
        name="conv_lstm_back",
    )(x, mask=m)
    mask = np.ones((2, 4), bool)
    mask[0, 2:] = False
    mask[1, 1] = False
    return Built(
        K.Model([x, m], [seq, last]),
        {"frames": ctx.normal(2, 4, 3, 3, 2), "mask": mask},
        "list",
        ["conv_lstm_seq", "conv_lstm_back"],
        "list",
    )


@case(
    "time_distributed_sequential",
    "TimeDistributed(Sequential([Input(4), Dense(3, relu), "
    "Dense(2)])) on (B, 3, 4): the wrapped model's layers under <wrapper>/layer/layers",
)
def time_distributed_sequential(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(3, 4), name="x")
    per_step = K.Sequential(
        [K.Input(shape=(4,)), L.Dense(3, activation="relu"), L.Dense(2)], name="per_step"
    )
    y = L.TimeDistributed(per_step, name="td_model")(x)
    return Built(K.Model(x, y), {"x": ctx.normal(2, 3, 4)}, "single", ["td_model"], "single")
