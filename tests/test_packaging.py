"""Packaging checks that need no build: spec, resources, version, installer metadata.

The PyInstaller build itself takes minutes and is not run here; see installers/README.md.
"""

from __future__ import annotations

import ast
import configparser
import importlib.resources
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import h5py
import numpy as np
import pytest

from leadsynth_core import io as lsio
from leadsynth_core._version import __version__
from leadsynth_core.models import list_models, shipped_models_dir
from leadsynth_core.record import EcgRecord, Provenance

ROOT = Path(__file__).resolve().parents[1]
INSTALLERS = ROOT / "installers"
SPEC = INSTALLERS / "leadsynth.spec"
RESOURCE_DIRS = sorted(
    p.name for p in (ROOT / "resources").iterdir() if p.is_dir() and p.name != "__pycache__"
)
FILE_SUFFIXES = ("hea", "h5", "hdf5")


def _tomllib() -> ModuleType:
    """The TOML reader of Python 3.11+; skips on 3.10, which requires-python still allows."""
    return pytest.importorskip("tomllib")


# ------------------------------------------------------------------ spec
def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _spec_literal(name: str) -> object:
    for node in ast.walk(_spec_tree()):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{SPEC.name} assigns no {name}")


def test_spec_parses_and_names_every_resource_folder() -> None:
    assert RESOURCE_DIRS == sorted(["icons", "models", "samples"]), "new resources/ folder: add it to the spec"
    assert sorted(_spec_literal("RESOURCE_FOLDERS")) == RESOURCE_DIRS  # type: ignore[arg-type]


def test_spec_builds_both_executables_into_one_folder() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert re.search(r'name="leadsynth-gui"[^)]*console=False', text, re.S)
    assert re.search(r'name="leadsynth",[^)]*console=True', text, re.S)
    assert re.search(r"COLLECT\(\s*exe_gui,\s*exe_cli,", text)
    for entry in ("leadsynth_gui_entry.py", "leadsynth_cli_entry.py"):
        assert (INSTALLERS / entry).is_file()
        ast.parse((INSTALLERS / entry).read_text(encoding="utf-8"))


def test_spec_keeps_runtime_dependencies() -> None:
    """Excluding any of these breaks the frozen program (torch.optim needs _dynamo etc.)."""
    excludes = set(_spec_literal("excludes"))  # type: ignore[arg-type]
    needed = {"torch", "torch._dynamo", "torch._inductor", "torch.distributed", "torch.testing", "sympy",
              "pandas", "scipy", "h5py", "wfdb", "safetensors", "pyqtgraph", "PySide6.QtCore", "PySide6.QtGui",
              "PySide6.QtWidgets", "PySide6.QtSvg", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtTest",
              "resources", "leadsynth_core", "app"}
    assert not excludes & needed


def _imported_modules(package: str, skip: str | None = None) -> set[str]:
    """Every module named by an import statement in one of our packages (and its parents), but ``skip``."""
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        if skip is not None and (ROOT / package / skip) in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = [node.module]
            else:
                continue
            for name in found:
                parts = name.split(".")
                names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return names


def test_spec_excludes_nothing_the_program_imports() -> None:
    """An excluded module the program imports is a crash at start-up of the frozen viewer.

    (PySide6.QtPrintSupport, excluded when the viewer could not print yet, broke the bundle's
    leadsynth-gui once File > Print imported QPrinter.)  Training-only modules are imported
    only by leadsynth_core.training (deepfake-ecg, TensorBoard), which the bundle does not run.
    """
    excludes = set(_spec_literal("excludes"))  # type: ignore[arg-type]
    imported = _imported_modules("app") | _imported_modules("leadsynth_core", skip="training")
    assert "PySide6.QtPrintSupport" in imported and "deepfakeecg" not in imported
    assert not excludes & imported, sorted(excludes & imported)


# ------------------------------------------------------------------ resources
def test_models_found_through_importlib_resources() -> None:
    folder = shipped_models_dir()
    assert folder == Path(str(importlib.resources.files("resources.models")))
    weights = sorted(folder.glob("*.safetensors"))
    assert weights, f"no shipped models in {folder}"
    for w in weights:
        assert w.with_suffix(".json").is_file(), f"{w.name} has no model card"
    assert len(list_models(include_personal=False)) == len(weights)


def test_samples_found_through_importlib_resources() -> None:
    sample = lsio.sample_path()
    assert sample.is_file()
    assert sample.parent == Path(str(importlib.resources.files("resources.samples")))
    record = lsio.read_record(sample)
    assert record.n_leads == 12


