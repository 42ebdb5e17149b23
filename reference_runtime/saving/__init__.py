"""``keras.saving`` for the NumPy runtime: registration, (de)serialization, load/save."""

from __future__ import annotations

from reference_runtime._registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime.saving.saving_api import load_model, load_weights, save_model, save_weights

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
