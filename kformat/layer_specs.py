"""Per-layer weight facts implied by a config (spec §6.8, §5.9), by class name.

A by-name view of the layer catalogue :mod:`kformat.layers`, where each class's
definition lives: for a layer config and its build input shape(s), its **own**
variables in ``vars/0..n-1`` order (trainable first, then non-trainable, each in
creation order — ``Layer.save_own_variables``, ``keras-team/keras:
keras/src/layers/layer.py``) and its sub-layers that own an H5 group.

Pure data in, tuples out: no h5py. ``kformat.validate`` checks files against
it, ``kformat.weight_paths`` derives sub-layer paths from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from kformat import layers
from kformat.layers._def import (
    InputShape,
    LayerSpec,
    Shape,
    SublayerSpec,
    VariableSpec,
    no_sublayers,
    no_variables,
    shape_of,
)
from kformat.layers.einsum_dense import einsum_weight_shapes

__all__ = [
    "LayerSpec",
    "Shape",
    "SublayerSpec",
    "VariableSpec",
    "einsum_weight_shapes",
    "input_shape_from_build_config",
    "is_known",
    "is_weightless",
    "layer_spec",
    "sublayers",
    "variables",
]


def is_weightless(class_name: str) -> bool:
    """Whether ``class_name`` never owns variables (its ``vars`` group is empty)."""
    d = layers.get(class_name)
    return d is not None and d.variables is no_variables and d.sublayers is no_sublayers


def __getattr__(name: str) -> frozenset[str]:
    # WEIGHTLESS loads every definition: computed when asked for, not at import.
    if name == "WEIGHTLESS":
        return frozenset(n for n in layers.REGISTRY if is_weightless(n))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_known(class_name: str) -> bool:
    """Whether the variables of ``class_name`` are known."""
    return layers.get(class_name) is not None


def layer_spec(class_name: str, config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    """Own variables and saved sub-layers of a layer.

    Args:
        class_name: the config ``class_name`` (or an exported alias).
        config: the layer's inner ``config`` dict.
        input_shape: the build shape (``build_config``, spec §4.4).

    Raises:
        KeyError: ``class_name`` is not known.
        ValueError: the config or shape is inconsistent (e.g. an axis out of range).
    """
    definition = layers.get(class_name)
    if definition is None:
        raise KeyError(class_name)
    return definition.spec(config, input_shape)


def variables(
    class_name: str, config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    """The ``vars/0..n-1`` of a layer, in order (see :func:`layer_spec`)."""
    return layer_spec(class_name, config, input_shape).variables


def sublayers(
    class_name: str, config: Mapping[str, Any], input_shape: InputShape = None
) -> tuple[SublayerSpec, ...]:
    """Saved sub-layers of a layer; names are known even without shapes.

    Unknown class names have no known sub-layers and give ``()``.
    """
    definition = layers.get(class_name)
    if definition is None:
        return ()
    return definition.sublayers(config, input_shape)


def input_shape_from_build_config(build_config: Mapping[str, Any] | None) -> InputShape:
    """The input shape(s) recorded in a layer's ``build_config``, or ``None``.

    ``{"input_shape": [...]}`` gives a shape tuple (a list of tuples for layers
    called on a list of tensors: merges, Attention); ``{"shapes_dict": {...}}``
    gives a mapping of tuples (``query_shape`` …).
    """
    if not isinstance(build_config, Mapping):
        return None
    if "input_shape" in build_config and build_config["input_shape"] is not None:
        raw = build_config["input_shape"]
        if raw and isinstance(raw[0], Sequence):  # several inputs: a list of shapes
            return [shape_of(s) for s in raw]
        return shape_of(raw)
    shapes = build_config.get("shapes_dict")
    if isinstance(shapes, Mapping):
        return MappingProxyType({k: shape_of(v) for k, v in shapes.items() if v is not None})
    return None
