"""Who and what is open: patient, age/sex, date, device, rate, duration, every lead's provenance,
and the cart's own report (hospital exports) in a "Device report" box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.record import Provenance

from ..render.theme import LIGHT
from ..state.demographics import demographics_text
from ..state.document import ViewerDocument
from .device_report_box import DeviceReportBox


def _fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    h, rem = divmod(int(round(seconds)), 3600)
    m, s = divmod(rem, 60)
    return f"{h:d} h {m:02d} min {s:02d} s" if h else f"{m:d} min {s:02d} s"


class RecordPanel(QWidget):
    def __init__(self, document: ViewerDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = document
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for name in ("File", "Format", "Patient", "Age, sex", "Recorded", "Device", "Rate", "Duration", "Notes"):
            lab = QLabel("-")
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lab.setWordWrap(True)
            self.fields[name] = lab
            form.addRow(name + ":", lab)
        self.leads = QTableWidget(0, 3)
        self.leads.setHorizontalHeaderLabels(["Lead", "In file", "Shown as"])
        self.leads.verticalHeader().setVisible(False)
        self.leads.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.leads.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.leads.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.leads.verticalHeader().setDefaultSectionSize(19)
        #: Shown only for a long recording: the file is never held whole.
        self.long_note = QLabel()
        self.long_note.setWordWrap(True)
        self.long_note.setVisible(False)
        #: What the cart measured and concluded (MUSE, Philips, CardioSoft, DICOM, aECG).
        self.device_report = DeviceReportBox(self)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.long_note)
        lay.addWidget(self.device_report)
        lay.addWidget(self.leads, 1)
        document.record_changed.connect(self.refresh)
        document.result_changed.connect(self.refresh)
        document.window_changed.connect(self.refresh)
        document.synthesis_state_changed.connect(lambda *_: self.refresh())  # "pending" ends on failure too
        self.refresh()

    def refresh(self) -> None:
        rec = self._doc.record
        if rec is None:
            for lab in self.fields.values():
                lab.setText("-")
            self.leads.setRowCount(0)
            self.long_note.setVisible(False)
            self.device_report.set_report(None)
            return
        name = self._doc.path.name if self._doc.path else (rec.source or "-")
        if self._doc.key:
            name += f" [{self._doc.key}]"
        self.fields["File"].setText(name)
        self.fields["File"].setToolTip(str(self._doc.path or rec.source or ""))
        patient = rec.patient_id or "-"
        if rec.metadata.get("synthetic_demo"):
            patient += "  (synthetic demo, not a patient)"
        self.fields["Patient"].setText(patient)
        self.fields["Age, sex"].setText(demographics_text(rec))
        self.fields["Recorded"].setText(rec.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if rec.recorded_at else "-")
        # Two rows: the file format is not the device (a WFDB file read "Device: wfdb").
        self.fields["Format"].setText(str(rec.metadata.get("format") or "-"))
        self.fields["Device"].setText(str(rec.metadata.get("device") or "-"))
        self.device_report.set_report(rec.metadata.get("device_report"))
        self.fields["Rate"].setText(f"{rec.fs:g} Hz")
        self.fields["Duration"].setText(f"{_fmt_duration(self._doc.duration)} ({self._doc.n_samples:,} samples)")
        self.long_note.setVisible(self._doc.is_long)
        if self._doc.is_long:
            self.long_note.setText(f"<b>long recording: shown window by window</b><br>"
                                   f"loaded {self._doc.score_scope()}")
        # What the reader had to assume or correct (a missing rate, inconsistent gains...):
        # a reviewer must see it next to the traces, not only in a log.
        notes = [f"Changed after reading: {step}" for step in rec.processing]  # the audit trail first
        notes += list(rec.metadata.get("notes", ()))
        if rec.metadata.get("fs_assumed"):
            notes.append(f"sampling rate not stored in the file; {rec.fs:g} Hz assumed")
        self.fields["Notes"].setText("\n".join(notes) or "-")
        res = self._doc.result
        names = list(res.lead_names) if res is not None else []
        names += [n for n in rec.lead_names if n not in names]
        self.leads.setRowCount(len(names))
        bold = QFont()
        bold.setBold(True)
        for row, lead in enumerate(names):
            in_file = rec.provenance_of(lead).value if lead in rec.lead_names else "absent"
            shown = res.provenance_of(lead) if res is not None and lead in res.lead_names else None
            if shown is None:
                # While the synthesis runs only the leads it will produce are pending: the
                # measured inputs are drawn as read.
                shown_text = "pending" if self._doc.lead_pending(lead) else in_file
            elif shown is Provenance.SYNTHESIZED:
                shown_text = "SYNTHESIZED"
            else:
                shown_text = shown.value
            items = [QTableWidgetItem(lead), QTableWidgetItem(in_file), QTableWidgetItem(shown_text)]
            if shown is Provenance.SYNTHESIZED:
                items[2].setForeground(QColor(LIGHT.synthesized))
                items[2].setFont(bold)
            if shown is Provenance.SYNTHESIZED:
                items[2].setToolTip(f"synthesized by {self._doc.model_name}")
            for col, item in enumerate(items):
                self.leads.setItem(row, col, item)
