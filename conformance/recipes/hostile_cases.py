"""The hostile cases of conformance/hostile/ (built by make_hostile.py): one fault each.

Grouped by area like spec/format.md: container (KF1xx), JSON documents (KF2xx),
config semantics (KF3xx), weights (KF4xx), safety (KF5xx), sharded (KF6xx).
``advisory`` names the CVE / GHSA / Keras change a case reproduces, or the
attack row of spec §14.4 when there is no identifier.
"""

from __future__ import annotations

# Importing a module registers its cases (the @case decorator of hostile_common).
import hostile_config  # noqa: F401
import hostile_container  # noqa: F401
import hostile_h5_bounds  # noqa: F401  (types h5py misreads, file budgets, libhdf5 hangs)
import hostile_json  # noqa: F401
import hostile_weights  # noqa: F401
import hostile_zip  # noqa: F401
