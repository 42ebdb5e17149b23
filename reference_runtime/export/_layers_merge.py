"""Merge layers in TensorFlow: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, with the runtime's mask rules (``reference_runtime/layers/_merge.py``).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import tensorflow as tf

from reference_runtime.export._context import TFLayer, TraceContext
from reference_runtime.export._helpers import binary

__all__ = ["MERGE_LAYERS"]


def _expand_ranks(ctx: TraceContext, layer: Any, inputs: list[Any]) -> list[Any]:
    # Merge.call: inputs of lower rank get axes at 1 until the ranks agree (masks kept).
    if not getattr(layer, "_reshape_required", False):
        return list(inputs)
    top = max(x.shape.rank for x in inputs)
    out = []
    for x in inputs:
        mask = ctx.mask(x)
        y = x
        for _ in range(top - x.shape.rank):
            y = tf.expand_dims(y, 1)
        if mask is not None:
            ctx.set_mask(y, mask)
        out.append(y)
    return out


def _merge(fn: Callable[[TraceContext, Any, list[Any]], Any]) -> Callable[..., Any]:
    def call(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"merge layer {layer.name!r} needs a list of inputs")
        return fn(ctx, layer, _expand_ranks(ctx, layer, list(inputs)))

    return call


def _add(ctx: TraceContext, layer: Any, inputs: list[Any]) -> Any:
    out = inputs[0]
    for x in inputs[1:]:
        out = binary(tf.add, out, x)
    return out


def _subtract(ctx: TraceContext, layer: Any, inputs: list[Any]) -> Any:
    if len(inputs) != 2:
        raise ValueError(f"Subtract layer {layer.name!r} needs exactly 2 inputs")
    return binary(tf.subtract, inputs[0], inputs[1])


def _average(ctx: TraceContext, layer: Any, inputs: list[Any]) -> Any:
    return binary(tf.divide, _add(ctx, layer, inputs), len(inputs))


def _broadcast_mask(mask: Any, x: Any) -> Any:
    return tf.broadcast_to(tf.expand_dims(mask, -1), tf.shape(x))


def _multiply(ctx: TraceContext, layer: Any, inputs: list[Any]) -> Any:
    masks = [ctx.mask(x) for x in inputs]
    has_mask = all(m is not None for m in masks)
    output: Any = None
    output_mask: Any = None
    for x, mask in zip(inputs, masks, strict=True):
        if mask is not None:
            mask = _broadcast_mask(mask, x)
            x = tf.where(mask, x, tf.ones([], x.dtype))
            if has_mask:
                output_mask = mask if output_mask is None else tf.logical_or(output_mask, mask)
        output = x if output is None else binary(tf.multiply, output, x)
    if has_mask:
        output = tf.where(output_mask, output, tf.zeros([], output.dtype))
        ctx.set_mask(output, tf.reduce_any(output_mask, axis=-1))
    return output


def _or_masks_op(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    # Merge._or_masks_op: Maximum / Minimum ignore masked entries.
    def run(ctx: TraceContext, layer: Any, inputs: list[Any]) -> Any:
        output: Any = None
        output_mask: Any = None
        for x in inputs:
            mask = ctx.mask(x)
            if mask is not None:
                mask = _broadcast_mask(mask, x)
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
            output = binary(op, output, x)
        if output_mask is not None:
            ctx.set_mask(output, tf.reduce_any(output_mask, axis=-1))
        return output

    return run


def _merge_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    if previous_mask is None:
        return None
    if not isinstance(previous_mask, (list, tuple)) or any(m is None for m in previous_mask):
        return None
    out = previous_mask[0]
    for m in previous_mask[1:]:
        out = tf.logical_or(out, m)
    return out


def _concatenate(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    return tf.concat(list(inputs), axis=layer.axis)


def _concatenate_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    if previous_mask is None or not isinstance(previous_mask, (list, tuple)):
        return None
    if all(m is None for m in previous_mask):
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


def _l2_normalize(x: Any, axis: int) -> Any:
    inv = tf.constant(1.0, x.dtype) / tf.sqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=True))
    return x * tf.minimum(inv, tf.constant(1e7, x.dtype))


def _dot(ctx: TraceContext, layer: Any, inputs: Any) -> Any:
    if len(inputs) != 2:
        raise ValueError(f"Dot layer {layer.name!r} needs exactly 2 inputs")
    x1, x2 = inputs
    r1, r2 = x1.shape.rank, x2.shape.rank
    if isinstance(layer.axes, int):
        axes = (layer.axes % r1, layer.axes % r2) if layer.axes < 0 else (layer.axes, layer.axes)
    else:
        axes = (layer.axes[0] % r1, layer.axes[1] % r2)
    if layer.normalize:
        x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
    # batch_dot as one einsum (reference_runtime/layers/dot.py).
    letters = iter(string.ascii_letters[1:])
    xs = ["a"] + [next(letters) for _ in range(r1 - 1)]
    ys = ["a"] + [next(letters) for _ in range(r2 - 1)]
    ys[axes[1]] = xs[axes[0]]
    out = [xs[0]] + [c for i, c in enumerate(xs) if i not in (0, axes[0])]
    out += [c for i, c in enumerate(ys) if i not in (0, axes[1])]
    result = binary(
        lambda a, b: tf.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", a, b), x1, x2
    )
    return tf.expand_dims(result, 1) if result.shape.rank == 1 else result


def _no_mask(ctx: TraceContext, layer: Any, inputs: Any, previous_mask: Any) -> Any:
    return None


#: class_name -> translation, for this module's layers.
MERGE_LAYERS: dict[str, TFLayer] = {
    "Add": TFLayer(_merge(_add), _merge_mask),
    "Subtract": TFLayer(_merge(_subtract), _merge_mask),
    "Multiply": TFLayer(_merge(_multiply), _merge_mask),
    "Average": TFLayer(_merge(_average), _merge_mask),
    "Maximum": TFLayer(_merge(_or_masks_op(tf.maximum)), _merge_mask),
    "Minimum": TFLayer(_merge(_or_masks_op(tf.minimum)), _merge_mask),
    "Concatenate": TFLayer(_concatenate, _concatenate_mask),
    "Dot": TFLayer(_dot, _no_mask),
}
