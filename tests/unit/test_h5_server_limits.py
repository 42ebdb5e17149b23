"""The HDF5 server lifts its per-request address-space cap after each request:
the next request maps its file before capping again, so a stale cap refused any
file ~640 MB larger than the previous one (a false KF430 on ConvNeXtXLarge)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kformat import _h5_isolate

pytestmark = pytest.mark.skipif(not _h5_isolate.CAN_ISOLATE, reason="isolation needs fork (Linux)")

_CHILD = """
import os, resource
from kformat import DEFAULT_LIMITS, _h5_isolate
r, w = os.pipe()
before = resource.getrlimit(resource.RLIMIT_AS)
seen = []
def work(sink):
    seen.append(resource.getrlimit(resource.RLIMIT_AS))
    yield 1
clean = _h5_isolate.serve_request(work, w, ("load", "m", DEFAULT_LIMITS, True))
after = resource.getrlimit(resource.RLIMIT_AS)
print(clean, before == after, seen[0] != before)
"""


def test_server_request_restores_the_address_space_limit() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=120
    )
    clean, restored, capped = out.stdout.split()
    assert clean == "True"
    assert capped == "True"  # the cap was in force while the request ran
    assert restored == "True"
