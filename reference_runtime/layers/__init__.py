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
from reference_runtime.layers._defined import class_for
from reference_runtime.layers.batch_normalization import BatchNormalization
from reference_runtime.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from reference_runtime.layers.dense import Dense
from reference_runtime.layers.einsum_dense import EinsumDense
from reference_runtime.layers.embedding import Embedding
from reference_runtime.layers.group_query_attention import GroupQueryAttention
from reference_runtime.layers.input_layer import Input, InputLayer
from reference_runtime.layers.lambda_layer import Lambda
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.layer_normalization import LayerNormalization
from reference_runtime.layers.leaky_relu import LeakyReLU
from reference_runtime.layers.multi_head_attention import MultiHeadAttention
from reference_runtime.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from reference_runtime.layers.rms_normalization import RMSNormalization
from reference_runtime.layers.softmax import Softmax
from reference_runtime.layers.spectral_normalization import SpectralNormalization
from reference_runtime.layers.text_lookup import IntegerLookup, StringLookup, TextVectorization
from reference_runtime.layers.tf_op_lambda import TFOpLambda
from reference_runtime.layers.time_distributed import TimeDistributed
from reference_runtime.layers.variable import Variable

__all__ = [
    "GRU",
    "LAYERS",
    "LSTM",
    "RNN",
    "Activation",
    "Add",
    "Average",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Dense",
    "Dot",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GRUCell",
    "GroupQueryAttention",
    "Identity",
    "Input",
    "InputLayer",
    "IntegerLookup",
    "LSTMCell",
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
    "SimpleRNN",
    "SimpleRNNCell",
    "Softmax",
    "SpectralNormalization",
    "StackedRNNCells",
    "StringLookup",
    "Subtract",
    "TFOpLambda",
    "TextVectorization",
    "TimeDistributed",
    "Variable",
    "deserialize",
    "serialize",
]

# Classes generated from their catalogue definition (``_defined.py``), named
# here so they import like the written ones.
Activation = class_for("Activation")
Add = class_for("Add")
Average = class_for("Average")
Concatenate = class_for("Concatenate")
Dot = class_for("Dot")
Dropout = class_for("Dropout")
Flatten = class_for("Flatten")
Identity = class_for("Identity")
Maximum = class_for("Maximum")
Minimum = class_for("Minimum")
Multiply = class_for("Multiply")
PReLU = class_for("PReLU")
Permute = class_for("Permute")
ReLU = class_for("ReLU")
Reshape = class_for("Reshape")
Subtract = class_for("Subtract")

# Classes with a hand-written runtime class (sub-layers, Python functions,
# older writers' quirks) whose ``call`` is still the definition's; every other
# class of the layer catalogue gets one generated from its definition.
_WRITTEN: Mapping[str, type[Layer]] = MappingProxyType(
    {
        "InputLayer": InputLayer,
        "Dense": Dense,
        "BatchNormalization": BatchNormalization,
        "MultiHeadAttention": MultiHeadAttention,
        "EinsumDense": EinsumDense,
        "LayerNormalization": LayerNormalization,
        "Embedding": Embedding,
        "Softmax": Softmax,
        "LeakyReLU": LeakyReLU,
        "RMSNormalization": RMSNormalization,
        "TFOpLambda": TFOpLambda,
        "Lambda": Lambda,
        "GroupQueryAttention": GroupQueryAttention,
        "GroupedQueryAttention": GroupQueryAttention,  # Keras 3.0's class_name
        "SpectralNormalization": SpectralNormalization,
        "StringLookup": StringLookup,
        "IntegerLookup": IntegerLookup,
        "TextVectorization": TextVectorization,
        "TimeDistributed": TimeDistributed,
        "ConvLSTM1D": ConvLSTM1D,
        "ConvLSTM2D": ConvLSTM2D,
        "ConvLSTM3D": ConvLSTM3D,
        "SimpleRNN": SimpleRNN,
        "LSTM": LSTM,
        "GRU": GRU,
        "RNN": RNN,
        "SimpleRNNCell": SimpleRNNCell,
        "LSTMCell": LSTMCell,
        "GRUCell": GRUCell,
        "StackedRNNCells": StackedRNNCells,
        "Bidirectional": Bidirectional,
    }
)


def _generated() -> dict[str, type[Layer]]:
    out: dict[str, type[Layer]] = {}
    for name, definition in catalogue.REGISTRY.items():
        if name not in _WRITTEN:
            cls = class_for(name)
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
