"""``kformat.conformance``: the conformance harness for ``.keras`` readers and writers.

``python -m kformat.conformance reader -- CMD...`` hands every case of the corpus in
``conformance/`` to a reader command and scores its JSON verdict (and, for runtime cases,
its outputs); ``python -m kformat.conformance writer -- CMD...`` has a writer command
write each writer case and checks the file. ``conformance/README.md`` is the contract.

Nothing here imports Keras or ``reference_runtime``, ever: the writer check runs a
written model through a reader command (by default the corpus' reference reader
adapter), exactly as it runs a third-party reader.
"""

from __future__ import annotations

from kformat.conformance._cases import (
    Case,
    CorpusError,
    ExpectedIssue,
    RuntimeSpec,
    WriterSpec,
    find_corpus,
    load_cases,
    select,
)
from kformat.conformance._cli import main
from kformat.conformance._digest import canonical_json, config_digest, decode, weight_manifest
from kformat.conformance._equiv import config_difference
from kformat.conformance._report import Result, summary
from kformat.conformance._scoring import compare_outputs, score_verdict

__all__ = [
    "Case",
    "CorpusError",
    "ExpectedIssue",
    "Result",
    "RuntimeSpec",
    "WriterSpec",
    "canonical_json",
    "compare_outputs",
    "config_difference",
    "config_digest",
    "decode",
    "find_corpus",
    "load_cases",
    "main",
    "score_verdict",
    "select",
    "summary",
    "weight_manifest",
]
