"""Architecture rules that must not erode: the core is Qt-free, the CLI exits cleanly."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import leadsynth_core

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter where importing Qt *fails*, as on a machine without Qt:
# every core module must still import.
_NO_QT = r"""
import importlib, importlib.abc, pkgutil, sys

class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'app'}:
            raise ImportError(f'Qt is blocked in this test: {name}')
        return None

sys.meta_path.insert(0, _Block())
import leadsynth_core
names = [m.name for m in pkgutil.walk_packages(leadsynth_core.__path__, 'leadsynth_core.')
         if not m.name.endswith('__main__')]
for name in names:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'shiboken6', 'pyqtgraph'})
assert not bad, bad
print(len(names))
"""


def test_core_imports_without_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _NO_QT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5


def test_core_modules_do_not_mention_qt() -> None:
    """A cheap static check that also catches imports hidden inside functions."""
    offenders = []
    for info in pkgutil.walk_packages(leadsynth_core.__path__, "leadsynth_core."):
        spec = info.module_finder.find_spec(info.name)  # type: ignore[union-attr]
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        text = Path(spec.origin).read_text(encoding="utf-8")
        for token in ("import PySide6", "from PySide6", "import pyqtgraph", "from pyqtgraph", "from app"):
            if token in text:
                offenders.append(f"{info.name}: {token}")
    assert not offenders


def test_cli_help_and_version() -> None:
    for args in (["--help"], ["--version"]):
        result = subprocess.run(
            [sys.executable, "-m", "leadsynth_core.cli", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert "leadsynth" in result.stdout


def test_flat_public_api_resolves() -> None:
    for name in leadsynth_core.__all__:
        assert getattr(leadsynth_core, name) is not None, name


def test_import_is_light() -> None:
    """``import leadsynth_core`` must not drag in PyTorch (start-up time of CLI and GUI)."""
    code = "import sys, leadsynth_core; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_cli_parser_does_not_load_torch_or_wfdb() -> None:
    """``leadsynth --help``/``--version`` must answer without importing the heavy stack."""
    code = ("import sys; from leadsynth_core.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('torch', 'wfdb', 'scipy.signal') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


VIEWER_ROOMS = {"state", "render", "controllers", "views", "wizard", "shell"}


def test_viewer_modules_live_in_rooms_and_stay_small() -> None:
    """Every viewer module is in one of the rooms of docs/architecture.md, none over 500 lines.

    (app/main.py is the entry shim for ``app.main:main`` and ``python -m app.main``.)
    """
    app_dir = ROOT / "app"
    outside, big = [], []
    for path in sorted(app_dir.rglob("*.py")):
        rel = path.relative_to(app_dir)
        if len(rel.parts) == 1 and rel.name not in {"__init__.py", "main.py"}:
            outside.append(str(rel))
        elif len(rel.parts) > 1 and rel.parts[0] not in VIEWER_ROOMS:
            outside.append(str(rel))
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > 500:
            big.append(f"{rel}: {n} lines")
    assert not outside, f"modules outside the rooms {sorted(VIEWER_ROOMS)}: {outside}"
    assert not big, big


def test_core_modules_stay_small() -> None:
    """No module of leadsynth_core over 500 lines (one concept per module)."""
    core = ROOT / "leadsynth_core"
    big = []
    for path in sorted(core.rglob("*.py")):
        rel = path.relative_to(core).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > 500:
            big.append(f"leadsynth_core/{rel}: {n} lines")
    assert not big, f"split these into modules of one concept each (docs/architecture.md): {big}"


#: One home per concept (docs/architecture.md, "One home per concept"): the pattern that
#: defines it, and the only file allowed to contain it.
CONCEPT_HOMES = {
    r"^REFERENCES\b.*=": "leadsynth_core/scoring.py",
    r"^DEFAULT_REFERENCE\b.*=": "leadsynth_core/scoring.py",
    r"^def compared_leads\(": "leadsynth_core/scoring.py",
    r"^def reference_truth\(": "leadsynth_core/scoring.py",
    r"^class LeadScore\b": "leadsynth_core/scoring.py",
    r"^def select_device\(": "leadsynth_core/runtime.py",
    r"^def inference_threads\(": "leadsynth_core/runtime.py",
    r"^def estimate_seconds\(": "leadsynth_core/personalization/cost.py",
    r"^def plan_device\(": "leadsynth_core/personalization/cost.py",
    r"os\.environ\.get\(.LEADSYNTH_HOME|HOME_VARIABLE = ": "leadsynth_core/paths.py",
    r"HDF5_SUFFIXES\b.*= \(": "leadsynth_core/options.py",
    r"^FLAT_LEAD_PTP_MV\b.*=": "leadsynth_core/options.py",
    # Defined by a value once; the wizard's DEFAULT_EPOCHS = options.DEFAULT_EPOCHS is a name.
    r"^DEFAULT_EPOCHS\b[^=]*=\s*\d": "leadsynth_core/options.py",
    r"^DEFAULT_LR\b[^=]*=\s*\d": "leadsynth_core/options.py",
    r"^DEFAULT_HOLDOUT\b[^=]*=\s*\d": "leadsynth_core/options.py",
    r"^DEFAULT_SEED\b[^=]*=\s*\d": "leadsynth_core/options.py",
    r"^VERDICT_PCC_TOLERANCE\b.*=": "leadsynth_core/options.py",
    r"^def file_sha256\(": "leadsynth_core/files.py",
    r"^class AtomicFiles\b": "leadsynth_core/files.py",
    r"os\.replace\(": "leadsynth_core/files.py",
    r"^ST_FINDING_MV\b.*=": "leadsynth_core/measurement/compare.py",
    r"^ST_POINTS_MS\b.*=": "leadsynth_core/measurement/per_lead.py",
    r"^def band_at\(": "leadsynth_core/uncertainty/confidence.py",
    r"^def band_verdict\(": "leadsynth_core/uncertainty/confidence.py",
    r"^def t_polarity_uncertain\(": "leadsynth_core/uncertainty/confidence.py",
    r"^def t_wave_span\(": "leadsynth_core/measurement/per_lead.py",
    r"^DOCK_NOTE_MIN_WIDTH\b.*=": "app/views/dock_label.py",
    r"^QTC_CHANGE_MS\b.*=": "leadsynth_core/measurement/serial.py",
    r"^def compare_with_prior\(": "leadsynth_core/measurement/serial.py",
    r"^def st_change_verdict\(": "leadsynth_core/measurement/serial.py",
    r"^def t_change_verdict\(": "leadsynth_core/measurement/serial.py",
    r"^def prior_reference_leads\(": "leadsynth_core/measurement/serial.py",
}


def test_each_concept_has_one_home() -> None:
    import re

    found: dict[str, set[str]] = {pattern: set() for pattern in CONCEPT_HOMES}
    for top in ("leadsynth_core", "app"):
        for path in sorted((ROOT / top).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT).as_posix()
            for pattern in CONCEPT_HOMES:
                if re.search(pattern, text, flags=re.MULTILINE):
                    found[pattern].add(rel)
    wrong = {p: sorted(files) for p, files in found.items() if files != {CONCEPT_HOMES[p]}}
    assert not wrong, f"a concept defined outside (or missing from) its one home: {wrong}"
