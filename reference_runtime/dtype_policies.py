"""Keras dtype policies: compute and variable dtypes of a layer (spec §5.8).

A policy name is a float dtype (``"float32"``, ``"float16"``, ``"bfloat16"``;
compute and variables alike) or ``"mixed_float16"`` / ``"mixed_bfloat16"``
(compute in the half type, variables in float32)
(``keras-team/keras: keras/src/dtype_policies/dtype_policy.py``).
Configs carry it as a plain string (Keras 3.0-3.3, tf-keras), a
``DTypePolicy`` dict (3.4+) or a tf-keras ``Policy`` dict; all three load.
Quantized policies are refused: the runtime has no int8/int4 kernels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat.errors import UnsupportedFeatureError
from reference_runtime._backend import standardize_dtype

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]

_FLOATS = frozenset({"float16", "float32", "float64", "bfloat16"})
_POLICY_CLASSES = frozenset({"DTypePolicy", "FloatDTypePolicy", "Policy"})


class DTypePolicy:
    """A named dtype policy.

    Args:
        name: ``"float32"``, ``"float16"``, ``"bfloat16"``, ``"float64"``,
            ``"mixed_float16"`` or ``"mixed_bfloat16"`` (other dtype names such
            as ``"int32"`` are accepted for preprocessing-style layers).
    """

    def __init__(self, name: str | None = None) -> None:
        name = "float32" if name is None else name
        if not isinstance(name, str):
            raise TypeError(f"policy name must be a string, got {name!r}")
        if name in ("mixed_float16", "mixed_bfloat16"):
            compute, variable = name.split("_", 1)[1], "float32"
        else:
            compute = variable = standardize_dtype(name)
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        """The policy name (``"mixed_float16"``)."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """Dtype layer inputs and outputs are computed in."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Dtype layer variables are stored in."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> None:
        """Always ``None``: quantized policies are not supported."""
        return None

    def get_config(self) -> dict[str, Any]:
        """``{"name": ...}``, as Keras writes it."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DTypePolicy:
        """Rebuild from :meth:`get_config`."""
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


#: Keras exports the same class under this name too.
FloatDTypePolicy = DTypePolicy

_global_policy = DTypePolicy("float32")


def set_dtype_policy(policy: str | DTypePolicy) -> None:
    """Set the policy layers get when they are created without ``dtype``."""
    global _global_policy
    _global_policy = get(policy)


def dtype_policy() -> DTypePolicy:
    """The global default policy."""
    return _global_policy


def get(identifier: Any) -> DTypePolicy:
    """A policy from ``None`` (global default), a name, a config dict or a policy.

    Raises:
        UnsupportedFeatureError: a quantized policy or an unknown policy class.
        ValueError: an unintelligible identifier.
    """
    if identifier is None:
        return _global_policy
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    raise ValueError(f"cannot interpret {identifier!r} as a dtype policy")


def deserialize(config: Mapping[str, Any]) -> DTypePolicy:
    """Policy from a serialized dict: ``DTypePolicy`` (3.4+) or tf-keras ``Policy``."""
    class_name = config.get("class_name")
    inner = config.get("config")
    if class_name in _POLICY_CLASSES and isinstance(inner, Mapping):
        name = inner.get("name")
        if not isinstance(name, str):
            raise ValueError(f"dtype policy config needs a string name, got {inner!r}")
        return DTypePolicy(name)
    if (
        isinstance(class_name, str) and "Quantized" in class_name
    ) or class_name == "DTypePolicyMap":
        raise UnsupportedFeatureError(
            f"dtype policy {class_name} (quantized weights) is not supported by the NumPy runtime"
        )
    raise UnsupportedFeatureError(f"unknown dtype policy class {class_name!r}")


def serialize(policy: DTypePolicy) -> dict[str, Any]:
    """Keras 3.4+ form: ``{"module": "keras", "class_name": "DTypePolicy", ...}``."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }
