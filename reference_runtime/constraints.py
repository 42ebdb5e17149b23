"""Weight constraints as config objects (``keras-team/keras: keras/src/constraints/``).

Applied only after optimizer steps in Keras, so never at inference; kept so
configs round-trip. ``constraint(w)`` still returns the projected array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from reference_runtime._config_object import ConfigObject
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "serialize",
]

_EPSILON = 1e-7


class Constraint(ConfigObject):
    """Base class: ``constraint(w)`` returns the constrained array."""

    _module = "keras.constraints"

    def __call__(self, w: Any) -> Any:
        return w


def _norms(w: Any, axis: Any) -> Any:
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Norms along ``axis`` at most ``max_value``."""

    _defaults: ClassVar[Mapping[str, Any]] = {"max_value": 2, "axis": 0}

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self._config["axis"])
        desired = np.clip(norms, 0, self._config["max_value"])
        return w * (desired / (_EPSILON + norms))


class MinMaxNorm(Constraint):
    """Norms along ``axis`` between ``min_value`` and ``max_value``."""

    _defaults: ClassVar[Mapping[str, Any]] = {
        "min_value": 0.0,
        "max_value": 1.0,
        "rate": 1.0,
        "axis": 0,
    }

    def __call__(self, w: Any) -> Any:
        cfg = self._config
        norms = _norms(w, cfg["axis"])
        desired = cfg["rate"] * np.clip(norms, cfg["min_value"], cfg["max_value"])
        desired = desired + (1 - cfg["rate"]) * norms
        return w * (desired / (_EPSILON + norms))


class NonNeg(Constraint):
    """Non-negative weights."""

    def __call__(self, w: Any) -> Any:
        return w * (np.asarray(w) >= 0)


class UnitNorm(Constraint):
    """Unit norm along ``axis``."""

    _defaults: ClassVar[Mapping[str, Any]] = {"axis": 0}

    def __call__(self, w: Any) -> Any:
        return w / (_EPSILON + _norms(w, self._config["axis"]))


ALL_OBJECTS: Mapping[str, type[Constraint]] = {
    c.__name__: c for c in (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
}
_ALIASES = {
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
}


def get(identifier: Any) -> Any:
    """A constraint from ``None``, a name, a serialized dict or an instance."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or ALL_OBJECTS.get(identifier)
        if cls is None:
            raise ValueError(f"unknown constraint {identifier!r}")
        return cls()
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret {identifier!r} as a constraint")


def serialize(constraint: Any) -> Any:
    """The serialized-object dict (``None`` stays ``None``)."""
    return serialize_keras_object(constraint)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a constraint from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS
    )
