"""``Lambda`` (``keras/src/layers/core/lambda_layer.py``) and tf-keras ``TFOpLambda``
(``tf_keras/layers/core/tf_op_layer.py``): layers that call a named function.

A ``Lambda``'s ``function`` is a serialized Python function: marshalled
bytecode (``__lambda__``) is never run (an unsafe file under safe mode,
CVE-2024-3660); a reference to a registered function is resolved by the
reader and called on the inputs with ``arguments``. Its TensorFlow twin exists
for built-in activations only. A ``TFOpLambda`` names a TensorFlow function
(``"math.multiply"``); readers map the name through an explicit table, never a
lookup by name in a module. Neither owns variables; their output shapes are
not followed.
"""

from __future__ import annotations

from typing import Any

from kformat.errors import UnsupportedFeatureError
from kformat.layers import _checks as c
from kformat.layers._def import LayerDef, Shape, f

__all__ = ["DEFINITIONS", "LAMBDA", "TF_OP_LAMBDA"]


def _unknown_shape(config: Any, shape: Shape) -> Shape | None:
    return None


def lambda_call(layer: Any, inputs: Any) -> Any:
    """``function(inputs, **arguments)``."""
    return layer.function(inputs, **layer.arguments)


def lambda_tf_call(ctx: Any, layer: Any, inputs: Any) -> Any:
    """A built-in activation as ``function`` (nothing else has a translation)."""
    try:
        fn = ctx.act.tf_activation(layer.function, layer.name)
    except UnsupportedFeatureError:
        raise UnsupportedFeatureError(
            f"Lambda layer {layer.name!r} runs the Python function "
            f"{getattr(layer.function, '__name__', layer.function)!r}, which has no TensorFlow "
            "translation (only built-in activations do); register one with "
            "reference_runtime.export.register_tf_layer"
        ) from None
    if not ctx.is_tensor(inputs):
        raise UnsupportedFeatureError(f"Lambda layer {layer.name!r} on a structure of inputs")
    return fn(inputs, **layer.arguments)


LAMBDA = LayerDef(
    class_name="Lambda",
    source="keras/src/layers/core/lambda_layer.py",
    fields={
        "function": f(
            c.ANY, required=True, note="a serialized function; `__lambda__` bytecode is unsafe"
        ),
        "output_shape": f(c.ANY, saved="if_set", note="only when given"),
        "mask": f(c.ANY, saved="if_set", note="only when given"),
        "arguments": f(c.OBJECT, {}),
        "function_type": f(c.STR, tf_keras=True, note="`lambda` means marshalled bytecode"),
        "module": f(c.opt(c.STR), tf_keras=True),
        "output_shape_type": f(c.STR, tf_keras=True),
        "output_shape_module": f(c.opt(c.STR), tf_keras=True),
    },
    call=lambda_call,
    tf_call=lambda_tf_call,
    output_shape=_unknown_shape,
    summary="calls a serialized function on its inputs",
)


def tf_op_lambda_call(layer: Any, *args: Any, **kwargs: Any) -> Any:
    """The NumPy equivalent of the named function (``layer.numpy_function``)."""
    return layer.numpy_function(*args, **kwargs)


def tf_op_lambda_tf_call(ctx: Any, layer: Any, *args: Any, **kwargs: Any) -> Any:
    """The named TensorFlow function, with NumPy's dtype promotion."""
    fn = ctx.tf_function(layer.function)
    if fn is None:
        raise UnsupportedFeatureError(
            f"TFOpLambda layer {layer.name!r} calls tf.{layer.function}, which the export "
            "does not translate"
        )
    return fn(*args, **kwargs)


TF_OP_LAMBDA = LayerDef(
    class_name="TFOpLambda",
    source="keras/src/layers/core/lambda_layer.py",
    fields={"function": f(c.STR, required=True, note="tf_keras only: a tf function name")},
    call=tf_op_lambda_call,
    tf_call=tf_op_lambda_tf_call,
    output_shape=_unknown_shape,
    summary="tf_keras (`tf_keras/layers/core/tf_op_layer.py`): calls a TensorFlow function "
    "named in an explicit table",
)

DEFINITIONS = (LAMBDA, TF_OP_LAMBDA)
