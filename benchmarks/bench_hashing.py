"""String hashing of the Hashing layers: ``fingerprint64_array`` (FarmHash Fingerprint64) and
``siphash24_array`` (SipHash-2-4, ``Hashing(salt=...)``) in NumPy, against TensorFlow's
``tf.strings.to_hash_bucket_fast`` / ``_strong`` C++ kernels on the same strings.

    python -m benchmarks.bench_hashing [--json]

Inputs: 100,000 random lower-case words of 1 to 12 characters (vocabulary-like tokens), and
10,000 strings of 0 to 200 bytes (every FarmHash length branch). The NumPy functions hash all
strings of one byte length together; the per-string column is ``fingerprint64`` called once
per string, what a Python loop over the strings would cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks._util import child_time, fmt_ratio, fmt_seconds, have, main_for, print_table

SALT = (133, 137)


def _words(count: int, lo: int, hi: int, seed: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(lo, hi + 1, count)
    pool = letters[rng.integers(0, 26, int(lengths.sum()))]
    cuts = np.cumsum(lengths)[:-1]
    return np.array(["".join(w) for w in np.split(pool, cuts)], dtype=object)


INPUTS = {
    "100k words, 1-12 chars": (100_000, 1, 12, 0),
    "10k strings, 0-200 chars": (10_000, 0, 200, 1),
}


def _tf_time(spec: tuple[int, int, int, int], strong: bool, repeat: int) -> float | None:
    if not have("tensorflow"):
        return None
    op = (
        f"tf.strings.to_hash_bucket_strong(x, 2**63 - 1, key={list(SALT)!r}).numpy()"
        if strong
        else "tf.strings.to_hash_bucket_fast(x, 2**63 - 1).numpy()"
    )
    setup = (
        "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
        "import tensorflow as tf\nfrom benchmarks.bench_hashing import _words\n"
        f"x = tf.constant(_words(*{spec!r}).tolist())\n{op}\n"
    )
    return child_time(setup, op, repeat=repeat)


def run(*, repeat: int = 5) -> dict[str, Any]:
    from benchmarks._util import median_time
    from kformat.layers._farmhash import fingerprint64, fingerprint64_array
    from kformat.layers._siphash import siphash24_array

    results: dict[str, Any] = {}
    for name, spec in INPUTS.items():
        words = _words(*spec)
        sample = [w.encode() for w in words[:2000]]
        per_string = median_time(lambda sample=sample: [fingerprint64(s) for s in sample], repeat=3)
        results[name] = {
            "count": spec[0],
            "fingerprint64_array_s": median_time(
                lambda words=words: fingerprint64_array(words), repeat=repeat
            ),
            "fingerprint64_loop_s": per_string * spec[0] / len(sample),
            "tf_fast_s": _tf_time(spec, False, repeat),
            "siphash24_array_s": median_time(
                lambda words=words: siphash24_array(words, SALT), repeat=repeat
            ),
            "tf_strong_s": _tf_time(spec, True, repeat),
        }
    return results


def report(r: dict[str, Any]) -> None:
    rows = []
    for name, row in r.items():
        fast, loop, tf_fast = (
            row["fingerprint64_array_s"],
            row["fingerprint64_loop_s"],
            row["tf_fast_s"],
        )
        sip, tf_strong = row["siphash24_array_s"], row["tf_strong_s"]
        rows.append(
            [
                name,
                fmt_seconds(fast),
                fmt_seconds(loop),
                fmt_seconds(tf_fast),
                "n/a" if tf_fast is None else fmt_ratio(fast / tf_fast),
                fmt_seconds(sip),
                fmt_seconds(tf_strong),
                "n/a" if tf_strong is None else fmt_ratio(sip / tf_strong),
            ]
        )
    print_table(
        "String hashing (Hashing layer): NumPy vs TensorFlow kernels",
        [
            "input",
            "Fingerprint64 array",
            "per-string loop",
            "TF fast",
            "array / TF",
            "SipHash array",
            "TF strong",
            "array / TF",
        ],
        rows,
    )


main = main_for(__doc__, run, report)

if __name__ == "__main__":
    raise SystemExit(main())
