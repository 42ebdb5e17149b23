"""``serialize_keras_object`` / ``deserialize_keras_object`` (spec §4).

Mirrors ``keras-team/keras: keras/src/saving/serialization_lib.py`` with one
rule changed for safety: classes and functions resolve **only** through
explicit tables (:mod:`reference_runtime.saving._builtins`), the registry of
:func:`register_keras_serializable`, a ``custom_object_scope`` and the
``custom_objects`` argument. ``module`` strings are hints, never imported.
Built-in names cannot be shadowed by registered ones (keras-team/keras#22466).
``__lambda__`` (marshalled bytecode) is refused: under ``safe_mode=True`` as
unsafe, otherwise as unsupported (the runtime does not run bytecode).
"""

from __future__ import annotations

import contextlib
import contextvars
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from kformat.errors import (
    InvalidArchiveError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)
from reference_runtime import activations
from reference_runtime._config_errors import CONFIG, at, current_pointer, guarded, short
from reference_runtime._tensor import KerasTensor
from reference_runtime.dtype_policies import DTypePolicy
from reference_runtime.dtype_policies import serialize as serialize_policy
from reference_runtime.saving import _builtins, _preflight
from reference_runtime.saving._special import decode_special
from reference_runtime.saving.object_registration import (
    GLOBAL_CUSTOM_OBJECTS,
    CustomObjectScope,
    get_registered_name,
    is_registered,
    scope_objects,
)

__all__ = [
    "SafeModeScope",
    "checked",
    "checked_from_config",
    "deserialize_keras_object",
    "in_safe_mode",
    "loading_source",
    "serialize_keras_object",
]

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


# -- serialization ----------------------------------------------------------------


