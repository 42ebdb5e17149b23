"""``SpectralNormalization`` (``keras/src/layers/normalization/spectral_normalization.py``),
a ``Wrapper`` (``keras/src/layers/core/wrapper.py``).

``layer`` is the serialized wrapped layer (with its own ``build_config``); it
is a sub-layer saved in its own H5 group, ``<wrapper>/layer`` (spec §6.7).
The wrapper's own variables are the wrapped layer's ``kernel`` (or
``embeddings``) — the same variable, tracked again, so Keras writes it twice
and, loading the wrapper before its sub-layer, keeps the sub-layer's copy —
then ``vector_u`` ``(1, kernel.shape[-1])``, non-trainable.

At inference ``call(training=False)`` is the wrapped layer's call on the
stored kernel, cast to the input dtype: the normalized kernel is only
computed and assigned while training, so a saved file already holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _checks as c
from kformat.layers import _lookup
from kformat.layers._def import (
    InputShape,
    LayerDef,
    Shape,
    SublayerSpec,
    UnknownLayerClass,
    VariableSpec,
    f,
    single,
)

__all__ = ["DEFINITIONS", "SPECTRAL_NORMALIZATION", "wrapped", "wrapped_sublayers"]


def _layer_check(name: str, value: Any) -> str | None:
    if wrapped({name: value}, name) is not None:
        return None
    if not isinstance(value, dict) and hasattr(value, "get_config"):
        return None  # a layer object handed to the runtime's constructor
    return (
        f"{name} must be a serialized layer (an object with class_name and config), got {value!r}"
    )


LAYER = c.Check(_layer_check, "serialized layer (object)")


def wrapped(config: Mapping[str, Any], key: str = "layer") -> tuple[str, Mapping[str, Any]] | None:
    """``(class_name, config)`` of the serialized layer under ``key``, or ``None``."""
    entry = config.get(key)
    if not isinstance(entry, Mapping):
        return None
    cls, inner = entry.get("class_name"), entry.get("config")
    if not isinstance(cls, str) or not isinstance(inner, Mapping):
        return None
    return cls, inner


def wrapped_sublayers(
    config: Mapping[str, Any],
    input_shape: InputShape,
    child: Callable[[Shape], Shape] | None = None,
) -> tuple[SublayerSpec, ...]:
    """The wrapped layer under ``layer`` as the wrapper's one sub-layer (group ``layer``).

    Its build shape is the wrapper's input shape (through ``child``, the wrapper's rule for
    what it hands the inner layer) or, with none known, the inner layer's own
    ``build_config``; ``None`` when neither gives one.
    """
    found = wrapped(config)
    if found is None:
        return ()
    cls, inner = found
    name = inner.get("name")
    shape: Shape | None = None
    try:
        if input_shape is not None:
            shape = single(input_shape) if child is None else child(single(input_shape))
        else:
            build = config["layer"].get("build_config")  # a mapping: wrapped() found it
            saved = build.get("input_shape") if isinstance(build, Mapping) else None
            shape = single(saved) if isinstance(saved, list) else None
    except ValueError:
        shape = None
    return (SublayerSpec("layer", None, cls, name if isinstance(name, str) else cls, inner, shape),)


def _variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    found = wrapped(config)
    if found is None:
        raise ValueError("SpectralNormalization needs a serialized layer under 'layer'")
    cls, inner = found
    definition = _lookup.definition(cls)
    if definition is None:
        raise UnknownLayerClass(cls)
    shape = single(input_shape)
    own = definition.variables(inner, shape)
    kernel = next((v for v in own if v.name in ("kernel", "embeddings")), None)
    if kernel is None:
        raise ValueError(f"{cls} object has no attribute 'kernel' nor 'embeddings'")
    return (
        VariableSpec(kernel.name, kernel.shape, kernel.trainable, kernel.dtype),
        VariableSpec("vector_u", (1, kernel.shape[-1]), False, kernel.dtype),
    )


def _output_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    found = wrapped(config)
    definition = _lookup.definition(found[0]) if found is not None else None
    if found is None or definition is None:
        return None
    return definition.output_shape(found[1], shape)


def _refuse_training(layer: Any, training: Any) -> None:
    # Training updates vector_u and the kernel by power iteration; inference only here.
    if training is True:
        raise UnsupportedFeatureError(
            f"layer {layer.name!r}: the runtime only runs inference (training=False)"
        )


def call(layer: Any, inputs: Any, training: Any = False) -> Any:
    """``layer.layer(inputs)`` cast to the inputs' dtype."""
    _refuse_training(layer, training)
    x = np.asarray(inputs)
    return np.asarray(layer.layer(x)).astype(x.dtype, copy=False)


def tf_call(ctx: Any, layer: Any, inputs: Any, training: Any = False) -> Any:
    """TensorFlow twin of :func:`call`."""
    _refuse_training(layer, training)
    return ctx.cast(ctx.call_layer(layer.layer, inputs), inputs.dtype)


SPECTRAL_NORMALIZATION = LayerDef(
    class_name="SpectralNormalization",
    source="keras/src/layers/normalization/spectral_normalization.py",
    fields={
        "layer": f(
            LAYER,
            required=True,
            note="the wrapped layer, with a `kernel` or `embeddings`; its weights are the "
            "sub-layer group `layer`",
        ),
        "power_iterations": f(c.POS_INT, 1),
    },
    call=call,
    tf_call=tf_call,
    variables=_variables,
    output_shape=_output_shape,
    sublayers=wrapped_sublayers,
    summary="wrapper that constrains the spectral norm of a layer's kernel while training; "
    "the wrapped layer at inference",
    variables_doc="the wrapped layer's `kernel` (or `embeddings`, same shape and values), then "
    "`vector_u (1, kernel.shape[-1])`; the wrapped layer's own variables in its group `layer`",
)

DEFINITIONS = (SPECTRAL_NORMALIZATION,)
