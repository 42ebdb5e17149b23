"""What one Keras layer class is, in one value: :class:`LayerDef` (spec §5.9, §6.7, §6.8).

A definition holds everything kformat knows about a class, and every part of
the project reads it from here:

* ``fields`` — its config keys with their domains, defaults and Keras-2-only
  markers: the validator's KF305/KF312/KF313/KF314, the runtime's constructor
  checks and ``get_config``, the spec's key tables;
* ``variables`` — its own variables in ``vars/0..n-1`` order with shapes from
  config + input shape (``Layer.save_own_variables``, ``keras/src/layers/layer.py``);
* ``sublayers`` — the sub-layers that own an H5 group (§6.7);
* ``output_shape`` — what the validator follows through a Sequential model;
* ``call`` — the NumPy forward pass; ``tf_call`` — its TensorFlow twin.

The forward functions take the built layer as their first argument: an object
with one attribute per config field (as ``get_config`` gives it) plus
:class:`BuiltLayer`'s methods. ``tf_call`` takes the TensorFlow bridge's trace
context first (``ctx.tf`` is the ``tensorflow`` module), so nothing here imports
TensorFlow, Keras or ``reference_runtime``.

Input shapes follow ``build_config`` (spec §4.4): a tuple of ints or ``None``
for single-input layers, a mapping of tuples for ``shapes_dict`` layers, or a
list of tuples for layers called on several tensors (merge layers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from kformat.layers._checks import Check

__all__ = [
    "BuiltLayer",
    "Field",
    "InputShape",
    "LayerDef",
    "LayerSpec",
    "Shape",
    "SublayerSpec",
    "UnknownLayerClass",
    "VariableSpec",
    "dim",
    "f",
    "no_sublayers",
    "no_variables",
    "same_shape",
    "scores_outputs",
    "shape_of",
    "single",
]

Shape = tuple[int | None, ...]
InputShape = Shape | Mapping[str, Shape] | Sequence[Shape] | None


@dataclass(frozen=True)
class Field:
    """One config key of a class.

    Attributes:
        check: its domain.
        default: the constructor default (what ``get_config`` writes when unset).
        required: Keras' constructor has no default (KF313 when missing).
        tf_keras: only Keras 2 writes it; Keras 3 rejects it (KF314), so the
            runtime accepts it on load and never writes it.
        kind: ``activation``/``initializer``/``regularizer``/``constraint`` for
            keys the runtime resolves to an object, else ``None``.
        note: a remark for the spec table (versions, aliases).
        saved: ``always``, or ``if_set`` for keys ``get_config`` writes only
            when they differ from the default (LoRA's ``lora_rank``).
        convert: how the constructor normalizes an accepted value before
            ``get_config`` writes it (``kernel_size=3`` -> ``(3, 3)``), or ``None``.
    """

    check: Check
    default: Any = None
    required: bool = False
    tf_keras: bool = False
    kind: str | None = None
    note: str = ""
    saved: str = "always"
    convert: Callable[[Any], Any] | None = None
    default_from: str | None = None


def f(check: Check, default: Any = None, **kwargs: Any) -> Field:
    """Shorthand for :class:`Field`."""
    return Field(check, default, **kwargs)


@dataclass(frozen=True)
class VariableSpec:
    """One dataset of a layer's ``vars`` group.

    Attributes:
        name: the Keras variable name (``kernel``, ``moving_mean``).
        shape: its shape; ``None`` entries only when the input shape was unknown.
        trainable: Keras saves trainable variables before non-trainable ones.
        dtype: a fixed dtype (a seed generator's ``uint32`` state), or ``None``
            for the layer's variable dtype (§5.8).
        attr: the attribute the built layer keeps it under when that differs
            from ``name`` (Normalization's ``mean`` variable is ``adapt_mean``:
            ``mean`` is a config key), else ``None``.
        initializer: the initializer of a variable whose class has no
            ``<name>_initializer`` key (``ones``), else ``None``.
        keys: the prefix of its ``_initializer``/``_regularizer``/``_constraint``
            config keys when it differs from ``name`` (``DepthwiseConv2D``'s
            ``kernel`` is set up by ``depthwise_*``), else ``None``.
        key: the dataset name when Keras saves the variable by name rather
            than by its index (``IndexLookup.save_own_variables`` writes
            ``idf_weights``), else ``None``.
    """

    name: str
    shape: Shape
    trainable: bool = True
    dtype: str | None = None
    attr: str | None = None
    initializer: str | None = None
    keys: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class SublayerSpec:
    """A sub-layer a built-in layer creates in ``build`` and saves in its own group (§6.7).

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
        variables: the sub-layer's ``vars`` when its class is not one of the
            catalogue (an RNN's unexported ``ConvLSTMCell``), else ``None``:
            they follow from ``class_name``, ``config`` and ``input_shape``.
        generations: the path generations (``kformat.weight_paths``) whose writers
            save this sub-layer, or ``None`` for all (Bidirectional's unbuilt
            ``layer``: only Keras 3.0.x and Keras 2).
    """

    attr: str
    legacy_attr: str | None
    class_name: str
    name: str
    config: Mapping[str, Any] = field(default_factory=dict)
    input_shape: Shape | None = None
    weighted: bool = True
    variables: tuple[VariableSpec, ...] | None = None
    generations: tuple[str, ...] | None = None


class UnknownLayerClass(KeyError):
    """A definition needs a class the catalogue does not model (a wrapper's
    layer): its variables cannot be known, which is not an inconsistency."""


@dataclass(frozen=True)
class LayerSpec:
    """Own variables and saved sub-layers of one built layer."""

    variables: tuple[VariableSpec, ...]
    sublayers: tuple[SublayerSpec, ...] = ()


class BuiltLayer(Protocol):
    """What ``call`` sees besides the config attributes (the runtime's layers provide it)."""

    name: str
    compute_dtype: str

    def weight(self, name: str) -> Any:
        """The current value of variable ``name`` as used in ``call`` (autocast applied)."""

    def activate(self, x: Any) -> Any:
        """``x`` through the layer's ``activation`` (an array the layer owns)."""

    def mask_of(self, x: Any) -> Any:
        """The Keras mask travelling with ``x``, or ``None``."""

    def with_mask(self, x: Any, mask: Any) -> Any:
        """``x`` carrying ``mask`` (``None`` clears it); use the returned value."""

    def einsum(self, equation: str, x: Any, y: Any) -> Any:
        """Two-operand ``np.einsum`` as the runtime computes it (through BLAS)."""


VariablesFn = Callable[[Mapping[str, Any], InputShape], tuple[VariableSpec, ...]]
SublayersFn = Callable[[Mapping[str, Any], InputShape], tuple[SublayerSpec, ...]]
OutputShapeFn = Callable[[Mapping[str, Any], Shape], "Shape | None"]


def no_variables(config: Mapping[str, Any], input_shape: InputShape) -> tuple[VariableSpec, ...]:
    """A class that never owns variables (its ``vars`` group is empty)."""
    return ()


def no_sublayers(config: Mapping[str, Any], input_shape: InputShape) -> tuple[SublayerSpec, ...]:
    """A class without saved sub-layers."""
    return ()


def scores_outputs(call_kwargs: Mapping[str, Any]) -> int:
    """Attention layers: ``return_attention_scores=True`` adds the scores as a second output."""
    return 2 if call_kwargs.get("return_attention_scores") is True else 1


def same_shape(config: Mapping[str, Any], shape: Shape) -> Shape | None:
    """Output shape = input shape."""
    return shape


@dataclass(frozen=True)
class LayerDef:
    """Everything kformat knows about one Keras layer class (see the module docstring).

    Attributes:
        class_name: the ``class_name`` Keras 3 writes.
        source: the upstream file, ``keras/src/...`` (cited by the spec table).
        fields: config keys besides the base keys (§5.9), in ``get_config`` order.
        call: ``call(layer, *inputs, **kwargs)`` in NumPy.
        tf_call: ``tf_call(ctx, layer, *inputs, **kwargs)`` in TensorFlow.
        variables: ``(config, input_shape) -> vars/0..n-1``.
        output_shape: ``(config, input_shape) -> output shape``, ``None`` when it
            cannot be followed; only single-input layers are followed.
        sublayers: ``(config, input_shape) -> sub-layers owning H5 groups``.
        compute_mask / tf_compute_mask: the output mask, when the class changes
            it (``None``: the input mask passes through, or none for
            ``supports_masking=False``).
        supports_masking: the layer passes its input mask through (Keras'
            ``self.supports_masking = True``) when it has no ``compute_mask``.
        call_outputs: ``(call kwargs of a node) -> number of tensors the call
            returns``, for classes whose call arguments add outputs
            (``return_attention_scores=True``); ``None``: one tensor.
        config_outputs: ``(config) -> number of tensors every call returns`` (``None``
            when unknown), for classes whose config adds outputs (a recurrent
            layer's ``return_state``); ``None``: one tensor.
        config_base: the base keys ``get_config`` writes (Discretization writes
            no ``trainable``: its constructor does not take it).
        aliases: other exported names of the class (``MaxPool2D``).
        get_config: ``(layer, config) -> config`` for a class whose
            ``get_config`` departs from ``Layer.get_config`` + its fields
            (SpatialDropout writes no ``trainable`` and ``dtype`` as a name),
            given the usual config; ``None`` for the usual one.
        autocast: ``False`` for a class that sets ``self.autocast = False`` or
            ``_convert_input_args = False`` (inputs and variables keep their
            dtypes inside ``call``).
        refused_base_keys: base keys (§5.9) the Keras 3 constructor does not
            take (SpatialDropout has no ``trainable``: ``TypeError``); tf_keras
            writes them (KF314), the runtime accepts them.
        one_of: at least one of these keys must be present (InputLayer).
        module: the ``module`` Keras writes for the class in ``config.json``:
            ``keras.layers`` for exported classes, the defining module for
            layers ``keras.applications`` builds without exporting them
            (``keras.src.applications.convnext``).
        default_dtype: ``(fields given) -> dtype policy name`` for a class whose
            constructor picks its ``dtype`` from other arguments when none is given
            (``Hashing``: ``int64`` in ``int`` mode), ``None`` meaning floatx;
            ``None`` for the usual floatx default.
        assets: ``config -> names`` of the files ``load_assets`` reads from the
            layer's ``assets/<path>/`` directory (§2.7) for that config (an
            adapted StringLookup's ``vocabulary.txt``); ``None``: none.
        summary: one line for the spec table.
        variables_doc: the ``vars`` order and shapes, for the §6.8 table.
    """

    class_name: str
    source: str
    fields: Mapping[str, Field]
    call: Callable[..., Any] | None
    tf_call: Callable[..., Any] | None
    variables: VariablesFn = no_variables
    output_shape: OutputShapeFn = same_shape
    sublayers: SublayersFn = no_sublayers
    compute_mask: Callable[..., Any] | None = None
    tf_compute_mask: Callable[..., Any] | None = None
    supports_masking: bool = False
    call_outputs: Callable[[Mapping[str, Any]], int] | None = None
    config_outputs: Callable[[Mapping[str, Any]], int | None] | None = None
    config_base: tuple[str, ...] = ("name", "trainable", "dtype", "activity_regularizer")
    aliases: tuple[str, ...] = ()
    get_config: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    autocast: bool = True
    refused_base_keys: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    module: str = "keras.layers"
    default_dtype: Callable[[Mapping[str, Any]], str | None] | None = None
    assets: Callable[[Mapping[str, Any]], tuple[str, ...]] | None = None
    summary: str = ""
    variables_doc: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def spec(self, config: Mapping[str, Any], input_shape: InputShape) -> LayerSpec:
        """Own variables and saved sub-layers for a config and build shape."""
        return LayerSpec(self.variables(config, input_shape), self.sublayers(config, input_shape))

    def defaults(self) -> dict[str, Any]:
        """Every Keras 3 key with its constructor default (required keys excluded)."""
        return {
            k: fl.default for k, fl in self.fields.items() if not fl.required and not fl.tf_keras
        }


# -- shape helpers the definitions share ------------------------------------------


def shape_of(value: Any) -> Shape:
    """A shape from JSON (a list of ints or nulls)."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"expected a shape (list of ints or null), got {value!r}")
    out: list[int | None] = []
    for d in value:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
            raise ValueError(f"expected a shape (list of ints or null), got {value!r}")
        out.append(d)
    return tuple(out)


def single(input_shape: InputShape) -> Shape:
    """The one input shape of a single-input layer."""
    if input_shape is None:
        raise ValueError("this layer needs its input shape to know its variables")
    if isinstance(input_shape, Mapping):
        if len(input_shape) != 1:
            raise ValueError(f"expected one input shape, got {dict(input_shape)!r}")
        return shape_of(next(iter(input_shape.values())))
    return shape_of(input_shape)


def dim(shape: Shape, axis: int) -> int | None:
    """``shape[axis]`` with Keras' range check."""
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"axis {axis} is out of range for input shape {list(shape)}")
    return shape[axis]
