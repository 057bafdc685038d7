"""The child process of :func:`leadsynth_core.io.isolation.probe_hdf5`.

``python -m leadsynth_core.io._probe_child FILE [--fs HZ] [--key KEY]`` walks FILE the
way the readers do (list the records, inspect the first :data:`PROBE_RECORDS` of them and
KEY, read their first samples) and prints one JSON line: ``{"error": [class, message] |
null, "keys": [...], "records": {key: [class, message] | null}}`` (``records`` holds the
probed keys only).  A hang or a native crash here is what the parent is watching for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import LeadSynthError
from .api import inspect_record, list_records, read_window

#: Samples read from the start of each record: enough to touch its dataset's first chunk.
PROBE_SAMPLES = 1024
#: Records probed besides the one asked for: a CODE-15 part file holds 20,000 exams, and
#: walking them all would take minutes (the parent would time out and refuse a good file).
PROBE_RECORDS = 8


def _failure(exc: LeadSynthError) -> list[str]:
    return [type(exc).__name__, str(exc)]


def probe(path: str, fs: float | None, key: str | None = None) -> dict[str, Any]:
    """Walk ``path`` like the readers; LeadSynth errors are reported, anything else propagates."""
    try:
        keys = list_records(path)
    except LeadSynthError as exc:
        return {"error": _failure(exc), "keys": [], "records": {}}
    records: dict[str, list[str] | None] = {}
    chosen = list(keys[:PROBE_RECORDS])
    if key is not None and key in keys and key not in chosen:
        chosen.append(key)
    for key in chosen:
        try:
            info = inspect_record(path, key=key or None, fs=fs)
            if info.n_samples:
                read_window(path, 0, min(info.n_samples, PROBE_SAMPLES), key=key or None, fs=fs)
            records[key] = None
        except LeadSynthError as exc:
            records[key] = _failure(exc)
    return {"error": None, "keys": keys, "records": records}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadsynth_core.io._probe_child")
    parser.add_argument("path")
    parser.add_argument("--fs", type=float, default=None)
    parser.add_argument("--key", default=None)
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.path, args.fs, args.key)))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
