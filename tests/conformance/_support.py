"""Helpers for the conformance tests: the corpus, the adapters as modules, in-process runs."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kformat.conformance import Case, load_cases

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "conformance"
ADAPTERS = CORPUS / "adapters"
READER = ADAPTERS / "kformat_reader.py"
KERAS_WRITER = ADAPTERS / "keras_writer.py"
RUNTIME_WRITER = ADAPTERS / "runtime_writer.py"

#: Cases kformat fails today, with the reason. Tests expect exactly these to fail, so an
#: entry is removed together with the fix.
KNOWN_FAILURES: dict[str, str] = {}


def cases() -> list[Case]:
    return load_cases(CORPUS)


def adapter(path: Path) -> ModuleType:
    """An adapter script imported as a module (to run it in-process)."""
    name = f"_kfconf_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def in_process(main: Callable[[list[str]], int], prefix: Sequence[str]) -> Iterator[None]:
    """Make the harness run ``prefix + argv`` as ``main(argv)`` in this process instead of
    a subprocess (the same contract, without an interpreter start per case)."""
    real = subprocess.run

    def fake(argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        argv = list(argv)
        if argv[: len(prefix)] != list(prefix):
            return real(argv, **kwargs)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv[len(prefix) :])
        except Exception as exc:  # what a crashing command would show
            err.write(f"{type(exc).__name__}: {exc}")
            code = 1
        return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "run", fake)
        yield
