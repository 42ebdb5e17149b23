"""reference_runtime._einsum.contract equals np.einsum on every equation shape the layers use."""

from __future__ import annotations

import numpy as np
import pytest

from reference_runtime._einsum import contract

CASES = [
    ("abc,cde->abde", (2, 5, 8), (8, 3, 4)),
    ("abcd,cde->abe", (2, 5, 3, 4), (3, 4, 8)),
    ("BTNH,BSNH->BNTS", (2, 5, 3, 4), (2, 7, 3, 4)),
    ("BNTS,BSNH->BTNH", (2, 3, 5, 7), (2, 7, 3, 4)),
    ("aecd,abcd->acbe", (2, 7, 3, 4), (2, 5, 3, 4)),
    ("acbe,aecd->abcd", (2, 3, 5, 7), (2, 7, 3, 4)),
    ("afgde,abcde->adbcfg", (2, 3, 4, 2, 5), (2, 3, 4, 2, 5)),
    ("adbcfg,afgde->abcde", (2, 2, 3, 4, 3, 4), (2, 3, 4, 2, 5)),
    ("ab,bc->ac", (4, 6), (6, 3)),
    ("abc,ac->ab", (3, 4, 5), (3, 5)),
    ("ab,cd->abcd", (2, 3), (4, 5)),
    ("ii,ij->j", (3, 3), (3, 4)),  # diagonal: falls back to np.einsum
]


@pytest.mark.parametrize(("eq", "sa", "sb"), CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_contract_matches_einsum(
    eq: str, sa: tuple[int, ...], sb: tuple[int, ...], dtype: str
) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    expected = np.einsum(eq, a, b)
    got = contract(eq, a, b)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    rtol = {"float16": 1e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
