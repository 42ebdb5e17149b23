"""``Layer``: the base of every runtime layer and of custom NumPy layers.

Mirrors the parts of ``keras-team/keras: keras/src/layers/layer.py`` that
inference and saving observe:

* ``__call__`` converts float inputs to the compute dtype (``autocast``),
  builds the layer from input shapes (recording ``build_config``), fills
  ``mask`` / ``<arg>_mask`` arguments from the masks attached to the inputs,
  runs ``call`` and attaches ``compute_mask`` results to the outputs;
* called on symbolic :class:`~reference_runtime._tensor.KerasTensor` inputs it
  records a node for Functional models, finding output shapes by running the
  layer on small zero probes;
* ``add_weight`` creates :class:`Variable` objects whose creation order is the
  ``vars/0..n-1`` order of the H5 file (trainable first);
* ``get_config`` / ``from_config`` / ``get_build_config`` as Keras, including
  the auto-config for subclasses that do not write ``get_config``.

A custom layer subclasses :class:`Layer`, creates weights in ``build`` with
``add_weight`` and computes in NumPy in ``call``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from reference_runtime import activations, dtype_policies, regularizers
from reference_runtime._backend import (
    KerasArray,
    as_dtype,
    carry_masks,
    get_keras_mask,
    is_float_dtype,
    map_structure,
    set_keras_mask,
    standardize_dtype,
)
from reference_runtime._einsum import contract
from reference_runtime._tensor import any_symbolic
from reference_runtime.layers import _symbolic
from reference_runtime.layers._call_plan import CallPlan, make_plan
from reference_runtime.layers._layer_config import ConfigMixin
from reference_runtime.layers._layer_utils import (
    _is_tensor_arg,
    _shape_of,
    _wrap_build,
    auto_name,
)
from reference_runtime.layers._weights import WeightsMixin
from reference_runtime.layers.variable import (
    _AUTOCAST,
    Variable,
    autocast_scope,
    current_autocast,
)

if TYPE_CHECKING:
    from reference_runtime._tensor import Node

__all__ = ["Layer", "auto_name"]


class Layer(ConfigMixin, WeightsMixin):
    """Base class of all layers.

    Args:
        name: the layer name (default: snake case of the class plus a counter).
        trainable: whether the weights are trainable.
        dtype: a dtype policy (name, config dict or ``DTypePolicy``).
        autocast: cast float inputs (and variables in calls) to the compute dtype.
        activity_regularizer: kept for the config only.
        input_shape / input_dim: legacy way to give a Sequential its input.
    """

    _allowed_extra = frozenset({"input_shape", "input_dim"})
    _trainable_variables: list[Variable]
    _non_trainable_variables: list[Variable]
    _inbound_nodes: list[Node]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])  # type: ignore[method-assign]

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - self._allowed_extra
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"Argument `name` must be a string without '/', got {name!r}")
        if not isinstance(trainable, bool):
            raise ValueError(f"Expected `trainable` to be a boolean. Received: {trainable!r}")
        d = self.__dict__
        d["_trainable_variables"] = []
        d["_non_trainable_variables"] = []
        d["_inbound_nodes"] = []
        d["_trainable"] = trainable
        self.name = name if name is not None else auto_name(type(self).__name__)
        self._dtype_policy = dtype_policies.get(dtype)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.autocast = autocast
        self.built = False
        self._build_shapes_dict: dict[str, Any] | None = None
        shape = kwargs.get("input_shape")
        if kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        self._input_shape_arg = tuple(shape) if shape is not None else None
        if "supports_masking" not in d:
            default = type(self).compute_mask is Layer.compute_mask
            self.supports_masking = not default

    # -- dtypes -------------------------------------------------------------

    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's :class:`DTypePolicy`."""
        return self.__dict__.get("_dtype_policy") or dtype_policies.get(None)

    @dtype_policy.setter
    def dtype_policy(self, value: Any) -> None:
        self._dtype_policy = dtype_policies.get(value)

    @property
    def dtype(self) -> str:
        """The variable dtype (Keras's ``layer.dtype``)."""
        return self.dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """Dtype of the computation and outputs."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Dtype new variables are stored in."""
        return self.dtype_policy.variable_dtype

    # -- tracking -----------------------------------------------------------

    def _sublayers(self) -> list[Layer]:
        """Directly owned layers in attribute-assignment order (Keras ``_layers``)."""
        out: list[Layer] = []
        seen: set[int] = {id(self)}

        def visit(value: Any) -> None:
            if isinstance(value, Layer):
                if id(value) not in seen:
                    seen.add(id(value))
                    out.append(value)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    visit(v)
            elif isinstance(value, dict):
                for v in value.values():
                    visit(v)

        for key, value in self.__dict__.items():
            if key not in ("_inbound_nodes", "_auto_config"):
                visit(value)
        return out

    @property
    def layers(self) -> list[Layer]:
        """Sub-layers (models override this with their graph's layers)."""
        return self._sublayers()

    def _flatten_layers(self, include_self: bool = True) -> Iterator[Layer]:
        if include_self:
            yield self
        for layer in self._sublayers():
            yield from layer._flatten_layers(True)

    @property
    def trainable(self) -> bool:
        """Whether the layer's weights are trainable (setting it recurses)."""
        return bool(self.__dict__.get("_trainable", True))

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.__dict__["_trainable"] = bool(value)
        for v in self._trainable_variables:
            v.trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = bool(value)

    # -- building -------------------------------------------------------------

    def build(self, *args: Any, **kwargs: Any) -> None:
        """Create weights from the input shape(s) (default: nothing to create)."""
        shape = args[0] if args else kwargs.get("input_shape")
        self._build_shapes_dict = {"input_shape": shape}
        self.built = True

    # -- calling ---------------------------------------------------------------

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The computation, in NumPy; subclasses implement it."""
        raise NotImplementedError(f"layer {type(self).__name__} does not implement call()")

    def weight(self, name: str) -> Any:
        """Variable ``name``'s value as ``call`` uses it (autocast applied); the
        accessor the layer catalogue's forward passes read weights through."""
        return getattr(self, name).value

    def activate(self, x: Any) -> Any:
        """``x`` (an array the caller owns) through the layer's ``activation``."""
        fn: Any = getattr(self, "activation", activations.linear)
        return activations.apply_owned(fn, x)

    def mask_of(self, x: Any) -> Any:
        """The Keras mask travelling with array ``x``, or ``None`` (what a forward
        pass reads as ``backend.get_keras_mask(x)`` in Keras)."""
        return get_keras_mask(x)

    def with_mask(self, x: Any, mask: Any) -> Any:
        """``x`` carrying ``mask`` (``None`` clears it); use the returned value: a
        plain array comes back as a mask-carrying view (``_backend.set_keras_mask``)."""
        return set_keras_mask(x, mask)

    @staticmethod
    def einsum(equation: str, x: Any, y: Any) -> Any:
        """Two-operand ``np.einsum`` computed through BLAS (``_einsum.contract``)."""
        return contract(equation, x, y)

    def compute_mask(self, inputs: Any, previous_mask: Any) -> Any:
        """The mask of the outputs (default: the input mask passes through)."""
        return previous_mask

    def _call_signature(self) -> tuple[inspect.Signature, list[str]]:
        """``call``'s signature and parameter names, looked up once per layer."""
        cached = self.__dict__.get("_call_sig")
        if cached is None or cached[2] is not type(self):
            sig = inspect.signature(self.call)
            cached = (sig, list(sig.parameters), type(self))
            self.__dict__["_call_sig"] = cached
        return cached[0], cached[1]

    def _mask_passes_through(self) -> bool:
        """Whether ``compute_mask(x, None)`` is ``None`` by construction (the
        default logic), so a call without input masks attaches none."""
        return type(self).compute_mask is Layer.compute_mask

    def _call_plan(self) -> CallPlan:
        """What ``__call__`` decides from the layer alone, worked out once and
        kept while the class, dtype policy, ``autocast`` and ``supports_masking``
        stay the same (the key is checked on every call)."""
        d = self.__dict__
        key = (type(self), d.get("_dtype_policy"), d.get("autocast"), d.get("supports_masking"))
        plan: CallPlan | None = d.get("_call_plan_cache")
        if plan is not None and plan.key == key:
            return plan
        plan = make_plan(self, key)
        d["_call_plan_cache"] = plan
        return plan

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The common call: one plain array (a plain ndarray never carries a
        # mask: masks travel on KerasArray views) into a built layer. Its
        # decisions come from the plan: the same conversion, keyword arguments,
        # autocast scope and mask metadata as the general path.
        if (
            len(args) == 1
            and type(args[0]) is np.ndarray
            and self.built
            and (not kwargs or (len(kwargs) == 1 and "training" in kwargs))
        ):
            _, single, takes_training, takes_mask, input_dtype, direct, mask_metadata = (
                self._call_plan()
            )
            if single:
                x = args[0]
                if x.dtype != input_dtype:
                    x = self._convert_input(x)
                if kwargs and not takes_training:
                    kwargs = {}
                if takes_mask:
                    kwargs["mask"] = None  # what the general path fills in
                if direct and _AUTOCAST.get() is None:
                    outputs = self.call(x, **kwargs)
                else:
                    outputs = self._call_in_scope((x,), kwargs)
                if mask_metadata:
                    outputs = self._set_mask_metadata(x, outputs, None)
                return outputs
        return self._general_call(args, kwargs)

    def _general_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if any_symbolic(args, kwargs):
            return _symbolic.symbolic_call(self, args, kwargs)
        signature, _ = self._call_signature()
        if "training" in kwargs and "training" not in signature.parameters:
            kwargs.pop("training")
        args = map_structure(self._convert_input, args)
        kwargs = map_structure(self._convert_input, kwargs)
        bound = signature.bind(*args, **kwargs)
        tensors = {k: v for k, v in bound.arguments.items() if _is_tensor_arg(v) and k != "mask"}
        if not self.built:
            self._build_from_shapes(signature, tensors)
        names = list(signature.parameters)
        if len(tensors) == 1 and "mask" in names and bound.arguments.get("mask") is None:
            only = next(iter(tensors.values()))
            kwargs["mask"] = map_structure(get_keras_mask, only)
        elif len(tensors) > 1:
            for k, v in tensors.items():
                if f"{k}_mask" in names and bound.arguments.get(f"{k}_mask") is None:
                    kwargs[f"{k}_mask"] = map_structure(get_keras_mask, v)
        first = bound.arguments[names[0]] if names and names[0] in bound.arguments else args[0]
        previous = kwargs.get("mask")
        if previous is None:
            previous = map_structure(get_keras_mask, first)
        outputs = self._call_in_scope(args, kwargs)
        if self.supports_masking:
            outputs = self._set_mask_metadata(first, outputs, previous)
        return outputs

    def _call_in_scope(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        current = current_autocast()
        scope: str | bool | None = False  # False: leave the scope as it is
        if current is not None:
            if not self.autocast or not is_float_dtype(self.compute_dtype):
                scope = None
            elif current != self.compute_dtype:
                scope = self.compute_dtype
        elif self.compute_dtype != self.variable_dtype:
            scope = self.compute_dtype
        if scope is False:
            return self.call(*args, **kwargs)
        with autocast_scope(scope if isinstance(scope, str) else None):
            return self.call(*args, **kwargs)

    def _convert_input(self, x: Any) -> Any:
        if isinstance(x, (np.ndarray, np.generic)) or (
            hasattr(x, "__array__") and not isinstance(x, Layer)
        ):
            mask = get_keras_mask(x)
            arr = np.asarray(x)
            if (
                self.autocast
                and is_float_dtype(arr.dtype)
                and standardize_dtype(arr.dtype) != self.compute_dtype
            ):
                arr = arr.astype(as_dtype(self.compute_dtype))
            elif mask is not None and isinstance(x, KerasArray):
                # The caller's own masked value: a layer that clears its inputs'
                # masks (MultiHeadAttention) clears them for later consumers too.
                return x
            return set_keras_mask(arr, mask)
        return x

    def _build_from_shapes(self, signature: inspect.Signature, tensors: dict[str, Any]) -> None:
        shapes = {f"{k}_shape": map_structure(_shape_of, v) for k, v in tensors.items()}
        if type(self).build is Layer.build:
            self.build(next(iter(shapes.values()), None))
            return
        params = [
            p
            for p in inspect.signature(self.build).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if len(params) == 1:
            self.build(**{params[0].name: next(iter(shapes.values()), None)})
        else:
            self.build(**{p.name: shapes[p.name] for p in params if p.name in shapes})

    def _set_mask_metadata(self, inputs: Any, outputs: Any, previous_mask: Any) -> Any:
        """``outputs`` carrying ``compute_mask``'s masks where they have none."""
        return carry_masks(outputs, lambda: self.compute_mask(inputs, previous_mask))

    def compute_output_shape(self, *shapes: Any) -> Any:
        """Output shape(s) for input shape(s), found by running the layer on probes."""
        return _symbolic.output_shape(self, shapes)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
