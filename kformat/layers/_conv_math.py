"""NumPy kernels of the convolution layers: padding arithmetic, im2col GEMM,
depthwise einsum and transposed convolution (GEMM + col2im).

Everything here works on channels-last arrays ``(batch, *spatial, channels)``;
the layer modules move a ``channels_first`` input's channel axis last first.
The arithmetic is Keras' (``keras/src/ops/operation_utils.py``
``compute_conv_output_shape``, ``keras/src/backend/common/backend_utils.py``
``_convert_conv_transpose_padding_args_from_keras_to_jax``) and the numbers are
those of ``jax.lax.conv_general_dilated``, which Keras' NumPy and JAX backends
call: ``same`` pads ``total // 2`` before and the rest after.

Speed: a convolution is ONE matrix product per call — the input's windows
(a strided view, copied once into ``(batch * out_pixels, taps * channels)``)
times the kernel reshaped to ``(taps * channels, filters)``, batch folded into
the rows (split into batch chunks only when the copy would exceed the scratch
budget below); 1x1 kernels skip the window copy. Grouped convolutions are one
batched product over the groups.
Depthwise convolutions are one ``einsum`` over the same strided view; the
col2im step of transposed convolutions loops over kernel taps only, never over
pixels.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "as_tuple",
    "compute_dtype",
    "conv",
    "conv_out_len",
    "conv_pads",
    "conv_transpose",
    "depthwise",
    "transpose_out_len",
    "transpose_pads",
]

Ints = tuple[int, ...]

#: bytes of the per-thread scratch buffer the window copies go through; larger
#: gathers run in batch chunks of at most this size
_SCRATCH_BYTES = 64 << 20
_SCRATCH = threading.local()


def as_tuple(value: Any, rank: int) -> Ints | None:
    """``value`` as ``rank`` ints (an int repeats, as ``standardize_tuple``), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,) * rank
    if (
        isinstance(value, (list, tuple))
        and len(value) == rank
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return tuple(value)
    return None


def conv_pads(size: int, k_eff: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros before and after one spatial axis (``k_eff = (k - 1) * dilation + 1``).

    ``same`` follows ``jax.lax.padtype_to_pads``; ``causal`` pads ``k_eff - 1``
    in front (``keras/src/layers/convolutional/conv1d.py``)."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return k_eff - 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def conv_out_len(size: int | None, k: int, stride: int, dilation: int, padding: str) -> int | None:
    """Output length of one spatial axis (``compute_conv_output_shape``)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - dilation * (k - 1) - 1) // stride + 1
    return (size - 1) // stride + 1


def transpose_pads(
    k: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """Padding of the stride-dilated input of a transposed convolution (Keras'
    ``_convert_conv_transpose_padding_args_from_keras_to_jax``)."""
    k_eff = (k - 1) * dilation + 1
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return k_eff - 1, k_eff - 1 + extra
    if output_padding is None:
        pad_len = stride + k_eff - 2
    else:
        pad_len = k_eff + k_eff % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
    return left, pad_len - left


def transpose_out_len(
    size: int | None, k: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> int | None:
    """Output length of one spatial axis of a transposed convolution."""
    if size is None:
        return None
    lo, hi = transpose_pads(k, stride, dilation, padding, output_padding)
    return (size - 1) * stride + lo + hi - (k - 1) * dilation + 1


def compute_dtype(*arrays: Any) -> tuple[Any, Any]:
    """(dtype to compute in, dtype of the result): half floats are computed in
    float32 as XLA's CPU convolution accumulates them, then cast back."""
    out = np.result_type(*arrays)
    if out.kind == "f" and out.itemsize >= 4:
        return out, out
    return np.dtype("float32"), out


def _scratch(shape: Sequence[int], dtype: Any, slot: str = "cols") -> Any:
    """An uninitialized array from one of this thread's reusable scratch buffers.

    A fresh buffer of im2col size costs more in first-touch page faults than the
    copy into it (the allocator returns large blocks to the system on free), so
    the gathers reuse one buffer per ``slot`` (``cols``: window copies, ``pad``:
    the padded input), kept between calls; larger requests get their own. Valid
    until the next call: nothing returned to a caller lives here."""
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes > _SCRATCH_BYTES:
        return np.empty(shape, dtype)
    buf = getattr(_SCRATCH, slot, None)
    if buf is None or buf.nbytes < nbytes:
        buf = np.empty(nbytes, np.uint8)
        setattr(_SCRATCH, slot, buf)
    return buf[:nbytes].view(dtype).reshape(shape)


def _padded(x: Any, pads: Sequence[tuple[int, int]]) -> Any:
    """``x`` with zeros around its spatial axes (``x`` itself when no padding), in the
    ``pad`` scratch buffer: only the borders are zeroed, the interior is copied."""
    if not any(lo or hi for lo, hi in pads):
        return x
    spatial = x.shape[1:-1]
    shape = (
        x.shape[0],
        *(n + lo + hi for n, (lo, hi) in zip(spatial, pads, strict=True)),
        x.shape[-1],
    )
    out = _scratch(shape, x.dtype, "pad")
    for axis, (lo, hi) in enumerate(pads, start=1):
        before = [slice(None)] * out.ndim
        before[axis] = slice(0, lo)
        out[tuple(before)] = 0
        after = [slice(None)] * out.ndim
        after[axis] = slice(out.shape[axis] - hi, out.shape[axis])
        out[tuple(after)] = 0
    where = (
        slice(None),
        *(slice(lo, lo + n) for n, (lo, _) in zip(spatial, pads, strict=True)),
        slice(None),
    )
    out[where] = x
    return out


def _windows(xp: Any, out: Ints, kernel: Ints, strides: Ints, dilation: Ints) -> Any:
    """Read-only view ``(batch, *out, *kernel, channels)`` of every window of ``xp``."""
    st = xp.strides
    spatial = st[1:-1]
    shape = (xp.shape[0], *out, *kernel, xp.shape[-1])
    steps = (
        st[0],
        *(s * k for s, k in zip(spatial, strides, strict=True)),
        *(s * d for s, d in zip(spatial, dilation, strict=True)),
        st[-1],
    )
    return as_strided(xp, shape, steps, writeable=False)


def _prepare(
    x: Any, kernel_size: Ints, strides: Ints, padding: str, dilation: Ints
) -> tuple[Any, Ints]:
    """Padded input and output spatial shape of a (depthwise) convolution."""
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    pads = [
        conv_pads(n, ke, s, padding) for n, ke, s in zip(x.shape[1:-1], k_eff, strides, strict=True)
    ]
    xp = _padded(x, pads)
    out = tuple((n - ke) // s + 1 for n, ke, s in zip(xp.shape[1:-1], k_eff, strides, strict=True))
    if min(out, default=1) <= 0:
        raise ValueError(
            f"computed output size would be zero or negative: input shape {x.shape}, "
            f"kernel size {kernel_size}, dilation {dilation}, padding {padding!r}"
        )
    return xp, out


def conv(
    x: Any,
    kernel: Any,
    strides: Ints,
    padding: str,
    dilation: Ints,
    groups: int = 1,
) -> Any:
    """Channels-last convolution, ``kernel (*kernel_size, channels / groups, filters)``,
    as one GEMM (a batched one over the groups)."""
    dtype, result = compute_dtype(x, kernel)
    x = np.asarray(x, dtype)
    kernel = np.asarray(kernel, dtype)
    rank = x.ndim - 2
    ksize: Ints = kernel.shape[:rank]
    cin, filters = x.shape[-1], kernel.shape[-1]
    if cin != kernel.shape[-2] * groups:
        raise ValueError(
            f"input has {cin} channels; the kernel {kernel.shape} with groups={groups} "
            f"expects {kernel.shape[-2] * groups}"
        )
    taps = math.prod(ksize)
    n = x.shape[0]
    if taps == 1 and groups == 1:
        # 1x1: no windows to gather; strided 1x1 convs read every s-th pixel
        every = (slice(None), *(slice(None, None, s) for s in strides), slice(None))
        view = x[every]
        out = view.shape[1:-1]
        if view.flags.c_contiguous:
            y = np.matmul(view.reshape(-1, cin), kernel.reshape(cin, filters))
            return y.reshape(n, *out, filters).astype(result, copy=False)
    else:
        xp, out = _prepare(x, ksize, strides, padding, dilation)
        view = _windows(xp, out, ksize, strides, dilation)
        if groups == 1 and dilation[-1] == 1 and xp.strides[-2] == cin * xp.strides[-1]:
            # a window's last kernel axis and the channels are adjacent in memory: one
            # axis of k * channels makes the copy's inner loop longer (stems: 3 channels)
            merged = (*view.strides[:-2], view.strides[-1])
            view = as_strided(xp, (*view.shape[:-2], ksize[-1] * cin), merged, writeable=False)
    pixels = math.prod(out)
    per_image = math.prod(view.shape[1:]) * dtype.itemsize
    chunk = max(1, min(n, _SCRATCH_BYTES // max(per_image, 1)))
    y = np.empty((n * pixels, filters), dtype)
    if groups == 1:
        w = kernel.reshape(-1, filters)
        for b in range(0, n, chunk):
            part = view[b : b + chunk]
            cols = _scratch(part.shape, dtype)
            np.copyto(cols, part)  # im2col: the one copy of the windows
            rows = slice(b * pixels, (b + part.shape[0]) * pixels)
            np.matmul(cols.reshape(-1, w.shape[0]), w, out=y[rows])
    else:
        cg, fg = cin // groups, filters // groups
        w = kernel.reshape(taps, cg, groups, fg).transpose(2, 0, 1, 3).reshape(groups, -1, fg)
        by_group = y.reshape(-1, groups, fg).transpose(1, 0, 2)  # (groups, rows, fg) view of y
        split = view.reshape(*view.shape[:-1], groups, cg)
        for b in range(0, n, chunk):
            part = np.moveaxis(split[b : b + chunk], -2, 0)  # (groups, batch, *out, *k, cg)
            cols = _scratch(part.shape, dtype)
            np.copyto(cols, part)  # each group's windows together
            rows = slice(b * pixels, (b + part.shape[1]) * pixels)
            np.matmul(cols.reshape(groups, -1, taps * cg), w, out=by_group[:, rows])
    return y.reshape(n, *out, filters).astype(result, copy=False)


def depthwise(x: Any, kernel: Any, strides: Ints, padding: str, dilation: Ints) -> Any:
    """Channels-last depthwise convolution, ``kernel (*kernel_size, channels, multiplier)``;
    output channel ``c * multiplier + m`` (``feature_group_count = channels``).

    One ``einsum`` contracts the kernel taps of the windows' strided view with the
    kernel: its sum-of-products loop reads the view in place (no window copy, no
    temporaries), which beats a multiply-accumulate pass per tap severalfold."""
    dtype, result = compute_dtype(x, kernel)
    x = np.asarray(x, dtype)
    kernel = np.asarray(kernel, dtype)
    rank = x.ndim - 2
    ksize: Ints = kernel.shape[:rank]
    cin, mult = kernel.shape[-2], kernel.shape[-1]
    if x.shape[-1] != cin:
        raise ValueError(f"input has {x.shape[-1]} channels, the kernel {kernel.shape} {cin}")
    xp, out = _prepare(x, ksize, strides, padding, dilation)
    view = _windows(xp, out, ksize, strides, dilation)
    pix, taps = "xyz"[:rank], "ijk"[:rank]
    if mult == 1:
        y = np.einsum(f"n{pix}{taps}c,{taps}c->n{pix}c", view, kernel[..., 0])
    else:
        y = np.einsum(f"n{pix}{taps}c,{taps}cm->n{pix}cm", view, kernel)
        y = y.reshape(x.shape[0], *out, cin * mult)
    return y.astype(result, copy=False)


def conv_transpose(
    x: Any,
    kernel: Any,
    strides: Ints,
    padding: str,
    output_padding: Ints | None,
    dilation: Ints,
) -> Any:
    """Channels-last transposed convolution, ``kernel (*kernel_size, filters, channels)``,
    as ``jax.lax.conv_transpose(..., transpose_kernel=True)`` computes it for Keras.

    One GEMM gives every tap's contribution ``x @ kernel[tap].T``; col2im then adds
    each tap's block into the output at ``i * stride + tap * dilation - crop`` — a
    strided slice per tap, whose positions never collide, so no ``np.add.at``."""
    dtype, result = compute_dtype(x, kernel)
    x = np.asarray(x, dtype)
    kernel = np.asarray(kernel, dtype)
    rank = x.ndim - 2
    ksize: Ints = kernel.shape[:rank]
    filters, cin = kernel.shape[-2], kernel.shape[-1]
    if x.shape[-1] != cin:
        raise ValueError(f"input has {x.shape[-1]} channels, the kernel {kernel.shape} {cin}")
    spatial = x.shape[1:-1]
    ops: list[int | None] = [None] * rank if output_padding is None else list(output_padding)
    pads = [
        transpose_pads(k, s, d, padding, op)
        for k, s, d, op in zip(ksize, strides, dilation, ops, strict=True)
    ]
    # crop: full-output index of output position 0 (the dilated kernel's reach minus the pad)
    crops = [(k - 1) * d - lo for k, d, (lo, _) in zip(ksize, dilation, pads, strict=True)]
    out = tuple(
        (n - 1) * s + lo + hi - (k - 1) * d + 1
        for n, s, d, k, (lo, hi) in zip(spatial, strides, dilation, ksize, pads, strict=True)
    )
    if min(out, default=1) <= 0:
        raise ValueError(f"computed output size would be zero or negative for input {x.shape}")
    taps = math.prod(ksize)
    n = x.shape[0]
    w = kernel.reshape(taps * filters, cin).T  # (cin, taps * filters)
    flat = np.ascontiguousarray(x).reshape(-1, cin)
    cols = _scratch((flat.shape[0], taps * filters), dtype)
    np.matmul(flat, w, out=cols)
    cols = cols.reshape(n, *spatial, taps, filters)
    y = np.zeros((n, *out, filters), dtype)
    for t, tap in enumerate(itertools.product(*(range(k) for k in ksize))):
        src: list[slice] = []
        dst: list[slice] = []
        for i in range(rank):
            s, off = strides[i], tap[i] * dilation[i] - crops[i]
            first = max(0, -(off // s))  # smallest i with i * s + off >= 0
            last = min(spatial[i], (out[i] - 1 - off) // s + 1)
            if last <= first:
                break
            src.append(slice(first, last))
            start = first * s + off
            dst.append(slice(start, start + (last - first - 1) * s + 1, s))
        else:
            into = (slice(None), *dst, slice(None))
            block = (slice(None), *src, t, slice(None))
            y[into] += cols[block]
    return y.astype(result, copy=False)