def serialize_keras_object(obj: Any) -> Any:
    """JSON-ready form of a Keras object, function, array or plain value."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": str(obj.dtype)},
        }
    if isinstance(obj, (bytes, bytearray)):
        return {"class_name": "__bytes__", "config": {"value": bytes(obj).decode("utf-8")}}
    if isinstance(obj, KerasTensor):
        history = obj._keras_history
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(obj.shape),
                "dtype": obj.dtype,
                "keras_history": [history.operation.name, history.node_index, history.tensor_index]
                if history is not None
                else None,
            },
        }
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, DTypePolicy):
        return serialize_policy(obj)
    if isinstance(obj, types.FunctionType | types.BuiltinFunctionType) or (
        callable(obj) and not hasattr(obj, "get_config") and hasattr(obj, "__name__")
    ):
        return _serialize_function(obj)
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise TypeError(f"Cannot serialize object {obj!r}: it has no get_config() method")
    inner = serialize_keras_object(get_config())
    cls = type(obj)
    module, registered = _builtins.public_module(cls), None
    if module is None:
        if is_registered(cls):
            module, registered = None, get_registered_name(cls)
        else:
            module, registered = cls.__module__, cls.__name__
    elif module == "keras.src.models.functional" or module.startswith(
        ("keras.src.ops.", "keras.src.applications.")
    ):
        registered = cls.__name__  # Keras writes the class name for non-exported classes
    out: dict[str, Any] = {
        "module": module,
        "class_name": _builtins.public_class_name(cls),
        "config": inner,
        "registered_name": registered,
    }
    build = getattr(obj, "get_build_config", None)
    if build is not None and (value := build()) is not None:
        out["build_config"] = serialize_keras_object(value)
    compile_ = getattr(obj, "get_compile_config", None)
    if compile_ is not None and (value := compile_()) is not None:
        out["compile_config"] = serialize_keras_object(value)
    return out


def _serialize_function(fn: Any) -> Any:
    if fn is activations.hard_sigmoid_keras2:
        return activations.serialize(fn)
    name = activations.name_of(fn) or _builtins.function_name(fn)
    if name is None:
        if not is_registered(fn):
            raise TypeError(
                f"Cannot serialize function {getattr(fn, '__name__', fn)!r}: register it with "
                "@reference_runtime.saving.register_keras_serializable()"
            )
        name = get_registered_name(fn)
    return {
        "module": "builtins",
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }


# -- deserialization ----------------------------------------------------------------

_SPECIAL = frozenset(
    {"__numpy__", "__tensor__", "__bytes__", "__slice__", "__ellipsis__", "__keras_tensor__"}
)


def deserialize_keras_object(
    config: Any,
    custom_objects: Mapping[str, Any] | None = None,
    safe_mode: bool = True,
    module_objects: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Rebuild an object from its serialized form.

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
    with SafeModeScope(safe):
        if _CHECKED.get():
            return _deserialize(config, custom, module_objects or {})
        # Outermost call: the validator's config checks run before anything
        # is built, and whatever still fails leaves as a KFormatError.
        if isinstance(config, Mapping) and "class_name" in config:
            _preflight.check_config(config, safe_mode=safe)
        with checked():
            return guarded(
                lambda: _deserialize(config, custom, module_objects or {}),
                "the config cannot be deserialized",
            )


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


def _deserialize(config: Any, custom: Mapping[str, Any], module_objects: Mapping[str, Any]) -> Any:
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        if config in custom:
            return custom[config]
        if config in module_objects:
            found = module_objects[config]
            return found() if isinstance(found, type) else found
        return config
    if isinstance(config, list):
        out = []
        for i, c in enumerate(config):
            if isinstance(c, (list, Mapping)):
                with at(i):
                    out.append(_deserialize(c, custom, module_objects))
            else:
                out.append(_deserialize(c, custom, module_objects))
        return out
    if not isinstance(config, Mapping):
        return config
    if "class_name" not in config or "config" not in config:
        items = {}
        for k, v in config.items():
            with at(k):
                items[k] = _deserialize(v, custom, module_objects)
        return items
    class_name = config["class_name"]
    inner = config["config"]
    if class_name == "__lambda__":
        _refuse_lambda("a serialized Python lambda")
    if class_name in _SPECIAL:
        with at("config"):
            return decode_special(class_name, inner, _where())
    if class_name == "__typespec__":
        raise UnsupportedFeatureError(
            f"__typespec__ (a TensorFlow TypeSpec){_where()} is not supported",
            member=CONFIG,
            path=current_pointer(),
            code="KF508",
        )
    if class_name == "function":
        return _resolve_function(config, custom, module_objects)
    shared = _SHARED.get()
    sid = config.get("shared_object_id")
    if shared is not None and isinstance(sid, int) and sid in shared:
        return shared[sid]
    cls = _resolve_class(config, custom, module_objects)
    what = f"{short(class_name)} object"
    with CustomObjectScope(custom):
        with at("config"):
            obj = guarded(lambda: cls.from_config(inner if inner is not None else {}), what)
        build_config = config.get("build_config")
        if build_config and not getattr(obj, "built", True):
            with at("build_config"):
                guarded(lambda: obj.build_from_config(build_config), what, code="KF309")
        compile_config = config.get("compile_config")
        if compile_config and hasattr(obj, "compile_from_config"):
            with at("compile_config"):
                guarded(lambda: obj.compile_from_config(compile_config), what)
    if shared is not None and isinstance(sid, int):
        shared[sid] = obj
    return obj


def _refuse_lambda(what: str) -> None:
    if in_safe_mode():
        raise UnsafeArchiveError(
            f"{what}{_where()} holds marshalled Python bytecode; loading it would run code from "
            "the file, so it is refused in safe mode (CVE-2024-3660). Rewrite it as a registered "
            "function or a custom layer with a NumPy call()",
            member=CONFIG,
            path=current_pointer(),
            code="KF501",
        )
    raise UnsupportedFeatureError(
        f"{what}{_where()} holds Python bytecode for a Keras backend; the NumPy runtime never "
        "runs bytecode, even with safe_mode=False. Register a NumPy implementation instead",
        member=CONFIG,
        path=current_pointer(),
        code="KF501",
    )


def _resolve_function(
    config: Mapping[str, Any], custom: Mapping[str, Any], module_objects: Mapping[str, Any]
) -> Any:
    name = config["config"]
    if not isinstance(name, str):
        raise InvalidArchiveError(
            f"a serialized function needs a string name{_where()}, got {short(name)}",
            member=CONFIG,
            path=current_pointer("config"),
            code="KF210",
        )
    module = config.get("module")
    if _builtins.is_keras_module(module) or module == "builtins" or module is None:
        builtin = module_objects.get(name) or _builtins.builtin_function(name)
        if builtin is not None and (">" not in name or name == activations.KERAS2_HARD_SIGMOID):
            return builtin
    if name in custom:
        return custom[name]
    # Keras <= 3.6 saved registered functions by bare name (serialization_lib L868-876).
    for key, obj in custom.items():
        if key.endswith(f">{name}"):
            return obj
    raise UnsupportedFeatureError(
        f"unknown function {short(name)}{_where()}: the NumPy runtime has no implementation for it. "
        f"Write it in NumPy and register it with @reference_runtime.saving.register_keras_serializable"
        f"(package=..., name=...) so its registered name is {name!r}, or pass "
        f"custom_objects={{{name!r}: fn}}",
        member=CONFIG,
        path=current_pointer(),
        code="KF306",
    )


def _resolve_class(
    config: Mapping[str, Any], custom: Mapping[str, Any], module_objects: Mapping[str, Any]
) -> Any:
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise InvalidArchiveError(
            f"class_name must be a string{_where()}, got {short(class_name)}",
            member=CONFIG,
            path=current_pointer("class_name"),
            code="KF210",
        )
    module = config.get("module")
    registered = config.get("registered_name")
    builtin_ok = registered in (None, class_name, "Functional") and (
        _builtins.is_keras_module(module) or module is None
    )
    if builtin_ok:
        found = module_objects.get(class_name) or _builtins.builtin_class(module, class_name)
        if found is not None:
            return found
    for key in (registered, class_name):
        if isinstance(key, str) and key in custom:
            return custom[key]
    raise UnsupportedFeatureError(
        _unknown_class_message(class_name, module, registered),
        member=CONFIG,
        path=current_pointer(),
        code="KF306",
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
