"""The runtime's fast paths compute exactly what the general paths compute."""

from __future__ import annotations

import numpy as np
import pytest

import reference_runtime as rr
from reference_runtime import activations


@pytest.mark.parametrize("name", ["linear", "relu", "gelu", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_apply_owned_is_bit_identical(name: str, dtype: str) -> None:
    fn = activations.get(name)
    x = (np.random.default_rng(0).standard_normal((64, 33)) * 3).astype(dtype)
    expected = fn(x.copy())
    got = activations.apply_owned(fn, x.copy())
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_numpy_erf_close_to_scipy() -> None:
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-6, 6, 200_001)
    np.testing.assert_allclose(activations.erf_numpy(x), special.erf(x), rtol=0, atol=2e-7)
    assert activations.erf_numpy(x.astype("float32")).dtype == np.float32


def test_fast_call_matches_general_call() -> None:
    x_in = rr.Input((5, 8))
    y = rr.layers.Dense(6, activation="gelu")(x_in)
    y = rr.layers.LayerNormalization()(y)
    model = rr.Model(x_in, rr.layers.Dense(3)(y))
    x = np.random.default_rng(1).standard_normal((4, 5, 8)).astype("float32")
    fast = model(x)
    # Fortran order defeats the one-GEMM reshape and the exact-ndarray fast path.
    general = model(np.asfortranarray(x))
    np.testing.assert_allclose(fast, general, rtol=1e-6, atol=1e-7)
    # Repeated calls reuse the compiled plan and give the same answer.
    np.testing.assert_array_equal(model(x), fast)
