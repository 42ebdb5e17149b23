"""Framework-free serialize/deserialize of Keras serialized-object dicts (spec §4.1-§4.3, §9).

A serialized object is ``{"module", "class_name", "config", "registered_name"}``;
special ``class_name`` values encode NumPy arrays, bytes, slices, Ellipsis and
symbolic tensors (:mod:`kformat._encodings`). Classes and functions are
resolved **only** through what the caller passes — ``builtins``,
``custom_objects``, a :class:`Registry` and :class:`Hooks` — never by
importing what a document names; ``__lambda__`` (marshalled bytecode,
CVE-2024-3660) and ``__typespec__`` are always refused.

This is the one decoder: a runtime (``reference_runtime.saving``) keeps its
Keras-named API and supplies its built-in classes and the way it builds
objects through a :class:`Hooks` subclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat._encodings import (
    NOT_SPECIAL,
    SPECIAL_CLASS_NAMES,
    KerasTensorRef,
    decode_special,
    encode_special,
    lambda_refusal,
)
from kformat._json import pointer
from kformat._numpy_values import ARRAY_DTYPES, MAX_ARRAY_ELEMENTS, array_problem
from kformat._serialization_hooks import (
    _NO_HOOKS,
    DEFAULT_PACKAGE,
    Hooks,
    Parts,
    Registry,
    registered_name,
)
from kformat.errors import InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError
from kformat.weight_paths import python_class_name

__all__ = [
    "ARRAY_DTYPES",
    "DEFAULT_PACKAGE",
    "MAX_ARRAY_ELEMENTS",
    "Hooks",
    "KerasTensorRef",
    "Registry",
    "array_problem",
    "deserialize",
    "is_serialized_object",
    "lambda_refusal",
    "registered_name",
    "serialize",
]


#: Packages whose ``module`` may name a built-in: Keras 3, tf.keras / tf_keras
#: (Keras 2 files) and Keras Core. A legacy dict without ``module`` (Keras 2
#: layer entries, spec §4.1) may name one too; any other module never does.
_KERAS_PACKAGES = ("keras", "tf_keras", "keras_core")


def is_serialized_object(value: Any) -> bool:
    """Keras treats a dict holding both ``class_name`` and ``config`` as an
    object (serialization_lib.py deserialize_keras_object)."""
    return isinstance(value, dict) and "class_name" in value and "config" in value


def serialize(value: Any, *, registry: Registry | None = None, hooks: Hooks | None = None) -> Any:
    """Turn plain values, NumPy values and registered objects into JSON data
    (``serialize_keras_object``, serialization_lib.py).

    Raises:
        TypeError: a value that has no serialized form (e.g. an unregistered
            function, a set, a dict with a non-string key).
    """
    hooks = hooks or _NO_HOOKS

    def again(v: Any) -> Any:
        return serialize(v, registry=registry, hooks=hooks)

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    custom = hooks.encode(value)
    if custom is not NotImplemented:
        return custom
    if isinstance(value, np.generic):
        return value.item()
    special = encode_special(value, again)
    if special is not NOT_SPECIAL:
        return special
    if isinstance(value, (list, tuple)):
        return [again(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"dict keys must be strings to serialize, got {k!r}")
            out[k] = again(v)
        return out
    if callable(value) and not hasattr(value, "get_config"):
        name = registry.name_of(value) if registry is not None else None
        if name is None:
            raise TypeError(
                f"cannot serialize function {getattr(value, '__name__', value)!r}: "
                "register it first"
            )
        return {
            "module": "builtins",
            "class_name": "function",
            "config": name,
            "registered_name": "function",
        }
    get_config = getattr(value, "get_config", None)
    if get_config is None:
        raise TypeError(f"cannot serialize {type(value).__name__}: it has no get_config()")
    cls = type(value)
    identity = hooks.class_identity(cls)
    if identity is None:
        registered = registry.name_of(cls) if registry is not None else None
        identity = (
            (None, cls.__name__, registered)
            if registered
            else (cls.__module__, cls.__name__, cls.__name__)
        )
    module, class_name, reg = identity
    out = {
        "module": module,
        "class_name": class_name,
        "config": again(get_config()),
        "registered_name": reg,
    }
    # serialization_lib.py serialize_keras_object: build and compile state ride along.
    for key, getter in (
        ("build_config", "get_build_config"),
        ("compile_config", "get_compile_config"),
    ):
        extra = getattr(value, getter, None)
        if extra is not None and (found := extra()) is not None:
            out[key] = again(found)
    return out


def deserialize(
    value: Any,
    *,
    custom_objects: Mapping[str, Any] | None = None,
    builtins: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    hooks: Hooks | None = None,
    safe_mode: bool = True,
    member: str | None = None,
    path: Parts = (),
) -> Any:
    """Rebuild values and objects from JSON data.

    Resolution (never an import), for a serialized object whose ``module`` is
    absent, ``null`` or a Keras package and whose ``registered_name`` is
    ``null`` or names the class itself: ``builtins`` then
    :meth:`Hooks.builtin` (built-ins cannot be shadowed by registered names).
    Otherwise ``custom_objects`` then ``registry``, by ``registered_name``
    then by class name; a function saved by bare name by Keras <= 3.6 also
    matches a registered ``"pkg>name"``. A string leaf naming a custom
    object is that object (as in Keras).

    Args:
        safe_mode: ``False`` turns the bytecode refusal (KF501) from unsafe
            into unsupported: the file is trusted, but bytecode is never run.
        member, path: where ``value`` sits (the archive member, the JSON
            pointer parts), so errors name the place in the document.

    Raises:
        UnsafeArchiveError: ``__lambda__`` (KF501) or ``__typespec__`` (KF508)
            anywhere; an array value with a refused dtype or size (KF214); a
            value nested too deep for the interpreter (KF203).
        InvalidArchiveError: a malformed encoding or object (KF210, KF214).
        UnsupportedFeatureError: a class or function nobody registered
            (KF306; the message names it and how to provide it).
    """
    decoder = _Decoder(
        {**(registry.objects if registry is not None else {}), **(custom_objects or {})},
        builtins or {},
        hooks or _NO_HOOKS,
        safe_mode,
        member,
    )
    try:
        return decoder.value(value, tuple(path))
    except RecursionError as exc:
        raise UnsafeArchiveError(
            "value is nested too deep to deserialize",
            member=member,
            path=pointer(tuple(path)),
            code="KF203",
        ) from exc


class _Decoder:
    def __init__(
        self,
        custom: Mapping[str, Any],
        builtins: Mapping[str, Any],
        hooks: Hooks,
        safe_mode: bool,
        member: str | None,
    ) -> None:
        self.custom, self.builtins, self.hooks = custom, builtins, hooks
        self.safe_mode, self.member = safe_mode, member

    def _invalid(self, message: str, parts: Parts) -> InvalidArchiveError:
        return InvalidArchiveError(message, member=self.member, path=pointer(parts), code="KF210")

    def value(self, value: Any, parts: Parts) -> Any:
        if isinstance(value, str):
            found = self.custom.get(value)
            return found if found is not None else self.hooks.named(value)
        if isinstance(value, (list, tuple)):
            return [self.value(v, (*parts, i)) for i, v in enumerate(value)]
        if not isinstance(value, Mapping):
            return value
        if "class_name" not in value or "config" not in value:
            return {k: self.value(v, (*parts, k)) for k, v in value.items()}
        class_name = value["class_name"]
        if not isinstance(class_name, str):
            raise self._invalid("class_name must be a string", (*parts, "class_name"))
        if class_name in SPECIAL_CLASS_NAMES:
            return decode_special(
                class_name,
                value["config"],
                decode=self.value,
                safe_mode=self.safe_mode,
                member=self.member,
                parts=parts,
            )
        if class_name == "function":
            return self._function(value, parts)
        return self._object(value, class_name, parts)

    def _unresolved(self, kind: str, name: str, entry: Mapping[str, Any], parts: Parts) -> Any:
        key = entry.get("registered_name")
        key = key if isinstance(key, str) and key != "function" else name
        message = self.hooks.missing(kind, entry) or (
            f"{kind} {name!r} (module {entry.get('module')!r}) needs a custom object: "
            f"pass custom_objects={{{key!r}: ...}} or register it"
        )
        raise UnsupportedFeatureError(
            message, member=self.member, path=pointer(parts), code="KF306"
        )

    def _builtin(self, kind: str, name: str, module: Any) -> Any:
        found = self.builtins.get(name)
        return found if found is not None else self.hooks.builtin(kind, name, module)

    def _function(self, entry: Mapping[str, Any], parts: Parts) -> Any:
        name, module = entry["config"], entry.get("module")
        if not isinstance(name, str):
            raise self._invalid("a serialized function needs a string name", (*parts, "config"))
        if module in (None, "builtins") or _is_keras(module):
            found = self._builtin("function", name, module)
            if found is not None:
                return found
        if name in self.custom:
            return self.custom[name]
        # Keras <= 3.6 saved registered functions by bare name
        # (serialization_lib.py _retrieve_class_or_fn, the ">" suffix match).
        if ">" not in name:
            for key, obj in self.custom.items():
                if key.endswith(f">{name}"):
                    return obj
        return self._unresolved("function", name, entry, parts)

    def _object(self, entry: Mapping[str, Any], class_name: str, parts: Parts) -> Any:
        module, reg = entry.get("module"), entry.get("registered_name")
        config = entry["config"] if entry["config"] is not None else {}
        if not isinstance(config, Mapping):
            raise self._invalid(f"the config of {class_name} must be an object", (*parts, "config"))
        cls = None
        # A built-in keeps its own name as registered_name, or the Python class
        # it stands for ("Model" is Functional); anything else is custom (KF307).
        if (module is None or _is_keras(module)) and reg in (
            None,
            class_name,
            python_class_name(class_name),
        ):
            cls = self._builtin("class", class_name, module)
        if cls is None:
            for key in (reg, class_name):
                if isinstance(key, str) and key in self.custom:
                    cls = self.custom[key]
                    break
        if cls is None:
            return self._unresolved("class", class_name, entry, parts)
        if self.hooks.decode_config:
            config = self.value(config, (*parts, "config"))
        return self.hooks.build(cls, entry, config, parts)


def _is_keras(module: Any) -> bool:
    return isinstance(module, str) and module.split(".")[0] in _KERAS_PACKAGES
