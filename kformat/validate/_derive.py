"""What a layer entry implies before any weight is looked at (spec/format.md §5.8, §6.8).

Its build input shape (``build_config``, tf.keras' MultiHeadAttention shapes,
or the tensor its first Keras 3 node consumed), its ``kformat.layer_specs``
variables, and the variable dtype of its dtype policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat import layer_specs

__all__ = ["input_shape", "layer_spec", "variable_dtype"]

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


def layer_spec(
    entry: Mapping[str, Any], class_name: str
) -> tuple[layer_specs.LayerSpec | None, str | None]:
    inner = entry.get("config")
    if not isinstance(inner, Mapping):
        return None, None
    shape = input_shape(entry)
    try:
        return layer_specs.layer_spec(class_name, inner, shape), None
    except (ValueError, KeyError, TypeError, IndexError, ZeroDivisionError) as exc:
        if shape is None:
            return None, None  # never built: nothing to compare against
        return None, str(exc) or type(exc).__name__
