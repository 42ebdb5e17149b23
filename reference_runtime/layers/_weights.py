"""The variables part of :class:`~reference_runtime.layers.layer.Layer`.

Creation order is save order: ``vars/0..n-1`` are the layer's own trainable
then non-trainable variables (``keras/src/layers/layer.py``
``save_own_variables``); ``weights`` appends each sub-layer's, without
duplicates, and is what ``get_weights``/``set_weights`` use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from kformat._limits import DEFAULT_LIMITS
from kformat.errors import UnsafeArchiveError
from reference_runtime import initializers, regularizers
from reference_runtime._backend import as_dtype, is_float_dtype, standardize_dtype
from reference_runtime._config_errors import CONFIG, current_pointer
from reference_runtime.layers.variable import Variable

__all__ = ["WeightsMixin"]


class WeightsMixin:
    """Variable creation, listing, copying and (de)serialization for layers."""

    if TYPE_CHECKING:
        name: str
        _trainable_variables: list[Variable]
        _non_trainable_variables: list[Variable]

        @property
        def trainable(self) -> bool: ...

        @property
        def variable_dtype(self) -> str: ...

        def _sublayers(self) -> list[Any]: ...

    def add_weight(
        self,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        """Create a weight; its creation order is its save order."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = standardize_dtype(dtype) if dtype is not None else self.variable_dtype
        _check_size(self, name, shape, dtype)
        if initializer is None:
            initializer = "glorot_uniform" if is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype) if not isinstance(init, np.ndarray) else init
        name = name or f"variable_{len(self._own_variables())}"
        var = Variable(
            np.asarray(value, dtype=as_dtype(dtype)),
            name=name,
            trainable=trainable,
            autocast=autocast,
            path=f"{self.name}/{name}",
            regularizer=regularizers.get(regularizer),
            constraint=constraint,
        )
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        return var

    add_variable = add_weight

    def _own_variables(self) -> list[Variable]:
        out: list[Variable] = []
        for v in self._trainable_variables + self._non_trainable_variables:
            if not any(v is o for o in out):
                out.append(v)
        return out

    @property
    def weights(self) -> list[Variable]:
        """Own variables, then each sub-layer's, without duplicates."""
        out = self._own_variables()
        for layer in self._sublayers():
            for w in layer.weights:
                if not any(w is o for o in out):
                    out.append(w)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list[Variable]:
        """Trainable variables (none when the layer is frozen)."""
        return [v for v in self.weights if v.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """Non-trainable variables (all of them when the layer is frozen)."""
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray[Any, Any]]:
        """Copies of :attr:`weights` as NumPy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign arrays to :attr:`weights` in order; counts and shapes must match."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(own)} weights."
            )
        for var, value in zip(own, weights, strict=True):
            if tuple(np.shape(value)) != var.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {var.shape} is not compatible with provided "
                    f"weight shape {tuple(np.shape(value))}."
                )
        for var, value in zip(own, weights, strict=True):
            var.assign(value)

    def count_params(self) -> int:
        """Number of scalars in :attr:`weights`."""
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def save_own_variables(self, store: dict[str, Any]) -> None:
        """Write own variables as ``"0".."n-1"`` (``Layer.save_own_variables``)."""
        for i, v in enumerate(self._own_variables()):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store: Mapping[str, Any]) -> None:
        """Assign own variables from ``"0".."n-1"``; the count must match."""
        own = self._own_variables()
        if len(store) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables, but received {len(store)} "
                f"variables during loading. Expected: {[v.name for v in own]}"
            )
        for i, v in enumerate(own):
            v.assign(store[str(i)])


def _check_size(layer: Any, name: str | None, shape: tuple[int, ...], dtype: str) -> None:
    """Refuse a variable larger than one weights dataset may be (KF308) before
    NumPy is asked for it: a config value like ``units=10**12`` would otherwise
    end in ``MemoryError`` or in the machine swapping (spec §12)."""
    if any(d < 0 for d in shape):
        raise ValueError(f"variable shape {shape} has a negative dimension")
    nbytes = as_dtype(dtype).itemsize
    for d in shape:
        nbytes *= d
    limit = DEFAULT_LIMITS.max_dataset_bytes
    if nbytes > limit:
        raise UnsafeArchiveError(
            f"layer {getattr(layer, 'name', '?')!r} asks for variable {name!r} of shape {shape} "
            f"({nbytes} bytes), above the limit of {limit}",
            member=CONFIG,
            path=current_pointer(),
            code="KF308",
        )
