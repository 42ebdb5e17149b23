"""Calling a layer on symbolic tensors (``keras/src/layers/layer.py`` step 8, ``compute_output_spec``).

Keras traces ``call`` with symbolic tensors to learn output shapes. The
runtime instead runs the built layer twice on zero-filled probes, once with
every unknown dimension set to 2 and once set to 3: dimensions that agree are
known, the others are ``None``. Then it records a :class:`Node`.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np

from reference_runtime._backend import as_dtype, flatten, map_structure, pack_like
from reference_runtime._tensor import KerasTensor, Node

if TYPE_CHECKING:
    from reference_runtime.layers.layer import Layer

__all__ = ["output_shape", "probe_outputs", "symbolic_call"]


def _probe_leaf(size: int) -> Any:
    def make(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            shape = tuple(size if d is None else d for d in x.shape)
            if x.dtype == "string":  # string probes hold strings (object arrays of str)
                return np.full(shape, "", dtype=object)
            return np.zeros(shape, dtype=as_dtype(x.dtype))
        return x

    return make


def probe_outputs(layer: Layer, args: Any, kwargs: Any) -> Any:
    """Run ``layer`` on zero probes; return the outputs as KerasTensors."""
    runs = []
    for size in (2, 3):
        pargs = map_structure(_probe_leaf(size), args)
        pkwargs = map_structure(_probe_leaf(size), kwargs)
        with np.errstate(all="ignore"):
            runs.append(layer(*pargs, **pkwargs))
    first, second = runs
    specs: list[KerasTensor | None] = []
    for a, b in zip(flatten(first), flatten(second), strict=True):
        if a is None:
            specs.append(None)
            continue
        sa, sb = np.shape(a), np.shape(b)
        shape = tuple(da if da == db else None for da, db in zip(sa, sb, strict=True))
        specs.append(KerasTensor(shape, dtype=np.asarray(a).dtype))
    return pack_like(first, specs)


def _build_symbolic(layer: Layer, args: Any, kwargs: Any) -> None:
    signature = inspect.signature(layer.call)
    kwargs = {k: v for k, v in kwargs.items() if k in signature.parameters}
    bound = signature.bind(*args, **kwargs)
    tensors = {
        k: v
        for k, v in bound.arguments.items()
        if k != "mask" and (isinstance(v, KerasTensor) or _all_symbolic(v))
    }
    layer._build_from_shapes(signature, tensors)


def _all_symbolic(value: Any) -> bool:
    if not isinstance(value, (list, tuple, dict)) or not value:
        return False
    leaves = flatten(value)
    return all(x is None or isinstance(x, KerasTensor) for x in leaves) and any(
        isinstance(x, KerasTensor) for x in leaves
    )


def symbolic_call(layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Build ``layer`` from symbolic shapes, infer outputs, record a node."""
    if not layer.built:
        _build_symbolic(layer, args, kwargs)
    # A layer that knows its output without data (string and lookup layers:
    # zero probes are no strings, and may be out of vocabulary) says so, as
    # Keras' ``compute_output_spec`` does; ``None`` falls back to the probes.
    spec = getattr(layer, "compute_output_spec", None)
    outputs = spec(*args, **kwargs) if spec is not None else None
    if outputs is None:
        outputs = probe_outputs(layer, args, kwargs)
    Node(layer, tuple(args), dict(kwargs), outputs)
    return outputs


def output_shape(layer: Layer, shapes: tuple[Any, ...]) -> Any:
    """Output shape(s) of ``layer`` for input shape(s), via probes."""
    args = [_to_tensors(s) for s in shapes]
    if not layer.built:
        _build_symbolic(layer, tuple(args), {})
    outs = probe_outputs(layer, tuple(args), {})
    return map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, outs)


def _is_shape(s: Any) -> bool:
    return isinstance(s, (list, tuple)) and all(d is None or isinstance(d, int) for d in s)


def _to_tensors(s: Any) -> Any:
    if _is_shape(s):
        return KerasTensor(tuple(s))
    if isinstance(s, dict):
        return {k: _to_tensors(v) for k, v in s.items()}
    return [_to_tensors(v) for v in s]
