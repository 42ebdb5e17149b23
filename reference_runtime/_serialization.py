"""``serialize_keras_object`` / ``deserialize_keras_object`` (spec §4).

The Keras-named API (``keras-team/keras: keras/src/saving/serialization_lib.py``)
over the one serializer, :mod:`kformat.serialization`: this module supplies
only the runtime's part through a :class:`kformat.serialization.Hooks`
subclass — its explicit tables of built-ins
(:mod:`reference_runtime._builtins`), the registry of
:func:`register_keras_serializable`, ``custom_object_scope``, how an object is
built from its config (``from_config``, ``build_config``, shared objects) —
plus safe mode and the validator's checks before the outermost call.
``module`` strings are hints, never imported; built-in names cannot be
shadowed by registered ones (keras-team/keras#22466); ``__lambda__`` is
refused, under ``safe_mode=False`` as unsupported (bytecode is never run).
"""

from __future__ import annotations

import contextlib
import contextvars
import types
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from kformat import serialization
from kformat.serialization import Hooks
from reference_runtime import _builtins, _preflight
from reference_runtime._config_errors import (
    CONFIG,
    at,
    at_parts,
    current_parts,
    current_pointer,
    guarded,
    short,
)
from reference_runtime._registration import (
    GLOBAL_CUSTOM_OBJECTS,
    REGISTRY,
    CustomObjectScope,
    is_registered,
    scope_objects,
)
from reference_runtime._tensor import KerasTensor
from reference_runtime.dtype_policies import DTypePolicy
from reference_runtime.dtype_policies import serialize as serialize_policy

__all__ = [
    "SafeModeScope",
    "checked",
    "checked_from_config",
    "deserialize_keras_object",
    "in_safe_mode",
    "loading_source",
    "serialize_keras_object",
]

Parts = tuple[str | int, ...]

_SAFE: contextvars.ContextVar[bool | None] = contextvars.ContextVar("safe_mode", default=None)
_SOURCE: contextvars.ContextVar[str | None] = contextvars.ContextVar("source", default=None)
_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("checked", default=False)
_SHARED: contextvars.ContextVar[dict[int, Any] | None] = contextvars.ContextVar(
    "shared", default=None
)


@contextlib.contextmanager
def SafeModeScope(safe_mode: bool = True) -> Iterator[None]:
    """Set the safe mode seen by nested deserialization."""
    token = _SAFE.set(safe_mode)
    try:
        yield
    finally:
        _SAFE.reset(token)


def in_safe_mode() -> bool:
    """The active safe mode (default ``True``: fail closed, CVE-2026-12481)."""
    value = _SAFE.get()
    return True if value is None else value


@contextlib.contextmanager
def loading_source(name: str | None) -> Iterator[None]:
    """Name the file being loaded, so errors can say which one."""
    token = _SOURCE.set(name)
    shared = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(shared)
        _SOURCE.reset(token)


def _where() -> str:
    src = _SOURCE.get()
    return f" in {src}" if src else ""


# -- the runtime's part of kformat.serialization ------------------------------------


def _is_function(obj: Any) -> bool:
    return isinstance(obj, types.FunctionType | types.BuiltinFunctionType) or (
        callable(obj) and not hasattr(obj, "get_config") and hasattr(obj, "__name__")
    )


class _RuntimeHooks(Hooks):
    """The runtime's built-in tables and object building for :mod:`kformat.serialization`."""

    # Keras hands ``from_config`` the raw config; the runtime's classes decode
    # their own parts (the whole config was checked by the validator first).
    decode_config = False

    def __init__(
        self, custom: Mapping[str, Any] = MappingProxyType({}), module_objects: Any = None
    ) -> None:
        self.custom = custom
        self.module_objects: Mapping[str, Any] = module_objects or {}

    def encode(self, value: Any) -> Any:
        if isinstance(value, KerasTensor):
            history = value._keras_history
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": list(value.shape),
                    "dtype": value.dtype,
                    "keras_history": [
                        history.operation.name,
                        history.node_index,
                        history.tensor_index,
                    ]
                    if history is not None
                    else None,
                },
            }
        if isinstance(value, DTypePolicy):
            return serialize_policy(value)
        if not _is_function(value):
            return NotImplemented
        # Keras 2's hard_sigmoid is named "keras2>hard_sigmoid" (see activations).
        name = _builtins.function_name(value)
        if name is None and not is_registered(value):
            raise TypeError(
                f"Cannot serialize function {getattr(value, '__name__', value)!r}: register it "
                "with @reference_runtime.saving.register_keras_serializable()"
            )
        if name is None:
            return NotImplemented  # a registered function: kformat writes its registered name
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }

    def class_identity(self, cls: type) -> tuple[str | None, str, str | None] | None:
        module = _builtins.public_module(cls)
        if module is None:
            return None
        # Keras writes the class name for classes it does not export.
        exported = not (
            module == "keras.src.models.functional" or module.startswith("keras.src.ops.")
        )
        return module, _builtins.public_class_name(cls), None if exported else cls.__name__

    def builtin(self, kind: str, name: str, module: str | None) -> Any:
        if kind == "function":
            # A registered name ("pkg>fn") is never a built-in, except the one
            # under which Keras 2's hard_sigmoid is kept (in the functions table).
            return _builtins.builtin_function(name)
        return _builtins.builtin_class(module, name)

    def named(self, value: str) -> Any:
        found = self.module_objects.get(value)
        if found is None:
            return value
        return found() if isinstance(found, type) else found

    def build(self, cls: Any, entry: Mapping[str, Any], config: Any, parts: Parts) -> Any:
        shared = _SHARED.get()
        sid = entry.get("shared_object_id")
        if shared is not None and isinstance(sid, int) and sid in shared:
            return shared[sid]
        what = f"{short(entry['class_name'])} object"
        with at_parts(parts), CustomObjectScope(self.custom):
            with at("config"):
                obj = guarded(lambda: cls.from_config(config), what)
            build_config = entry.get("build_config")
            if build_config and not getattr(obj, "built", True):
                with at("build_config"):
                    guarded(lambda: obj.build_from_config(build_config), what, code="KF309")
            compile_config = entry.get("compile_config")
            if compile_config and hasattr(obj, "compile_from_config"):
                with at("compile_config"):
                    guarded(lambda: obj.compile_from_config(compile_config), what)
        if shared is not None and isinstance(sid, int):
            shared[sid] = obj
        return obj

    def missing(self, kind: str, entry: Mapping[str, Any]) -> str:
        if kind == "function":
            name = short(entry.get("config"))
            return (
                f"unknown function {name}{_where()}: the NumPy runtime has no implementation for "
                "it. Write it in NumPy and register it with @reference_runtime.saving."
                f"register_keras_serializable(package=..., name=...) so its registered name is "
                f"{name}, or pass custom_objects={{{name}: fn}}"
            )
        return _unknown_class_message(
            entry["class_name"], entry.get("module"), entry.get("registered_name")
        )


