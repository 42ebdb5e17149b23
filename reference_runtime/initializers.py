"""Weight initializers (``keras-team/keras: keras/src/initializers/``).

Used when a layer is created fresh (``clone_model``, a new model in the
guide's workflows); loaded models overwrite these values from the file.
Random draws use NumPy's generator, so values differ from Keras's own draws —
only the distributions and configs match.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from reference_runtime._backend import as_dtype
from reference_runtime._config_object import ConfigObject
from reference_runtime._serialization import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "deserialize",
    "get",
    "serialize",
]


class Initializer(ConfigObject):
    """Base class: ``initializer(shape, dtype)`` returns a NumPy array."""

    _module = "keras.initializers"

    def __call__(self, shape: tuple[int, ...], dtype: str = "float32") -> np.ndarray[Any, Any]:
        return self.sample(tuple(shape)).astype(as_dtype(dtype))

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        """Draw float64 values of ``shape``."""
        raise NotImplementedError

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self._config.get("seed"))


class Zeros(Initializer):
    """All zeros."""

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return np.zeros(shape)


class Ones(Initializer):
    """All ones."""

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return np.ones(shape)


class Constant(Initializer):
    """One constant value."""

    _defaults: ClassVar[Mapping[str, Any]] = {"value": 0.0}

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return np.full(shape, self._config["value"], dtype=np.float64)


class RandomNormal(Initializer):
    """Normal distribution."""

    _defaults: ClassVar[Mapping[str, Any]] = {"seed": None, "mean": 0.0, "stddev": 0.05}

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return self._rng().normal(self._config["mean"], self._config["stddev"], shape)


class RandomUniform(Initializer):
    """Uniform distribution."""

    _defaults: ClassVar[Mapping[str, Any]] = {"seed": None, "minval": -0.05, "maxval": 0.05}

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return self._rng().uniform(self._config["minval"], self._config["maxval"], shape)


def _truncated(
    rng: np.random.Generator, mean: float, stddev: float, shape: tuple[int, ...]
) -> np.ndarray[Any, Any]:
    out = rng.normal(0.0, 1.0, shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2
    result: np.ndarray[Any, Any] = mean + stddev * out
    return result


class TruncatedNormal(Initializer):
    """Normal distribution cut at two standard deviations."""

    _defaults: ClassVar[Mapping[str, Any]] = {"seed": None, "mean": 0.0, "stddev": 0.05}

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return _truncated(self._rng(), self._config["mean"], self._config["stddev"], shape)


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    # keras/src/initializers/random_initializers.py compute_fans
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class VarianceScaling(Initializer):
    """Scale-aware initializer, the base of Glorot/He/Lecun."""

    _defaults: ClassVar[Mapping[str, Any]] = {
        "seed": None,
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "input_axes": None,
        "output_axes": None,
    }

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        cfg = self._config
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(cfg["mode"], (fan_in + fan_out) / 2.0)
        scale = cfg["scale"] / max(1.0, fan)
        rng = self._rng()
        if cfg["distribution"] == "truncated_normal":
            return _truncated(rng, 0.0, math.sqrt(scale) / 0.87962566103423978, shape)
        if cfg["distribution"] == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)


def _variance(name: str, scale: float, mode: str, distribution: str) -> type[VarianceScaling]:
    def sample(self: VarianceScaling, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        full = VarianceScaling(
            seed=self._config["seed"], scale=scale, mode=mode, distribution=distribution
        )
        return full.sample(shape)

    defaults = {"seed": None, "input_axes": None, "output_axes": None}
    return type(name, (VarianceScaling,), {"_defaults": defaults, "sample": sample})


GlorotUniform = _variance("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _variance("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """Random orthogonal matrix (``keras/src/initializers/random_initializers.py``)."""

    _defaults: ClassVar[Mapping[str, Any]] = {"seed": None, "gain": 1.0}

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        rows = math.prod(shape[:-1]) if len(shape) > 1 else 1
        cols = shape[-1] if shape else 1
        flat = self._rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        out: np.ndarray[Any, Any] = np.asarray(self._config["gain"] * q).reshape(shape)
        return out


class Identity(Initializer):
    """Identity matrix (2-D shapes only); Keras writes an empty config."""

    def sample(self, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
        return np.eye(shape[0], shape[1] if len(shape) > 1 else None)


ALL_OBJECTS: Mapping[str, type[Initializer]] = {
    cls.__name__: cls
    for cls in (
        Zeros,
        Ones,
        Constant,
        RandomNormal,
        RandomUniform,
        TruncatedNormal,
        VarianceScaling,
        GlorotUniform,
        GlorotNormal,
        HeNormal,
        HeUniform,
        LecunNormal,
        LecunUniform,
        Orthogonal,
        Identity,
    )
}
# Keras 3.0.x names the class OrthogonalInitializer (keras/src/initializers/
# random_initializers.py), as recurrent layers' recurrent_initializer writes it.
ALL_OBJECTS = {**ALL_OBJECTS, "OrthogonalInitializer": Orthogonal}
_ALIASES: dict[str, type[Initializer]] = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "orthogonal": Orthogonal,
    "identity": Identity,
}


def get(identifier: Any) -> Any:
    """An initializer from ``None``, a name, a serialized dict or an instance."""
    if identifier is None or (callable(identifier) and not isinstance(identifier, (str, dict))):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or ALL_OBJECTS.get(identifier)
        if cls is None:
            raise ValueError(f"unknown initializer {identifier!r}")
        return cls()
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    raise ValueError(f"cannot interpret {identifier!r} as an initializer")


def serialize(initializer: Any) -> Any:
    """The serialized-object dict of ``initializer`` (``None`` stays ``None``)."""
    return serialize_keras_object(initializer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Rebuild an initializer from its serialized form."""
    return deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects={**ALL_OBJECTS, **_COMPAT}
    )


#: Class names Keras 3.0 wrote that later versions still read
#: (``keras/src/initializers/__init__.py``, "For compatibility"): recurrent
#: layers' default ``recurrent_initializer`` was ``OrthogonalInitializer``.
_COMPAT: Mapping[str, type[Initializer]] = {
    "OrthogonalInitializer": Orthogonal,
    "IdentityInitializer": Identity,
}
