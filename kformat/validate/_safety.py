"""Safety rules and name resolution over the whole config tree (spec/format.md §9, §5.10).

Every serialized object, at any depth, is resolved *by name only*: a Keras
built-in is fine; a class or function kformat does not know is listed as a
custom object the caller must supply (KF306, a warning), or, for a layer of a
Keras family module, as a built-in kformat does not model (KF310, reported
by the layer checks); anything else is refused: bytecode (KF501), a module
outside the allow-list (KF502), non-modelling APIs (KF503), loader-policy
changes (KF504), values Keras opens as files or URLs (KF505), code-loading
classes (KF507), TensorFlow type specs (KF508). Strings elsewhere that look
like paths or URLs are a review warning (KF509). Nothing is imported, looked
up or decoded.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Mapping
from typing import Any

from kformat._issues import Issue
from kformat._rules import RULES
from kformat.validate import _known
from kformat.validate._walk import NUMBERS, Parts, is_serialized_object, iter_nodes, ptr

__all__ = ["safety_issues"]

# Special encodings of serialization_lib.py that carry plain data.
_DATA_ENCODINGS = frozenset(
    {"__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__slice__", "__ellipsis__"}
)
# spec §9.4: fields any class may open as a file; class-specific ones below.
_PATH_KEYS = frozenset(
    {
        "filepath",
        "file_path",
        "path",
        "vocabulary_file",
        "vocab_file",
        "merges_file",
        "proto",
        "origin",
        "url",
    }
)
_CLASS_PATH_KEYS: Mapping[str, frozenset[str]] = {
    "StringLookup": frozenset({"vocabulary"}),
    "IntegerLookup": frozenset({"vocabulary"}),
    "IndexLookup": frozenset({"vocabulary"}),
    "TextVectorization": frozenset({"vocabulary", "stop_words"}),
}
_LOOKS_LIKE_PATH = re.compile(
    r"^([A-Za-z][A-Za-z0-9+.-]*://|/|~[/\\]|[A-Za-z]:[/\\]|\\\\)", re.ASCII
)
# Values never reported as path-like (KF509): names, and the KF505 fields.
_NAME_KEYS = frozenset({"module", "class_name", "registered_name", "vocabulary", "stop_words"})


def _issue(code: str, message: str, parts: Parts) -> Issue:
    return Issue(code, RULES[code].severity, message, path=ptr(parts))


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _module_issue(mod: str, parts: Parts) -> Issue | None:
    """KF502 for modules no model object comes from (spec §9.2)."""
    if not _known.MODULE_RE.match(mod):
        return _issue("KF502", f"module {mod[:80]!r} is not a Python module name", parts)
    top = _top(mod)
    if top in _known.KERAS_PACKAGES:
        return None
    if top in _known.STDLIB_MODULES:
        return _issue(
            "KF502",
            f"module '{mod}' is in the Python standard library, never a source of model objects",
            parts,
        )
    if top in _known.FRAMEWORK_PACKAGES:
        return _issue(
            "KF502", f"module '{mod}' is a framework or I/O package, not a model object", parts
        )
    return None


def _non_modeling(mod: str | None, name: str) -> bool:
    """spec §9.3: the API list, or a Keras family module of the saving/config
    family, or a list name reached through any Keras family module."""
    if mod is None:
        return False
    if f"{mod}.{name}" in _known.NON_MODELING_APIS:
        return True
    if _top(mod) not in _known.KERAS_PACKAGES:
        return False
    return mod.startswith(_known.NON_MODELING_MODULES) or name in _known.NON_MODELING_NAMES


def _class_issue(
    obj: Mapping[str, Any], parts: Parts, custom: list[str], layer: bool
) -> Issue | None:
    cls = obj["class_name"]
    module = obj.get("module")
    reg = obj.get("registered_name")
    mod = module if isinstance(module, str) else None
    api = f"{mod}.{cls}" if mod else cls
    if _known.is_policy_name(cls):
        return _issue("KF504", f"'{api}' changes the loader's safety policy", parts)
    if _non_modeling(mod, cls):
        return _issue("KF503", f"'{api}' is not a modelling class (an I/O or saving API)", parts)
    if cls in _known.CODE_CLASSES:
        return _issue("KF507", f"class {cls} {_known.CODE_CLASSES[cls]}", parts)
    if mod is not None:
        if _top(mod) == "builtins" or mod == "__main__":
            return _issue("KF502", f"'{api}' names a Python builtin, not a model class", parts)
        found = _module_issue(mod, parts)
        if found is not None:
            return found
    is_custom = isinstance(reg, str) and ">" in reg
    keras_module = mod is not None and _top(mod) in _known.KERAS_PACKAGES
    # An object without a module key is a legacy dict (Keras 2 style, spec §4.1);
    # module null is a class from __main__: a custom object (spec §9.2).
    legacy = "module" not in obj
    builtin = cls in _known.BUILTIN_CLASSES and (keras_module or legacy)
    if builtin and reg is not None and reg != cls and (keras_module or not is_custom):
        return _issue(
            "KF307",
            f"registered_name {reg!r} given for the Keras built-in {cls} (Keras 3.15 refuses it)",
            parts,
        )
    if builtin and (reg is None or reg == cls):
        return None
    if keras_module and mod is not None and mod.startswith(("keras.src.ops", "keras.ops")):
        return None  # a Keras operation (keras.ops.add on symbolic tensors), §5.9
    if keras_module and layer:
        return None  # a Keras layer kformat does not model: KF310 (layer checks)
    name = str(reg) if is_custom else cls
    custom.append(name)
    where = f" from module '{mod}'" if mod else ""
    return _issue(
        "KF306",
        f"needs a custom object: {name!r} (class {cls}{where}) is not a built-in kformat knows; "
        "the caller must register it",
        parts,
    )


def _function_issue(name: str, module: Any, parts: Parts, custom: list[str]) -> Issue | None:
    mod = module if isinstance(module, str) else None
    short = name.rsplit(">", 1)[-1]
    api = f"{mod}.{name}" if mod else name
    if _known.is_policy_name(short):
        return _issue("KF504", f"function '{api}' changes the loader's safety policy", parts)
    if _non_modeling(mod, short):
        return _issue("KF503", f"function '{api}' is not a modelling function", parts)
    if mod is not None and _top(mod) == "builtins":
        if name in _known.PYTHON_BUILTINS:
            return _issue(
                "KF502",
                f"function 'builtins.{name}' is a Python builtin, not a modelling function "
                "(Keras 3.0-3.8 imported it: CVE-2025-1550)",
                parts,
            )
    elif mod is not None:
        found = _module_issue(mod, parts)
        if found is not None:
            return found
    if name in _known.BUILTIN_FUNCTIONS:
        return None
    custom.append(name)
    return _issue(
        "KF306",
        f"needs a custom object: function {name!r} is not a Keras built-in function",
        parts,
    )


def _object_issues(
    obj: Mapping[str, Any], parts: Parts, custom: list[str], layer: bool
) -> Iterator[Issue]:
    cls = obj.get("class_name")
    if not isinstance(cls, str):
        return  # the schema reports it (KF210)
    if cls == "__lambda__":
        yield _issue("KF501", "__lambda__ carries marshalled Python bytecode", parts)
    elif cls == "__typespec__":
        yield _issue("KF508", "__typespec__ names a TensorFlow class to instantiate", parts)
    elif cls in _DATA_ENCODINGS:
        return
    elif cls == "function":
        config = obj.get("config")
        if isinstance(config, str):
            found = _function_issue(config, obj.get("module"), parts, custom)
            if found is not None:
                yield found
    else:
        found = _class_issue(obj, parts, custom, layer)
        if found is not None:
            yield found
        config = obj.get("config")
        if isinstance(config, Mapping):
            yield from _class_fields(cls, config, (*parts, "config"))


def _class_fields(cls: str, config: Mapping[str, Any], parts: Parts) -> Iterator[Issue]:
    # tf.keras Lambda keeps its function as marshalled bytecode in a list (spec §9.6).
    for key in ("function", "output_shape", "mask"):
        if config.get(f"{key}_type") == "lambda":
            yield _issue(
                "KF501",
                f"the Lambda layer's {key} is marshalled Python bytecode ({key}_type 'lambda')",
                (*parts, key),
            )
    for key in _CLASS_PATH_KEYS.get(cls, ()):
        value = config.get(key)
        if isinstance(value, str) and value:
            yield _issue(
                "KF505",
                f"{key} {value[:120]!r} of {cls} is a file Keras would open; inline the values",
                (*parts, key),
            )
    if cls in ("TFOpLambda", "SlicingOpLambda"):
        fn = config.get("function")
        if isinstance(fn, str) and _tf_op_denied(fn):
            yield _issue(
                "KF507",
                f"layer {cls} calls tf.{fn}, which reads or writes files or runs Python",
                (*parts, "function"),
            )


def _tf_op_denied(fn: str) -> bool:
    parts = fn.split(".")
    return any(".".join(parts[:i]) in _known.TF_OP_DENIED for i in range(1, len(parts) + 1))


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge integer"
    return text if len(text) <= 80 else text[:77] + "..."


def _checked_leaf(key: str | int, value: Any) -> bool:
    """The leaves :func:`_value_issues` can report: strings, and safety keys."""
    return isinstance(value, str) or (isinstance(key, str) and "safe_mode" in key)


def _value_issues(parts: Parts, key: str | int | None, value: Any) -> Iterator[Issue]:
    if isinstance(key, str) and "safe_mode" in key:
        yield _issue(
            "KF504",
            f"config key {key[:80]!r} (= {_short(value)}): file content may not set the loader's safety "
            "policy (unset means safe)",
            parts,
        )
        return
    if not isinstance(value, str):
        return
    if isinstance(key, str) and key in _PATH_KEYS and value:
        yield _issue(
            "KF505",
            f"{key} {value[:120]!r} would be opened as a file or URL; configs may not name one",
            parts,
        )
    elif not (isinstance(key, str) and key in _NAME_KEYS) and _LOOKS_LIKE_PATH.match(value):
        yield _issue(
            "KF509",
            f"value {value[:120]!r} looks like a file path or URL; check what reads it",
            parts,
        )


def safety_issues(config: Any, custom: list[str], layers: Container[int] = ()) -> Iterator[Issue]:
    """Every safety and name-resolution issue of a config tree (paths set,
    member not). ``layers`` holds the ``id()`` of layer entries of models
    (their unknown Keras classes are KF310, reported elsewhere); custom objects
    the file needs are appended to ``custom``."""
    for parts, node, key in iter_nodes(config, leaves=_checked_leaf, skip=NUMBERS):
        if is_serialized_object(node):
            yield from _object_issues(node, parts, custom, id(node) in layers)
        elif isinstance(node, Mapping) and node.get("class_name") == "__lambda__":
            # Without 'config' Keras treats it as a plain dict, but it still
            # carries bytecode meant for a loader: refuse it anyway.
            yield _issue("KF501", "__lambda__ carries marshalled Python bytecode", parts)
        yield from _value_issues(parts, key, node)
