"""Two-operand einsum through BLAS: a plan per equation, compiled once.

``np.einsum`` without ``optimize`` runs its own C loops (about a tenth of GEMM
speed), and even ``optimize=True`` falls back to them when the operands share
batch axes, as attention's ``BTNH,BSNH->BNTS`` does. Every equation EinsumDense,
MultiHeadAttention and Dot use is a batched matrix product: batch labels (in
both operands and the output), contracted labels (in both, not the output)
and free labels (in one operand and the output). The plan transposes each
operand to ``(batch, free, contracted)`` / ``(batch, contracted, free)``,
reshapes to 3-D, calls ``np.matmul`` and transposes the result into the output
order. The arithmetic is the same sums; only the summation order differs,
which stays within float32 rounding (a few ulp).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

__all__ = ["contract"]


class _Plan:
    def __init__(self, a: str, b: str, out: str) -> None:
        batch = [c for c in out if c in a and c in b]
        contracted = [c for c in a if c in b and c not in out]
        a_free = [c for c in a if c not in b]
        b_free = [c for c in b if c not in a]
        self.batch, self.contracted, self.a_free, self.b_free = batch, contracted, a_free, b_free
        self.a_perm = tuple(a.index(c) for c in batch + a_free + contracted)
        self.b_perm = tuple(b.index(c) for c in batch + contracted + b_free)
        produced = batch + a_free + b_free
        self.out_perm = tuple(produced.index(c) for c in out)
        self.identity_out = self.out_perm == tuple(range(len(out)))
        self.a, self.b = a, b

    def __call__(self, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        dims: dict[str, int] = {}
        for labels, arr in ((self.a, x), (self.b, y)):
            for c, n in zip(labels, arr.shape, strict=True):
                dims[c] = n
        nb = math.prod(dims[c] for c in self.batch)
        m = math.prod(dims[c] for c in self.a_free)
        k = math.prod(dims[c] for c in self.contracted)
        n = math.prod(dims[c] for c in self.b_free)
        xt = x.transpose(self.a_perm).reshape(nb, m, k)
        yt = y.transpose(self.b_perm).reshape(nb, k, n)
        # One GEMM instead of a stack of one when there are no batch axes.
        r: np.ndarray[Any, Any] = np.matmul(xt[0], yt[0]) if nb == 1 else np.matmul(xt, yt)
        shape = [dims[c] for c in self.batch + self.a_free + self.b_free]
        r = r.reshape(shape)
        return r if self.identity_out else r.transpose(self.out_perm)


@functools.lru_cache(maxsize=256)
def _plan(equation: str) -> _Plan | None:
    eq = equation.replace(" ", "")
    if "->" not in eq or "." in eq:
        return None
    lhs, out = eq.split("->")
    ops = lhs.split(",")
    if len(ops) != 2:
        return None
    a, b = ops
    # Repeated labels (diagonals) and labels summed out of a single operand
    # are not matrix products: leave them to np.einsum.
    if len(set(a)) != len(a) or len(set(b)) != len(b) or len(set(out)) != len(out):
        return None
    if any(c not in a and c not in b for c in out):
        return None
    if any(c not in out and (c in a) != (c in b) for c in a + b):
        return None
    return _Plan(a, b, out)


def contract(equation: str, x: Any, y: Any) -> np.ndarray[Any, Any]:
    """``np.einsum(equation, x, y)`` computed with BLAS matrix products."""
    x = np.asarray(x)
    y = np.asarray(y)
    plan = _plan(equation)
    if plan is None or x.dtype != y.dtype or x.dtype.kind != "f" or x.dtype.itemsize < 4:
        # Mixed or half-precision dtypes keep np.einsum's promotion rules.
        result: np.ndarray[Any, Any] = np.einsum(equation, x, y)
        return result
    return plan(x, y)
