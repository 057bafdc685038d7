"""Shared fixtures.  Data-dependent tests skip with a reason where ../shared/data is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI runs the property and fuzz tests on a fixed sequence of examples, so a landing never
# depends on luck; developers' runs explore new examples each time (and keep failures in
# .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data (real records); skips where a user's clone lacks it."""
    if not (SHARED_DATA / "ludb" / "data" / "1.hea").exists():
        pytest.skip(f"real reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolate_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep user data, logs, settings and the library out of the real home directory."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("LEADSYNTH_HOME", str(base))
