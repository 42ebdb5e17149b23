"""Base for Keras objects the runtime only needs to *describe*, not run.

Optimizers, losses and metrics matter to a saved model only through their
configs (``compile_config``) and, for optimizers, their saved variables, which
the runtime keeps verbatim. A :class:`ConfigObject` therefore stores its config
with Keras's defaults filled in, so ``get_config()`` equals what Keras writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from kformat.weight_paths import to_snake_case

__all__ = ["ConfigObject", "float32_value", "snake"]


def float32_value(value: Any) -> Any:
    """A Python float rounded through float32, as Keras writes values it keeps
    in a float32 variable (``learning_rate``: ``0.001 -> 0.0010000000474974513``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(np.float32(value))
    return value


def snake(name: str) -> str:
    """Keras 3 ``to_snake_case`` (``RMSprop -> rm_sprop``), the rule H5 paths use too."""
    return to_snake_case(name)


class ConfigObject:
    """An inert Keras object: a class name, a module and a config.

    Subclasses set ``_module`` (``"keras.optimizers"``) and ``_defaults``;
    unknown keyword arguments raise ``TypeError`` like a Python constructor.
    Config values are readable as attributes (``opt.learning_rate``).
    """

    _module: ClassVar[str] = "keras"
    _defaults: ClassVar[Mapping[str, Any]] = {}
    _float32_keys: ClassVar[frozenset[str]] = frozenset()
    _open: ClassVar[bool] = False  # accept any keys (objects read from files)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = list(self._defaults)
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__} takes at most {len(names)} positional arguments"
            )
        for key, value in zip(names, args, strict=False):
            if key in kwargs:
                raise TypeError(f"{type(self).__name__} got multiple values for {key!r}")
            kwargs[key] = value
        unknown = set(kwargs) - set(self._defaults)
        if unknown and not self._open:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        config = {**self._defaults, **kwargs}
        if "name" in config and config["name"] is None:
            config["name"] = snake(type(self).__name__)
        for key in self._float32_keys:
            if key in config:
                config[key] = float32_value(config[key])
        object.__setattr__(self, "_config", config)
        self._post_init()

    def get_config(self) -> dict[str, Any]:
        """The config Keras would write for this object."""
        return dict(self._config)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        """Rebuild from a config exactly as written (lossless re-saving).

        Configs from other Keras versions keep their own keys and order (tf-keras
        optimizers carry ``is_legacy_optimizer``/``jit_compile``, older ones lack
        ``loss_scale_factor``): these objects are only described, never run.
        """
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_config", dict(config))
        obj._post_init()
        return obj

    def _post_init(self) -> None:
        """Hook for subclasses after construction."""

    def __getattr__(self, key: str) -> Any:
        config = self.__dict__.get("_config", {})
        if key in config:
            return config[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ConfigObject)
            and type(other) is type(self)
            and (other.get_config() == self.get_config())
        )

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._config}>"
