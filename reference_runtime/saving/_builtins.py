"""The explicit tables deserialization resolves built-in names against.

A config's ``module`` only chooses which table to look in first
(``keras.layers`` -> layers, ``keras.optimizers`` -> optimizers, ...);
nothing is imported by name (spec §9.1, §9.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "builtin_class",
    "builtin_function",
    "function_name",
    "is_keras_module",
    "looks_like_layer",
    "public_class_name",
    "public_module",
]

_KERAS_PACKAGES = ("keras", "tf_keras", "keras_core")


def is_keras_module(module: Any) -> bool:
    """Whether ``module`` names a Keras package (``keras``, ``keras.layers``, ``tf_keras.src...``)."""
    return isinstance(module, str) and module.split(".")[0] in _KERAS_PACKAGES


def looks_like_layer(module: Any) -> bool:
    """Whether ``module`` suggests a layer (for error messages)."""
    return (
        module is None
        or (isinstance(module, str) and "layers" in module)
        or not is_keras_module(module)
    )


def _tables() -> dict[str, Mapping[str, Any]]:
    from reference_runtime import (
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from reference_runtime.layers import LAYERS
    from reference_runtime.models import MODELS
    from reference_runtime.ops import OPS

    return {
        "ops": OPS,
        "models": MODELS,
        "layers": LAYERS,
        "initializers": initializers.ALL_OBJECTS,
        "regularizers": regularizers.ALL_OBJECTS,
        "constraints": constraints.ALL_OBJECTS,
        "optimizers": optimizers.ALL_OBJECTS,
        "losses": losses.ALL_OBJECTS,
        "metrics": metrics.ALL_OBJECTS,
    }


def _order(module: Any) -> list[str]:
    if isinstance(module, str) and "ops" in module.split("."):
        return ["ops"]  # keras.src.ops.*: operations only ("Add" is also a layer)
    groups = [
        "models",
        "layers",
        "initializers",
        "regularizers",
        "constraints",
        "optimizers",
        "losses",
        "metrics",
    ]
    if isinstance(module, str):
        parts = module.split(".")
        hinted = [g for g in groups if g in parts or (g == "models" and "engine" in parts)]
        return hinted + [g for g in groups if g not in hinted]
    return groups


def builtin_class(module: Any, class_name: str) -> Any:
    """The runtime class for a built-in ``class_name``, or ``None``."""
    tables = _tables()
    for group in _order(module):
        found = tables[group].get(class_name)
        if found is not None:
            return found
    return None


def builtin_function(name: str) -> Any:
    """A built-in function (activation or loss) by its Keras name, or ``None``."""
    from reference_runtime import activations, losses

    if name == activations.KERAS2_HARD_SIGMOID:
        return activations.hard_sigmoid_keras2
    return activations.ALL_OBJECTS_DICT.get(name) or losses.FUNCTIONS.get(name)


def function_name(fn: Any) -> str | None:
    """The Keras name of a built-in loss function, else ``None``."""
    from reference_runtime import losses

    for name, f in losses.FUNCTIONS.items():
        if f is fn:
            return name
    return None


def public_module(cls: type) -> str | None:
    """The module Keras writes for a built-in class, or ``None`` for custom classes."""
    for group, table in _tables().items():
        if table.get(cls.__name__) is cls:
            if group == "ops":
                return str(cls._module)
            if group == "models":
                return "keras.src.models.functional" if cls.__name__ == "Functional" else "keras"
            if group == "layers":
                # a catalogue class keeps the module Keras writes for it
                definition = getattr(cls, "definition", None)
                return str(getattr(definition, "module", "keras.layers"))
            return f"keras.{group}"
    return None


def public_class_name(cls: type) -> str:
    """The ``class_name`` written for ``cls`` (its Python name)."""
    return cls.__name__