_SERIALIZE_HOOKS = _RuntimeHooks()


def serialize_keras_object(obj: Any) -> Any:
    """JSON-ready form of a Keras object, function, array or plain value.

    Raises:
        TypeError: ``obj`` has no serialized form (an unregistered function,
            an object without ``get_config``).
    """
    return serialization.serialize(obj, registry=REGISTRY, hooks=_SERIALIZE_HOOKS)


def deserialize_keras_object(
    config: Any,
    custom_objects: Mapping[str, Any] | None = None,
    safe_mode: bool = True,
    module_objects: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Rebuild an object from its serialized form (:func:`kformat.serialization.deserialize`
    with the runtime's built-ins, registry and scopes).

    Args:
        config: a serialized-object dict, a list/dict of them, a name or a value.
        custom_objects: extra ``name -> class/function`` entries.
        safe_mode: refuse ``__lambda__`` as unsafe (the active
            :func:`SafeModeScope`, if any, wins, as in Keras).
        module_objects: a table to resolve bare names against (activations, ...).

    Raises:
        UnsafeArchiveError: ``__lambda__`` / Lambda bytecode under safe mode.
        UnsupportedFeatureError: a class or function with no implementation here.
    """
    active = _SAFE.get()
    safe = safe_mode if active is None else active
    custom = {**(custom_objects or {}), **scope_objects(), **GLOBAL_CUSTOM_OBJECTS}

    def decode() -> Any:
        return serialization.deserialize(
            config,
            custom_objects=custom,
            builtins=module_objects,
            hooks=_RuntimeHooks(custom, module_objects),
            safe_mode=safe,
            member=CONFIG,
            path=current_parts(),
        )

    with SafeModeScope(safe):
        if _CHECKED.get():
            return decode()
        # Outermost call: the validator's config checks run before anything
        # is built, and whatever still fails leaves as a KFormatError.
        if isinstance(config, Mapping) and "class_name" in config:
            _preflight.check_config(config, safe_mode=safe)
        with checked():
            return guarded(decode, "the config cannot be deserialized")


def checked_from_config(class_name: str, config: Any, build: Callable[[], Any]) -> Any:
    """``Model.from_config`` called directly: check ``config`` as the inner
    config of a ``class_name`` object first (pointers start at ``/config``)."""
    if _CHECKED.get():
        return build()
    if isinstance(config, Mapping):
        _preflight.check_config(
            {"class_name": class_name, "config": dict(config)}, safe_mode=in_safe_mode()
        )
    with checked(), at("config"):
        return guarded(build, f"{class_name} config")


@contextlib.contextmanager
def checked() -> Iterator[None]:
    """Mark the config being deserialized as already checked by the validator."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _refuse_lambda(what: str) -> None:
    raise serialization.lambda_refusal(
        f"{what}{_where()}", safe_mode=in_safe_mode(), member=CONFIG, path=current_pointer()
    )


def _unknown_class_message(class_name: str, module: Any, registered: Any) -> str:
    key = registered if isinstance(registered, str) else class_name
    package, _, name = key.rpartition(">")
    package = package or "Custom"
    kind = "layer" if _builtins.looks_like_layer(module) else "class"
    return (
        f"unknown {kind} {short(class_name)} (module {short(module)}, registered name {short(registered)}){_where()}: "
        "the NumPy runtime has no implementation for it and never imports code named in a file. "
        "Provide one: subclass reference_runtime.layers.Layer, implement build() with add_weight() "
        f"and call() in NumPy, then decorate it with @reference_runtime.saving."
        f"register_keras_serializable(package={package!r}, name={name!r}) or pass "
        f"custom_objects={{{key!r}: YourClass}} to load_model()"
    )
