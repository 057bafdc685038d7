"""Persistent viewer settings: every default is declared here, and only here.

Settings live in an INI file in the user scope (``QSettings.IniFormat``) rather than the
native store so that tests can redirect them with ``QSettings.setPath(IniFormat, UserScope,
folder)`` and so that a support engineer can read them; with ``LEADSYNTH_HOME`` set (portable
installs, tests) the file is ``$LEADSYNTH_HOME/settings/viewer.ini``.  Values come back from QSettings as strings on some platforms; :class:`Settings`
converts them to the type of the declared default, so callers never see a wrong type.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from PySide6.QtCore import QObject, QSettings, Signal

from leadsynth_core.leads import LIMB_LEAD_ORDERS
from leadsynth_core.paths import viewer_settings_path
from leadsynth_core.scoring import DEFAULT_REFERENCE

log = logging.getLogger(__name__)

ORGANIZATION: Final = "LeadSynth"
APPLICATION: Final = "LeadSynth Viewer"

#: Layout names understood by the ECG grid (see :mod:`app.paper`).
LAYOUTS: Final = ("3x4", "6x2", "12x1")
#: How the limb leads are ordered on every page ("standard" or "cabrera").
LIMB_ORDERS: Final = tuple(LIMB_LEAD_ORDERS)
SPEEDS_MM_S: Final = (25.0, 50.0)
GAINS_MM_MV: Final = (5.0, 10.0, 20.0)
LOWPASS_CHOICES_HZ: Final = (0, 40, 100, 150)  # 0 = off
NOTCH_CHOICES_HZ: Final = (0, 50, 60)  # 0 = off
MODES: Final = ("compare", "review")
THEMES: Final = ("light", "dark")
MAX_RECENT: Final = 10

#: Every persisted setting with its default (and so its type).
DEFAULTS: Final[dict[str, Any]] = {
    "view/layout": "3x4",
    # The limb leads' order on the page, the median beats and the print: "standard" (I, II,
    # III, aVR, aVL, aVF) or "cabrera" (aVL, I, -aVR, II, aVF, III).
    "view/limb_order": "standard",
    "view/speed_mm_s": 25.0,
    "view/gain_mm_mv": 10.0,
    "view/mode": "compare",
    "view/theme": "light",
    # The calibrated 90 % band around synthesized traces (View > Uncertainty band), and
    # whether it stays on in presentation mode (off there unless chosen).
    "view/band": True,
    "view/band_in_presentation": False,
    "filters/baseline": False,
    "filters/notch_hz": 0,
    "filters/lowpass_hz": 0,
    "leads/inputs": "I,II,V2,V4",
    "files/recent": [],
    "files/last_dir": "",
    # A file whose samples (float32) would take more than this many MB is not read whole:
    # it opens as a long recording, shown window by window (bounded memory).
    "files/long_recording_mb": 256.0,
    # The name an interpretation is filed and printed under (Measure > Interpret this ECG),
    # remembered from the last one filed on this computer.
    "reading/reader": "",
    # What synthesized leads are scored against (Scores table, PCC badges, median beats,
    # Agreement over time, export footer): one of leadsynth_core.scoring.REFERENCES.
    "scores/reference": DEFAULT_REFERENCE,
    # The "Agreement over time" tab: segment length (s).
    "agreement/segment_s": 5.0,
    "window/geometry": b"",
    "window/state": b"",
}


def _coerce(value: Any, default: Any) -> Any:
    """Bring a value read from QSettings to the type of its default."""
    if value is None:
        return default
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if isinstance(default, int):
        return int(float(value))
    if isinstance(default, float):
        return float(value)
    if isinstance(default, list):
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in value]
    if isinstance(default, bytes):
        return bytes(value) if not isinstance(value, str) else value.encode("latin-1")
    return str(value)


class Settings(QObject):
    """Typed access to the persisted settings; emits :attr:`changed` on every write."""

    changed = Signal(str, object)

    def __init__(self, parent: QObject | None = None, *, ephemeral: bool = False) -> None:
        super().__init__(parent)
        #: ``ephemeral``: start from the defaults and keep changes in memory only (batch
        #: runs such as ``--screenshot`` must not depend on, or change, a user's settings).
        self._memory: dict[str, Any] | None = {} if ephemeral else None
        path = viewer_settings_path()
        if path is not None:
            # Portable installs and tests: everything of LeadSynth under one folder.
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)

    @property
    def file_name(self) -> str:
        return self._qs.fileName()

    def value(self, key: str) -> Any:
        default = DEFAULTS[key]
        if self._memory is not None:
            return self._memory.get(key, default)
        raw = self._qs.value(key, default)
        try:
            return _coerce(raw, default)
        except (TypeError, ValueError):
            # A hand-edited or older settings file must not stop the viewer.
            log.warning("settings %s: ignoring unreadable value %r", key, raw)
            return default

    def set_value(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            raise KeyError(f"undeclared setting {key!r}; declare it in app.settings.DEFAULTS")
        if self._memory is not None:
            self._memory[key] = value
        else:
            self._qs.setValue(key, value)
        self.changed.emit(key, value)

    def recent_files(self) -> list[str]:
        return list(self.value("files/recent"))

    def add_recent_file(self, path: str) -> list[str]:
        recent = [p for p in self.recent_files() if p != path]
        recent.insert(0, path)
        del recent[MAX_RECENT:]
        self.set_value("files/recent", recent)
        return recent

    def remove_recent_file(self, path: str) -> None:
        self.set_value("files/recent", [p for p in self.recent_files() if p != path])

    def sync(self) -> None:
        if self._memory is None:
            self._qs.sync()
