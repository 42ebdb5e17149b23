"""Optimizer state against ``compile_config`` (spec/format.md §6.9, KF426, a warning).

Keras loads ``/optimizer/vars`` only when the model is compiled and skips it
with "Skipping variable loading for optimizer" when the count differs
(keras-team/keras: keras/src/optimizers/base_optimizer.py L759-774), so a
mismatch never stops a load: it is reported, not refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kformat._h5 import H5Index
from kformat._issues import Issue
from kformat._rules import RULES

if TYPE_CHECKING:
    from kformat.validate._consistency import Expected

__all__ = ["optimizer_issue"]

# Slot variables per trainable model variable (spec §6.9); callables see the config.
_SLOTS: Mapping[str, Any] = {
    "SGD": lambda c: 1 if _num(c.get("momentum")) > 0 else 0,
    "Adam": lambda c: 3 if c.get("amsgrad") else 2,
    "AdamW": lambda c: 3 if c.get("amsgrad") else 2,
    "Adamax": lambda c: 2,
    "Nadam": lambda c: 2,
    "RMSprop": lambda c: 1 + (_num(c.get("momentum")) > 0) + bool(c.get("centered")),
    "Adagrad": lambda c: 1,
    "Lion": lambda c: 1,
    "Adadelta": lambda c: 2,
    "Ftrl": lambda c: 2,
    "Adafactor": lambda c: 3,
}
_EXTRA_SCALARS = {"Nadam": 1}  # u_product


def _num(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return 0.0
    if isinstance(v, int) and abs(v) > 2**53:
        return math.copysign(math.inf, v)  # float() of a huge int overflows
    return float(v)


def _optimizer(config: Mapping[str, Any]) -> Mapping[str, Any] | None:
    compile_config = config.get("compile_config")
    if not isinstance(compile_config, Mapping):
        return None
    opt = compile_config.get("optimizer")
    if isinstance(opt, str):
        return {"class_name": opt, "config": {}}
    return opt if isinstance(opt, Mapping) else None


def optimizer_issue(
    config: Mapping[str, Any],
    expected: Sequence[Expected],
    index: H5Index,
    generation: str,
    *,
    member: str,
) -> Issue | None:
    """KF426 when ``/optimizer/vars`` does not match the compiled optimizer."""
    group = "/optimizer/vars"
    stored = sum(1 for p in index.datasets if p.rsplit("/", 1)[0] == group)
    if group not in index.groups and not stored:
        return None
    opt = _optimizer(config)
    if opt is None:
        if not stored:
            return None
        return Issue(
            "KF426",
            RULES["KF426"].severity,
            "optimizer state is stored but compile_config names no optimizer; Keras never reads it",
            member,
            group,
        )
    cls = opt.get("class_name")
    ocfg = opt.get("config") if isinstance(opt.get("config"), Mapping) else {}
    assert isinstance(ocfg, Mapping)
    slots = _SLOTS.get(cls) if isinstance(cls, str) else None
    unknown = any(e.variables is None for e in expected)
    if (
        slots is None
        or unknown
        or ocfg.get("use_ema")
        or _num(ocfg.get("gradient_accumulation_steps"))
    ):
        return None  # the count cannot be derived
    trainable = sum(
        1 for e in expected if e.trainable and e.variables for v in e.variables if v.trainable
    )
    lr = ocfg.get("learning_rate")
    has_lr = isinstance(lr, (int, float)) and not isinstance(lr, bool)
    count = 1 + has_lr + slots(ocfg) * trainable + _EXTRA_SCALARS.get(str(cls), 0)
    if count == stored:
        return None
    note = " (tf.keras writes no learning-rate variable)" if generation.startswith("keras2") else ""
    return Issue(
        "KF426",
        RULES["KF426"].severity,
        f"optimizer {cls} over {trainable} trainable variables implies {count} variables, the "
        f"file has {stored}; Keras skips the optimizer state{note}",
        member,
        group,
    )
