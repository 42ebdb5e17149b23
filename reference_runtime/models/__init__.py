"""``keras.models`` for the NumPy runtime."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reference_runtime._serialization import deserialize_keras_object
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
    """Rebuild a model (fresh weights) from :meth:`Model.to_json`'s output.

    The text is parsed as ``config.json`` is (strict UTF-8 JSON within the
    size and depth limits, spec §4) and checked like a loaded config.

    Raises:
        InvalidArchiveError: the text is not such JSON or breaks a config rule.
        UnsafeArchiveError: it breaks a safety or size rule.
        UnsupportedFeatureError: it names a class with no implementation here.
        TypeError: ``json_string`` is not a ``str`` or ``bytes``.
    """
    from kformat._json import parse
    from kformat._limits import DEFAULT_LIMITS
    from kformat.errors import InvalidArchiveError, KFormatError
    from reference_runtime._config_errors import located

    if isinstance(json_string, str):
        data = json_string.encode("utf-8", "surrogatepass")
    elif isinstance(json_string, (bytes, bytearray)):
        data = bytes(json_string)
    else:
        raise TypeError(f"model_from_json needs a str, got {type(json_string).__name__}")
    limits = DEFAULT_LIMITS
    try:
        doc = parse(
            data,
            member="config.json",
            max_bytes=limits.max_config_bytes,
            max_depth=limits.max_json_depth,
        )
    except KFormatError as exc:
        found = located(exc, "KF202")  # the text as a whole: the pointer is ""
        if found is exc:
            raise
        raise found from exc
    if doc.duplicate_keys:
        raise InvalidArchiveError(
            "duplicate key in a JSON object (which value is meant is ambiguous)",
            member="config.json",
            path=doc.duplicate_keys[0],
            code="KF205",
        )
    return deserialize_keras_object(doc.value, custom_objects=custom_objects)
