"""The rule table (spec/format.md, every ``KFnnn``) and the sink shared checks report to.

Each rule has a stable code, a default severity, and the exception class the
reader raises when it meets the rule first. Checks shared by the reader and
the validator report through a :class:`Sink`: the reader's sink raises on the
first error (``KFormatError.code`` carries the rule), the validator's sink
collects every issue and lets the check skip what depends on the bad object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from kformat._issues import Issue, Severity
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

__all__ = ["RULES", "Rule", "Sink"]

Kind = Literal["invalid", "unsafe", "unsupported"]


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rule of the format.

    Attributes:
        code: ``KF`` + three digits; the hundreds give the area (1 container,
            2 documents, 3 config semantics, 4 weights, 5 safety, 6 sharded
            and ``.weights.h5`` files).
        severity: the default severity of its issues.
        kind: which exception the reader raises for it (for warnings, which
            the reader never raises, ``"invalid"``).
        title: the rule's title in spec/format.md (Appendix A).
    """

    code: str
    severity: Severity
    kind: Kind
    title: str


def _r(code: str, severity: Severity, kind: Kind, title: str) -> tuple[str, Rule]:
    return code, Rule(code, severity, kind, title)


E: Severity = "error"
W: Severity = "warning"

RULES: Mapping[str, Rule] = MappingProxyType(
    dict(
        [
            _r("KF101", E, "invalid", "Not a readable archive or model file"),
            _r("KF102", E, "invalid", "Required member missing"),
            _r("KF103", E, "unsafe", "Unsafe member name"),
            _r("KF104", E, "unsafe", "Duplicate member name"),
            _r("KF105", E, "unsafe", "Member is a link or special file"),
            _r("KF106", E, "invalid", "Unexpected member"),
            _r("KF107", E, "invalid", "Compression method or encryption not allowed"),
            _r("KF108", E, "unsafe", "Size limit exceeded"),
            _r("KF109", E, "unsafe", "Expansion ratio above the limit"),
            _r("KF110", E, "invalid", "Member data corrupt or truncated"),
            _r("KF111", E, "unsafe", "Member data overlaps or is named twice"),
            _r("KF112", W, "invalid", "metadata.json missing"),
            _r("KF113", W, "invalid", "Member is DEFLATED"),
            _r("KF114", E, "unsafe", "Data outside the archive's records"),
            _r("KF115", E, "unsafe", "Local header or data descriptor disagrees"),
            _r("KF116", E, "unsafe", "End record disagrees with the central directory"),
            _r("KF201", E, "invalid", "Not strict UTF-8"),
            _r("KF202", E, "invalid", "Not well-formed JSON"),
            _r("KF203", E, "unsafe", "JSON nested too deep"),
            _r("KF204", E, "unsafe", "JSON document above the size limit"),
            _r("KF205", E, "invalid", "Duplicate key"),
            _r("KF206", W, "invalid", "Non-finite number"),
            _r("KF207", E, "invalid", "Document is not a JSON object"),
            _r("KF210", E, "invalid", "config.json breaks its schema"),
            _r("KF211", E, "invalid", "metadata.json breaks its schema"),
            _r("KF212", W, "invalid", "keras_version is not a version"),
            _r("KF213", E, "unsafe", "JSON document above the value-count limit"),
            _r("KF214", E, "unsafe", "Array value with a refused dtype or size"),
            _r("KF215", E, "unsafe", "Config too deep to check"),
            _r("KF301", E, "invalid", "Reference to a layer that does not exist"),
            _r("KF302", E, "invalid", "Layer name used twice"),
            _r("KF303", E, "invalid", "Cycle in the layer graph"),
            _r("KF304", E, "invalid", "Node or tensor index out of range"),
            _r("KF305", E, "invalid", "A layer config field is out of range"),
            _r("KF306", W, "invalid", "Needs a custom object"),
            _r("KF307", E, "invalid", "Built-in class with a foreign registered_name"),
            _r("KF308", E, "unsafe", "Implied weights above the size limit"),
            _r("KF309", E, "invalid", "Layer config inconsistent with its input shape"),
            _r("KF310", W, "invalid", "Built-in layer kformat does not model"),
            _r("KF311", E, "invalid", "shared_object_id names different objects"),
            _r("KF312", E, "invalid", "Unknown config key for a known class"),
            _r("KF313", E, "invalid", "Required config key missing"),
            _r("KF314", W, "invalid", "Construct Keras 3 cannot load"),
            _r("KF315", E, "invalid", "Model inputs are not InputLayers"),
            _r("KF316", E, "invalid", "Misplaced InputLayer in a Sequential model"),
            _r("KF317", W, "invalid", "Model class Keras 3 cannot locate"),
            _r("KF401", E, "invalid", "Not a readable HDF5 file or object"),
            _r("KF402", E, "unsafe", "Soft link"),
            _r("KF403", E, "unsafe", "External link"),
            _r("KF404", E, "unsafe", "User-defined link or invalid link name"),
            _r("KF405", E, "unsafe", "External raw storage"),
            _r("KF406", E, "unsafe", "Virtual dataset"),
            _r("KF407", E, "unsafe", "Filter other than deflate, shuffle or fletcher32"),
            _r("KF408", E, "invalid", "Dataset type not allowed"),
            _r("KF409", E, "unsafe", "Declared size differs from stored size"),
            _r("KF410", E, "unsafe", "Declared size above the limit"),
            _r("KF411", E, "unsafe", "Too many or too deeply nested HDF5 objects"),
            _r("KF412", E, "invalid", "HDF5 object linked from two paths"),
            _r("KF413", E, "unsupported", "Legacy Keras HDF5 model"),
            _r("KF414", E, "invalid", "Attribute not allowed"),
            _r("KF415", E, "invalid", "Dataset data outside the file"),
            _r("KF416", W, "invalid", "Dataset layout Keras does not write"),
            _r("KF417", W, "invalid", "Extended dtype Keras cannot read"),
            _r("KF418", W, "invalid", "Unmarked opaque dataset"),
            _r("KF420", E, "invalid", "Variable missing"),
            _r("KF421", E, "invalid", "Unexpected variable"),
            _r("KF422", E, "invalid", "Variable shape differs from the config"),
            _r("KF423", W, "invalid", "Weights no object of the config reads"),
            _r("KF424", W, "invalid", "Non-finite weight values"),
            _r("KF425", W, "invalid", "vars name attribute disagrees with the config"),
            _r("KF426", W, "invalid", "Optimizer state does not match"),
            _r("KF427", W, "invalid", "Variable dtype differs from the dtype policy"),
            _r("KF428", W, "invalid", "Unexpected attribute"),
            _r("KF429", E, "unsafe", "HDF5 library exceeded its deadline"),
            _r("KF430", E, "invalid", "HDF5 library crashed"),
            _r("KF431", E, "unsafe", "Decoded HDF5 data above the limit"),
            _r("KF437", E, "invalid", "Not the layout of a Keras weights file"),
            _r("KF438", E, "unsupported", "Windows-saved weight paths"),
            _r("KF440", E, "invalid", "Asset a layer reads is missing"),
            _r("KF501", E, "unsafe", "Bytecode in the config"),
            _r("KF502", E, "unsafe", "Module outside the allow-list"),
            _r("KF503", E, "unsafe", "Non-modelling API referenced"),
            _r("KF504", E, "unsafe", "Config changes the loader's safety policy"),
            _r("KF505", E, "unsafe", "Config value used as a file path or URL"),
            _r("KF506", E, "unsafe", "npz weights (pickled object arrays)"),
            _r("KF507", E, "unsafe", "Class that loads or runs outside code"),
            _r("KF508", E, "unsafe", "TensorFlow TypeSpec"),
            _r("KF509", W, "invalid", "String that looks like a path or URL"),
            _r("KF601", E, "invalid", "Shard index breaks its schema"),
            _r("KF602", E, "invalid", "Shard file missing or unreadable"),
            _r("KF603", E, "unsafe", "Shard name not a plain file name beside the index"),
            _r("KF604", E, "invalid", "Dataset in a shard the index does not list"),
            _r("KF605", E, "invalid", "Index lists a group no shard holds"),
            _r("KF606", E, "invalid", "Dataset stored in two shards"),
            _r("KF607", W, "invalid", "Shard name not in Keras' pattern"),
            _r("KF608", W, "invalid", "total_size differs from the stored weights"),
            _r("KF609", E, "unsafe", "Too many shards"),
        ]
    )
)

