"""Dtype policies against real Keras: float16/bfloat16 and mixed_* (spec §5.8).

Half-precision results are compared with looser tolerances (stated per
case): float16 rtol/atol 1e-2, bfloat16 5e-2 — the two implementations round
intermediate results at different points.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import kformat
import reference_runtime as rr

TOL = {"float16": 1e-2, "mixed_float16": 1e-2, "bfloat16": 5e-2, "mixed_bfloat16": 5e-2}


@pytest.mark.oracle
@pytest.mark.parametrize("policy", sorted(TOL))
def test_policy_matches_keras(tmp_path: Path, policy: str) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3, 6))
        y = keras.layers.Dense(8, activation="gelu", dtype=policy)(x)
        y = keras.layers.LayerNormalization(dtype=policy)(y)
        y = keras.layers.BatchNormalization(dtype=policy)(y)
        y = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dtype=policy)(y, y)
        return keras.Model(x, keras.layers.Activation("softmax", dtype=policy)(y))

    model = roundtrip(
        policy,
        tmp_path,
        build,
        random_inputs([((2, 3, 6), "float32")]),
        rtol=TOL[policy],
        atol=TOL[policy],
    )
    dense = model.layers[1]
    assert dense.dtype_policy.name == policy
    want_var = "float32" if policy.startswith("mixed") else policy
    assert dense.kernel.dtype == want_var
    out = model(np.ones((1, 3, 6), "float32"))
    assert str(out.dtype) == policy.replace("mixed_", "")
    stored = kformat.read(tmp_path / "runtime_written.keras").weights["/layers/dense/vars/0"]
    assert str(stored.dtype) == want_var


def test_policy_configs() -> None:
    assert rr.dtype_policies.get("mixed_float16").compute_dtype == "float16"
    assert rr.dtype_policies.get("mixed_float16").variable_dtype == "float32"
    legacy = {
        "module": "keras.mixed_precision",
        "class_name": "Policy",
        "config": {"name": "mixed_bfloat16"},
        "registered_name": None,
    }
    assert rr.dtype_policies.get(legacy).compute_dtype == "bfloat16"
    with pytest.raises(kformat.UnsupportedFeatureError):
        rr.dtype_policies.get({"class_name": "QuantizedDTypePolicy", "config": {"mode": "int8"}})
    layer = rr.layers.Dense(2, dtype="bfloat16")
    layer.build((None, 2))
    assert layer.kernel.dtype == "bfloat16" and layer(np.ones((1, 2))).dtype.name == "bfloat16"
