"""The runtime imports and runs with only numpy, h5py and jsonschema."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import EXAMPLE


def test_runtime_runs_without_optional_packages() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('keras','tensorflow','jax','tf_keras','torch','scipy','ml_dtypes'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import numpy as np, reference_runtime as rr\n"
        f"m = rr.load_model({str(EXAMPLE)!r})\n"
        "y = m.predict(np.ones((2, 32), 'float32'), verbose=0)\n"
        "assert y.shape == (2, 1), y.shape\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
