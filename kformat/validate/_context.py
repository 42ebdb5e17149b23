"""One validation's state: the issues found so far, the weights files indexed, the result.

Every layout's checks (``_driver``, ``_directory``, ``_shards``) add to one
:class:`Context`; :meth:`Context.finish` closes it into a :class:`Result`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from kformat._h5 import H5Index
from kformat._io import Buffer
from kformat._issues import Issue
from kformat._limits import Limits
from kformat._rules import RULES, Sink
from kformat.validate import _weights

__all__ = ["MAX_PER_CODE", "Context", "Result"]

#: At most this many issues of one code per member are listed; the rest are
#: counted in one closing issue (a million duplicate keys are one problem).
MAX_PER_CODE = 100


@dataclasses.dataclass
class Result:
    """Everything one validation found.

    Attributes:
        issues: the findings, in check order.
        layout: what the source was validated as (``None``: not recognised).
        custom_objects: registered names / class names the file needs (KF306).
    """

    issues: list[Issue] = dataclasses.field(default_factory=list)
    layout: str | None = None
    custom_objects: list[str] = dataclasses.field(default_factory=list)


class Context:
    def __init__(self, limits: Limits, deep: bool) -> None:
        self.limits = limits
        self.deep = deep
        self.sink = Sink(collect=True)
        self.result = Result()
        #: unmarked opaque datasets the config says hold bfloat16 (no KF418)
        self.explained: set[str] = set()
        #: (member, index) of every weights file, for the checks that follow the config
        self.indexes: list[tuple[str, H5Index]] = []

    def scan(self, buf: Buffer, base: int, length: int, member: str) -> H5Index | None:
        index = _weights.scan_weights(
            buf,
            base,
            length,
            member=member,
            limits=self.limits,
            sink=self.sink,
            # Shards of one model share one decoded-bytes budget (KF431).
            decoded_before=sum(i.decoded_bytes for _, i in self.indexes),
        )
        if index is not None:
            self.add(_weights.layout_issues(index, member=member))
            self.indexes.append((member, index))
        return index

    def add(self, issues: Iterable[Issue]) -> None:
        self.sink.issues.extend(issues)

    def finish(self) -> Result:
        for member, index in self.indexes:
            self.add(_weights.opaque_issues(index, member=member, explained=self.explained))
        self.result.issues = _cap(self.sink.issues)
        self.result.custom_objects = list(dict.fromkeys(self.result.custom_objects))
        return self.result


def _cap(issues: list[Issue]) -> list[Issue]:
    counts: Counter[tuple[str | None, str]] = Counter()
    out: list[Issue] = []
    for issue in issues:
        key = (issue.member, issue.code)
        counts[key] += 1
        if counts[key] <= MAX_PER_CODE:
            out.append(issue)
    for (member, code), n in counts.items():
        if n > MAX_PER_CODE:
            out.append(
                Issue(
                    code,
                    RULES[code].severity,
                    f"{n - MAX_PER_CODE} more {code} issues in this member are not listed",
                    member=member,
                )
            )
    return out
