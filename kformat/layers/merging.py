"""Merge layers (``keras/src/layers/merging/``): Add, Subtract, Multiply, Average,
Maximum, Minimum, Concatenate, Dot.

They take a list of tensors. As ``base_merge.py`` does, inputs of lower rank
get axes at 1 until the ranks agree (their masks kept); the default output
mask ORs the input masks (``None`` if any input has none). Maximum and Minimum
ignore masked entries (``_apply_merge_op_and_or_mask``); Multiply counts them
as 1 and zeroes rows no input covers. None of them owns variables.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import numpy as np

from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = [
    "ADD",
    "AVERAGE",
    "CONCATENATE",
    "DEFINITIONS",
    "DOT",
    "MAXIMUM",
    "MINIMUM",
    "MULTIPLY",
    "SUBTRACT",
]


def _no_shape(config: Any, shape: Shape) -> Shape | None:
    # Merge layers take several inputs; the validator only follows single-input layers.
    return None


def _inputs(layer: Any, inputs: Any) -> list[Any]:
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(
            f"A merge layer should be called on a list of inputs. Received: inputs={inputs}"
        )
    return list(inputs)


# -- NumPy --------------------------------------------------------------------


def _expand(layer: Any, inputs: Any) -> list[Any]:
    # base_merge.call: expand_dims at axis 1 until the ranks agree (masks kept).
    xs = _inputs(layer, inputs)
    top = max(np.ndim(x) for x in xs)
    out = []
    for x in xs:
        mask = layer.mask_of(x)
        if np.ndim(x) < top:
            y = np.reshape(x, (np.shape(x)[0], *(1,) * (top - np.ndim(x)), *np.shape(x)[1:]))
            x = layer.with_mask(y, mask) if mask is not None else y
        out.append(x)
    return out


def _np_add(layer: Any, inputs: Any) -> Any:
    xs = _expand(layer, inputs)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _np_subtract(layer: Any, inputs: Any) -> Any:
    xs = _expand(layer, inputs)
    if len(xs) != 2:
        raise ValueError(
            f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={xs}"
        )
    return xs[0] - xs[1]


def _np_average(layer: Any, inputs: Any) -> Any:
    xs = _expand(layer, inputs)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out / len(xs)


def _np_multiply(layer: Any, inputs: Any) -> Any:
    xs = _expand(layer, inputs)
    masks = [layer.mask_of(x) for x in xs]
    has_mask = all(m is not None for m in masks)
    output: Any = None
    output_mask: Any = None
    for x, mask in zip(xs, masks, strict=True):
        if mask is not None:
            mask = np.broadcast_to(np.expand_dims(mask, -1), np.shape(x))
            x = np.where(mask, x, np.asarray(1, np.asarray(x).dtype))
            if has_mask:
                output_mask = mask if output_mask is None else np.logical_or(output_mask, mask)
        output = x if output is None else output * x
    if has_mask:
        output = np.where(output_mask, output, np.asarray(0, output.dtype))
        output = layer.with_mask(output, np.any(output_mask, axis=-1))
    return output


def _np_or_masks(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def call(layer: Any, inputs: Any) -> Any:
        output: Any = None
        output_mask: Any = None
        for x in _expand(layer, inputs):
            mask = layer.mask_of(x)
            if mask is not None:
                mask = np.broadcast_to(np.expand_dims(mask, -1), np.shape(x))
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = np.where(mask, x, output)
            if output_mask is not None:
                output = np.where(output_mask, output, x)
            output_mask = (
                np.logical_or(output_mask, mask)
                if mask is not None and output_mask is not None
                else None
            )
            output = op(output, x)
        if output_mask is not None:
            output = layer.with_mask(output, np.any(output_mask, axis=-1))
        return output

    return call


def _or_masks(logical_or: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    # Merge.compute_mask: OR of the input masks, None if any input has none.
    def compute_mask(*args: Any) -> Any:
        previous_mask = args[-1]
        if not isinstance(previous_mask, (list, tuple)) or any(m is None for m in previous_mask):
            return None
        out = previous_mask[0]
        for m in previous_mask[1:]:
            out = logical_or(out, m)
        return out

    return compute_mask


def _np_concatenate(layer: Any, inputs: Any) -> Any:
    return np.concatenate(_inputs(layer, inputs), axis=layer.axis)


def _np_concatenate_mask(layer: Any, inputs: Any, previous_mask: Any) -> Any:
    # Concatenate.compute_mask: missing masks all True, lower-rank ones broadcast.
    if not isinstance(previous_mask, (list, tuple)) or all(m is None for m in previous_mask):
        return None
    masks = []
    for x, m in zip(inputs, previous_mask, strict=True):
        if m is None:
            masks.append(np.ones(np.shape(x), dtype=bool))
        elif np.ndim(m) < np.ndim(x):
            masks.append(np.logical_or(np.expand_dims(m, -1), np.zeros(np.shape(x), dtype=bool)))
        else:
            masks.append(np.asarray(m))
    return np.any(np.concatenate(masks, axis=layer.axis), axis=-1)


def _dot_axes(axes: Any, r1: int, r2: int) -> tuple[int, int]:
    if isinstance(axes, int):
        return (axes % r1, axes % r2) if axes < 0 else (axes, axes)
    return (axes[0] % r1, axes[1] % r2)


def _batch_dot_equation(r1: int, r2: int, axes: tuple[int, int]) -> str:
    # ``batch_dot`` as one einsum: the batch axis shared, axes[0] with axes[1] contracted.
    letters = iter(string.ascii_letters[1:])
    xs = ["a"] + [next(letters) for _ in range(r1 - 1)]
    ys = ["a"] + [next(letters) for _ in range(r2 - 1)]
    ys[axes[1]] = xs[axes[0]]
    out = [xs[0]] + [ch for i, ch in enumerate(xs) if i not in (0, axes[0])]
    out += [ch for i, ch in enumerate(ys) if i not in (0, axes[1])]
    return f"{''.join(xs)},{''.join(ys)}->{''.join(out)}"


def _np_l2_normalize(x: Any, axis: int) -> Any:
    # ops/nn.py _normalize: x * min(rsqrt(sum(x^2)), 1/1e-7)
    inv = 1.0 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
    return x * np.minimum(inv, np.asarray(1e7, x.dtype)).astype(x.dtype)


def _np_dot(layer: Any, inputs: Any) -> Any:
    xs = _inputs(layer, inputs)
    if len(xs) != 2:
        raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {xs}")
    x1, x2 = np.asarray(xs[0]), np.asarray(xs[1])
    axes = _dot_axes(layer.axes, x1.ndim, x2.ndim)
    if layer.normalize:
        x1, x2 = _np_l2_normalize(x1, axes[0]), _np_l2_normalize(x2, axes[1])
    out = layer.einsum(_batch_dot_equation(x1.ndim, x2.ndim, axes), x1, x2)
    return np.expand_dims(out, 1) if out.ndim == 1 else out


def _no_mask(*args: Any) -> Any:
    return None


# -- TensorFlow -----------------------------------------------------------------


def _tf_expand(ctx: Any, layer: Any, inputs: Any) -> list[Any]:
    xs = _inputs(layer, inputs)
    top = max(x.shape.rank for x in xs)
    out = []
    for x in xs:
        mask = ctx.mask(x)
        y = x
        for _ in range(top - x.shape.rank):
            y = ctx.tf.expand_dims(y, 1)
        out.append(ctx.with_mask(y, mask) if y is not x and mask is not None else y)
    return out


def _tf_add(ctx: Any, layer: Any, inputs: Any) -> Any:
    xs = _tf_expand(ctx, layer, inputs)
    out = xs[0]
    for x in xs[1:]:
        out = ctx.binary(ctx.tf.add, out, x)
    return out


def _tf_subtract(ctx: Any, layer: Any, inputs: Any) -> Any:
    xs = _tf_expand(ctx, layer, inputs)
    if len(xs) != 2:
        raise ValueError(f"Subtract layer {layer.name!r} needs exactly 2 inputs")
    return ctx.binary(ctx.tf.subtract, xs[0], xs[1])


def _tf_average(ctx: Any, layer: Any, inputs: Any) -> Any:
    return ctx.binary(ctx.tf.divide, _tf_add(ctx, layer, inputs), len(inputs))


def _tf_broadcast_mask(ctx: Any, mask: Any, x: Any) -> Any:
    return ctx.tf.broadcast_to(ctx.tf.expand_dims(mask, -1), ctx.tf.shape(x))


def _tf_multiply(ctx: Any, layer: Any, inputs: Any) -> Any:
    tf = ctx.tf
    xs = _tf_expand(ctx, layer, inputs)
    masks = [ctx.mask(x) for x in xs]
    has_mask = all(m is not None for m in masks)
    output: Any = None
    output_mask: Any = None
    for x, mask in zip(xs, masks, strict=True):
        if mask is not None:
            mask = _tf_broadcast_mask(ctx, mask, x)
            x = tf.where(mask, x, tf.ones([], x.dtype))
            if has_mask:
                output_mask = mask if output_mask is None else tf.logical_or(output_mask, mask)
        output = x if output is None else ctx.binary(tf.multiply, output, x)
    if has_mask:
        output = tf.where(output_mask, output, tf.zeros([], output.dtype))
        output = ctx.with_mask(output, tf.reduce_any(output_mask, axis=-1))
    return output


def _tf_or_masks(op: str) -> Callable[..., Any]:
    def call(ctx: Any, layer: Any, inputs: Any) -> Any:
        tf = ctx.tf
        output: Any = None
        output_mask: Any = None
        for x in _tf_expand(ctx, layer, inputs):
            mask = ctx.mask(x)
            if mask is not None:
                mask = _tf_broadcast_mask(ctx, mask, x)
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = tf.where(mask, x, output)
            if output_mask is not None:
                output = tf.where(output_mask, output, x)
            output_mask = (
                tf.logical_or(output_mask, mask)
                if mask is not None and output_mask is not None
                else None
            )
            output = ctx.binary(getattr(tf, op), output, x)
        if output_mask is not None:
            output = ctx.with_mask(output, tf.reduce_any(output_mask, axis=-1))
        return output

    return call


def _tf_merge_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    return _or_masks(ctx.tf.logical_or)(previous_mask)


def _tf_concatenate(ctx: Any, layer: Any, inputs: Any) -> Any:
    return ctx.tf.concat(_inputs(layer, inputs), axis=layer.axis)


def _tf_concatenate_mask(ctx: Any, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    tf = ctx.tf
    if not isinstance(previous_mask, (list, tuple)) or all(m is None for m in previous_mask):
        return None
    masks = []
    for x, m in zip(inputs, previous_mask, strict=True):
        if m is None:
            masks.append(tf.ones(tf.shape(x), dtype=tf.bool))
        elif m.shape.rank < x.shape.rank:
            masks.append(tf.logical_or(tf.expand_dims(m, -1), tf.zeros(tf.shape(x), dtype=tf.bool)))
        else:
            masks.append(m)
    return tf.reduce_any(tf.concat(masks, axis=layer.axis), axis=-1)


def _tf_l2_normalize(ctx: Any, x: Any, axis: int) -> Any:
    tf = ctx.tf
    inv = tf.constant(1.0, x.dtype) / tf.sqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=True))
    return x * tf.minimum(inv, tf.constant(1e7, x.dtype))


def _tf_dot(ctx: Any, layer: Any, inputs: Any) -> Any:
    tf = ctx.tf
    xs = _inputs(layer, inputs)
    if len(xs) != 2:
        raise ValueError(f"Dot layer {layer.name!r} needs exactly 2 inputs")
    x1, x2 = xs
    axes = _dot_axes(layer.axes, x1.shape.rank, x2.shape.rank)
    if layer.normalize:
        x1, x2 = _tf_l2_normalize(ctx, x1, axes[0]), _tf_l2_normalize(ctx, x2, axes[1])
    equation = _batch_dot_equation(x1.shape.rank, x2.shape.rank, axes)
    out = ctx.binary(lambda a, b: tf.einsum(equation, a, b), x1, x2)
    return tf.expand_dims(out, 1) if out.shape.rank == 1 else out


# -- definitions ------------------------------------------------------------------


def _dot_axes_check(name: str, v: Any) -> str | None:
    if c.is_int(v):
        return None
    if isinstance(v, list) and len(v) == 2 and all(c.is_int(a) for a in v):
        return None
    return f"{name} must be an integer or a list of 2 integers, got {v!r}"


def _merge(class_name: str, call: Any, tf_call: Any, summary: str, **kw: Any) -> LayerDef:
    return LayerDef(
        class_name=class_name,
        source=f"keras/src/layers/merging/{class_name.lower()}.py",
        fields=kw.pop("fields", {}),
        call=call,
        tf_call=tf_call,
        output_shape=_no_shape,
        compute_mask=kw.pop("compute_mask", _or_masks(np.logical_or)),
        tf_compute_mask=kw.pop("tf_compute_mask", _tf_merge_mask),
        supports_masking=True,
        summary=summary,
    )


ADD = _merge("Add", _np_add, _tf_add, "element-wise sum of the inputs")
SUBTRACT = _merge("Subtract", _np_subtract, _tf_subtract, "first input minus the second")
MULTIPLY = _merge("Multiply", _np_multiply, _tf_multiply, "element-wise product of the inputs")
AVERAGE = _merge("Average", _np_average, _tf_average, "element-wise mean of the inputs")
MAXIMUM = _merge(
    "Maximum", _np_or_masks(np.maximum), _tf_or_masks("maximum"), "element-wise maximum"
)
MINIMUM = _merge(
    "Minimum", _np_or_masks(np.minimum), _tf_or_masks("minimum"), "element-wise minimum"
)
CONCATENATE = _merge(
    "Concatenate",
    _np_concatenate,
    _tf_concatenate,
    "concatenation along `axis`",
    fields={"axis": f(c.INT, -1)},
    compute_mask=_np_concatenate_mask,
    tf_compute_mask=_tf_concatenate_mask,
)
DOT = _merge(
    "Dot",
    _np_dot,
    _tf_dot,
    "batched dot product of two inputs along `axes`",
    fields={
        "axes": f(
            c.Check(_dot_axes_check, "integer or array of 2 integers"),
            required=True,
            convert=lambda v: v if c.is_int(v) else list(v),
        ),
        "normalize": f(c.BOOL, False),
    },
    compute_mask=_no_mask,
    tf_compute_mask=_no_mask,
)

DEFINITIONS = (ADD, SUBTRACT, MULTIPLY, AVERAGE, MAXIMUM, MINIMUM, CONCATENATE, DOT)
