"""``TimeDistributed`` (``keras/src/layers/rnn/time_distributed.py``).

The forward pass and TensorFlow twin come from the layer catalogue
(``kformat/layers/time_distributed.py``); this class adds what a wrapper needs
beyond a generated layer (``keras/src/layers/core/wrapper.py``): the ``layer``
config is deserialized into the wrapped runtime layer or model (a sub-layer
saved in its own group), built on the input shape without the time axis.
"""

from __future__ import annotations

from typing import Any

from kformat import layers as catalogue
from kformat.layers.time_distributed import child_shape
from reference_runtime._serialization import deserialize_keras_object, serialize_keras_object
from reference_runtime.layers._defined import DefinedLayer, defined_layer
from reference_runtime.layers.layer import Layer

__all__ = ["TimeDistributed"]

_Generated: type[DefinedLayer] = defined_layer(catalogue.REGISTRY["TimeDistributed"])


class TimeDistributed(_Generated):  # type: ignore[valid-type,misc]
    """The wrapped layer applied to every time step.

    Args:
        layer: the layer or model to wrap (a runtime layer or its serialized form).
    """

    sublayers_from_config = False  # the wrapped layer is deserialized below

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        super().__init__(layer=layer, **kwargs)
        if not isinstance(layer, Layer):
            layer = deserialize_keras_object(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        self.layer = layer

    def config_values(self) -> dict[str, Any]:
        """The fields, the wrapped layer serialized (with its ``build_config``)."""
        values: dict[str, Any] = super().config_values()
        values["layer"] = serialize_keras_object(self.layer)
        return values

    def build(self, input_shape: Any = None) -> None:
        """Build the wrapped layer on ``(batch, *input_shape[2:])``."""
        shape = child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(shape)
            self.layer.built = True
        self.built = True

    def compute_output_shape(self, *shapes: Any) -> Any:
        """The wrapped layer's output shape with the time axis put back."""
        shape = tuple(shapes[0])
        inner = tuple(self.layer.compute_output_shape(child_shape(shape)))
        return (inner[0], shape[1], *inner[1:])
