"""The explicit tables deserialization resolves built-in names against.

A config's ``module`` only chooses which table to look in first
(``keras.layers`` -> layers, ``keras.optimizers`` -> optimizers, ...);
nothing is imported by name (spec §9.1, §9.2). The tables themselves are
installed by :mod:`reference_runtime._registry`, the one module that imports both
the classes and this one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "Builtins",
    "builtin_class",
    "builtin_function",
    "function_name",
    "install",
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


@dataclasses.dataclass(frozen=True)
class Builtins:
    """The runtime's built-in classes and functions, as deserialization sees them.

    Attributes:
        tables: group (``layers``, ``models``, ``ops``, ``initializers``, ...) ->
            Keras class name -> runtime class.
        functions: Keras function name -> function (activations, then losses).
        function_name: the Keras name of a built-in function, else ``None``.
    """

    tables: Mapping[str, Mapping[str, Any]]
    functions: Mapping[str, Any]
    function_name: Callable[[Any], str | None]


_installed: list[Builtins] = []


def install(builtins: Builtins) -> None:
    """Set the tables, once (``reference_runtime._registry`` does it when the package is
    imported: the tables name classes from every part of the runtime, and those parts
    serialize through this module, so the tables cannot be imported from here)."""
    if _installed and _installed[0] != builtins:
        raise RuntimeError("the runtime's built-in tables are already installed")
    _installed[:] = [builtins]


def _tables() -> Mapping[str, Mapping[str, Any]]:
    return _current().tables


def _current() -> Builtins:
    if not _installed:
        raise RuntimeError("import reference_runtime first: its built-in tables are not installed")
    return _installed[0]


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
    return _current().functions.get(name)


def function_name(fn: Any) -> str | None:
    """The Keras name of a built-in function, else ``None``."""
    return _current().function_name(fn)


def public_module(cls: type) -> str | None:
    """The module Keras writes for a built-in class, or ``None`` for custom classes."""
    for group, table in _tables().items():
        if table.get(cls.__name__) is cls:
            if group == "ops":
                return str(cls._module)
            if group == "models":
                return "keras.src.models.functional" if cls.__name__ == "Functional" else "keras"
            return f"keras.{group}"
    return None


def public_class_name(cls: type) -> str:
    """The ``class_name`` written for ``cls`` (its Python name)."""
    return cls.__name__
