"""What a layer entry implies before any weight is looked at (spec/format.md §5.8, §6.8).

Its build input shape (``build_config``, tf.keras' MultiHeadAttention shapes,
or the tensor its first Keras 3 node consumed), its ``kformat.layer_specs``
variables, and the variable dtype of its dtype policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat import layer_specs, layers
from kformat.layers._def import UnknownLayerClass

__all__ = ["input_shape", "layer_spec", "sequential_shapes", "variable_dtype"]

_MIXED = {"mixed_float16": "float32", "mixed_bfloat16": "float32"}


def variable_dtype(dtype: Any) -> tuple[str | None, bool]:
    """(variable dtype of a layer's ``dtype`` config, quantized?) per §5.8."""
    if isinstance(dtype, dict):
        config = dtype.get("config")
        if not isinstance(config, Mapping):
            return None, False
        if "mode" in config or "policy_map" in config:
            return None, True
        dtype = config.get("name")
    if not isinstance(dtype, str):
        return ("float32" if dtype is None else None), False
    return _MIXED.get(dtype, dtype), False


def input_shape(entry: Mapping[str, Any]) -> Any:
    inner = entry.get("config")
    if entry.get("class_name") == "MultiHeadAttention" and isinstance(inner, Mapping):
        # tf.keras records the three shapes in the config, not in build_config.
        shapes = {k: inner.get(k) for k in ("query_shape", "value_shape", "key_shape")}
        if isinstance(shapes["query_shape"], list) and isinstance(shapes["value_shape"], list):
            build = entry.get("build_config")
            if not (isinstance(build, Mapping) and isinstance(build.get("shapes_dict"), Mapping)):
                return {k: tuple(v) for k, v in shapes.items() if isinstance(v, list)}
    try:
        shape = layer_specs.input_shape_from_build_config(entry.get("build_config"))
    except (ValueError, TypeError):
        shape = None
    if shape is not None:
        return shape
    # A Keras 3 Functional node records the shape of the tensor it consumed.
    nodes = entry.get("inbound_nodes")
    if isinstance(nodes, list) and nodes and isinstance(nodes[0], Mapping):
        args = nodes[0].get("args")
        if isinstance(args, list) and len(args) == 1 and isinstance(args[0], Mapping):
            cfg = args[0].get("config")
            if args[0].get("class_name") == "__keras_tensor__" and isinstance(cfg, Mapping):
                raw = cfg.get("shape")
                if isinstance(raw, list):
                    return tuple(raw)
    return None


def _as_shape(value: Any) -> tuple[int | None, ...] | None:
    if isinstance(value, list) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in value
    ):
        return tuple(value)
    return None


def _output_shape(
    cls: Any, inner: Mapping[str, Any], shape: tuple[int | None, ...] | None
) -> tuple[int | None, ...] | None:
    """The output shape of a layer kformat can follow, else None (propagation stops)."""
    if shape is None or not shape:
        return None
    definition = layers.get(cls) if isinstance(cls, str) else None
    if definition is not None:
        # A value out of range is its own finding (KF305): follow nothing from it.
        try:
            return definition.output_shape(inner, shape)
        except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError, OverflowError):
            return None
    return None


def sequential_shapes(config: Any) -> dict[int, tuple[int | None, ...]]:
    """Input shapes of Sequential layers that record none themselves, followed from
    the model's InputLayer (or ``build_input_shape``) through layers of known
    output shape. Keras needs no ``build_config`` to load a Sequential model, so
    a minimal writer may omit it; keyed by ``id()`` of the layer entry."""
    out: dict[int, tuple[int | None, ...]] = {}
    stack: list[Any] = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            inner = node.get("config")
            if node.get("class_name") == "Sequential" and isinstance(inner, Mapping):
                _propagate(inner, out)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list, Mapping)))
        elif isinstance(node, list):
            # only containers: a list of a million numbers adds nothing to visit
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return out


def _propagate(inner: Mapping[str, Any], out: dict[int, tuple[int | None, ...]]) -> None:
    layers = inner.get("layers")
    if not isinstance(layers, list):
        return
    shape = _as_shape(inner.get("build_input_shape"))
    for entry in layers:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("config"), Mapping):
            shape = None
            continue
        cfg = entry["config"]
        cls = entry.get("class_name")
        if cls == "InputLayer":
            shape = _as_shape(cfg.get("batch_shape", cfg.get("batch_input_shape")))
            continue
        own = input_shape(entry)
        if isinstance(own, tuple):
            shape = own
        elif shape is not None:
            out[id(entry)] = shape
        shape = _output_shape(cls, cfg, shape)


def layer_spec(
    entry: Mapping[str, Any],
    class_name: str,
    fallback: tuple[int | None, ...] | None = None,
) -> tuple[layer_specs.LayerSpec | None, str | None]:
    inner = entry.get("config")
    if not isinstance(inner, Mapping):
        return None, None
    shape = input_shape(entry)
    if shape is None:
        shape = fallback
    try:
        return layer_specs.layer_spec(class_name, inner, shape), None
    except UnknownLayerClass:
        return None, None  # a wrapped class kformat does not model: not checked
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as exc:
        if shape is None:
            return None, None  # never built: nothing to compare against
        return None, str(exc) or type(exc).__name__
