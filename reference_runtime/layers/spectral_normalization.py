"""``SpectralNormalization`` (``keras/src/layers/normalization/spectral_normalization.py``).

The forward pass and TensorFlow twin come from the layer catalogue
(``kformat/layers/spectral_normalization.py``); this class adds what a wrapper
needs beyond a generated layer (``keras/src/layers/core/wrapper.py``): the
``layer`` config is deserialized into the wrapped runtime layer (a sub-layer
saved in its own group), ``build`` builds it and tracks its ``kernel`` (or
``embeddings``) again as the wrapper's first own variable, before ``vector_u``.
"""

from __future__ import annotations

from typing import Any

from kformat import layers as catalogue
from reference_runtime import initializers
from reference_runtime._serialization import deserialize_keras_object, serialize_keras_object
from reference_runtime.layers._defined import DefinedLayer, defined_layer
from reference_runtime.layers.layer import Layer

__all__ = ["SpectralNormalization"]

_Generated: type[DefinedLayer] = defined_layer(catalogue.REGISTRY["SpectralNormalization"])


class SpectralNormalization(_Generated):  # type: ignore[valid-type,misc]
    """The wrapped layer at inference (its stored kernel is already normalized).

    Args:
        layer: the layer to wrap (a runtime layer or its serialized form), with
            a ``kernel`` or ``embeddings`` variable.
        power_iterations: power-iteration steps per training update (kept for
            the config).
    """

    sublayers_from_config = False  # the wrapped layer is deserialized below

    def __init__(self, layer: Any, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer=layer, power_iterations=power_iterations, **kwargs)
        if not isinstance(layer, Layer):
            layer = deserialize_keras_object(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please "
                "ensure wrapped layer is a valid Keras layer."
            )
        self.layer = layer

    def config_values(self) -> dict[str, Any]:
        """The fields, the wrapped layer serialized (with its ``build_config``)."""
        values: dict[str, Any] = super().config_values()
        values["layer"] = serialize_keras_object(self.layer)
        return values

    def build(self, input_shape: Any = None) -> None:
        """Build the wrapped layer, then track its kernel and create ``vector_u``."""
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'"
            )
        self.kernel = kernel
        tracked = self._trainable_variables if kernel.trainable else self._non_trainable_variables
        tracked.append(kernel)
        self.vector_u = self.add_weight(
            name="vector_u",
            shape=(1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            dtype=kernel.dtype,
        )
