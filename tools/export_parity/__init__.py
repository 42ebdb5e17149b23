"""The SavedModel export's parity suite: exported model vs the NumPy runtime, case by case.

A developer tool run from a checkout (``python -m tools.export_parity``), used by
``tests/export``; it is not part of the installed packages, because its cases are the
checkout's ``conformance/`` corpora. Needs the ``tensorflow`` extra to run a case.
"""

from __future__ import annotations

from tools.export_parity._cases import (
    BF16_TOL,
    F16_TOL,
    F32_TOL,
    Case,
    Result,
    conformance_root,
    corpus_cases,
    custom_objects,
    runtime_cases,
)
from tools.export_parity._run import (
    all_cases,
    compare,
    export_case,
    format_table,
    run_case,
    run_saved_model,
)
from tools.export_parity._zoo import zoo_cases

__all__ = [
    "BF16_TOL",
    "F16_TOL",
    "F32_TOL",
    "Case",
    "Result",
    "all_cases",
    "compare",
    "conformance_root",
    "corpus_cases",
    "custom_objects",
    "export_case",
    "format_table",
    "run_case",
    "run_saved_model",
    "runtime_cases",
    "zoo_cases",
]
