"""The bridge stays optional: nothing imports TensorFlow until an export name is used.

No TensorFlow needed: these run everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )


def test_importing_the_runtime_and_the_bridge_does_not_import_tensorflow() -> None:
    out = _run(
        "import sys\n"
        "import kformat, reference_runtime, reference_runtime.export\n"
        "import reference_runtime.export.__main__, tools.export_parity.__main__\n"
        "assert reference_runtime.export is reference_runtime.export\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(bad)\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_missing_tensorflow_says_how_to_install() -> None:
    out = _run(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'tensorflow':\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import reference_runtime.export as ex\n"
        "try:\n"
        "    ex.ExportArchive\n"
        "except ImportError as e:\n"
        "    print(e)\n"
        "from tools.export_parity.__main__ import main\n"
        "print('rc', main([]))\n"
    )
    assert out.returncode == 0, out.stderr
    assert "pip install tensorflow-cpu" in out.stdout
    assert "rc 2" in out.stdout
