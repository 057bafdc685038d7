"""Shared fixtures.  Data-dependent tests skip with a reason where the reference data is absent
(``$LEADSYNTH_SHARED_DATA``, default ``../shared/data``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from leadsynth_core.paths import REFERENCE_DATA_ENV, reference_data_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI runs the property and fuzz tests on a fixed sequence of examples, so a landing never
# depends on luck; developers' runs explore new examples each time (and keep failures in
# .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
# $LEADSYNTH_SHARED_DATA, else ../shared/data next to the project folder.
SHARED_DATA = reference_data_dir()


def missing_shared_data_reason(folder: Path) -> str | None:
    """Why ``folder`` cannot serve as the reference data (naming where we looked), or ``None``."""
    probe = folder / "ludb" / "data" / "1.hea"
    if probe.exists():
        return None
    how = (f"{REFERENCE_DATA_ENV}={os.environ[REFERENCE_DATA_ENV]}" if os.environ.get(REFERENCE_DATA_ENV)
           else f"the default; set {REFERENCE_DATA_ENV} to the folder that holds ludb/ and cinc2021/")
    return f"real reference data not found at {folder} (looked for {probe}; {how})"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the reference data (real records); skips, saying where it looked, where it is absent."""
    reason = missing_shared_data_reason(SHARED_DATA)
    if reason:
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolate_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep user data, logs, settings and the library out of the real home directory."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("LEADSYNTH_HOME", str(base))
