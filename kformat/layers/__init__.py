"""The layer catalogue: one :class:`LayerDef` per Keras layer class (spec §5.9, §6.7, §6.8).

:data:`REGISTRY` is the one read-only table from ``class_name`` to definition.
The validator checks configs and weights against it, ``reference_runtime``
builds and runs layers from it, the TensorFlow bridge exports them from it, and
the spec's layer tables are generated from it. A name found in a file is only
ever compared against this table; nothing is imported by a name from a file.

Definitions load on first use: :data:`_INDEX` says which module of this package
defines which names, so validating a file imports only the definitions of the
classes it uses (the command line stays fast; every module of the package
loaded costs tens of milliseconds). A test keeps the index equal to what the
modules define.

Adding a class is one new module here (see ``dense.py``), listed in
:data:`_INDEX`, plus its tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from kformat.layers import _lookup
from kformat.layers._def import (
    BuiltLayer,
    Field,
    InputShape,
    LayerDef,
    LayerSpec,
    Shape,
    SublayerSpec,
    VariableSpec,
)

__all__ = [
    "ALIASES",
    "REGISTRY",
    "BuiltLayer",
    "Field",
    "InputShape",
    "LayerDef",
    "LayerSpec",
    "Shape",
    "SublayerSpec",
    "VariableSpec",
    "get",
    "is_known",
]

#: module of this package -> the class names (and exported aliases) it defines.
_INDEX: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "activation": ("Activation",),
        "adaptive_pooling": (
            "AdaptiveAveragePooling1D",
            "AdaptiveAveragePooling2D",
            "AdaptiveAveragePooling3D",
            "AdaptiveMaxPooling1D",
            "AdaptiveMaxPooling2D",
            "AdaptiveMaxPooling3D",
        ),
        "attention": (
            "Attention",
            "AdditiveAttention",
        ),
        "augment_pipelines": (
            "RandomColorJitter",
            "AugMix",
            "RandAugment",
        ),
        "batch_normalization": ("BatchNormalization",),
        "bidirectional": ("Bidirectional",),
        "categorical": (
            "Discretization",
            "CategoryEncoding",
        ),
        "center_crop": ("CenterCrop",),
        "convnext": (
            "LayerScale",
            "StochasticDepth",
        ),
        "conv": (
            "Conv1D",
            "Convolution1D",
            "Conv2D",
            "Convolution2D",
            "Conv3D",
            "Convolution3D",
        ),
        "conv_lstm": (
            "ConvLSTM1D",
            "ConvLSTM2D",
            "ConvLSTM3D",
        ),
        "conv_transpose": (
            "Conv1DTranspose",
            "Convolution1DTranspose",
            "Conv2DTranspose",
            "Convolution2DTranspose",
            "Conv3DTranspose",
            "Convolution3DTranspose",
        ),
        "cropping": (
            "Cropping1D",
            "Cropping2D",
            "Cropping3D",
        ),
        "custom_scale_layer": ("CustomScaleLayer",),
        "dense": ("Dense",),
        "depthwise_conv": (
            "DepthwiseConv1D",
            "DepthwiseConv2D",
        ),
        "dropout": ("Dropout",),
        "einsum_dense": ("EinsumDense",),
        "elu": ("ELU",),
        "embedding": ("Embedding",),
        "global_pooling": (
            "GlobalAveragePooling1D",
            "GlobalAvgPool1D",
            "GlobalAveragePooling2D",
            "GlobalAvgPool2D",
            "GlobalAveragePooling3D",
            "GlobalAvgPool3D",
            "GlobalMaxPooling1D",
            "GlobalMaxPool1D",
            "GlobalMaxPooling2D",
            "GlobalMaxPool2D",
            "GlobalMaxPooling3D",
            "GlobalMaxPool3D",
        ),
        "group_normalization": ("GroupNormalization",),
        "grouped_query_attention": ("GroupQueryAttention", "GroupedQueryAttention"),
        "hashing": (
            "Hashing",
            "HashedCrossing",
        ),
        "identity": ("Identity",),
        "image_adjust": (
            "AutoContrast",
            "Equalization",
            "MaxNumBoundingBoxes",
        ),
        "index_lookup": (
            "StringLookup",
            "IntegerLookup",
        ),
        "input_layer": ("InputLayer",),
        "lambda_layer": (
            "Lambda",
            "TFOpLambda",
        ),
        "layer_normalization": ("LayerNormalization",),
        "masking": ("Masking",),
        "merging": (
            "Add",
            "Subtract",
            "Multiply",
            "Average",
            "Maximum",
            "Minimum",
            "Concatenate",
            "Dot",
        ),
        "multi_head_attention": ("MultiHeadAttention",),
        "normalization": ("Normalization",),
        "padding": (
            "ZeroPadding1D",
            "ZeroPadding2D",
            "ZeroPadding3D",
        ),
        "pooling": (
            "MaxPooling1D",
            "MaxPool1D",
            "MaxPooling2D",
            "MaxPool2D",
            "MaxPooling3D",
            "MaxPool3D",
            "AveragePooling1D",
            "AvgPool1D",
            "AveragePooling2D",
            "AvgPool2D",
            "AveragePooling3D",
            "AvgPool3D",
        ),
        "prelu": ("PReLU",),
        "random_color": (
            "RandomBrightness",
            "RandomContrast",
            "RandomColorDegeneration",
            "RandomHue",
            "RandomSaturation",
            "RandomPosterization",
            "RandomSharpness",
            "RandomInvert",
            "RandomGrayscale",
            "RandomGaussianBlur",
            "RandomErasing",
            "Solarization",
            "MixUp",
            "CutMix",
        ),
        "random_geometric": (
            "RandomFlip",
            "RandomRotation",
            "RandomZoom",
            "RandomTranslation",
            "RandomShear",
            "RandomPerspective",
            "RandomElasticTransform",
            "RandomCrop",
        ),
        "regularization": (
            "SpatialDropout1D",
            "SpatialDropout2D",
            "SpatialDropout3D",
            "GaussianNoise",
            "GaussianDropout",
            "AlphaDropout",
            "ActivityRegularization",
        ),
        "recurrent": (
            "SimpleRNN",
            "LSTM",
            "GRU",
            "RNN",
        ),
        "relu": (
            "ReLU",
            "LeakyReLU",
        ),
        "repeat_vector": ("RepeatVector",),
        "rescaling": ("Rescaling",),
        "reshaping": (
            "Flatten",
            "Reshape",
            "Permute",
        ),
        "resizing": ("Resizing",),
        "rms_normalization": ("RMSNormalization",),
        "rnn_cells": (
            "SimpleRNNCell",
            "LSTMCell",
            "GRUCell",
            "StackedRNNCells",
        ),
        "separable_conv": (
            "SeparableConv1D",
            "SeparableConvolution1D",
            "SeparableConv2D",
            "SeparableConvolution2D",
        ),
        "softmax": ("Softmax",),
        "spectral_normalization": ("SpectralNormalization",),
        "text_vectorization": ("TextVectorization",),
        "time_distributed": ("TimeDistributed",),
        "unit_normalization": ("UnitNormalization",),
        "upsampling": (
            "UpSampling1D",
            "UpSampling2D",
            "UpSampling3D",
        ),
    }
)

_MODULE_OF: dict[str, str] = {name: module for module, names in _INDEX.items() for name in names}
_LOADED: dict[str, LayerDef] = {}  # class names and aliases, filled module by module


def _load(module: str) -> None:
    # Only names from _INDEX reach here: a module of this package, never one a file names.
    for definition in importlib.import_module(f"kformat.layers.{module}").DEFINITIONS:
        for name in (definition.class_name, *definition.aliases):
            if _MODULE_OF.get(name) != module:
                raise RuntimeError(f"kformat.layers._INDEX does not list {name} under {module}")
            _LOADED[name] = definition


def is_known(name: str) -> bool:
    """Whether ``name`` is a class (or alias) of the catalogue; imports nothing."""
    return name in _MODULE_OF


def get(class_name: str) -> LayerDef | None:
    """The definition of ``class_name`` or of the class an alias names, else ``None``."""
    found = _LOADED.get(class_name)
    if found is None:
        module = _MODULE_OF.get(class_name)
        if module is None:
            return None
        _load(module)
        found = _LOADED[class_name]
    return found


class _Registry(Mapping[str, LayerDef]):
    """``class_name`` -> definition (aliases excluded), loading modules as needed."""

    def __getitem__(self, class_name: str) -> LayerDef:
        found = get(class_name)
        if found is None or found.class_name != class_name:
            raise KeyError(class_name)
        return found

    def __iter__(self) -> Iterator[str]:
        for module in _INDEX:
            _load(module)
        return iter(sorted({d.class_name for d in _LOADED.values()}))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<kformat.layers.REGISTRY: {len(_MODULE_OF)} names>"


class _Aliases(Mapping[str, str]):
    """Exported alias (``MaxPool2D``) -> the ``class_name`` it stands for."""

    def __getitem__(self, alias: str) -> str:
        found = get(alias)
        if found is None or found.class_name == alias:
            raise KeyError(alias)
        return found.class_name

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(n for n in _MODULE_OF if n in self))

    def __len__(self) -> int:
        return sum(1 for _ in self)


#: ``class_name`` -> definition. Read-only.
REGISTRY: Mapping[str, LayerDef] = _Registry()
#: exported alias (``MaxPool2D``) -> the ``class_name`` it stands for. Read-only.
ALIASES: Mapping[str, str] = _Aliases()

_lookup.install(get)
