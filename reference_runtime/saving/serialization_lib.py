"""``keras.saving.serialization_lib`` for the NumPy runtime (spec §4).

The serializer lives in :mod:`reference_runtime._serialization`, outside this
package, because layers, initializers and the other parts of the runtime serialize
their nested objects through it, and this package's ``__init__`` imports the
loader, which imports those parts. This module keeps the Keras-named path.
"""

from __future__ import annotations

from reference_runtime._serialization import (
    SafeModeScope,
    checked,
    checked_from_config,
    deserialize_keras_object,
    in_safe_mode,
    loading_source,
    serialize_keras_object,
)

__all__ = [
    "SafeModeScope",
    "checked",
    "checked_from_config",
    "deserialize_keras_object",
    "in_safe_mode",
    "loading_source",
    "serialize_keras_object",
]