def test_icons_found_through_importlib_resources() -> None:
    from app.shell.resources import ICON_SIZES, icon_path, resource_path

    assert icon_path().read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in ICON_SIZES:
        head = icon_path(size).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(head[16:20], "big") == size  # IHDR width
    assert resource_path("icons", "leadsynth.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert resource_path("icons", "leadsynth.icns").read_bytes()[:4] == b"icns"
    with pytest.raises(FileNotFoundError):
        resource_path("icons", "no-such-icon.png")


def test_pyproject_ships_the_resource_files() -> None:
    """A pip install must carry what importlib.resources looks for."""
    meta = _tomllib().loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = meta["tool"]["setuptools"]["package-data"]["*"]
    suffixes = {p.suffix for d in RESOURCE_DIRS for p in (ROOT / "resources" / d).iterdir()
                if p.is_file() and p.suffix != ".py"}
    assert suffixes <= {pat.lstrip("*") for pat in patterns}, suffixes
    for folder in RESOURCE_DIRS:  # importlib.resources.files() needs packages
        assert (ROOT / "resources" / folder / "__init__.py").is_file(), folder


# ------------------------------------------------------------------ version
def test_version_has_one_source() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", __version__)
    meta = _tomllib().loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "leadsynth_core._version.__version__"}
    import leadsynth_core

    assert leadsynth_core.__version__ == __version__


def test_cli_version_matches() -> None:
    result = subprocess.run([sys.executable, "-m", "leadsynth_core.cli", "--version"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"leadsynth {__version__}"


def test_gui_version_and_about_box_match(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from app.main import parse_args
    from app.shell import dialogs

    with pytest.raises(SystemExit):
        parse_args(["--version"])
    assert capsys.readouterr().out.strip() == f"leadsynth-gui {__version__}"
    # The About box is a static QMessageBox call: capture its text instead of showing it.
    shown: list[str] = []
    monkeypatch.setattr(dialogs.QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    dialogs.show_about(None)  # type: ignore[arg-type]
    assert len(shown) == 1 and f"LeadSynth {__version__}" in shown[0]


def _small_record() -> EcgRecord:
    t = np.arange(500, dtype=np.float32) / 250.0
    signal = np.stack([np.sin(2 * np.pi * t), 0.5 * np.cos(2 * np.pi * t)], axis=1).astype(np.float32)
    return EcgRecord(signal=signal, fs=250.0, lead_names=("I", "II"),
                     provenance=(Provenance.MEASURED, Provenance.MEASURED))


def test_written_files_name_the_version(tmp_path: Path) -> None:
    record = _small_record()
    hea = lsio.write_record(record, tmp_path / "rec")
    lines = Path(hea).read_text(encoding="utf-8").splitlines()
    assert f"# software: LeadSynth {__version__}" in lines
    h5 = lsio.write_record(record, tmp_path / "rec.h5")
    with h5py.File(h5, "r") as f:
        software = f.attrs["software"]
    assert (software.decode() if isinstance(software, bytes) else str(software)) == f"LeadSynth {__version__}"
    # The extra header line must not disturb reading the record back.
    back = lsio.read_record(hea)
    assert back.lead_names == ("I", "II")
    np.testing.assert_allclose(back.signal, record.signal, atol=1e-3)


# ------------------------------------------------------------------ file types per platform
def test_file_types_registered_on_every_platform() -> None:
    # macOS: the spec's Info.plist
    doc_types = _spec_literal("_DOC_TYPES")
    exts = {e for d in doc_types for e in d["CFBundleTypeExtensions"]}  # type: ignore[union-attr]
    assert exts == set(FILE_SUFFIXES)
    # Windows: Inno Setup registers each extension, opening with leadsynth-gui "%1"
    iss = (INSTALLERS / "windows" / "leadsynth.iss").read_text(encoding="utf-8")
    for ext in FILE_SUFFIXES:
        assert re.search(rf'Root: HKA; Subkey: "Software\\Classes\\\.{ext}\\OpenWithProgids"', iss), ext
    assert '"{app}\\leadsynth-gui.exe"" ""%1"""' in iss
    # Linux: the .desktop entry names MIME types that exist (ours or the standard HDF one)
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str  # type: ignore[assignment,method-assign]
    desktop.read(INSTALLERS / "linux" / "leadsynth.desktop", encoding="utf-8")
    entry = desktop["Desktop Entry"]
    assert entry["Exec"] == "leadsynth-gui %f" and entry["Icon"] == "leadsynth"
    mime_types = [m for m in entry["MimeType"].split(";") if m]
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    ours = ET.parse(INSTALLERS / "linux" / "leadsynth-mime.xml").getroot()
    declared = {t.get("type"): [g.get("pattern") for g in t.findall("m:glob", ns)] for t in ours.findall("m:mime-type", ns)}
    assert declared == {"application/x-wfdb-header": ["*.hea"]}
    assert set(mime_types) == {"application/x-wfdb-header", "application/x-hdf"}
