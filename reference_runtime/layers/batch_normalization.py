"""``BatchNormalization`` at inference (spec §5.9; ``keras/src/layers/normalization/batch_normalization.py``).

Always the moving statistics: ``inv = 1/sqrt(moving_variance + epsilon)``,
``inv *= gamma`` when ``scale``, ``out = x*inv + (beta - moving_mean*inv)``
(``beta`` only when ``center``), computed in at least float32 and cast back to
the compute dtype (``keras/src/backend/numpy/nn.py`` ``batch_normalization``).
Weights in order: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``.
"""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from reference_runtime import constraints, initializers, regularizers
from reference_runtime.layers._defined import forward
from reference_runtime.layers.layer import Layer
from reference_runtime.layers.variable import Variable

__all__ = ["BatchNormalization"]

_CALL = forward("BatchNormalization")


class BatchNormalization(Layer):
    """Normalize with the moving mean and variance.

    Args:
        axis: the feature axis (an int; tf-keras may store a one-element list).
        momentum, epsilon, center, scale: as in Keras.
    """

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise UnsupportedFeatureError(
                    f"BatchNormalization over several axes {axis} is not supported"
                )
            axis = axis[0]
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.gamma: Variable | None = None
        self.beta: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """Create the four (or fewer) variables of shape ``(input_shape[axis],)``."""
        shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        if self.renorm:
            for name, init in (
                ("moving_stddev", "ones"),
                ("renorm_mean", "zeros"),
                ("renorm_stddev", "ones"),
            ):
                setattr(
                    self,
                    name,
                    self.add_weight(
                        name=name, shape=shape, initializer=init, trainable=False, autocast=False
                    ),
                )

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        return _CALL(self, inputs, training, mask)

    def get_config(self) -> dict[str, Any]:
        """Keras 3.15 BatchNormalization config."""
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
