"""``Lambda``: refused unless its function is a registered NumPy function.

A Keras ``Lambda`` stores either marshalled Python bytecode (``__lambda__``)
or a reference to a named function. Bytecode is never run: under
``safe_mode=True`` (the default) it is an :class:`UnsafeArchiveError`
(CVE-2024-3660, ``keras/src/layers/core/lambda_layer.py`` ``from_config``),
otherwise an :class:`UnsupportedFeatureError`. A named function resolves like
any other (built-in activations, registered or ``custom_objects`` functions),
and is then called on NumPy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference_runtime._serialization import (
    _refuse_lambda,
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["Lambda"]

_CALL = forward("Lambda")


class Lambda(Layer):
    """Wrap a NumPy function as a layer.

    Args:
        function: a callable taking the inputs (and ``**arguments``).
        output_shape: kept for the config.
        mask: kept for the config (callable masks are not supported).
        arguments: extra keyword arguments for ``function``.
    """

    def __init__(
        self,
        function: Any,
        output_shape: Any = None,
        mask: Any = None,
        arguments: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, got {function!r}")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.built = True

    def call(self, inputs: Any) -> Any:
        return _CALL(self, inputs)

    def get_config(self) -> dict[str, Any]:
        """The function as a serialized reference (never bytecode)."""
        return {
            **super().get_config(),
            "function": serialize_keras_object(self.function),
            "arguments": self.arguments,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        """Resolve ``function`` without ever running bytecode."""
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, Mapping) and value.get("class_name") == "__lambda__":
                _refuse_lambda(f"Lambda layer {config.get('name')!r} ({key})")
            if (
                isinstance(value, (list, tuple))
                and len(value) == 3
                and isinstance(value[0], str)
                and key == "function"
            ):  # Keras 2: (code, defaults, closure) with function_type
                _refuse_lambda(f"Lambda layer {config.get('name')!r} ({key})")
        if config.get("function_type") == "lambda" or config.get("output_shape_type") == "lambda":
            _refuse_lambda(f"Lambda layer {config.get('name')!r}")
        for key in ("function_type", "output_shape_type", "module", "output_shape_module"):
            config.pop(key, None)
        config["function"] = deserialize_keras_object(config.get("function"))
        if isinstance(config["function"], str):
            from kformat.errors import UnsupportedFeatureError

            raise UnsupportedFeatureError(
                f"Lambda layer {config.get('name')!r} names function {config['function']!r}, which is not "
                "registered: register a NumPy implementation with register_keras_serializable"
            )
        return cls(**config)
