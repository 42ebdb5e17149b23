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
        kind: which exception the reader raises for it.
        title: a short name, as listed in spec/format.md.
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
            # -- container (zip archive, model directory)
            _r("KF101", E, "invalid", "not a readable .keras archive, .weights.h5 or index"),
            _r("KF102", E, "invalid", "required member missing"),
            _r("KF103", E, "unsafe", "unsafe member name"),
            _r("KF104", E, "unsafe", "duplicate member name"),
            _r("KF105", E, "unsafe", "member is a link or special file"),
            _r("KF106", E, "invalid", "unexpected member"),
            _r("KF107", E, "invalid", "compression method or encryption not allowed"),
            _r("KF108", E, "unsafe", "size limit exceeded"),
            _r("KF109", E, "unsafe", "expansion ratio above the limit"),
            _r("KF110", E, "invalid", "member data corrupt or truncated"),
            _r("KF111", E, "unsafe", "member data overlaps or is named twice"),
            _r("KF112", W, "invalid", "metadata.json missing"),
            # -- documents (config.json, metadata.json, shard indexes)
            _r("KF201", E, "invalid", "not strict UTF-8"),
            _r("KF202", E, "invalid", "not valid JSON"),
            _r("KF203", E, "unsafe", "JSON nested too deep"),
            _r("KF204", E, "unsafe", "document above the size limit"),
            _r("KF205", E, "invalid", "duplicate key"),
            _r("KF206", W, "invalid", "non-finite number (NaN/Infinity)"),
            _r("KF207", E, "invalid", "document is not a JSON object"),
            _r("KF210", E, "invalid", "config.json breaks its schema"),
            _r("KF211", E, "invalid", "metadata.json breaks its schema"),
            _r("KF212", W, "invalid", "keras_version is not a version"),
            # -- config semantics
            _r("KF301", E, "invalid", "reference to a layer that does not exist"),
            _r("KF302", E, "invalid", "layer name used twice"),
            _r("KF303", E, "invalid", "cycle in the layer graph"),
            _r("KF304", E, "invalid", "node or tensor index out of range"),
            _r("KF305", E, "invalid", "layer config field has a wrong type or is out of range"),
            _r("KF306", W, "invalid", "needs a custom object"),
            _r("KF307", E, "invalid", "built-in class with a foreign registered_name"),
            _r("KF308", E, "unsafe", "implied weights above the size limit"),
            _r("KF309", E, "invalid", "layer config inconsistent with its input shape"),
            _r("KF310", W, "invalid", "built-in layer kformat does not model"),
            _r("KF311", E, "invalid", "shared_object_id names different objects"),
            _r("KF314", W, "invalid", "tf.keras constant node Keras 3 cannot load"),
            # -- weights (HDF5)
            _r("KF401", E, "invalid", "not a readable HDF5 file or object"),
            _r("KF402", E, "unsafe", "soft link"),
            _r("KF403", E, "unsafe", "external link"),
            _r("KF404", E, "unsafe", "user-defined link or invalid link name"),
            _r("KF405", E, "unsafe", "external raw storage"),
            _r("KF406", E, "unsafe", "virtual dataset"),
            _r("KF407", E, "unsafe", "filter that is not built into HDF5"),
            _r("KF408", E, "invalid", "dataset type not allowed"),
            _r("KF409", E, "unsafe", "declared size differs from stored size"),
            _r("KF410", E, "unsafe", "declared size above the limit"),
            _r("KF411", E, "unsafe", "too many or too deeply nested HDF5 objects"),
            _r("KF412", E, "invalid", "HDF5 object linked from two paths"),
            _r("KF413", E, "unsupported", "legacy Keras HDF5 model"),
            _r("KF414", E, "invalid", "attribute not allowed"),
            _r("KF415", E, "invalid", "dataset data outside the file"),
            _r("KF420", E, "invalid", "variable missing"),
            _r("KF421", E, "invalid", "unexpected variable"),
            _r("KF422", E, "invalid", "variable shape differs from the config"),
            _r("KF423", W, "invalid", "weights no object of the config reads"),
            _r("KF424", W, "invalid", "non-finite weight values (--deep)"),
            # -- safety
            _r("KF501", E, "unsafe", "__lambda__ / Python bytecode"),
            _r("KF502", E, "unsafe", "module outside the allow-list"),
            _r("KF503", E, "unsafe", "non-modelling API referenced"),
            _r("KF504", E, "unsafe", "config changes the loader's safety policy"),
            _r("KF505", E, "unsafe", "config value used as a file path or URL"),
            _r("KF506", E, "unsafe", "npz weights (pickled object arrays)"),
            _r("KF507", E, "unsafe", "class that loads or runs outside code"),
            _r("KF508", E, "unsafe", "__typespec__ (TensorFlow object)"),
            # -- sharded indexes and .weights.h5 files
            _r("KF601", E, "invalid", "shard index breaks its schema"),
            _r("KF602", E, "invalid", "shard file missing or unreadable"),
            _r("KF603", E, "unsafe", "shard name not a plain file name beside the index"),
            _r("KF604", E, "invalid", "dataset in a shard the index does not list"),
            _r("KF605", E, "invalid", "index lists a group no shard holds"),
            _r("KF606", E, "invalid", "dataset stored in two shards"),
            _r("KF607", W, "invalid", "shard name not in Keras' pattern"),
            _r("KF608", W, "invalid", "total_size differs from the stored weights"),
            _r("KF609", E, "unsafe", "too many shards"),
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
