"""Losses as config objects and named functions (``keras-team/keras: keras/src/losses/``).

Only what ``compile()`` records matters to a saved model; the classes carry
Keras's configs and the functions compute the plain per-sample loss in NumPy
(handy for custom code, never called by the runtime itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from reference_runtime._config_object import ConfigObject
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = ["Loss", "deserialize", "get", "serialize"]


class Loss(ConfigObject):
    """Base class of the loss config objects."""

    _module = "keras.losses"


_REDUCE = {"name": None, "reduction": "sum_over_batch_size"}
_XENT = {**_REDUCE, "from_logits": False, "label_smoothing": 0.0, "axis": -1}
_TABLE: dict[str, dict[str, Any]] = {
    "MeanSquaredError": _REDUCE,
    "MeanAbsoluteError": _REDUCE,
    "MeanAbsolutePercentageError": _REDUCE,
    "MeanSquaredLogarithmicError": _REDUCE,
    "BinaryCrossentropy": _XENT,
    "CategoricalCrossentropy": _XENT,
    "SparseCategoricalCrossentropy": {**_REDUCE, "from_logits": False, "ignore_class": None},
    "BinaryFocalCrossentropy": {
        **_XENT,
        "apply_class_balancing": False,
        "alpha": 0.25,
        "gamma": 2.0,
    },
    "Huber": {**_REDUCE, "name": "huber_loss"},
    "KLDivergence": _REDUCE,
    "Poisson": _REDUCE,
    "Hinge": _REDUCE,
    "SquaredHinge": _REDUCE,
    "CosineSimilarity": _REDUCE,
    "LogCosh": _REDUCE,
}
ALL_OBJECTS: Mapping[str, type[Loss]] = {
    name: type(name, (Loss,), {"_defaults": defaults, "__doc__": f"Keras ``{name}`` config."})
    for name, defaults in _TABLE.items()
}
globals().update(ALL_OBJECTS)
__all__ += sorted(ALL_OBJECTS)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """Mean of squared differences over the last axis."""
    return np.mean(np.square(np.asarray(y_pred) - np.asarray(y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Mean of absolute differences over the last axis."""
    return np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true)), axis=-1)


FUNCTIONS: Mapping[str, Callable[..., Any]] = {
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
}
__all__ += sorted(FUNCTIONS)


def get(identifier: Any) -> Any:
    """A loss from a name (kept as the string, as Keras's compile does), a dict or an object."""
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    return identifier


def serialize(loss: Any) -> Any:
    """The serialized form of a loss."""
    return serialize_keras_object(loss)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a loss from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS
    )
