"""The attributes Keras's save walk visits on a custom layer or subclassed model.

``keras-team/keras: keras/src/saving/saving_lib.py`` ``_save_state`` walks an
object's attributes (``dir()``: public alphabetically, then private) minus
``get_attr_skipset`` — the attributes of the base Keras class. The runtime
asks this only for objects no config describes; built-in layers and models
have their paths derived by :mod:`kformat.weight_paths`. Attributes are read
from the instance ``__dict__`` and the custom classes' own descriptors;
only a property of a custom class is called, and the one error that means
"not there" (``AttributeError``, from a property over a sub-layer ``build``
never made) is the only one taken as absence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reference_runtime import _builtins
from reference_runtime.layers.layer import Layer

__all__ = ["custom_attributes", "is_builtin", "is_builtin_model", "model_kind"]

# Non-callable attributes of a fresh ``keras.layers.Layer()`` (Keras 3.15):
# ``get_attr_skipset`` skips them, so a custom layer's attribute with one of
# these names is not walked in Keras either.
_KERAS_LAYER_ATTRS = frozenset(
    {
        "_allow_non_tensor_positional_args",
        "_api_export_path",
        "_api_export_symbol_id",
        "_auto_config",
        "_build_shapes_dict",
        "_call_context_args",
        "_call_has_context_arg",
        "_call_has_mask_arg",
        "_call_has_training_arg",
        "_call_signature",
        "_called",
        "_convert_input_args",
        "_dtype_policy",
        "_inbound_nodes",
        "_input_spec",
        "_layers",
        "_lock",
        "_loss_ids",
        "_losses",
        "_losses_override",
        "_metrics",
        "_non_trainable_variables",
        "_outbound_nodes",
        "_parent_path",
        "_path",
        "_remat_mode",
        "_seed_generators",
        "_supports_masking",
        "_tracker",
        "_trainable",
        "_trainable_variables",
        "activity_regularizer",
        "autocast",
        "built",
        "call_signature_parameters",
        "compute_dtype",
        "dtype",
        "dtype_policy",
        "input",
        "input_dtype",
        "input_spec",
        "losses",
        "metrics",
        "metrics_variables",
        "name",
        "non_trainable_variables",
        "non_trainable_weights",
        "output",
        "path",
        "quantization_mode",
        "supports_jit",
        "supports_masking",
        "trainable",
        "trainable_variables",
        "trainable_weights",
        "variable_dtype",
        "variables",
        "weights",
        "_self_unconditional_dependency_names",
    }
)
_SKIP: dict[type, frozenset[str]] = {}


def model_kind(obj: Any) -> str | None:
    """``"functional"``, ``"sequential"`` or ``"model"`` for the runtime's model classes and
    their subclasses (each declares ``_model_kind``), ``None`` for anything else. The
    models package sits above this one (a model's ``save`` calls it), so the walk asks
    the object instead of importing the classes."""
    kind = getattr(type(obj), "_model_kind", None)
    return kind if isinstance(kind, str) else None


def _model_base(obj: Any) -> type:
    """The runtime base class whose attributes are skipped: the nearest class declaring
    ``_model_kind`` (Functional, Sequential, Model), else :class:`Layer`."""
    for cls in type(obj).__mro__:
        if "_model_kind" in vars(cls):
            return cls
    return Layer


def _skipset(obj: Layer) -> frozenset[str]:
    base = _model_base(obj)
    if base not in _SKIP:
        names = set(_KERAS_LAYER_ATTRS) | {n for n in dir(base) if not n.startswith("__")}
        if base is not Layer:  # Model-level state the runtime keeps privately
            names |= {
                "optimizer",
                "compiled",
                "loss",
                "inputs",
                "outputs",
                "input_names",
                "output_names",
                "input_shape",
                "_compile_config",
                "_functional",
                "_operations",
                "_nodes_by_depth",
                "_node_ids",
                "_inputs_struct",
                "_outputs_struct",
                "_input_shape_arg",
                "operations",
            }
            if (
                vars(base)["_model_kind"] == "model"
            ):  # subclassed models: Keras walks their ``layers``
                names.discard("layers")
        names |= {
            "_input_shape_arg",
            "_dtype_policy",
            "_trainable_variables",
            "_non_trainable_variables",
        }
        _SKIP[base] = frozenset(names)
    return _SKIP[base]


def is_builtin(obj: Any) -> bool:
    return _builtins.public_module(type(obj)) is not None


def is_builtin_model(obj: Any) -> bool:
    return model_kind(obj) in ("functional", "sequential") and is_builtin(obj)


def custom_attributes(obj: Any) -> Iterator[tuple[str, Any]]:
    """``(name, value)`` of a custom object's attributes in Keras's walk order,
    minus what a base Keras layer or model has (``get_attr_skipset``)."""
    skip = _skipset(obj)
    values = {n: v for n, v in vars(obj).items() if not n.startswith("__") and n not in skip}
    for cls in type(obj).__mro__:
        if cls is object or cls.__module__.startswith("reference_runtime."):
            continue  # the runtime's own classes: their attributes are the skipset's
        for name, attr in vars(cls).items():
            if name.startswith("__") or name in skip or name in values:
                continue
            if isinstance(attr, property):
                try:
                    values[name] = attr.__get__(obj, type(obj))
                except AttributeError:  # a property over a sub-layer build() makes
                    continue
            elif not callable(attr) and not isinstance(attr, (classmethod, staticmethod)):
                values[name] = attr
    if model_kind(obj) is not None and not is_builtin_model(obj) and "layers" not in values:
        values["layers"] = obj.layers  # subclassed models: Keras walks their ``layers``
    for name in sorted(values, key=lambda n: "~" + n if n.startswith("_") else n):
        yield name, values[name]
