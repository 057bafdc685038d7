"""The child process of :func:`leadsynth_core.io.isolation.probe_hdf5`.

``python -m leadsynth_core.io._probe_child FILE [--fs HZ]`` walks FILE the way the
readers do (list the records, inspect each, read its first samples) and prints one JSON
line: ``{"error": [class, message] | null, "keys": [...], "records": {key: [class,
message] | null}}``.  A hang or a native crash here is what the parent is watching for.
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


def _failure(exc: LeadSynthError) -> list[str]:
    return [type(exc).__name__, str(exc)]


def probe(path: str, fs: float | None) -> dict[str, Any]:
    """Walk ``path`` like the readers; LeadSynth errors are reported, anything else propagates."""
    try:
        keys = list_records(path)
    except LeadSynthError as exc:
        return {"error": _failure(exc), "keys": [], "records": {}}
    records: dict[str, list[str] | None] = {}
    for key in keys:
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
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.path, args.fs)))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
