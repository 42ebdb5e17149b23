"""``keras.models`` for the NumPy runtime."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reference_runtime.models.cloning import clone_model
from reference_runtime.models.functional import Functional
from reference_runtime.models.model import Model
from reference_runtime.models.sequential import Sequential
from reference_runtime.saving.saving_api import load_model, save_model

__all__ = [
    "MODELS",
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]

#: Model ``class_name`` -> implementation (``Model`` is how Keras 2 style configs name a Functional).
MODELS: Mapping[str, type[Model]] = MappingProxyType(
    {"Sequential": Sequential, "Functional": Functional, "Model": Functional}
)


def model_from_json(json_string: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild a model (fresh weights) from :meth:`Model.to_json`'s output."""
    from reference_runtime.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)
