"""``keras.saving.object_registration`` for the NumPy runtime.

The registry lives in :mod:`reference_runtime._registration`, outside this package,
for the reason :mod:`reference_runtime.saving.serialization_lib` gives; this module
keeps the Keras-named path.
"""

from __future__ import annotations

from reference_runtime._registration import (
    GLOBAL_CUSTOM_OBJECTS,
    REGISTRY,
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = [
    "GLOBAL_CUSTOM_OBJECTS",
    "REGISTRY",
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]
