"""Metrics as config objects (``keras-team/keras: keras/src/metrics/``).

Metric state is never saved (spec §6.5), so a metric only needs its
config for ``compile_config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference_runtime._config_object import ConfigObject
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = ["Metric", "deserialize", "get", "serialize"]


class Metric(ConfigObject):
    """Base class of the metric config objects."""

    _module = "keras.metrics"


_BASE = {"name": None, "dtype": "float32"}
_TABLE: dict[str, dict[str, Any]] = {
    "Accuracy": _BASE,
    "BinaryAccuracy": {**_BASE, "threshold": 0.5},
    "CategoricalAccuracy": _BASE,
    "SparseCategoricalAccuracy": _BASE,
    "TopKCategoricalAccuracy": {**_BASE, "k": 5},
    "SparseTopKCategoricalAccuracy": {**_BASE, "k": 5},
    "MeanSquaredError": _BASE,
    "MeanAbsoluteError": _BASE,
    "RootMeanSquaredError": _BASE,
    "Mean": _BASE,
    "Sum": _BASE,
    "AUC": {
        **_BASE,
        "num_thresholds": 200,
        "curve": "ROC",
        "summation_method": "interpolation",
        "multi_label": False,
        "num_labels": None,
        "label_weights": None,
        "from_logits": False,
    },
    "Precision": {**_BASE, "thresholds": None, "top_k": None, "class_id": None},
    "Recall": {**_BASE, "thresholds": None, "top_k": None, "class_id": None},
}
ALL_OBJECTS: Mapping[str, type[Metric]] = {
    name: type(name, (Metric,), {"_defaults": defaults, "__doc__": f"Keras ``{name}`` config."})
    for name, defaults in _TABLE.items()
}
globals().update(ALL_OBJECTS)
__all__ += sorted(ALL_OBJECTS)


def get(identifier: Any) -> Any:
    """A metric from a name (kept as the string, as Keras's compile does), a dict or an object."""
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    return identifier


def serialize(metric: Any) -> Any:
    """The serialized form of a metric."""
    return serialize_keras_object(metric)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a metric from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS
    )
