"""The config part of :class:`~reference_runtime.layers.layer.Layer`: ``get_config`` /
``from_config`` with the auto-config Keras records from constructor arguments
(``keras/src/ops/operation.py`` ``Operation.__new__``), and the build config
(``get_build_config`` / ``build_from_config``, spec §5.1).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reference_runtime import dtype_policies, regularizers
from reference_runtime._config_errors import guarded, short
from reference_runtime.layers._layer_utils import _basic, _jsonable_shape, _tuple_shape

__all__ = ["ConfigMixin"]


class ConfigMixin:
    """Config and build config for layers."""

    if TYPE_CHECKING:
        name: str
        activity_regularizer: Any
        _build_shapes_dict: dict[str, Any] | None

        @property
        def trainable(self) -> bool: ...

        @property
        def dtype_policy(self) -> dtype_policies.DTypePolicy: ...

        def build(self, *args: Any, **kwargs: Any) -> None: ...

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        try:  # Operation.__new__: remember constructor arguments for auto get_config
            bound = inspect.signature(cls.__init__).bind(obj, *args, **kwargs)
            values = dict(bound.arguments)
            values.pop(next(iter(values)))
            params = inspect.signature(cls.__init__).parameters
            for key, param in params.items():
                if param.kind is inspect.Parameter.VAR_KEYWORD and key in values:
                    values.update(values.pop(key))
            auto = values if _basic(values) else None
        except TypeError:
            auto = None
        object.__setattr__(obj, "_auto_config", auto)
        return obj

    # -- build config ------------------------------------------------------------

    def get_build_config(self) -> dict[str, Any] | None:
        """``{"input_shape": ...}`` or ``{"shapes_dict": ...}``, as Keras records it."""
        shapes = self._build_shapes_dict
        if shapes is None:
            return None
        if len(shapes) == 1:
            return {"input_shape": _jsonable_shape(next(iter(shapes.values())))}
        return {"shapes_dict": {k: _jsonable_shape(v) for k, v in shapes.items()}}

    def build_from_config(self, config: Mapping[str, Any] | None) -> None:
        """Build from :meth:`get_build_config`'s result."""
        if not config:
            return
        if "input_shape" in config:
            self.build(_tuple_shape(config["input_shape"]))
        elif "shapes_dict" in config:
            self.build(**{k: _tuple_shape(v) for k, v in config["shapes_dict"].items()})

    # -- config ------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """``name``, ``trainable``, ``dtype`` (+ auto-config of ``__init__`` args)."""
        config: dict[str, Any] = {"name": self.name}
        if type(self).get_config is ConfigMixin.get_config:
            auto = self.__dict__.get("_auto_config")
            if auto is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has arguments that cannot be serialized "
                    "automatically: implement get_config()"
                )
            config.update(auto)
            # Operation.get_config: without **kwargs, "name" is dropped unless __init__ takes it.
            spec = inspect.getfullargspec(type(self).__init__)
            if spec.varkw != "kwargs" and "name" not in spec.args[1:]:
                config.pop("name", None)
        config["trainable"] = self.trainable
        config["dtype"] = dtype_policies.serialize(self.dtype_policy)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        """``cls(**config)``; a value the constructor refuses is a ``KFormatError``.

        Keras wraps every constructor error in ``TypeError``; here the project's
        own errors pass through (``UnsupportedFeatureError`` stays one) and any
        other failure becomes :class:`InvalidArchiveError` (KF305) naming the
        layer and the JSON pointer of its config (spec §11).
        """
        if not isinstance(config, Mapping):
            raise TypeError(
                f"{cls.__name__}.from_config() needs a dict, got {type(config).__name__}"
            )
        name = config.get("name")
        what = f"layer {short(name)} ({cls.__name__}) cannot be built from its config"
        return guarded(lambda: cls(**config), what)
