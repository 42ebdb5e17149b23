"""Shape-manipulation cases for the real-Keras oracle corpus: RepeatVector and tensor
indexing in a Functional graph (Keras 3 writes GetItem operation nodes, Keras 2
SlicingOpLambda layers). Registered in keras_cases.CASES (the driver, keras_models.py,
imports this module).
"""

from __future__ import annotations

from typing import Any

from keras_cases import Built, _keras3_only, case


@case("repeat_vector", "Dense(3) -> RepeatVector(4) -> Dense(2) on (B, 5): a (B, 4, 2) output")
def repeat_vector(ctx: Any) -> Built:
    K = ctx.keras
    L = K.layers
    x = K.Input(shape=(5,), name="x")
    h = L.Dense(3, activation="tanh", name="encode")(x)
    h = L.RepeatVector(4, name="repeat")(h)
    y = L.Dense(2, name="decode")(h)
    return Built(
        K.Model(x, [h, y]), {"x": ctx.normal(3, 5)}, "single", ["repeat", "decode"], "list"
    )


def _serializes_ellipsis(ctx: Any) -> bool:
    try:
        ctx.keras.saving.serialize_keras_object(Ellipsis)
    except Exception:
        return False
    return True


@case(
    "ops_getitem",
    "indexing symbolic tensors in a Functional graph: x[:, 1:4], "
    "x[:, ::2, 0], x[:, 2] and x[..., -1] (x[:, :, -1] where Ellipsis does not serialize) "
    "on Dense(4) of (B, 6, 4); Keras 3 only (tf.keras saves indexing as SlicingOpLambda, "
    "which Keras 3 cannot load)",
    requires=_keras3_only("indexing is a tf.keras-only SlicingOpLambda layer"),
)
def ops_getitem(ctx: Any) -> Built:
    K = ctx.keras
    x = K.Input(shape=(6, 4), name="x")
    h = K.layers.Dense(4, name="dense")(x)
    outs = [h[:, 1:4], h[:, ::2, 0], h[:, 2]]
    notes = (
        "output names are whatever this Keras named the indexing operations "
        "(Keras 3: GetItem operations; Keras 2: SlicingOpLambda layers)"
    )
    if _serializes_ellipsis(ctx):
        outs.append(h[..., -1])
    else:
        outs.append(h[:, :, -1])
        notes += "; this Keras cannot serialize Ellipsis, so x[..., -1] is written x[:, :, -1]"
    return Built(
        K.Model(x, outs),
        {"x": ctx.normal(2, 6, 4)},
        "single",
        [ctx.layer_name_of(t) for t in outs],
        "list",
        notes=notes,
    )
