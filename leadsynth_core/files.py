"""Writing and fingerprinting files: the one atomic-write helper and the one file hash.

Every file LeadSynth writes (records, models, evaluation and agreement reports,
checkpoints, the CLI's JSON reports) goes through :func:`atomic_paths`, so a crash, a full
disk or a read-only folder never leaves a half-written file under a target name.  Every
file LeadSynth fingerprints (model weights, library entries) is hashed by
:func:`file_sha256` / :func:`update_with_file`.  Standard library only: the model registry,
the library and the readers all use it without loading each other.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .progress import CancelToken, check

__all__ = ["AtomicFiles", "atomic_paths", "atomic_write_text", "file_sha256", "update_with_file"]

_CHUNK = 1 << 20


class AtomicFiles:
    """Temporary files next to their targets, moved into place together on :meth:`commit`.

    The temporaries live in the target folder so that :func:`os.replace` is an atomic
    rename on the same file system.  :meth:`discard` (or an exception inside a ``with``
    block) removes every temporary and leaves the targets as they were, so no
    half-written file is ever visible under a target name.
    """

    def __init__(self, targets: Sequence[Path]) -> None:
        self.targets = [Path(t) for t in targets]
        self.temps: list[Path] = []
        try:
            for target in self.targets:
                target.parent.mkdir(parents=True, exist_ok=True)
                # os.open with 0o666 lets the umask decide the final permissions, as for
                # any new file (tempfile.mkstemp would leave the result private, 0o600).
                tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
                os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
                self.temps.append(tmp)
        except OSError:
            self.discard()
            raise

    def commit(self) -> None:
        """Move every temporary onto its target, in the order given (data before header)."""
        for tmp, target in zip(self.temps, self.targets, strict=True):
            os.replace(tmp, target)
        self.temps = []

    def discard(self) -> None:
        for tmp in self.temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        self.temps = []

    def __enter__(self) -> list[Path]:
        return list(self.temps)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            try:
                self.commit()
            finally:
                self.discard()
        else:
            self.discard()


def atomic_paths(targets: Sequence[str | os.PathLike[str]]) -> AtomicFiles:
    """``with atomic_paths([dat, hea]) as (tmp_dat, tmp_hea): ...`` (see :class:`AtomicFiles`).

    List data files before the header (weights before the card): a reader never sees a
    new header that points at old data.
    """
    return AtomicFiles([Path(t) for t in targets])


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    target = Path(path)
    with atomic_paths([target]) as (tmp,):
        tmp.write_text(text, encoding="utf-8")
    return target


def update_with_file(digest: Any, path: str | os.PathLike[str], cancel: CancelToken | None = None) -> None:
    """Feed the bytes of ``path`` to the hash object ``digest``, in 1-MiB chunks; ``cancel``
    is checked between chunks (a Holter file's gigabytes hashed in a worker stop when asked).

    Raises
    ------
    OSError
        If the file cannot be read (callers turn it into their own error type).
    CancelledError
        ``cancel`` was set.
    """
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            check(cancel)
            digest.update(chunk)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes.

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    digest = hashlib.sha256()
    update_with_file(digest, path)
    return digest.hexdigest()
