"""A persistent reader in 40 lines: kformat.read loads, reference_runtime runs (put your
library in their place); score it with ``--protocol lines --mode load``."""

import json
import sys

import numpy as np

import kformat
import reference_runtime
from kformat.conformance import decode


def answer(req: dict) -> dict:
    limits = kformat.Limits(**req["limits"]) if req.get("limits") else None
    try:
        decoded = decode(req["path"], limits=limits)  # members, config digest, weights
    except kformat.KFormatError as exc:  # refused: in load mode no code is needed
        return {"valid": False, "issues": [{"code": exc.code, "member": exc.member}]}
    if req.get("inputs"):
        model = reference_runtime.load_model(req.get("architecture") or req["path"])
        if req.get("architecture"):
            model.load_weights(req["path"])
        with np.load(req["inputs"], allow_pickle=False) as data:
            feed = {k: data[k] for k in data.files}
        out = model.predict(next(iter(feed.values())) if len(feed) == 1 else feed)
        if not isinstance(out, dict):
            out = {f"output_{i}": o for i, o in enumerate(out if isinstance(out, list) else [out])}
        np.savez(req["outputs"], **{k: np.asarray(v) for k, v in out.items()})
    return {"valid": True, "issues": [], "decoded": decoded}


for line in sys.stdin:  # one JSON request per line...
    request = json.loads(line)
    try:
        reply = answer(request)
    except Exception as exc:  # a crash is this case's failure, not the session's end
        reply = {"valid": True, "issues": [], "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps({**reply, "id": request["id"]}), flush=True)  # ...one line per reply
