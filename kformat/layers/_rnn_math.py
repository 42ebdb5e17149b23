"""The NumPy time loop every recurrent class runs (``SimpleRNN``, ``LSTM``, ``GRU``,
``RNN`` over any of their cells or ``StackedRNNCells``, and ``Bidirectional``).

What Keras computes (``keras/src/layers/rnn/rnn.py`` ``RNN.call`` and
``keras/src/backend/numpy/rnn.py`` / ``jax/rnn.py`` ``rnn``, unroll or not):

* the cells step over the time axis, from the last step back when
  ``go_backwards``; all outputs come back in *processing* order;
* a masked step (``mask[b, t]`` false) keeps every state of that row and outputs
  the previous output (``states[0]``, for stacked cells the last cell's first
  state), or zeros with ``zero_output_for_mask``; the last output is the output
  of the last processed step, masked like the others;
* cell math: ``keras/src/layers/rnn/simple_rnn.py``, ``lstm.py``, ``gru.py``
  (``implementation=2``; ``implementation=1`` and the training-only dropouts
  compute the same values at inference).

How: the input projection of the first cell is ONE GEMM over all steps before
the loop (``(B*T, d) @ (d, G)``, input bias added once); inside the loop only the
recurrent GEMM, into preallocated buffers, activations in place where they are
``tanh``/``sigmoid``. Cells after the first of a stack project their input
step by step (it is the previous cell's output at that step).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CellMath", "run"]

Array = np.ndarray[Any, Any]
Activation = Callable[[Array], Array]


@dataclass
class CellMath:
    """One cell's weights and activations, ready for the loop.

    Attributes:
        kind: ``simple``, ``lstm``, ``gru`` (``reset_after``) or ``gru_v1``.
        units: the cell's units.
        kernel: ``(d, G)``; ``G`` is ``units`` times 1, 4 or 3.
        recurrent: ``(units, G)`` (GRU without ``reset_after``: the first
            ``2 * units`` columns; the candidate's columns are ``recurrent_h``).
        input_bias: added to the input projection, or ``None``.
        recurrent_bias: added to the recurrent projection (GRU ``reset_after``), or ``None``.
        recurrent_h: GRU without ``reset_after``: ``(units, units)``, else ``None``.
        act / rec_act: ``activation`` / ``recurrent_activation`` applied to an
            array the loop owns (they may work in place; use what they return).
    """

    kind: str
    units: int
    kernel: Array
    recurrent: Array
    input_bias: Array | None
    recurrent_bias: Array | None
    recurrent_h: Array | None
    act: Activation
    rec_act: Activation

    @property
    def n_states(self) -> int:
        return 2 if self.kind == "lstm" else 1

    def project(self, x: Array, out: Array | None = None) -> Array:
        """``x @ kernel + input_bias`` for 2-D ``x``."""
        z = np.matmul(x, self.kernel, out=out)
        if self.input_bias is not None:
            np.add(z, self.input_bias, out=z)
        return z

    def step(self, xz: Array, states: list[Array], buf: Array, tmp: Array) -> list[Array]:
        """One step from the input projection ``xz`` ``(B, G)``; ``buf`` ``(B, G)``
        and ``tmp`` ``(B, units)`` are scratch. Returns new state arrays (fresh)."""
        u = self.units
        h = states[0]
        np.matmul(h, self.recurrent, out=buf[:, : self.recurrent.shape[1]])
        if self.kind == "simple":
            np.add(buf, xz, out=buf)
            return [np.array(self.act(buf), copy=True)]
        if self.kind == "lstm":
            np.add(buf, xz, out=buf)
            i_f = self.rec_act(buf[:, : 2 * u])  # i and f in one call (adjacent columns)
            i, f = i_f[:, :u], i_f[:, u:]
            g = self.act(buf[:, 2 * u : 3 * u])
            o = self.rec_act(buf[:, 3 * u :])
            c = np.multiply(f, states[1])  # c = f * c_tm1 + i * act(z2)
            np.multiply(i, g, out=tmp)
            np.add(c, tmp, out=c)
            h_new = np.multiply(o, self.act(np.array(c, copy=True)))
            return [h_new, c]
        if self.kind == "gru":  # reset_after: r applies to the recurrent projection
            if self.recurrent_bias is not None:
                np.add(buf, self.recurrent_bias, out=buf)
            rz = buf[:, :u]
            rr = buf[:, u : 2 * u]
            z = self.rec_act(np.add(xz[:, :u], rz))
            r = self.rec_act(np.add(xz[:, u : 2 * u], rr))
            np.multiply(r, buf[:, 2 * u :], out=tmp)
            np.add(xz[:, 2 * u :], tmp, out=tmp)
            hh = self.act(tmp)
        else:  # gru_v1: r applies to h before the candidate's recurrent GEMM
            z = self.rec_act(np.add(xz[:, :u], buf[:, :u]))
            r = self.rec_act(np.add(xz[:, u : 2 * u], buf[:, u : 2 * u]))
            np.multiply(r, h, out=tmp)
            assert self.recurrent_h is not None
            hh = np.matmul(tmp, self.recurrent_h)
            np.add(xz[:, 2 * u :], hh, out=hh)
            hh = self.act(hh)
        # h = z * h_tm1 + (1 - z) * hh
        one_minus = np.subtract(np.asarray(1, z.dtype), z)
        h_new = np.multiply(z, h)
        np.multiply(one_minus, hh, out=one_minus)
        np.add(h_new, one_minus, out=h_new)
        return [h_new]


def run(
    cells: Sequence[CellMath],
    x: Array,
    initial: Sequence[Sequence[Array]] | None,
    mask: Array | None,
    *,
    go_backwards: bool,
    return_sequences: bool,
    zero_output_for_mask: bool,
) -> tuple[Array, list[list[Array]]]:
    """Run stacked ``cells`` over ``x`` ``(B, T, d)``.

    Args:
        cells: one cell, or the cells of a ``StackedRNNCells`` in order.
        x: the sequences, in the compute dtype.
        initial: per cell its initial states (``None``: zeros).
        mask: ``(B, T)`` booleans or ``None``.

    Returns:
        ``(output, states)``: ``(B, T, units)`` in processing order or the last
        output ``(B, units)``; the final states per cell.
    """
    b, t_len = x.shape[0], x.shape[1]
    dtype = x.dtype
    states: list[list[Array]] = []
    for k, cell in enumerate(cells):
        if initial is not None and initial[k] is not None:
            given = [np.array(s, dtype=dtype, copy=True) for s in initial[k]]
            states.append(given)
        else:
            states.append([np.zeros((b, cell.units), dtype) for _ in range(cell.n_states)])
    last = cells[-1]
    out_units = last.units
    if t_len == 0:
        raise ValueError("the time dimension of an RNN input must be at least 1")
    # ONE GEMM: the first cell's input projection for every step.
    first = cells[0]
    xp = first.project(np.ascontiguousarray(x).reshape(b * t_len, x.shape[2]))
    xp = xp.reshape(b, t_len, -1)
    bufs = [np.empty((b, c.kernel.shape[1]), dtype) for c in cells]
    tmps = [np.empty((b, c.units), dtype) for c in cells]
    outputs = np.empty((b, t_len, out_units), dtype) if return_sequences else None
    m = None if mask is None else np.asarray(mask).astype(bool, copy=False)
    output = np.zeros((b, out_units), dtype)
    order = range(t_len - 1, -1, -1) if go_backwards else range(t_len)
    for k, t in enumerate(order):
        xz = xp[:, t]
        step_in: Array | None = None
        new_all: list[list[Array]] = []
        for j, cell in enumerate(cells):
            if j > 0:
                assert step_in is not None
                xz = cell.project(step_in)
            new = cell.step(xz, states[j], bufs[j], tmps[j])
            new_all.append(new)
            step_in = new[0]
        if m is None:
            states = new_all
            output = states[-1][0]
        else:
            keep = m[:, t][:, None]
            for j, new in enumerate(new_all):
                for s_old, s_new in zip(states[j], new, strict=True):
                    np.copyto(s_old, s_new, where=keep)
            if zero_output_for_mask:
                output = np.where(keep, new_all[-1][0], np.zeros((), dtype))
            else:  # the previous output where masked: the (kept) first state
                output = np.array(states[-1][0], copy=True)
        if outputs is not None:
            outputs[:, k] = output
    return (outputs if outputs is not None else output), states


_KINDS = {"SimpleRNNCell": "simple", "LSTMCell": "lstm", "GRUCell": "gru"}


def cell_kind(cell: Any) -> str:
    """``simple``/``lstm``/``gru``/``gru_v1`` of a runtime cell (by its class)."""
    kind = _KINDS.get(type(cell).__name__)
    if kind is None:
        raise ValueError(
            f"cell {getattr(cell, 'name', cell)!r} of class {type(cell).__name__} is not one of "
            "SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells"
        )
    if kind == "gru" and not cell.reset_after:
        return "gru_v1"
    return kind


def cell_math(cell: Any, dtype: Any = None) -> CellMath:
    """The :class:`CellMath` of a built runtime cell (weights read once, autocast)."""
    kind = cell_kind(cell)
    units = int(cell.units)
    kernel = np.asarray(cell.weight("kernel"))
    recurrent = np.asarray(cell.weight("recurrent_kernel"))
    bias = np.asarray(cell.weight("bias")) if cell.use_bias else None
    if dtype is not None:
        kernel = kernel.astype(dtype, copy=False)
        recurrent = recurrent.astype(dtype, copy=False)
        bias = None if bias is None else bias.astype(dtype, copy=False)
    input_bias = recurrent_bias = recurrent_h = None
    if kind == "gru" and bias is not None:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias = bias
    if kind == "gru_v1":
        recurrent_h = np.ascontiguousarray(recurrent[:, 2 * units :])
        recurrent = np.ascontiguousarray(recurrent[:, : 2 * units])
    return CellMath(
        kind,
        units,
        kernel,
        recurrent,
        input_bias,
        recurrent_bias,
        recurrent_h,
        cell.activate,
        cell.activate_recurrent if kind != "simple" else cell.activate,
    )


def cell_states(states: Any, math: CellMath) -> list[Array]:
    """A cell's states as a list (a single tensor is accepted for one-state cells)."""
    if isinstance(states, (list, tuple)):
        return [np.asarray(s) for s in states]
    return [np.asarray(states)]


def step_states(math: CellMath, x: Array, states: list[Array]) -> list[Array]:
    """One cell step on 2-D ``x``: the new states (``[h]`` or ``[h, c]``)."""
    b = x.shape[0]
    dtype = np.result_type(x.dtype, math.kernel.dtype)
    xz = math.project(x.astype(dtype, copy=False))
    buf = np.empty((b, math.kernel.shape[1]), dtype)
    tmp = np.empty((b, math.units), dtype)
    return math.step(xz, [s.astype(dtype) for s in states], buf, tmp)
