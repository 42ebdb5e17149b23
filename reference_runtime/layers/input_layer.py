"""``InputLayer`` and ``Input`` (spec §5.9; ``keras/src/layers/core/input_layer.py``).

No computation and no weights. Its config keeps ``dtype`` a plain string in
every Keras version; Keras 2 files spell the shape ``batch_input_shape``.
"""

from __future__ import annotations

from typing import Any

from reference_runtime._backend import standardize_dtype
from reference_runtime._tensor import KerasTensor, Node
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer

__all__ = ["Input", "InputLayer"]

_CALL = forward("InputLayer")


class InputLayer(Layer):
    """The entry point of a Functional model.

    Args:
        shape: shape without the batch dimension.
        batch_size: optional fixed batch size.
        dtype: input dtype (default ``float32``).
        batch_shape: full shape including the batch dimension.
        name: layer name.
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        ragged: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        optional: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Keras 2 spellings (input_layer.py L27-32).
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("type_spec", None)  # tf-keras may write it; always null for dense inputs
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to InputLayer: {kwargs}")
        super().__init__(name=name)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if sparse or ragged:
            from kformat.errors import UnsupportedFeatureError

            raise UnsupportedFeatureError(
                "sparse and ragged inputs are not supported by the NumPy runtime"
            )
        if shape is not None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size, *shape)
        if batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = bool(optional)
        tensor = KerasTensor(self._batch_shape, dtype=self._input_dtype, name=self.name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor
        self.built = True

    @property
    def batch_shape(self) -> tuple[int | None, ...]:
        """Shape including the batch dimension."""
        return self._batch_shape

    @property
    def dtype(self) -> str:
        """The input dtype (a plain string)."""
        return self._input_dtype

    @property
    def output(self) -> KerasTensor:
        """The symbolic tensor this layer produces."""
        return self._input_tensor

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return _CALL(self, *args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        """``batch_shape``, ``dtype`` (string), ``sparse``, ``ragged``, ``name``, ``optional``."""
        return {
            "batch_shape": list(self._batch_shape),
            "dtype": self._input_dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self.name,
            "optional": self.optional,
        }

    def get_build_config(self) -> None:
        """InputLayer entries carry no ``build_config``."""
        return None


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """A symbolic input for building a Functional model (``keras.Input``)."""
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        name=name,
        input_tensor=tensor,
        optional=optional,
    )
    return layer.output
