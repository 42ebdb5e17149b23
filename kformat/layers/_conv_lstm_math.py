"""The ConvLSTM time loop in NumPy and its TensorFlow twin (``keras/src/layers/rnn/conv_lstm.py``).

One step of ``ConvLSTMCell.call``, gates in the kernel's order ``i, f, c, o``
(``ops.split(kernel, 4, axis=rank + 1)``)::

    z = conv(x_t, kernel, strides, padding, dilation) + bias + conv(h, recurrent_kernel, 1, "same")
    i, f, o = recurrent_activation(z_i), recurrent_activation(z_f), recurrent_activation(z_o)
    c = f * c + i * activation(z_c);  h = o * activation(c)

The input convolution does not depend on the state, so it runs once for every
time step (the steps folded into the batch: one GEMM, ``_conv_math.conv``)
before the loop; the loop runs only the recurrent convolution. Keras computes
the four gates as four convolutions of the split kernels; one convolution with
all ``4 * filters`` output channels gives the same sums.

The loop is ``backend.rnn`` (``keras/src/backend/numpy/rnn.py``): ``go_backwards``
walks the steps last to first and returns the outputs in that walking order; a
masked step keeps the previous states and outputs the previous ``h`` (zeros
with ``zero_output_for_mask``). Everything works channels-last; ``channels_first``
inputs and outputs are transposed around it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _conv_math as cm

__all__ = ["run", "tf_run"]


def _refuse(layer: Any, training: Any) -> None:
    if training is True and (layer.dropout > 0 or layer.recurrent_dropout > 0):
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: the runtime only runs inference (training=False)"
        )
    if layer.stateful:
        # Keras keeps the last states in non-saved variables between calls.
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: stateful=True carries states between calls; "
            "the runtime runs stateless recurrent layers only"
        )


def _last(x: Any, rank: int, channels_first: bool) -> Any:
    """``(..., C, *spatial)`` -> ``(..., *spatial, C)`` when channels come first."""
    return np.moveaxis(x, -rank - 1, -1) if channels_first else x


def _first(x: Any, rank: int, channels_first: bool) -> Any:
    return np.ascontiguousarray(np.moveaxis(x, -1, -rank - 1)) if channels_first else x


def run(
    layer: Any, cell: Any, inputs: Any, mask: Any, initial_state: Any, training: Any = None
) -> Any:
    """The ConvLSTM layer's ``call`` in NumPy: outputs (and ``[h, c]`` with ``return_state``)."""
    _refuse(layer, training)
    rank = len(layer.kernel_size)
    first = layer.data_format == "channels_first"
    x = np.asarray(inputs)
    if x.ndim != rank + 3:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of rank {rank + 3}, got shape {x.shape}"
        )
    batch, steps = x.shape[:2]
    steps_last = _last(x, rank, first)
    xs = steps_last.reshape(batch * steps, *steps_last.shape[2:])  # the steps as a batch
    kernel, recurrent = cell.weight("kernel"), cell.weight("recurrent_kernel")
    z_in = cm.conv(xs, kernel, tuple(layer.strides), layer.padding, tuple(layer.dilation_rate))
    if layer.use_bias:
        z_in = z_in + cell.weight("bias")
    z_in = z_in.reshape(batch, steps, *z_in.shape[1:])
    dtype = z_in.dtype
    filters = layer.filters
    if initial_state is not None:
        h, c = (np.asarray(_last(np.asarray(s), rank, first), dtype) for s in initial_state)
    else:
        h = np.zeros((batch, *z_in.shape[2:-1], filters), dtype)
        c = np.zeros_like(h)
    m = None if mask is None else np.asarray(mask).astype(bool).reshape(batch, steps)
    order = range(steps - 1, -1, -1) if layer.go_backwards else range(steps)
    ones = (1,) * (rank + 1)
    outputs = []
    for t in order:
        z = z_in[:, t] + cm.conv(h, recurrent, (1,) * rank, "same", (1,) * rank)
        gate = layer.recurrent_activation
        i = gate(z[..., :filters])
        f = gate(z[..., filters : 2 * filters])
        o = gate(z[..., 3 * filters :])
        c_new = f * c + i * layer.activate(np.array(z[..., 2 * filters : 3 * filters]))
        h_new = o * layer.activate(np.array(c_new))
        if m is None:
            h, c, out = h_new, c_new, h_new
        else:
            keep = m[:, t].reshape(batch, *ones)
            prev = np.zeros_like(h_new) if layer.zero_output_for_mask else h
            out = np.where(keep, h_new, prev)
            h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        if layer.return_sequences or t == order[-1]:
            outputs.append(out)
    result = np.stack(outputs, 1) if layer.return_sequences else outputs[-1]
    cast = np.dtype(layer.compute_dtype)
    result = _first(result.astype(cast, copy=False), rank, first)
    if layer.return_state:
        h, c = (_first(s.astype(cast, copy=False), rank, first) for s in (h, c))
        return [result, h, c]
    return result


