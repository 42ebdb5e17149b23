"""Config equivalence: does a written ``config.json`` say what the description said?

Writers differ in spelling, not meaning, so both sides are normalized first
(conformance/README.md, "Config equivalence"):

* a Keras family ``module`` of a built-in compares equal to any other (Keras 3.0.0/3.0.1
  write implementation modules, later versions public ones) but must be there, and a
  built-in's ``registered_name`` equal to its class name counts as ``null``;
* a ``DTypePolicy`` object becomes its name (Keras 3.0-3.3 write the name, 3.4+ the object);
* a one-element ``input_layers`` / ``output_layers`` list of references is unwrapped.

Then every key of the description must be in the written config with an equal value (lists
element by element; ``1 == 1.0``; booleans are not numbers). Extra keys in the written config
are fine. A key may be left out when the description gives it its Keras default: ``null``,
an initializer, regularizer or constraint, or one of :data:`DEFAULTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULTS", "KERAS_MODULE", "config_difference", "normalize"]

KERAS_FAMILY = ("keras", "tf_keras", "keras_hub", "keras_cv", "keras_nlp")

#: What a Keras family ``module`` compares as: the public (``keras.layers``) and the
#: implementation spelling (``keras.src.layers.core.dense``) both load; no ``module`` at
#: all does not (Keras 3 cannot locate a top-level model without one, spec KF317).
KERAS_MODULE = "<a Keras module>"

#: Keys a writer may omit when the description holds exactly this value (Keras' default,
#: or a key only newer Keras versions write).
DEFAULTS: Mapping[str, Any] = {
    "optional": False,
    "ragged": False,
    "sparse": False,
    "trainable": True,
    "dtype": "float32",
    "synchronized": False,
    "renorm": False,
    "renorm_momentum": 0.99,
    "use_gate": False,
    "flash_attention": None,
    "compile_config": {},
}

_OMITTABLE_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def _keras_module(module: Any) -> bool:
    if not isinstance(module, str):
        return False
    return any(module == f or module.startswith(f + ".") for f in KERAS_FAMILY)


def _is_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
    )


def normalize(value: Any) -> Any:
    """The comparable form of a config value (see the module docstring)."""
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
        name = value["config"].get("name")
        if isinstance(name, str):
            return name
    builtin = _keras_module(value.get("module"))
    out: dict[str, Any] = {}
    for key, item in value.items():
        if builtin and key == "module":
            item = KERAS_MODULE  # any spelling of a Keras family module
        elif builtin and key == "registered_name" and item == value.get("class_name"):
            item = None  # Keras 3.0.0/3.0.1 write the class name for built-ins
        if (
            key in ("input_layers", "output_layers")
            and isinstance(item, list)
            and len(item) == 1
            and _is_ref(item[0])
        ):
            item = item[0]
        out[key] = normalize(item)
    return out


def _omittable(key: str, expected: Any) -> bool:
    if expected is None or key.endswith(_OMITTABLE_SUFFIXES) or key == "build_config":
        return True
    return key in DEFAULTS and DEFAULTS[key] == expected


def _same_scalar(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (a != a and b != b)  # NaN equals NaN here
    return bool(type(a) is type(b) and a == b)


def _diff(expected: Any, got: Any, where: str) -> str | None:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where or '/'}: expected an object, got {type(got).__name__}"
        for key, value in expected.items():
            here = f"{where}/{key}"
            if key not in got:
                if _omittable(key, value):
                    continue
                return f"{here}: missing (expected {_short(value)})"
            d = _diff(value, got[key], here)
            if d:
                return d
        return None
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where}: expected a list, got {_short(got)}"
        if len(got) != len(expected):
            return f"{where}: expected {len(expected)} items, got {len(got)}"
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            d = _diff(a, b, f"{where}/{i}")
            if d:
                return d
        return None
    if not _same_scalar(expected, got):
        return f"{where}: expected {_short(expected)}, got {_short(got)}"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def config_difference(expected: Any, got: Any) -> str | None:
    """``None`` when ``got`` is equivalent to ``expected``, else the first difference
    as ``<JSON pointer>: <what>``."""
    return _diff(normalize(expected), normalize(got), "")
