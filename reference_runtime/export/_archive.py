"""``ExportArchive``: SavedModel artifacts from runtime models and layers (the guide's API).

Learned from ``keras-team/keras: keras/src/export/saved_model_export_archive.py``
(endpoints as ``tf.function`` attributes of one trackable, ``serving_default``
aliasing the first endpoint, variable collections as tracked lists); the
computation is the TensorFlow translation of the runtime graph
(:mod:`reference_runtime.export._graph`), never Keras.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from typing import Any

import tensorflow as tf

from reference_runtime._tensor import KerasTensor
from reference_runtime.export._context import VariableStore, is_tensor, tf_dtype
from reference_runtime.export._graph import call_layer, call_method
from reference_runtime.export._twin import TwinContext
from reference_runtime.layers.layer import Layer

__all__ = ["ExportArchive", "make_tensor_spec"]


def make_tensor_spec(x: Any) -> Any:
    """A ``tf.TensorSpec`` from a ``tf.TensorSpec``, a runtime ``KerasTensor`` or a tensor."""
    if isinstance(x, tf.TensorSpec):
        return x
    if isinstance(x, KerasTensor):
        return tf.TensorSpec((None, *x.shape[1:]), tf_dtype(x.dtype), name=x.name)
    if is_tensor(x) or hasattr(x, "__array__"):
        t = tf.convert_to_tensor(x)
        return tf.TensorSpec((None, *t.shape[1:]), t.dtype)
    raise TypeError(
        f"unsupported input signature entry {x!r}: use tf.TensorSpec, a KerasTensor or a tensor"
    )


def _name_dict_specs(structure: Any, key: str | None = None) -> Any:
    # An unnamed spec under a dict key is named by the key: serving signatures use the names.
    if isinstance(structure, dict):
        return {k: _name_dict_specs(v, str(k)) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_name_dict_specs(v) for v in structure)
    if isinstance(structure, tf.TensorSpec) and structure.name is None and key is not None:
        return tf.TensorSpec(structure.shape, structure.dtype, name=key)
    return structure


def _runtime_layer(obj: Any) -> bool:
    return isinstance(obj, Layer)


class ExportArchive:
    """Write SavedModel artifacts for inference from runtime models and layers.

    ``track`` the layers or models, ``add_endpoint`` one or more serving
    functions, optionally ``add_variable_collection``, then ``write_out``. An
    endpoint function is a runtime layer or model, its ``call`` or ``__call__``
    (computed with TensorFlow ops built from its config and weights), or a
    TensorFlow function (a ``tf.function``, or what ``add_endpoint`` returned).
    """

    def __init__(self) -> None:
        self._store = VariableStore()
        self._endpoint_names: list[str] = []
        self._signatures: dict[str, Any] = {}
        self._tracked: list[Any] = []
        self._tf_trackable = tf.__internal__.tracking.AutoTrackable()
        self._tf_trackable.variables = []
        self._tf_trackable.trainable_variables = []
        self._tf_trackable.non_trainable_variables = []

    def __getattr__(self, name: str) -> Any:
        # Collections and endpoints read back like attributes (export_archive.my_vars).
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return getattr(self.__dict__["_tf_trackable"], name)
        except (KeyError, AttributeError):
            raise AttributeError(f"ExportArchive has no attribute {name!r}") from None

    @property
    def variables(self) -> list[Any]:
        """The ``tf.Variable`` of every weight of the tracked layers."""
        return list(self._tf_trackable.variables)

    @property
    def trainable_variables(self) -> list[Any]:
        """The trainable ones among :attr:`variables`."""
        return list(self._tf_trackable.trainable_variables)

    @property
    def non_trainable_variables(self) -> list[Any]:
        """The non-trainable ones among :attr:`variables`."""
        return list(self._tf_trackable.non_trainable_variables)

    def track(self, resource: Any) -> None:
        """Track a runtime layer or model (its weights become ``tf.Variable``), or a TF trackable.

        Raises:
            ValueError: an unbuilt layer or an object that cannot be tracked.
        """
        if _runtime_layer(resource):
            if not resource.built:
                raise ValueError(
                    f"layer {resource.name!r} has not been built yet: call it once before export"
                )
            self._tracked.append(resource)
            for var in resource.weights:
                tf_var = self._store.get(var)
                if not any(tf_var is v for v in self._tf_trackable.variables):
                    self._tf_trackable.variables.append(tf_var)
                    group = "trainable_variables" if tf_var.trainable else "non_trainable_variables"
                    getattr(self._tf_trackable, group).append(tf_var)
        elif isinstance(resource, tf.__internal__.tracking.Trackable):
            self._tracked.append(resource)
            misc = list(getattr(self._tf_trackable, "_misc_resources", []))
            self._tf_trackable._misc_resources = [*misc, resource]
        else:
            raise ValueError(
                f"cannot track {resource!r}: expected a reference_runtime layer or model, "
                "or a TensorFlow trackable"
            )

    def add_endpoint(
        self, name: str, fn: Callable[..., Any], input_signature: Sequence[Any] | None = None
    ) -> Any:
        """Register the serving endpoint ``name`` and return its ``tf.function``.

        Args:
            name: endpoint name (a method of the reloaded object).
            fn: a runtime layer/model, its ``call`` or ``__call__``, or a TensorFlow function.
            input_signature: one entry per positional argument of ``fn`` (``tf.TensorSpec``,
                runtime ``KerasTensor`` or a tensor; nested lists/dicts for structured inputs).
                May be omitted only for a ``tf.function`` that was already traced.
        """
        if name in self._endpoint_names:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if input_signature is None:
            if not isinstance(fn, tf.types.experimental.GenericFunction):
                raise ValueError(
                    "an input_signature is needed unless fn is a tf.function that was called once"
                )
            if not fn._list_all_concrete_functions():
                raise ValueError(
                    f"the tf.function {fn} has never been called: pass input_signature"
                )
            decorated = fn
        else:
            spec = _name_dict_specs(tf.nest.map_structure(make_tensor_spec, list(input_signature)))
            python_fn = self._python_function(fn, len(spec))
            decorated = tf.function(python_fn, input_signature=spec, autograph=False)
            try:  # trace now: an untranslatable layer fails here, not in write_out
                decorated.get_concrete_function()
                self._track_resources()
            except Exception as exc:
                if python_fn is not fn:
                    raise
                raise ValueError(
                    f"tracing endpoint {name!r} failed: {exc}. An endpoint function must be "
                    "TensorFlow code, or a reference_runtime layer/model or its call; NumPy code "
                    "(such as a lambda calling a runtime model) cannot be exported"
                ) from exc
            self._signatures[name] = spec
        setattr(self._tf_trackable, name, decorated)
        self._endpoint_names.append(name)
        return decorated

    def _track_resources(self) -> None:
        # Tables the twins made while tracing (VariableStore.resource) must be
        # tracked, or the SavedModel refuses the endpoint capturing them.
        misc = list(getattr(self._tf_trackable, "_misc_resources", []))
        new = [r for r in self._store.resources() if not any(r is m for m in misc)]
        if new:
            self._tf_trackable._misc_resources = [*misc, *new]

    def track_and_add_endpoint(
        self, name: str, resource: Any, input_signature: Sequence[Any] | None
    ) -> Any:
        """``track(resource)`` then ``add_endpoint(name, resource.__call__, input_signature)``."""
        self.track(resource)
        return self.add_endpoint(name, resource, input_signature)

    def _python_function(self, fn: Any, arity: int) -> Callable[..., Any]:
        owner = getattr(fn, "__self__", None)
        if _runtime_layer(fn):
            owner, method = fn, "__call__"
        elif owner is not None and _runtime_layer(owner):
            method = fn.__name__
            if method not in ("call", "__call__"):
                raise ValueError(
                    f"only {type(owner).__name__}.call or __call__ can be an endpoint, got {method}"
                )
        else:
            tf_code: Callable[..., Any] = fn  # already TensorFlow code
            return tf_code
        if not any(owner is t for t in self._tracked):
            self.track(owner)
        store = self._store

        def endpoint(*args: Any) -> Any:
            ctx = TwinContext(store, call_layer)
            if method == "call":
                return call_method(ctx, owner, tuple(args), {})
            return call_layer(ctx, owner, tuple(args), {})

        params = [p for p in inspect.signature(owner.call).parameters.values()]
        names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(names) < arity:
            names += [f"args_{i}" for i in range(len(names), arity)]
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names[:arity]]
        )
        endpoint.__name__ = f"{owner.name}_{method.strip('_')}"
        return endpoint

    def add_variable_collection(self, name: str, variables: Sequence[Any]) -> None:
        """Register variables (runtime ``Variable`` or ``tf.Variable``) to retrieve after reload."""
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError(
                f"Expected `variables` to be a list/tuple/set, got {type(variables).__name__}"
            )
        out = [self._store.get(v) for v in variables]
        setattr(self._tf_trackable, name, out)

    def write_out(
        self, filepath: str | os.PathLike[str], options: Any = None, verbose: bool = True
    ) -> None:
        """Write the SavedModel (every endpoint is also a signature; the first is ``serving_default``)."""
        if not self._endpoint_names:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        signatures = {}
        for name in self._endpoint_names:
            signatures[name] = _signature_function(getattr(self._tf_trackable, name), name)
        if "serving_default" not in signatures:
            signatures["serving_default"] = signatures[self._endpoint_names[0]]
        self._tf_trackable._all_variables = self._store.all()
        tf.saved_model.save(
            self._tf_trackable, os.fspath(filepath), signatures=signatures, options=options
        )
        if verbose:
            print(
                f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are available:\n"
            )
            for name in self._endpoint_names:
                print(describe_endpoint(getattr(self._tf_trackable, name), name) + "\n")


def _signature_function(fn: Any, name: str) -> Any:
    # A signature returns a tensor, a flat list or a flat dict of tensors; nested outputs
    # get one key per leaf path.
    concrete = (
        fn.get_concrete_function()
        if fn.input_signature is not None
        else (fn._list_all_concrete_functions()[0])
    )
    outputs = concrete.structured_outputs
    if is_tensor(outputs) or _flat_list(outputs) or _flat_dict(outputs):
        return concrete
    spec = concrete.structured_input_signature[0]

    def flat_outputs(*args: Any) -> dict[str, Any]:
        paths = _leaf_paths(fn(*args))
        return dict(paths)

    return tf.function(
        flat_outputs, input_signature=list(spec), autograph=False
    ).get_concrete_function()


def _flat_list(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and all(is_tensor(v) for v in x)


def _flat_dict(x: Any) -> bool:
    return isinstance(x, dict) and all(is_tensor(v) for v in x.values())


def _leaf_paths(x: Any, prefix: str = "output") -> list[tuple[str, Any]]:
    if isinstance(x, dict):
        return [p for k in x for p in _leaf_paths(x[k], f"{prefix}_{k}")]
    if isinstance(x, (list, tuple)):
        return [p for i, v in enumerate(x) for p in _leaf_paths(v, f"{prefix}_{i}")]
    return [(prefix, x)] if x is not None else []


def describe_endpoint(fn: Any, name: str) -> str:
    """``* Endpoint 'name'`` and its arguments and outputs, as Keras prints them."""
    concrete = fn._list_all_concrete_functions()[0]
    lines = concrete.pretty_printed_signature(verbose=True).split("\n")
    if "Captures:" in lines:  # the variables' resource handles: noise for a reader
        lines = lines[: lines.index("Captures:")]
    return "\n".join([f"* Endpoint '{name}'", *lines[1:]]).rstrip()
