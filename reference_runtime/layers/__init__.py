"""Runtime layers, one module each, registered in :data:`LAYERS`.

:data:`LAYERS` is the single read-only table from Keras ``class_name`` to the
NumPy implementation the loader instantiates; nothing else is ever looked up
by a name found in a file. Custom layers subclass :class:`Layer` and are found
through ``register_keras_serializable`` or ``custom_objects``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from kformat import layers as catalogue
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)
from reference_runtime.layers._defined import defined_layer
from reference_runtime.layers.activation import Activation
from reference_runtime.layers.add import Add
from reference_runtime.layers.average import Average
from reference_runtime.layers.batch_normalization import BatchNormalization
from reference_runtime.layers.concatenate import Concatenate
from reference_runtime.layers.dense import Dense
from reference_runtime.layers.dot import Dot
from reference_runtime.layers.dropout import Dropout
from reference_runtime.layers.einsum_dense import EinsumDense
from reference_runtime.layers.embedding import Embedding
from reference_runtime.layers.flatten import Flatten
from reference_runtime.layers.global_average_pooling1d import GlobalAveragePooling1D
from reference_runtime.layers.identity import Identity
from reference_runtime.layers.input_layer import Input, InputLayer
from reference_runtime.layers.lambda_layer import Lambda
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.layer_normalization import LayerNormalization
from reference_runtime.layers.leaky_relu import LeakyReLU
from reference_runtime.layers.maximum import Maximum
from reference_runtime.layers.minimum import Minimum
from reference_runtime.layers.multi_head_attention import MultiHeadAttention
from reference_runtime.layers.multiply import Multiply
from reference_runtime.layers.permute import Permute
from reference_runtime.layers.prelu import PReLU
from reference_runtime.layers.relu import ReLU
from reference_runtime.layers.reshape import Reshape
from reference_runtime.layers.rms_normalization import RMSNormalization
from reference_runtime.layers.softmax import Softmax
from reference_runtime.layers.subtract import Subtract
from reference_runtime.layers.tf_op_lambda import TFOpLambda
from reference_runtime.layers.variable import Variable

__all__ = [
    "LAYERS",
    "Activation",
    "Add",
    "Average",
    "BatchNormalization",
    "Concatenate",
    "Dense",
    "Dot",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "Identity",
    "Input",
    "InputLayer",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Maximum",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "PReLU",
    "Permute",
    "RMSNormalization",
    "ReLU",
    "Reshape",
    "Softmax",
    "Subtract",
    "TFOpLambda",
    "Variable",
    "deserialize",
    "serialize",
]

# Classes with a hand-written runtime class (masks, sub-layers, Python
# functions, Keras-2 quirks); every other class of the layer catalogue gets
# one generated from its definition (``_defined.py``).
_WRITTEN: Mapping[str, type[Layer]] = MappingProxyType(
    {
        "InputLayer": InputLayer,
        "Dense": Dense,
        "Dropout": Dropout,
        "BatchNormalization": BatchNormalization,
        "MultiHeadAttention": MultiHeadAttention,
        "EinsumDense": EinsumDense,
        "LayerNormalization": LayerNormalization,
        "Activation": Activation,
        "Add": Add,
        "Subtract": Subtract,
        "Multiply": Multiply,
        "Average": Average,
        "Maximum": Maximum,
        "Minimum": Minimum,
        "Concatenate": Concatenate,
        "Dot": Dot,
        "Embedding": Embedding,
        "Flatten": Flatten,
        "Reshape": Reshape,
        "Permute": Permute,
        "Softmax": Softmax,
        "ReLU": ReLU,
        "LeakyReLU": LeakyReLU,
        "PReLU": PReLU,
        "RMSNormalization": RMSNormalization,
        "GlobalAveragePooling1D": GlobalAveragePooling1D,
        "GlobalAvgPool1D": GlobalAveragePooling1D,
        "TFOpLambda": TFOpLambda,
        "Identity": Identity,
        "Lambda": Lambda,
    }
)


def _generated() -> dict[str, type[Layer]]:
    out: dict[str, type[Layer]] = {}
    for name, definition in catalogue.REGISTRY.items():
        if name not in _WRITTEN:
            cls = defined_layer(definition)
            out[name] = cls
            out.update(dict.fromkeys(definition.aliases, cls))
    return out


_GENERATED = _generated()

#: Keras ``class_name`` (and exported alias) -> runtime implementation. Read-only.
LAYERS: Mapping[str, type[Layer]] = MappingProxyType({**_WRITTEN, **_GENERATED})


def __getattr__(name: str) -> type[Layer]:
    # The generated classes are attributes of this package like the written ones.
    found = _GENERATED.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return found


def serialize(layer: Layer) -> dict[str, Any]:
    """``keras.layers.serialize``: the serialized-object dict of a layer."""
    out: dict[str, Any] = serialize_keras_object(layer)
    return out


def deserialize(config: Mapping[str, Any], custom_objects: Mapping[str, Any] | None = None) -> Any:
    """``keras.layers.deserialize``: a layer from its serialized form."""
    return deserialize_keras_object(config, custom_objects=custom_objects)
