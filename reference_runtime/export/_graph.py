"""Run a runtime model's graph with TensorFlow ops (``Layer.__call__`` and ``Functional.call``).

The graph is the runtime's own: ``Functional._nodes_by_depth`` visited in the
order ``Functional.call`` visits it (deepest first), nested models recursed
into, shared layers called once per node. :func:`call_layer` reproduces what
``reference_runtime/layers/layer.py`` ``Layer.__call__`` does around ``call``:
autocast of float inputs to the compute dtype, ``mask`` / ``<arg>_mask``
arguments filled from the masks attached to the inputs, and the outputs' masks
from ``compute_mask``.
"""

from __future__ import annotations

import inspect
from typing import Any

import tensorflow as tf

from kformat.errors import UnsupportedFeatureError
from reference_runtime._backend import flatten, is_float_dtype, map_structure, pack_like
from reference_runtime._tensor import KerasTensor
from reference_runtime.export._context import TraceContext, is_tensor
from reference_runtime.export._helpers import cast
from reference_runtime.export._registry import lookup
from reference_runtime.models.functional import Functional
from reference_runtime.models.sequential import Sequential

__all__ = ["call_layer", "call_method", "run_model"]


def _is_tensor_arg(value: Any) -> bool:
    if is_tensor(value):
        return True
    if isinstance(value, (list, tuple, dict)) and len(value) > 0:
        leaves = flatten(value)
        return all(x is None or is_tensor(x) for x in leaves) and any(is_tensor(x) for x in leaves)
    return False


def _convert(ctx: TraceContext, layer: Any) -> Any:
    # Layer._convert_input: float inputs to the compute dtype when autocast (mask kept).
    def convert(x: Any) -> Any:
        if not is_tensor(x):
            return x
        x = tf.convert_to_tensor(x) if isinstance(x, tf.Variable) else x
        if layer.autocast and x.dtype.is_floating and is_float_dtype(layer.compute_dtype):
            y = cast(x, layer.compute_dtype)
            if y is not x and ctx.mask(x) is not None:
                ctx.set_mask(y, ctx.mask(x))
            return y
        return x

    return convert


def call_method(
    ctx: TraceContext, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``layer.call(*args, **kwargs)`` in TensorFlow (no autocast, no mask plumbing)."""
    if isinstance(layer, (Functional, Sequential)):
        return run_model(ctx, layer, *args, **kwargs)
    if not layer.built:
        raise UnsupportedFeatureError(
            f"layer {layer.name!r} is not built: call it (or build it) once before exporting"
        )
    return lookup(layer).call(ctx, layer, *args, **kwargs)


def call_layer(ctx: TraceContext, layer: Any, args: Any, kwargs: dict[str, Any]) -> Any:
    """``layer(*args, **kwargs)`` in TensorFlow, as the runtime's ``Layer.__call__``."""
    kwargs = dict(kwargs)
    signature = inspect.signature(layer.call)
    if "training" in kwargs and "training" not in signature.parameters:
        kwargs.pop("training")
    convert = _convert(ctx, layer)
    args = map_structure(convert, tuple(args))
    kwargs = map_structure(convert, kwargs)
    bound = signature.bind(*args, **kwargs)
    tensors = {k: v for k, v in bound.arguments.items() if _is_tensor_arg(v) and k != "mask"}
    names = list(signature.parameters)
    if len(tensors) == 1 and "mask" in names and bound.arguments.get("mask") is None:
        kwargs["mask"] = ctx.masks(next(iter(tensors.values())))
    elif len(tensors) > 1:
        for k, v in tensors.items():
            if f"{k}_mask" in names and bound.arguments.get(f"{k}_mask") is None:
                kwargs[f"{k}_mask"] = ctx.masks(v)
    first = bound.arguments[names[0]] if names and names[0] in bound.arguments else args[0]
    previous = kwargs.get("mask")
    if previous is None:
        previous = ctx.masks(first)
    outputs = call_method(ctx, layer, args, kwargs)
    if layer.supports_masking:
        _set_mask_metadata(ctx, layer, first, outputs, previous)
    return outputs


def _set_mask_metadata(
    ctx: TraceContext, layer: Any, inputs: Any, outputs: Any, previous_mask: Any
) -> None:
    flat = flatten(outputs)
    if all(ctx.mask(x) is not None for x in flat):
        return
    compute_mask = lookup(layer).compute_mask if not _is_model(layer) else None
    masks = (
        previous_mask if compute_mask is None else compute_mask(ctx, layer, inputs, previous_mask)
    )
    if masks is None:
        return
    for out, mask in zip(flat, flatten(masks), strict=False):
        if ctx.mask(out) is None and mask is not None:
            ctx.set_mask(out, mask)


def _is_model(layer: Any) -> bool:
    return isinstance(layer, (Functional, Sequential))


def _standardize_inputs(ctx: TraceContext, model: Any, inputs: Any) -> list[Any]:
    # Functional._standardize_inputs: structure, dtype of each Input, one trailing unit dim.
    flat = model._flat_by_struct(inputs)
    if len(flat) != len(model.inputs):
        raise ValueError(
            f"Model {model.name!r} expects {len(model.inputs)} input(s), but it received "
            f"{len(flat)} input tensors."
        )
    out = []
    for x, ref in zip(flat, model.inputs, strict=True):
        mask = ctx.mask(x)
        y = cast(tf.convert_to_tensor(x), ref.dtype)
        rank = y.shape.rank
        if rank == len(ref.shape) + 1 and y.shape[-1] == 1:
            y = tf.squeeze(y, -1)
        elif rank == len(ref.shape) - 1 and ref.shape and ref.shape[-1] == 1:
            y = tf.expand_dims(y, -1)
        if mask is not None and y is not x:
            ctx.set_mask(y, mask)
        out.append(y)
    return out


def run_model(
    ctx: TraceContext, model: Any, inputs: Any, training: Any = None, mask: Any = None
) -> Any:
    """``Functional.call`` / ``Sequential.call`` in TensorFlow."""
    if isinstance(model, Sequential):
        if model._functional is None:
            raise UnsupportedFeatureError(
                f"Sequential model {model.name!r} has no input shape yet: build it before exporting"
            )
        model = model._functional
    if not isinstance(model, Functional):
        raise UnsupportedFeatureError(f"model {model.name!r} is not a Functional graph")
    flat = _standardize_inputs(ctx, model, inputs)
    if mask is not None:
        for x, m in zip(flat, model._flat_by_struct(mask), strict=False):
            if m is not None:
                ctx.set_mask(x, m)
    values: dict[int, Any] = {id(t): x for t, x in zip(model.inputs, flat, strict=True)}

    def fill(v: Any) -> Any:
        return values[id(v)] if isinstance(v, KerasTensor) else v

    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.is_input or any(id(a) not in values for a in node.arguments):
                continue
            args = map_structure(fill, list(node.call_args))
            kwargs = map_structure(fill, dict(node.call_kwargs))
            outs = call_layer(ctx, node.operation, args, kwargs)
            for t, v in zip(flatten(node.outputs), flatten(outs), strict=True):
                values[id(t)] = v
    results = [values[id(t)] for t in model.outputs]
    packed = pack_like(model._outputs_struct, results)
    if isinstance(packed, list) and len(packed) == 1:
        return packed[0]
    return packed
