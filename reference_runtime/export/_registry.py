"""The one table from Keras ``class_name`` to TensorFlow layer translations.

:data:`TF_LAYERS` covers every class of :data:`reference_runtime.layers.LAYERS`
(a test checks it): the ``tf_call``/``tf_compute_mask`` of each layer catalogue
definition (``kformat.layers``), which reads only the layer's public attributes; :data:`~reference_runtime.export._ops.TF_OPS` every Keras
operation of :data:`reference_runtime.ops.OPS`. A class is matched only when the
runtime registers *that* class under the name, so a subclass with its own
``call`` is never mistaken for its base. Custom layers get a translation through
:func:`register_tf_layer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from kformat import layers as catalogue
from kformat.errors import UnsupportedFeatureError
from reference_runtime.export._context import TFLayer
from reference_runtime.export._ops import TF_OPS
from reference_runtime.layers import LAYERS
from reference_runtime.ops import OPS, Operation

__all__ = ["TF_LAYERS", "lookup", "register_tf_layer"]


def _twins() -> dict[str, TFLayer]:
    # The layer catalogue's TensorFlow twins (``kformat.layers``), aliases included.
    out: dict[str, TFLayer] = {}
    for name, definition in catalogue.REGISTRY.items():
        if definition.tf_call is not None:
            twin = TFLayer(definition.tf_call, definition.tf_compute_mask)
            out[name] = twin
            out.update(dict.fromkeys(definition.aliases, twin))
    return out


#: Keras ``class_name`` -> TensorFlow translation. Read-only.
TF_LAYERS: Mapping[str, TFLayer] = MappingProxyType(
    {
        **_twins(),
    }
)

_CUSTOM: dict[type, TFLayer] = {}


def register_tf_layer(
    layer_class: type,
    call: Callable[..., Any],
    compute_mask: Callable[..., Any] | None = None,
) -> None:
    """Give a custom runtime layer class a TensorFlow translation.

    Args:
        layer_class: the runtime layer class (a ``reference_runtime.layers.Layer`` subclass).
        call: ``call(ctx, layer, *args, **kwargs)`` taking what the layer's ``call``
            takes, with TensorFlow tensors; read weights with ``ctx.read(variable, layer)``.
        compute_mask: optional ``compute_mask(ctx, layer, inputs, previous_mask)``.
    """
    if not isinstance(layer_class, type):
        raise TypeError(f"register_tf_layer needs a class, got {layer_class!r}")
    _CUSTOM[layer_class] = TFLayer(call, compute_mask)


def lookup(layer: Any) -> TFLayer:
    """The translation of ``layer``'s class.

    Raises:
        UnsupportedFeatureError: the class has none (custom layers, subclassed models).
    """
    cls = type(layer)
    found = _CUSTOM.get(cls)
    if found is not None:
        return found
    name = cls.__name__
    if isinstance(layer, Operation):
        if OPS.get(name) is cls and name in TF_OPS:
            return TF_OPS[name]
    elif LAYERS.get(name) is cls and name in TF_LAYERS:
        return TF_LAYERS[name]
    raise UnsupportedFeatureError(
        f"layer {getattr(layer, 'name', '?')!r} of class {name} has no TensorFlow translation: "
        "only the built-in layers of the NumPy runtime export; give a custom class one with "
        "reference_runtime.export.register_tf_layer"
    )
