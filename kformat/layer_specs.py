"""Per-layer weight facts implied by a config (spec §6.8, §5.9).

One explicit, read-only table keyed by Keras ``class_name`` says, for a layer
config and its build input shape(s):

* the layer's **own** variables in ``vars/0..n-1`` order (trainable first, then
  non-trainable, each in creation order — ``Layer.save_own_variables``,
  ``keras-team/keras: keras/src/layers/layer.py``), with their shapes;
* its sub-layers that own an H5 group, by attribute name (MultiHeadAttention's
  EinsumDense projections), with the config and input shape each is built from.

Pure data in, tuples out: no h5py, no NumPy. ``kformat.validate`` checks files
against it, ``reference_runtime`` builds layers from it, ``kformat.weight_paths``
derives sub-layer paths from it.

Input shapes follow ``build_config`` (spec §4.4): a list/tuple of ints
or ``None`` for single-input layers (``{"input_shape": [...]}``), and a mapping
``{"query_shape", "value_shape"[, "key_shape"]}`` for MultiHeadAttention
(``{"shapes_dict": {...}}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "SPECS",
    "WEIGHTLESS",
    "LayerSpec",
    "Shape",
    "SublayerSpec",
    "VariableSpec",
    "einsum_weight_shapes",
    "input_shape_from_build_config",
    "is_known",
    "layer_spec",
    "sublayers",
    "variables",
]

Shape = tuple[int | None, ...]
InputShape = Shape | Mapping[str, Shape] | None


@dataclass(frozen=True)
class VariableSpec:
    """One dataset of a layer's ``vars`` group.

    Attributes:
        name: the Keras variable name (``kernel``, ``moving_mean``).
        shape: its shape; ``None`` entries only when the input shape was unknown.
        trainable: Keras saves trainable variables before non-trainable ones.
    """

    name: str
    shape: Shape
    trainable: bool = True


@dataclass(frozen=True)
class SublayerSpec:
    """A sub-layer a built-in layer creates in ``build`` and saves in its own group.

    Attributes:
        attr: the attribute Keras 3.0.3+ saves it under (``query_dense``).
        legacy_attr: the attribute used by Keras 3.0.0-3.0.2 and tf-keras
            (``_query_dense``), or ``None`` when it never differed.
        class_name: the sub-layer's class (``EinsumDense``).
        name: the sub-layer's Keras name (``query``).
        config: the sub-layer's own config (not serialized in ``config.json``;
            rebuilt from the parent's config). Empty-ish when shapes are unknown.
        input_shape: the shape the sub-layer is built with, when known.
        weighted: ``False`` for sub-layers that never own variables (Softmax,
            Dropout); Keras still writes an empty ``vars`` group for them.
    """

    attr: str
    legacy_attr: str | None
    class_name: str
    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    input_shape: Shape | None = None
    weighted: bool = True


@dataclass(frozen=True)
class LayerSpec:
    """What :func:`layer_spec` returns: own variables and saved sub-layers."""

    variables: tuple[VariableSpec, ...]
    sublayers: tuple[SublayerSpec, ...] = ()


_Spec = Callable[[Mapping[str, Any], InputShape], LayerSpec]


def _shape(value: Any) -> Shape:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"expected a shape (list of ints or null), got {value!r}")
    out: list[int | None] = []
    for d in value:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
            raise ValueError(f"expected a shape (list of ints or null), got {value!r}")
        out.append(d)
    return tuple(out)


def _single(input_shape: InputShape) -> Shape:
    if input_shape is None:
        raise ValueError("this layer needs its input shape to know its variables")
    if isinstance(input_shape, Mapping):
        if len(input_shape) != 1:
            raise ValueError(f"expected one input shape, got {dict(input_shape)!r}")
        return _shape(next(iter(input_shape.values())))
    return _shape(input_shape)


def _dim(shape: Shape, axis: int) -> int | None:
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"axis {axis} is out of range for input shape {list(shape)}")
    return shape[axis]


# -- Dense (keras/src/layers/core/dense.py build: kernel (in, units), bias (units,))


def _dense(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    shape = _single(input_shape)
    units = config["units"]
    out = [VariableSpec("kernel", (_dim(shape, -1), units))]
    if config.get("use_bias", True):
        out.append(VariableSpec("bias", (units,)))
    return LayerSpec(tuple(out))


# -- EinsumDense (keras/src/layers/core/einsum_dense.py _analyze_split_string)


def einsum_weight_shapes(
    equation: str, bias_axes: str | None, input_shape: Shape, output_shape: Any
) -> tuple[Shape, Shape | None, Shape]:
    """Kernel shape, bias shape (or ``None``) and full output shape of an EinsumDense.

    Mirrors ``_analyze_einsum_string`` / ``_analyze_split_string`` of
    ``keras/src/layers/core/einsum_dense.py``, including ``...`` on either side.
    """
    dotted = equation.replace("...", "0")
    left_elided = False
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dotted)
    if not match:
        match = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dotted)
        left_elided = match is not None
    if not match:
        match = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dotted)
    if not match:
        raise ValueError(f"invalid einsum equation {equation!r}")
    in_spec, w_spec, out_spec = match.group(1), match.group(2), match.group(3)
    elided = len(input_shape) - len(in_spec)
    outs: list[int | None] = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    outs.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            outs.insert(1, input_shape[i])
    elif elided > 0:
        outs.extend(input_shape[len(input_shape) - elided :])
    if left_elided:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    kernel: list[int | None] = []
    for d in w_spec:
        if d in out_map:
            kernel.append(outs[out_map[d]])
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
        else:
            raise ValueError(
                f"weight dimension {d!r} of {equation!r} is in neither input nor output"
            )
    bias: Shape | None = None
    if bias_axes:
        lead = elided if left_elided else 0
        sizes = {c: outs[i + lead] for i, c in enumerate(out_spec)}
        if any(c not in out_spec for c in bias_axes):
            raise ValueError(f"bias axes {bias_axes!r} are not all in the output of {equation!r}")
        first = min(out_spec.find(c) for c in bias_axes)
        b = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left_elided:
            b.extend([1] * max(elided, 0))
        bias = tuple(b)
    return tuple(kernel), bias, tuple(outs)


def _einsum_dense(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    kernel, bias, _ = einsum_weight_shapes(
        config["equation"], config.get("bias_axes"), _single(input_shape), config["output_shape"]
    )
    out = [VariableSpec("kernel", kernel)]
    if bias is not None:
        out.append(VariableSpec("bias", bias))
    return LayerSpec(tuple(out))


# -- BatchNormalization (keras/src/layers/normalization/batch_normalization.py build)


def _batch_normalization(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    shape = _single(input_shape)
    axis = config.get("axis", -1)
    if isinstance(axis, int):
        param: Shape = (_dim(shape, axis),)
    elif len(axis) == 1:  # tf-keras stores a one-element list
        param = (_dim(shape, axis[0]),)
    else:  # tf-keras multi-axis: a broadcastable full-rank shape
        norm = {a % len(shape) for a in axis}
        param = tuple(shape[i] if i in norm else 1 for i in range(len(shape)))
    out = []
    if config.get("scale", True):
        out.append(VariableSpec("gamma", param))
    if config.get("center", True):
        out.append(VariableSpec("beta", param))
    out += [
        VariableSpec("moving_mean", param, False),
        VariableSpec("moving_variance", param, False),
    ]
    if config.get("renorm", False):
        out += [
            VariableSpec("moving_stddev", param, False),
            VariableSpec("renorm_mean", param, False),
            VariableSpec("renorm_stddev", param, False),
        ]
    return LayerSpec(tuple(out))


# -- LayerNormalization (keras/src/layers/normalization/layer_normalization.py build)


def _layer_normalization(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    shape = _single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    param = tuple(_dim(shape, a) for a in axes)
    rms = bool(config.get("rms_scaling", False))
    out = []
    if config.get("scale", True) or rms:
        out.append(VariableSpec("gamma", param))
    if config.get("center", True) and not rms:
        out.append(VariableSpec("beta", param))
    return LayerSpec(tuple(out))


# -- Embedding (keras/src/layers/core/embedding.py build)


def _embedding(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    return LayerSpec((VariableSpec("embeddings", (config["input_dim"], config["output_dim"])),))


# -- MultiHeadAttention (keras/src/layers/attention/multi_head_attention.py build)


def _proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str, int]:
    # ``_build_proj_equation``: letters a.. for free dims, then bound, then output.
    letters = "abcdefghijklmnopqrstuvwxyz"
    free = letters[:free_dims]
    bound = letters[free_dims : free_dims + bound_dims]
    outs = letters[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{outs}->{free}{outs}", outs, len(free) + len(outs)


def _mha_shapes(input_shape: InputShape) -> tuple[Shape, Shape, Shape] | None:
    if input_shape is None:
        return None
    if isinstance(input_shape, Mapping):
        query = _shape(input_shape["query_shape"])
        value = _shape(input_shape["value_shape"])
        key_raw = input_shape.get("key_shape")
    else:
        shapes = list(input_shape)
        if not shapes or not isinstance(shapes[0], Sequence):
            raise ValueError("MultiHeadAttention needs query and value shapes")
        query, value = _shape(shapes[0]), _shape(shapes[1])
        key_raw = shapes[2] if len(shapes) > 2 else None
    key = value if key_raw is None else _shape(key_raw)
    return query, value, key


def _mha_sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    heads, key_dim = config["num_heads"], config["key_dim"]
    value_dim = config.get("value_dim") or key_dim
    bias_on = config.get("use_bias", True)
    if config.get("query_shape") and config.get("value_shape"):
        # tf-keras keeps the build shapes in the config; its build_config only has the query's.
        input_shape = {
            k: config[k] for k in ("query_shape", "value_shape", "key_shape") if config.get(k)
        }
    shapes = _mha_shapes(input_shape)
    query, value, key = shapes if shapes is not None else (None, None, None)
    out_shape = config.get("output_shape")
    out_dims = [out_shape] if isinstance(out_shape, int) else list(out_shape or [])

    def sub(
        attr: str,
        name: str,
        shape: Shape | None,
        bound: int,
        last: list[Any],
        activation: str = "linear",
    ) -> SublayerSpec:
        # ``_gate_dense`` has no public alias, so it keeps its private name everywhere.
        legacy = None if attr.startswith("_") else "_" + attr
        if shape is None:  # no build shapes: names only
            return SublayerSpec(attr, legacy, "EinsumDense", name, {"name": name})
        eq, bias, rank = _proj_equation(len(shape) - bound, bound, len(last))
        cfg = {
            "name": name,
            "equation": eq,
            "output_shape": [None] * (rank - 1 - len(last)) + last,
            "bias_axes": bias if bias_on else None,
            "activation": activation,
        }
        return SublayerSpec(attr, legacy, "EinsumDense", name, cfg, shape)

    subs = [
        sub("query_dense", "query", query, 1, [heads, key_dim]),
        sub("key_dense", "key", key, 1, [heads, key_dim]),
    ]
    if config.get("use_gate", False):
        subs.append(sub("_gate_dense", "gate", query, 1, [heads, value_dim], "sigmoid"))
    subs.append(sub("value_dense", "value", value, 1, [heads, value_dim]))
    proj_in = None if query is None else (*query[:-1], heads, value_dim)
    subs.append(
        sub("output_dense", "attention_output", proj_in, 2, out_dims or [query and query[-1]])
    )
    return (
        *subs,
        SublayerSpec(
            "_dropout_layer", None, "Dropout", "dropout", {"name": "dropout"}, weighted=False
        ),
        SublayerSpec("_softmax", None, "Softmax", "softmax", {"name": "softmax"}, weighted=False),
    )


def _mha(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    return LayerSpec((), _mha_sublayers(config, input_shape))


# -- PReLU (keras/src/layers/activations/prelu.py build: alpha over input_shape[1:])


def _prelu(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    shape = list(_single(input_shape)[1:])
    shared = config.get("shared_axes") or []
    for axis in [shared] if isinstance(shared, int) else shared:
        shape[axis - 1] = 1
    return LayerSpec((VariableSpec("alpha", tuple(shape)),))


# -- RMSNormalization (keras/src/layers/normalization/rms_normalization.py build)


def _rms_normalization(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    shape = _single(input_shape)
    axis = config.get("axis", -1)
    axes = sorted(axis) if isinstance(axis, Sequence) else [axis]
    return LayerSpec((VariableSpec("scale", tuple(_dim(shape, a) for a in axes)),))


def _weightless(config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    return LayerSpec(())


#: Layers that never own variables (their ``vars`` group is empty).
WEIGHTLESS = frozenset(
    """
    Activation ActivityRegularization Add AlphaDropout Average AveragePooling1D
    AveragePooling2D AveragePooling3D Concatenate Cropping1D Cropping2D Cropping3D Dot Dropout
    ELU Flatten GaussianDropout GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D
    GlobalAveragePooling3D GlobalAvgPool1D GlobalMaxPooling1D GlobalMaxPooling2D
    GlobalMaxPooling3D Identity InputLayer Lambda LeakyReLU Masking MaxPooling1D MaxPooling2D
    MaxPooling3D Maximum Minimum Multiply Permute ReLU RepeatVector Reshape Softmax
    SpatialDropout1D SpatialDropout2D SpatialDropout3D Subtract TFOpLambda UpSampling1D
    UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D
    """.split()  # noqa: SIM905 - one table, easy to scan
)

#: ``class_name`` -> spec function ``(config, input_shape) -> LayerSpec``.
SPECS: Mapping[str, _Spec] = MappingProxyType(
    {
        "Dense": _dense,
        "EinsumDense": _einsum_dense,
        "BatchNormalization": _batch_normalization,
        "LayerNormalization": _layer_normalization,
        "Embedding": _embedding,
        "MultiHeadAttention": _mha,
        "PReLU": _prelu,
        "RMSNormalization": _rms_normalization,
        **dict.fromkeys(sorted(WEIGHTLESS), _weightless),
    }
)


def is_known(class_name: str) -> bool:
    """Whether :data:`SPECS` describes ``class_name``."""
    return class_name in SPECS


def layer_spec(class_name: str, config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
    """Own variables and saved sub-layers of a layer.

    Args:
        class_name: the config ``class_name``.
        config: the layer's inner ``config`` dict.
        input_shape: the build shape (see the module docstring).

    Raises:
        KeyError: ``class_name`` is not in :data:`SPECS`.
        ValueError: the config or shape is inconsistent (e.g. an axis out of range).
    """
    return SPECS[class_name](config, input_shape)


def variables(
    class_name: str, config: Mapping[str, Any], input_shape: InputShape
) -> tuple[VariableSpec, ...]:
    """The ``vars/0..n-1`` of a layer, in order (see :func:`layer_spec`)."""
    return layer_spec(class_name, config, input_shape).variables


def sublayers(
    class_name: str, config: Mapping[str, Any], input_shape: InputShape = None
) -> tuple[SublayerSpec, ...]:
    """Saved sub-layers of a layer; works without shapes (configs then minimal).

    Unknown class names have no known sub-layers and give ``()``.
    """
    if class_name == "MultiHeadAttention":
        return _mha_sublayers(config, input_shape)
    if class_name not in SPECS or input_shape is None:
        return ()
    return SPECS[class_name](config, input_shape).sublayers


def input_shape_from_build_config(build_config: Mapping[str, Any] | None) -> InputShape:
    """The input shape(s) recorded in a layer's ``build_config``, or ``None``.

    ``{"input_shape": [...]}`` gives a shape tuple; ``{"shapes_dict": {...}}``
    gives a mapping of tuples (``query_shape`` …).
    """
    if not isinstance(build_config, Mapping):
        return None
    if "input_shape" in build_config and build_config["input_shape"] is not None:
        raw = build_config["input_shape"]
        if raw and isinstance(raw[0], Sequence):  # several inputs (merge layers)
            return None
        return _shape(raw)
    shapes = build_config.get("shapes_dict")
    if isinstance(shapes, Mapping):
        return MappingProxyType({k: _shape(v) for k, v in shapes.items() if v is not None})
    return None
