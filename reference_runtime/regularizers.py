"""Weight regularizers as config objects (``keras-team/keras: keras/src/regularizers/``).

Inference never applies them; they are kept so configs round-trip and
``regularizers.L1(0.005)`` serializes exactly as Keras does (``L1`` and the
orthogonal factor go through a float32 tensor in Keras, hence
``0.004999999888241291``; ``L2`` and ``L1L2`` keep the Python float).
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
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "serialize",
]


class Regularizer(ConfigObject):
    """Base class: ``regularizer(x)`` returns the penalty as a NumPy scalar."""

    _module = "keras.regularizers"

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError


class L1(Regularizer):
    """``l1 * sum(|x|)``."""

    _defaults: ClassVar[Mapping[str, Any]] = {"l1": 0.01}
    _float32_keys = frozenset({"l1"})

    def __call__(self, x: Any) -> Any:
        return self._config["l1"] * np.sum(np.abs(x))


class L2(Regularizer):
    """``l2 * sum(x**2)``."""

    _defaults: ClassVar[Mapping[str, Any]] = {"l2": 0.01}

    def __call__(self, x: Any) -> Any:
        return self._config["l2"] * np.sum(np.square(x))


class L1L2(Regularizer):
    """Both penalties."""

    _defaults: ClassVar[Mapping[str, Any]] = {"l1": 0.0, "l2": 0.0}

    def __call__(self, x: Any) -> Any:
        cfg = self._config
        return cfg["l1"] * np.sum(np.abs(x)) + cfg["l2"] * np.sum(np.square(x))


class OrthogonalRegularizer(Regularizer):
    """Penalty on non-orthogonal rows or columns."""

    _defaults: ClassVar[Mapping[str, Any]] = {"factor": 0.01, "mode": "rows"}
    _float32_keys = frozenset({"factor"})

    def __call__(self, x: Any) -> Any:
        x = np.asarray(x)
        if self._config["mode"] == "columns":
            x = x.T
        norm = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        product = norm @ norm.T
        size = product.shape[0]
        off = np.sum(np.abs(product * (1 - np.eye(size))))
        return self._config["factor"] * off / (size * (size - 1) / 2)


ALL_OBJECTS: Mapping[str, type[Regularizer]] = {
    c.__name__: c for c in (L1, L2, L1L2, OrthogonalRegularizer)
}
_ALIASES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def get(identifier: Any) -> Any:
    """A regularizer from ``None``, a name, a serialized dict or an instance."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or ALL_OBJECTS.get(identifier)
        if cls is None:
            raise ValueError(f"unknown regularizer {identifier!r}")
        return cls()
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret {identifier!r} as a regularizer")


def serialize(regularizer: Any) -> Any:
    """The serialized-object dict (``None`` stays ``None``)."""
    return serialize_keras_object(regularizer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a regularizer from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS
    )
