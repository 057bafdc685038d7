"""Probe an untrusted HDF5 file in a child process before this process touches it.

A few damaged HDF5 files make the native HDF5 library inside h5py spin forever or crash
the process (``docs/reliability.md``, "Fuzzing"); neither can be caught from Python.
:func:`probe_hdf5` therefore lets a short-lived child process do what our readers do
first (list the records, inspect each one, read its first samples) under a time limit.
If the child hangs it is killed; if it dies of a signal the file is refused; if it ends
with a :class:`~leadsynth_core.errors.LeadSynthError` that error is raised here too.
Only when the child got through does the caller open the file itself.

The outcome is cached per (file, size, modification time, ``fs``, record key), so a file is probed
once per process however often it is listed, inspected and read.

Where it applies: the entry points that open one file a user chose (``leadsynth info``,
``leadsynth synthesize``, each file of ``leadsynth evaluate``, the viewer's open path),
through :func:`guard_record`.  Not the inner loops of training (their sources were
checked when they entered the data set or library) and not the bundled samples.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import errors
from ..errors import LeadSynthError, RecordFormatError
from .api import _kind as _record_kind

__all__ = ["DEFAULT_TIMEOUT_S", "FROZEN_PROBE_FLAG", "probe_hdf5", "guard_record"]

log = logging.getLogger(__name__)

#: Time the child may take (start-up included, about 0.5 s) before the file is refused.
DEFAULT_TIMEOUT_S: float = 10.0

# Where ``leadsynth_core`` lives, so that the child imports this very copy of it.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

#: First argument that makes a frozen (PyInstaller) ``leadsynth``/``leadsynth-gui`` run the
#: probe child instead of its usual main: a frozen program has no ``python -m``.
FROZEN_PROBE_FLAG = "--leadsynth-probe-hdf5-child"


def _child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_PROBE_FLAG]
    return [sys.executable, "-m", "leadsynth_core.io._probe_child"]


@dataclass(frozen=True)
class _Outcome:
    """What the child found: a file-level error, or the keys and each record's error."""

    file_error: tuple[str, str] | None
    keys: tuple[str, ...]
    record_errors: dict[str, tuple[str, str]]
    #: The records the child inspected and read (the first few and the one asked for).
    probed: tuple[str, ...] = ()
    #: A time-out may have been the machine's load, not the file: not cached, so opening the
    #: file again tries again.
    cacheable: bool = True


_CacheKey = tuple[str, int, int, float | None, str | None]
_CACHE: dict[_CacheKey, _Outcome] = {}
_CACHE_LOCK = threading.Lock()


def _error(cls_name: str, message: str) -> LeadSynthError:
    """Rebuild the child's error as the same class (a LeadSynthError in any case)."""
    cls = getattr(errors, cls_name, None)
    if isinstance(cls, type) and issubclass(cls, LeadSynthError):
        return cls(message)
    return RecordFormatError(message)


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _run_child(path: Path, fs: float | None, timeout_s: float, key: str | None = None) -> _Outcome:
    """Run :mod:`._probe_child` on ``path`` and interpret how it ended."""
    where = str(path)
    cmd = [*_child_command(), where]
    if fs is not None:
        cmd += ["--fs", repr(float(fs))]
    if key is not None:
        cmd += ["--key", key]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    try:
        # run() kills the child (SIGKILL) when the time limit passes.
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, env=env, check=False)
    except subprocess.TimeoutExpired:
        log.info("%s: HDF5 probe killed after %.1f s", where, timeout_s)
        return _Outcome(
            ("RecordFormatError",
             f"{where}: the HDF5 library did not finish reading this file within {timeout_s:g} s; "
             "it is probably damaged (if the computer was very busy, open it again)"),
            (), {}, (), False,
        )
    except OSError as exc:
        raise RecordFormatError(f"{where}: cannot start the process that checks this HDF5 file: {exc}") from None
    elapsed = time.perf_counter() - t0
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    if stderr:
        log.debug("%s: HDF5 probe stderr: %s", where, stderr)
    if proc.returncode < 0:
        name = _signal_name(proc.returncode)
        log.info("%s: HDF5 probe died of %s", where, name)
        return _Outcome(
            ("RecordFormatError",
             f"{where}: the HDF5 library crashed ({name}) while reading this file; it is probably damaged"),
            (), {},
        )
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        report = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        last = stderr.splitlines()[-1] if stderr else "no output"
        return _Outcome(
            ("RecordFormatError",
             f"{where}: checking this HDF5 file in a child process failed (exit code {proc.returncode}: {last})"),
            (), {},
        )
    log.debug("%s: HDF5 probe finished in %.2f s", where, elapsed)
    err = report.get("error")
    return _Outcome(
        (str(err[0]), str(err[1])) if err else None,
        tuple(str(k) for k in report.get("keys", ())),
        {str(k): (str(v[0]), str(v[1])) for k, v in report.get("records", {}).items() if v},
        tuple(str(k) for k in report.get("records", {})),
    )


