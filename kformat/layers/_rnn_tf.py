"""The TensorFlow twin of :mod:`kformat.layers._rnn_math`: the same time loop with
``ctx.tf`` (no TensorFlow import here; see ``kformat/layers/_def.py``).

The loop is ``tf.scan`` over the time-major inputs (one cell body in the graph
whatever the sequence length, known or not: a SavedModel endpoint traced with
``(None, T, d)`` or ``(None, None, d)`` inputs both work; tracing one body per
layer instead of one per step keeps export fast). The first cell's input
projection is one matmul over all steps before the scan, as in the NumPy loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["tf_cell_step", "tf_run"]


class _TFCell:
    def __init__(self, ctx: Any, cell: Any) -> None:
        from kformat.layers._rnn_math import cell_kind

        tf = ctx.tf
        self.tf = tf
        self.kind = cell_kind(cell)
        self.units = int(cell.units)
        self.kernel = ctx.weight(cell, "kernel")
        rec = ctx.weight(cell, "recurrent_kernel")
        bias = ctx.weight(cell, "bias") if cell.use_bias else None
        self.input_bias = bias
        self.recurrent_bias = None
        if self.kind == "gru" and bias is not None:
            self.input_bias, self.recurrent_bias = bias[0], bias[1]
        u = self.units
        self.recurrent, self.recurrent_h = rec, None
        if self.kind == "gru_v1":
            self.recurrent, self.recurrent_h = rec[:, : 2 * u], rec[:, 2 * u :]
        self.act = ctx.act.tf_activation(cell.activation, cell.name)
        rec_fn = cell.activation if self.kind == "simple" else cell.recurrent_activation
        self.rec_act = ctx.act.tf_activation(rec_fn, cell.name)
        self.n_states = 2 if self.kind == "lstm" else 1

    def project(self, x: Any) -> Any:
        z = self.tf.matmul(x, self.kernel)
        return z if self.input_bias is None else z + self.input_bias

    def step(self, xz: Any, states: Sequence[Any]) -> list[Any]:
        tf, u = self.tf, self.units
        h = states[0]
        inner = tf.matmul(h, self.recurrent)
        if self.kind == "simple":
            return [self.act(xz + inner)]
        if self.kind == "lstm":
            z = xz + inner
            i = self.rec_act(z[:, :u])
            f = self.rec_act(z[:, u : 2 * u])
            g = self.act(z[:, 2 * u : 3 * u])
            o = self.rec_act(z[:, 3 * u :])
            c = f * states[1] + i * g
            return [o * self.act(c), c]
        if self.recurrent_bias is not None:
            inner = inner + self.recurrent_bias
        z = self.rec_act(xz[:, :u] + inner[:, :u])
        r = self.rec_act(xz[:, u : 2 * u] + inner[:, u : 2 * u])
        if self.kind == "gru":
            hh = self.act(xz[:, 2 * u :] + r * inner[:, 2 * u :])
        else:
            hh = self.act(xz[:, 2 * u :] + tf.matmul(r * h, self.recurrent_h))
        return [z * h + (1 - z) * hh]


def tf_cell_step(ctx: Any, cell: Any, x: Any, states: Sequence[Any]) -> list[Any]:
    """One step of a runtime cell in TensorFlow: the new states."""
    tc = _TFCell(ctx, cell)
    return tc.step(tc.project(x), list(states))


def tf_run(
    ctx: Any,
    cells: Sequence[Any],
    x: Any,
    initial: Sequence[Sequence[Any] | None] | None,
    mask: Any,
    *,
    go_backwards: bool,
    return_sequences: bool,
    zero_output_for_mask: bool,
) -> tuple[Any, list[list[Any]]]:
    """TensorFlow twin of :func:`kformat.layers._rnn_math.run` (same arguments)."""
    tf = ctx.tf
    tcs = [_TFCell(ctx, cell) for cell in cells]
    dtype = x.dtype
    b = tf.shape(x)[0]
    states: list[list[Any]] = []
    for k, tc in enumerate(tcs):
        given = None if initial is None else initial[k]
        if given is not None:
            states.append([tf.cast(s, dtype) for s in given])
        else:
            states.append([tf.zeros(tf.stack([b, tc.units]), dtype) for _ in range(tc.n_states)])
    d = x.shape[-1]
    xp = tcs[0].project(tf.reshape(x, [-1, d]))
    xp = tf.transpose(tf.reshape(xp, tf.stack([b, tf.shape(x)[1], -1])), [1, 0, 2])
    m = None
    if mask is not None:
        m = tf.transpose(tf.cast(mask, tf.bool), [1, 0])[:, :, None]
    if go_backwards:
        xp = tf.reverse(xp, [0])
        m = None if m is None else tf.reverse(m, [0])

    def step(carry: list[list[Any]], xz: Any, keep: Any) -> tuple[list[list[Any]], Any]:
        new_all, step_in = [], None
        for j, tc in enumerate(tcs):
            z = xz if j == 0 else tc.project(step_in)
            new = tc.step(z, carry[j])
            new_all.append(new)
            step_in = new[0]
        if keep is None:
            return new_all, new_all[-1][0]
        kept = [
            [tf.where(keep, n, o) for n, o in zip(new, old, strict=True)]
            for new, old in zip(new_all, carry, strict=True)
        ]
        if zero_output_for_mask:
            out = tf.where(keep, new_all[-1][0], tf.zeros_like(new_all[-1][0]))
        else:
            out = kept[-1][0]
        return kept, out

    sizes = [len(s) for s in states]
    flat0 = [s for group in states for s in group]

    def scan_fn(acc: Any, elems: Any) -> Any:
        flat, _ = acc
        grouped, i = [], 0
        for n in sizes:
            grouped.append(list(flat[i : i + n]))
            i += n
        xz, keep = elems if m is not None else (elems, None)
        new, out = step(grouped, xz, keep)
        return [s for g in new for s in g], out

    init_out = tf.zeros(tf.stack([b, tcs[-1].units]), dtype)
    flat_seq, out_seq = tf.scan(scan_fn, (xp, m) if m is not None else xp, (flat0, init_out))
    final, i = [], 0
    for n in sizes:
        final.append([s[-1] for s in flat_seq[i : i + n]])
        i += n
    if return_sequences:
        return tf.transpose(out_seq, [1, 0, 2]), final
    return out_seq[-1], final
