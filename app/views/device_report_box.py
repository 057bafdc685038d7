"""The "Device report" box: what the cart itself measured and concluded (GE 12SL, Philips DXL...).

Shown beside LeadSynth's own numbers and never mixed with them: the title names the device
and the program that made the report, so a reader cannot take the cart's QTc for LeadSynth's.
Hidden when the file carries no report (WFDB, HDF5, EDF).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from leadsynth_core.io import measurement_rows

__all__ = ["DeviceReportBox"]


class DeviceReportBox(QGroupBox):
    """Measurements (label: value unit) and the interpretation statements of a device report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Device report", parent)
        self.setObjectName("deviceReport")
        self.source = QLabel()
        self.source.setWordWrap(True)
        font = self.source.font()
        font.setItalic(True)
        self.source.setFont(font)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(1)
        self.statements = QLabel()
        self.statements.setWordWrap(True)
        self.statements.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.source)
        lay.addLayout(self.form)
        lay.addWidget(self.statements)
        #: (label, value) rows shown, for tests and the screenshot review.
        self.rows: list[tuple[str, str]] = []
        self.set_report(None)

    def set_report(self, report: Mapping[str, Any] | None) -> None:
        """Show ``metadata["device_report"]`` (None or empty: the box hides)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.rows = []
        if not report:
            self.setVisible(False)
            return
        device = report.get("device") or "device"
        self.setTitle(f"Device report: {device}")
        self.source.setText(f"the device's own measurements and interpretation ({report.get('source', '')}), "
                            "not LeadSynth's")
        self.rows = measurement_rows(report)
        for label, value in self.rows:
            val = QLabel(value)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(label + ":", val)
        statements = [str(s) for s in report.get("statements", ())]
        self.statements.setText("\n".join(f"\u2022 {s}" for s in statements) if statements else "the file holds no interpretation statements")
        self.setVisible(True)
