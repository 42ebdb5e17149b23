"""``clone_model`` (``keras/src/models/cloning.py``): same architecture, fresh weights, not compiled."""

from __future__ import annotations

from typing import Any

from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = ["clone_model"]


def clone_model(
    model: Any, input_tensors: Any = None, clone_function: Any = None, **kwargs: Any
) -> Any:
    """A new model with the same config and newly initialized weights."""
    if input_tensors is not None or clone_function is not None or kwargs:
        from kformat.errors import UnsupportedFeatureError

        raise UnsupportedFeatureError(
            "clone_model supports only the model argument in the NumPy runtime"
        )
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return deserialize_keras_object(config)