def probe_hdf5(
    path: str | os.PathLike[str],
    *,
    key: str | None = None,
    fs: float | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Check in a child process that the HDF5 file ``path`` can be read without hanging or crashing.

    The child lists the records, inspects the first few (8) and ``key`` and reads their
    first samples (a file of 20,000 exams is not walked whole), like
    :func:`~leadsynth_core.io.list_records`, :func:`~leadsynth_core.io.inspect_record`
    and :func:`~leadsynth_core.io.read_window` would here.

    Parameters
    ----------
    key
        The record the caller is about to read: its error from the child, if any, is
        raised.  With ``None``, the error of the file's only record is raised (a file with
        several records is accepted as long as nothing crashed; each record's own error
        comes when it is read).
    fs
        The sampling rate the caller will pass to the readers.
    timeout_s
        How long the child may take; past it, it is killed and the file refused.

    Raises
    ------
    RecordFormatError
        The child did not finish in ``timeout_s`` or died of a signal (message naming
        the file), or the file cannot be read.
    LeadSynthError
        The child's own error (same class and message as the readers would raise).
    """
    p = Path(path)
    where = str(p)
    try:
        st = p.stat()
    except OSError as exc:
        raise RecordFormatError(f"{where}: cannot read the file: {exc.strerror or exc}") from None
    base = (str(p.resolve()), st.st_size, st.st_mtime_ns, None if fs is None else float(fs))
    with _CACHE_LOCK:
        outcome = _CACHE.get((*base, key))
        if outcome is None and key is not None:
            # The key-less probe (listing the file) may have covered this record already.
            listed = _CACHE.get((*base, None))
            if listed is not None and (listed.file_error is not None or key in listed.probed
                                       or key not in listed.keys):
                outcome = listed
    if outcome is None:
        outcome = _run_child(p, fs, timeout_s, key)
        if outcome.cacheable:
            with _CACHE_LOCK:
                _CACHE[(*base, key)] = outcome
    if outcome.file_error is not None:
        raise _error(*outcome.file_error)
    if key is None and len(outcome.keys) == 1:
        key = outcome.keys[0]
    if key is not None and key in outcome.record_errors:
        raise _error(*outcome.record_errors[key])


@functools.lru_cache(maxsize=1)
def _bundled_samples_dir() -> Path:
    return Path(str(importlib.resources.files("resources.samples"))).resolve()


def _is_bundled(path: Path) -> bool:
    return path.resolve().is_relative_to(_bundled_samples_dir())


def guard_record(
    path: str | os.PathLike[str],
    *,
    key: str | None = None,
    fs: float | None = None,
    isolate: bool = True,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Probe ``path`` with :func:`probe_hdf5` if it is an HDF5 file a user chose.

    Does nothing when ``isolate`` is false, for WFDB and CPSC records (read by pure
    Python code) and for the bundled sample recordings (trusted).  Call it at the entry
    points that open one file a user chose, before any reader touches it.

    Raises
    ------
    RecordFormatError, LeadSynthError
        As :func:`probe_hdf5`; also for a path that is no record at all.
    """
    if not isolate:
        return
    p = Path(path)
    kind, target = _record_kind(p)
    if kind != "hdf5" or _is_bundled(target):
        return
    probe_hdf5(target, key=key, fs=fs, timeout_s=timeout_s)