_EXCEPTIONS: Mapping[Kind, type[KFormatError]] = {
    "invalid": InvalidArchiveError,
    "unsafe": UnsafeArchiveError,
    "unsupported": UnsupportedFeatureError,
}


class Sink:
    """Where a shared check reports a problem.

    ``Sink()`` (the reader's) raises the rule's exception on the first error and
    ignores warnings; ``Sink(collect=True)`` (the validator's) appends an
    :class:`Issue` and returns, so the check goes on with the next object.
    """

    def __init__(self, *, collect: bool = False) -> None:
        self.collect = collect
        self.issues: list[Issue] = []

    def report(
        self,
        code: str,
        message: str,
        *,
        member: str | None = None,
        path: str | None = None,
        severity: Severity | None = None,
        schema_path: str | None = None,
    ) -> None:
        """Report a breach of rule ``code`` (severity defaults to the rule's).

        Raises:
            KFormatError: in raising mode, for error-severity problems.
        """
        rule = RULES[code]
        sev = severity or rule.severity
        if not self.collect:
            if sev == "error":
                raise _EXCEPTIONS[rule.kind](message, member=member, path=path, code=code)
            return
        self.issues.append(Issue(code, sev, message, member, path, schema_path))

    @property
    def errors(self) -> int:
        """How many error-severity issues were collected."""
        return sum(1 for i in self.issues if i.severity == "error")
