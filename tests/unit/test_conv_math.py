"""The NumPy convolution kernels (kformat/layers/_conv_math.py) against direct
definitions written with loops over output pixels, with NumPy only."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from kformat.layers import _conv_math as cm

RNG = np.random.default_rng(7)


def _pad_same(n: int, k_eff: int, s: int) -> tuple[int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def reference_conv(
    x: Any,
    kernel: Any,
    strides: tuple[int, ...],
    padding: str,
    dilation: tuple[int, ...],
    groups: int,
) -> Any:
    """``y[b, o, f] = sum_{t, c} xpad[b, o * s + t * d, g(f) * cg + c] * kernel[t, c, f]``."""
    rank = x.ndim - 2
    ksize = kernel.shape[:rank]
    k_eff = [(k - 1) * d + 1 for k, d in zip(ksize, dilation, strict=True)]
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "causal":
        pads = [(k_eff[0] - 1, 0)]
    else:
        pads = [_pad_same(n, ke, s) for n, ke, s in zip(x.shape[1:-1], k_eff, strides, strict=True)]
    xp = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)])
    out = [(n - ke) // s + 1 for n, ke, s in zip(xp.shape[1:-1], k_eff, strides, strict=True)]
    cg, filters = kernel.shape[-2], kernel.shape[-1]
    fg = filters // groups
    y = np.zeros((x.shape[0], *out, filters))
    for o in itertools.product(*(range(n) for n in out)):
        for t in itertools.product(*(range(k) for k in ksize)):
            at = tuple(
                oi * s + ti * d for oi, ti, s, d in zip(o, t, strides, dilation, strict=True)
            )
            for f in range(filters):
                g = f // fg
                pixel = xp[(slice(None), *at, slice(g * cg, (g + 1) * cg))]
                y[(slice(None), *o, f)] += pixel @ kernel[(*t, slice(None), f)]
    return y


def reference_transpose(
    x: Any, kernel: Any, strides: tuple[int, ...], padding: str, ops: Any, dilation: tuple[int, ...]
) -> Any:
    """Scatter ``x[b, i] @ kernel[t].T`` to ``i * s + t * d - crop`` and keep the output window."""
    rank = x.ndim - 2
    ksize = kernel.shape[:rank]
    pads = [
        cm.transpose_pads(k, s, d, padding, None if ops is None else op)
        for k, s, d, op in zip(ksize, strides, dilation, ops or [None] * rank, strict=True)
    ]
    crops = [(k - 1) * d - lo for k, d, (lo, _) in zip(ksize, dilation, pads, strict=True)]
    out = [
        cm.transpose_out_len(n, k, s, d, padding, None if ops is None else op)
        for n, k, s, d, op in zip(
            x.shape[1:-1], ksize, strides, dilation, ops or [None] * rank, strict=True
        )
    ]
    y = np.zeros((x.shape[0], *out, kernel.shape[-2]))
    for i in itertools.product(*(range(n) for n in x.shape[1:-1])):
        for t in itertools.product(*(range(k) for k in ksize)):
            o = [
                ii * s + ti * d - c
                for ii, ti, s, d, c in zip(i, t, strides, dilation, crops, strict=True)
            ]
            if all(0 <= oi < n for oi, n in zip(o, out, strict=True)):
                y[(slice(None), *o, slice(None))] += x[(slice(None), *i, slice(None))] @ kernel[t].T
    return y


CONV = [
    # rank, padding, strides, dilation, groups, kernel
    (1, "causal", 1, 2, 1, 3),
    (1, "same", 2, 1, 2, 4),
    (2, "valid", 1, 1, 1, 3),
    (2, "same", 2, 1, 1, 3),
    (2, "same", 1, 2, 2, 3),
    (2, "valid", 3, 1, 4, 2),
    (2, "same", 2, 1, 1, 1),
    (3, "same", 1, 1, 2, 2),
]


@pytest.mark.parametrize(("rank", "padding", "s", "d", "groups", "k"), CONV)
def test_conv_matches_the_definition(
    rank: int, padding: str, s: int, d: int, groups: int, k: int
) -> None:
    x = RNG.standard_normal((2, *(6,) * rank, 4)).astype(np.float32)
    kernel = RNG.standard_normal((*(k,) * rank, 4 // groups, 4)).astype(np.float32)
    strides, dilation = (s,) * rank, (d,) * rank
    got = cm.conv(x, kernel, strides, padding, dilation, groups)
    want = reference_conv(x, kernel, strides, padding, dilation, groups)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("groups", "k"), [(1, 3), (2, 3), (1, 1)])
def test_conv_in_batch_chunks_gives_the_same_result(
    monkeypatch: pytest.MonkeyPatch, groups: int, k: int
) -> None:
    # A tiny scratch budget forces one image per chunk (and fresh buffers past it).
    x = np.moveaxis(RNG.standard_normal((3, 4, 7, 7)).astype(np.float32), 1, -1)  # not contiguous
    kernel = RNG.standard_normal((k, k, 4 // groups, 6)).astype(np.float32)
    whole = cm.conv(x, kernel, (2, 2), "same", (1, 1), groups)
    monkeypatch.setattr(cm, "_SCRATCH_BYTES", 1024)
    np.testing.assert_array_equal(cm.conv(x, kernel, (2, 2), "same", (1, 1), groups), whole)


@pytest.mark.parametrize(("rank", "s", "d", "mult"), [(1, 2, 1, 3), (2, 1, 2, 1), (2, 2, 2, 2)])
def test_depthwise_matches_the_definition(rank: int, s: int, d: int, mult: int) -> None:
    x = RNG.standard_normal((2, *(7,) * rank, 3)).astype(np.float32)
    kernel = RNG.standard_normal((*(3,) * rank, 3, mult)).astype(np.float32)
    # depthwise = grouped conv with one group per channel, filters ordered c * mult + m
    as_grouped = kernel.reshape(*(3,) * rank, 1, 3 * mult)
    want = reference_conv(x, as_grouped, (s,) * rank, "same", (d,) * rank, 3)
    got = cm.depthwise(x, kernel, (s,) * rank, "same", (d,) * rank)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("rank", "padding", "s", "d", "ops", "k"),
    [
        (1, "valid", 3, 1, None, 2),
        (1, "same", 2, 1, (1,), 3),
        (2, "same", 2, 1, None, 3),
        (2, "valid", 2, 1, (1, 0), 3),
        (2, "same", 1, 2, None, 3),
        (3, "valid", 2, 1, None, 2),
    ],
)
def test_conv_transpose_matches_the_definition(
    rank: int, padding: str, s: int, d: int, ops: Any, k: int
) -> None:
    x = RNG.standard_normal((2, *(4,) * rank, 3)).astype(np.float32)
    kernel = RNG.standard_normal((*(k,) * rank, 5, 3)).astype(np.float32)
    got = cm.conv_transpose(x, kernel, (s,) * rank, padding, ops, (d,) * rank)
    want = reference_transpose(x, kernel, (s,) * rank, padding, ops, (d,) * rank)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_half_precision_is_computed_in_float32_and_returned_as_given() -> None:
    x = RNG.standard_normal((1, 5, 5, 2)).astype(np.float16)
    kernel = RNG.standard_normal((3, 3, 2, 2)).astype(np.float16)
    got = cm.conv(x, kernel, (1, 1), "same", (1, 1))
    want = cm.conv(x.astype(np.float32), kernel.astype(np.float32), (1, 1), "same", (1, 1))
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, want.astype(np.float16))


def test_output_sizes_follow_keras() -> None:
    # compute_conv_output_shape / _get_output_shape_given_tf_padding examples
    assert cm.conv_out_len(7, 3, 2, 1, "valid") == 3
    assert cm.conv_out_len(7, 3, 2, 1, "same") == 4
    assert cm.conv_out_len(None, 3, 2, 1, "same") is None
    assert cm.transpose_out_len(4, 3, 2, 1, "same", None) == 8
    assert cm.transpose_out_len(4, 3, 2, 1, "valid", None) == 9
    assert cm.transpose_out_len(4, 3, 2, 1, "same", 1) == 8
    assert cm.transpose_out_len(4, 2, 3, 1, "valid", None) == 12
