"""What tf_keras 2.21 layers lack: data for the Keras 3 -> tf_keras direction.

Found by comparing each class's Keras 3 config keys (kformat's catalogue)
with the constructor arguments of the tf_keras 2.21 class of the same name
(``inspect.signature`` along its ``__init__`` chain). A key maps to the values
with no effect, which are dropped; any other value is refused. An empty
tuple means every value is inert (data-augmentation layers are the identity
at inference).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["KERAS3_ONLY", "TF_KERAS_ACTIVATIONS", "TF_KERAS_MISSING"]

_LORA: Mapping[str, tuple[Any, ...]] = {"lora_rank": (None,), "lora_alpha": (None,)}
_QUANT: Mapping[str, tuple[Any, ...]] = {**_LORA, "quantization_config": (None,)}
_AUGMENT: Mapping[str, tuple[Any, ...]] = {
    "data_format": (None, "channels_last"),
    "bounding_box_format": (None,),
    "value_range": (),
}

KERAS3_ONLY: Mapping[str, Mapping[str, tuple[Any, ...]]] = MappingProxyType(
    {
        "AdditiveAttention": {"causal": (False, None)},
        "Attention": {"causal": (False, None)},
        "CenterCrop": _AUGMENT,
        "Conv1D": _LORA,
        "Conv2D": _LORA,
        "Conv3D": _LORA,
        "Dense": _QUANT,
        "EinsumDense": {**_QUANT, "gptq_unpacked_column_size": (None,)},
        "Embedding": _QUANT,
        "LayerNormalization": {"rms_scaling": (False,)},
        "MultiHeadAttention": {"use_gate": (False,), "sliding_window": (None,), "seed": ()},
        "RandomBrightness": _AUGMENT,
        "RandomContrast": _AUGMENT,
        "RandomCrop": _AUGMENT,
        "RandomFlip": _AUGMENT,
        "RandomRotation": _AUGMENT,
        "RandomTranslation": _AUGMENT,
        "RandomZoom": _AUGMENT,
        "Resizing": {
            "data_format": (None, "channels_last"),
            "bounding_box_format": (None,),
            "pad_to_aspect_ratio": (False,),
            "fill_mode": ("constant",),
            "fill_value": (0.0, 0),
            "antialias": (False,),
        },
        "ZeroPadding1D": {"data_format": (None, "channels_last")},
    }
)

#: Keras 3 layer classes tf_keras 2.21 does not have.
TF_KERAS_MISSING = frozenset(
    {
        "AdaptiveAveragePooling1D",
        "AdaptiveAveragePooling2D",
        "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D",
        "AdaptiveMaxPooling2D",
        "AdaptiveMaxPooling3D",
        "AugMix",
        "AutoContrast",
        "CutMix",
        "Equalization",
        "GroupQueryAttention",
        "LayerScale",
        "MaxNumBoundingBoxes",
        "MixUp",
        "RMSNormalization",
        "RandAugment",
        "RandomColorDegeneration",
        "RandomColorJitter",
        "RandomElasticTransform",
        "RandomErasing",
        "RandomGaussianBlur",
        "RandomGrayscale",
        "RandomHue",
        "RandomInvert",
        "RandomPerspective",
        "RandomSaturation",
        "RandomSharpness",
        "RandomShear",
        "RandomPosterization",
        "Solarization",
        "StochasticDepth",
    }
)

#: Activation names tf_keras 2.21 resolves (``tf_keras.activations.get``), with the
#: meaning Keras 3 gives them; ``hard_sigmoid`` is rewritten, never carried as is.
TF_KERAS_ACTIVATIONS = frozenset(
    {
        "relu",
        "relu6",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "softmax",
        "log_softmax",
        "softplus",
        "softsign",
        "silu",
        "swish",
        "gelu",
        "elu",
        "selu",
        "exponential",
        "mish",
        "linear",
    }
)
