"""Trace state of the TensorFlow bridge: runtime variables as ``tf.Variable`` and Keras masks.

One :class:`VariableStore` per export holds one ``tf.Variable`` per runtime
:class:`~reference_runtime.layers.variable.Variable` (shared layers share it),
so the SavedModel stores each weight once. A :class:`TraceContext` lives for one
trace of an endpoint and attaches masks to tensors by object identity, as the
NumPy runtime attaches them to arrays (``reference_runtime/_backend.py``), so a
layer that hands its input object through (Dropout, Identity) keeps its mask and
MultiHeadAttention can clear the masks of its inputs in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import tensorflow as tf

from reference_runtime._backend import as_dtype, is_float_dtype, map_structure, standardize_dtype

__all__ = ["TFLayer", "TraceContext", "VariableStore", "is_tensor", "tf_dtype"]


class TFLayer(NamedTuple):
    """The TensorFlow translation of one layer class.

    Attributes:
        call: ``call(ctx, layer, *args, **kwargs)``, the arguments the runtime's
            ``layer.call`` gets, tensors in place of arrays; returns the outputs.
        compute_mask: ``compute_mask(ctx, layer, inputs, previous_mask)``;
            ``None`` keeps ``Layer.compute_mask`` (the previous mask passes through).
    """

    call: Callable[..., Any]
    compute_mask: Callable[..., Any] | None = None


def tf_dtype(name: Any) -> Any:
    """The ``tf.DType`` of a Keras dtype name (bfloat16 included)."""
    name = standardize_dtype(name)
    if name == "bfloat16":
        return tf.bfloat16
    if name == "string":  # NumPy holds strings in object arrays
        return tf.string
    return tf.as_dtype(as_dtype(name))


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a TensorFlow tensor (symbolic or eager) or variable."""
    return isinstance(x, (tf.Tensor, tf.Variable))


class VariableStore:
    """Runtime variable -> ``tf.Variable``, created once and kept for saving."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Any, Any]] = {}
        self._resources: dict[tuple[int, str], tuple[Any, Any]] = {}

    def resource(self, owner: Any, key: str, make: Callable[[], Any]) -> Any:
        """The TensorFlow resource ``key`` of runtime object ``owner`` (a lookup
        layer's hash table), made eagerly by ``make()`` on first use and kept, so
        the SavedModel tracks it like a variable."""
        found = self._resources.get((id(owner), key))
        if found is not None:
            return found[1]
        with tf.init_scope():
            made = make()
        self._resources[(id(owner), key)] = (owner, made)
        return made

    def resources(self) -> list[Any]:
        """Every resource made so far, in creation order."""
        return [pair[1] for pair in self._resources.values()]

    def get(self, var: Any) -> Any:
        """The ``tf.Variable`` of runtime variable ``var`` (created eagerly on first use)."""
        if isinstance(var, tf.Variable):
            return var
        found = self._by_id.get(id(var))
        if found is not None:
            return found[1]
        value = np.asarray(var.numpy())
        # init_scope: a variable first met while tracing is created eagerly, outside the graph.
        with tf.init_scope():
            tf_var = tf.Variable(
                value,
                dtype=tf_dtype(var.dtype),
                trainable=bool(getattr(var, "trainable", True)),
                name=str(getattr(var, "path", None) or getattr(var, "name", "variable")),
            )
        self._by_id[id(var)] = (var, tf_var)
        return tf_var

    def all(self) -> list[Any]:
        """Every ``tf.Variable`` created so far, in creation order."""
        return [pair[1] for pair in self._by_id.values()]


#: ``call_layer(ctx, layer, args, kwargs)`` of :mod:`reference_runtime.export._graph`
LayerCaller = Callable[["TraceContext", Any, Any, dict[str, Any]], Any]


class TraceContext:
    """Per-trace state: the variable store and the masks attached to tensors."""

    def __init__(self, store: VariableStore, call_layer: LayerCaller) -> None:
        self.store = store
        self._masks: dict[int, tuple[Any, Any]] = {}
        self._call_layer = call_layer

    def call_layer(self, layer: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        """Call ``layer`` as the graph calls it (masks, autocast); the translations of
        layers that own sublayers use it. It is handed in by whoever traces (the graph
        module), since that module looks the translations up."""
        return self._call_layer(self, layer, args, kwargs)

    # -- masks ------------------------------------------------------------

    def mask(self, x: Any) -> Any:
        """The mask attached to tensor ``x``, or ``None``."""
        if x is None:
            return None
        found = self._masks.get(id(x))
        return None if found is None else found[1]

    def masks(self, structure: Any) -> Any:
        """``map_structure(mask, structure)``, as ``get_keras_mask`` over a structure."""
        return map_structure(self.mask, structure)

    def set_mask(self, x: Any, mask: Any) -> None:
        """Attach (or with ``None`` clear) the mask of tensor ``x``."""
        if mask is None:
            self._masks.pop(id(x), None)
        elif is_tensor(x):
            self._masks[id(x)] = (x, mask)  # the tensor is kept so its id stays unique

    # -- variables --------------------------------------------------------

    def stored(self, var: Any) -> Any:
        """The variable as stored (``Variable.numpy()``), as a tensor."""
        return tf.convert_to_tensor(self.store.get(var))

    def read(self, var: Any, layer: Any) -> Any:
        """``Variable.value`` inside ``layer``'s call: cast to the compute dtype under a
        mixed policy (``reference_runtime/layers/variable.py`` autocast scope)."""
        value = self.stored(var)
        compute = layer.compute_dtype
        if (
            getattr(var, "autocast", True)
            and is_float_dtype(var.dtype)
            and is_float_dtype(compute)
            and compute != layer.variable_dtype
            and standardize_dtype(var.dtype) != compute
        ):
            value = tf.cast(value, tf_dtype(compute))
        return value