def tf_run(
    ctx: Any, layer: Any, cell: Any, inputs: Any, mask: Any, initial_state: Any, training: Any
) -> Any:
    """TensorFlow twin of :func:`run`: ``tf.nn.convolution`` and ``tf.scan`` over time."""
    _refuse(layer, training)
    tf = ctx.tf
    rank = len(layer.kernel_size)
    first = layer.data_format == "channels_first"
    kernel, recurrent = ctx.weight(cell, "kernel"), ctx.weight(cell, "recurrent_kernel")
    dtype = ctx.result_dtype(inputs, kernel)
    x = ctx.cast(inputs, dtype)
    if first:
        x = tf.transpose(x, [0, 1, *range(3, rank + 3), 2])
    shape = tf.shape(x)
    batch, steps = shape[0], shape[1]
    xs = tf.reshape(x, tf.concat([[batch * steps], shape[2:]], 0))
    z_in = tf.nn.convolution(
        xs,
        ctx.cast(kernel, dtype),
        strides=list(layer.strides),
        padding=layer.padding.upper(),
        dilations=list(layer.dilation_rate),
    )
    if layer.use_bias:
        z_in = z_in + ctx.cast(ctx.weight(cell, "bias"), dtype)
    z_shape = tf.shape(z_in)
    z_in = tf.reshape(z_in, tf.concat([[batch, steps], z_shape[1:]], 0))
    filters = layer.filters
    if initial_state is not None:
        states = [ctx.cast(s, dtype) for s in initial_state]
        if first:
            states = [tf.transpose(s, [0, *range(2, rank + 2), 1]) for s in states]
        h0, c0 = states
    else:
        h0 = tf.zeros(tf.concat([[batch], z_shape[1:-1], [filters]], 0), dtype)
        c0 = h0
    time_major = tf.transpose(z_in, [1, 0, *range(2, rank + 3)])
    if mask is None:
        keep = tf.ones(tf.stack([steps, batch, *[1] * (rank + 1)]), tf.bool)
    else:  # (time, batch, 1, ...): broadcast over the state's axes
        keep = tf.reshape(
            tf.transpose(tf.reshape(tf.cast(mask, tf.bool), [batch, steps])),
            tf.stack([steps, batch, *[1] * (rank + 1)]),
        )
    if layer.go_backwards:
        time_major, keep = tf.reverse(time_major, [0]), tf.reverse(keep, [0])
    gate = ctx.act.tf_activation(layer.recurrent_activation, layer.name)
    recurrent = ctx.cast(recurrent, dtype)

    def step(carry: Any, elems: Any) -> Any:
        h, c, _ = carry
        z_t, keep_t = elems
        z = z_t + tf.nn.convolution(h, recurrent, strides=1, padding="SAME")
        i, f, g, o = tf.split(z, 4, axis=-1)
        c_new = gate(f) * c + gate(i) * ctx.activate(layer, g)
        h_new = gate(o) * ctx.activate(layer, c_new)
        if mask is None:
            return h_new, c_new, h_new
        prev = tf.zeros_like(h_new) if layer.zero_output_for_mask else h
        return tf.where(keep_t, h_new, h), tf.where(keep_t, c_new, c), tf.where(keep_t, h_new, prev)

    known = inputs.shape[1]
    if known is not None:
        # A known number of steps is unrolled: a graph without a while loop traces and
        # saves several times faster than tf.scan's (SavedModel export).
        carry = (h0, c0, h0)
        walked = []
        for t in range(known):
            carry = step(carry, (time_major[t], keep[t]))
            walked.append(carry[2])
        h_last, c_last = carry[0], carry[1]
        outs = tf.stack(walked) if layer.return_sequences else walked[-1][None]
    else:
        hs, cs, outs = tf.scan(step, (time_major, keep), initializer=(h0, c0, h0))
        h_last, c_last = hs[-1], cs[-1]
    # outputs in walking order (reversed with go_backwards), as backend.rnn stacks them
    result = tf.transpose(outs, [1, 0, *range(2, rank + 3)]) if layer.return_sequences else outs[-1]
    outputs = [result, h_last, c_last] if layer.return_state else [result]
    out_dtype = ctx.dtype(layer.compute_dtype)
    outputs = [ctx.cast(t, out_dtype) for t in outputs]
    if first:
        outputs = [
            tf.transpose(
                t,
                [
                    *range(len(t.shape) - rank - 1),
                    len(t.shape) - 1,
                    *range(len(t.shape) - rank - 1, len(t.shape) - 1),
                ],
            )
            for t in outputs
        ]
    return outputs if layer.return_state else outputs[0]
