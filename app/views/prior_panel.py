"""The "Prior ECG" panel: this ECG against a prior 12-lead of the same patient.

A reader writes "compared with the ECG of 1 October: new ST elevation in V2-V4".  The panel
shows that comparison (:class:`~app.controllers.prior.PriorController`): identity cautions
first (another patient, a "prior" recorded later, the same recording), then the global
values (prior, now, change), the ST level at J+60 and the T polarity of every lead with a
verdict, and the findings.  A synthesized lead's change is read with its band: "open" where
the band reaches across a change of 0.1 mV (or across zero at the T peak), so a change is
claimed only where it survives the band (``benchmarks/serial_change.py``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.measurement.compare import ST_FINDING_MV
from leadsynth_core.measurement.serial import LeadChange, SerialComparison, no_change_sentence

from ..controllers.prior import PriorController
from .active_panel import ActivePanel
from .dock_label import dock_note
from .measurements_panel import FLAG_BRUSH, SYNTH_BRUSH

#: An open verdict: neither claimed nor excluded.
OPEN_BRUSH = QBrush(QColor(255, 236, 179))
GLOBAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Heart rate", "heart_rate_bpm", "bpm"), ("PR", "pr_ms", "ms"), ("QRS", "qrs_ms", "ms"), ("QT", "qt_ms", "ms"),
    ("QTc Fridericia", "qtc_fridericia_ms", "ms"), ("QTc Bazett", "qtc_bazett_ms", "ms"),
    ("P axis", "axis_p_deg", "°"), ("QRS axis", "axis_qrs_deg", "°"), ("T axis", "axis_t_deg", "°"),
)
#: Per lead, verdicts first (the dock is narrow; what follows may need scrolling): the ST
#: verdict, the ST J+60 change (± the band of a synthesized lead), the T verdict, the T
#: polarity (prior → now), the ST J+60 levels (prior → now, mV), and for a synthesized lead
#: the PCC this model reached on the prior ECG (synthesized there from the same inputs).
LEAD_HEADERS = ("ST", "change", "T", "T prior → now", "ST prior → now", "PCC on prior")
#: T polarity in a narrow cell (the tooltip says it in words).
POLARITY_SIGN = {"positive": "+", "negative": "−", "flat": "flat", "biphasic": "±"}
#: What a verdict reads in the table (the data's words, shortened where "undecided" means open).
VERDICT_TEXT = {"higher": "higher", "lower": "lower", "unchanged": "unchanged", "undecided": "open",
                "new inversion": "new inversion", "now upright": "now upright"}
FLAG_VERDICTS = ("higher", "lower", "new inversion", "now upright")


def _num(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if unit in ("bpm", "ms", "°") else f"{v:+.2f}"


#: Below this PCC on the prior ECG a lead is weak for this patient: personalization is suggested.
WEAK_ON_PRIOR_PCC = 0.7
#: The tooltip of the "PCC on prior" column.
PRIOR_PCC_TIP = ("This model on the prior ECG: the prior's own recorded input leads synthesized this lead, scored "
                 "against the prior's recorded lead (the viewer's reference). How far to trust this lead for this "
                 "patient, beside the model's population figure in the Scores dock.")


def model_check_text(scores: dict | None, note: str | None) -> str:
    """The dock's line on how this model did on the prior ECG (rich text)."""
    if note is None:
        return ""
    if scores is None:
        return html.escape(note[:1].upper() + note[1:]) + ("" if note.startswith("not checked") else " on the prior ECG…")
    pccs = {lead: s.pcc for lead, s in scores.items() if s.pcc == s.pcc}
    if not pccs:
        return f"<b>This model on the prior ECG</b> ({html.escape(note)}): nothing could be scored."
    worst = min(pccs, key=pccs.__getitem__)
    mean = sum(pccs.values()) / len(pccs)
    text = (f"<b>This model on the prior ECG</b> ({html.escape(note)}, synthesized there and scored against its "
            f"recorded leads): mean PCC {mean:.2f}, weakest {worst} {pccs[worst]:.2f} (per lead: last column).")
    if pccs[worst] < WEAK_ON_PRIOR_PCC:
        # Malpani et al.: a personal model gains most where the general model is weakest.
        text += (" Weak for this patient: a model personalized on their past 12-lead ECGs (Leads ▸ Personalize the "
                 "model for this patient…, Ctrl+Shift+P) gains most where the general model is weakest.")
    return text


def st_tip(c: LeadChange) -> str:
    """Why the ST verdict of one lead is what it is (the cell's tooltip)."""
    if c.st_verdict is None:
        return "ST level not measured on one of the two ECGs"
    change = c.st_change_mv or 0.0
    if c.st_band_mv is None:
        return (f"ST at J+60 {c.st_prior_mv:+.2f} mV on the prior ECG, {c.st_now_mv:+.2f} mV now ({c.provenance}): "
                f"a change of {change:+.2f} mV against the {ST_FINDING_MV:g} mV (one small box) a reader calls a change.")
    lo, hi = change - c.st_band_mv, change + c.st_band_mv
    says = {"higher": "the rise survives the band", "lower": "the fall survives the band",
            "unchanged": "no change of that size even at the band's edges",
            "undecided": "the band reaches across that size: a change can be neither claimed nor excluded"}
    return (f"Synthesized ST at J+60 {c.st_now_mv:+.2f} ±{c.st_band_mv:.2f} mV (90 % band) against {c.st_prior_mv:+.2f} "
            f"mV measured on the prior ECG: the true change lies between {lo:+.2f} and {hi:+.2f} mV; "
            f"against {ST_FINDING_MV:g} mV, {says[c.st_verdict]}.")


class PriorPanel(ActivePanel):
    """The comparison of a :class:`PriorController`, with buttons to choose or drop the prior."""

    #: The reader asked to choose a prior ECG (the shell opens the file dialog).
    choose_requested = Signal()

    def __init__(self, controller: PriorController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._ctl: PriorController = controller
        self.info = dock_note()
        self.cautions = dock_note()
        self.cautions.setStyleSheet("color: #b00020; font-weight: bold")
        self.findings = dock_note()
        self.model_note = dock_note()
        self.choose_button = QPushButton("Choose prior ECG…")
        self.choose_button.setToolTip("A prior 12-lead ECG of the same patient: its leads, as recorded, are what "
                                      "this ECG's changes are measured against")
        self.choose_button.clicked.connect(self.choose_requested)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(controller.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        self.global_table = QTableWidget(len(GLOBAL_ROWS), 3)
        self.global_table.setHorizontalHeaderLabels(["prior", "now", "change"])
        self.global_table.setVerticalHeaderLabels([r[0] for r in GLOBAL_ROWS])
        self.global_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lead_table = QTableWidget(0, len(LEAD_HEADERS))
        self.lead_table.setHorizontalHeaderLabels(list(LEAD_HEADERS))
        self.lead_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for table in (self.global_table, self.lead_table):
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # The notes scroll in their own area: with many open changes they would otherwise push
        # the tables, which a reader needs whole, off the dock.
        notes = QWidget()
        notes_lay = QVBoxLayout(notes)
        notes_lay.setContentsMargins(0, 0, 0, 0)
        for label in (self.info, self.cautions, self.findings, self.model_note):
            notes_lay.addWidget(label)
        notes_lay.addStretch(1)
        self.notes_area = QScrollArea()
        self.notes_area.setWidget(notes)
        self.notes_area.setWidgetResizable(True)
        self.notes_area.setFrameShape(QFrame.Shape.NoFrame)
        self.notes_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.notes_area, 3)
        lay.addWidget(self.global_table, 2)
        lay.addWidget(self.lead_table, 3)
        controller.changed.connect(self.refresh)
        self.refresh()

    # ---------------------------------------------------------------- public
    def cell_text(self, lead: str, column: str) -> str:
        """Text of one cell of the per-lead table (lead, column header)."""
        t = self.lead_table
        r = next(i for i in range(t.rowCount()) if t.verticalHeaderItem(i).text().split()[0] == lead)
        item = t.item(r, LEAD_HEADERS.index(column))
        return item.text() if item is not None else ""

    def cell_item(self, lead: str, column: str) -> QTableWidgetItem:
        t = self.lead_table
        r = next(i for i in range(t.rowCount()) if t.verticalHeaderItem(i).text().split()[0] == lead)
        return t.item(r, LEAD_HEADERS.index(column))

    def global_text(self, row: str, column: str) -> str:
        t = self.global_table
        r = next(i for i in range(t.rowCount()) if t.verticalHeaderItem(i).text() == row)
        c = ("prior", "now", "change").index(column)
        item = t.item(r, c)
        return item.text() if item is not None else ""

    # --------------------------------------------------------------- private
    def refresh(self) -> None:
        ctl = self._ctl
        self.global_table.clearContents()
        self.lead_table.setRowCount(0)
        self.cautions.setText("")
        self.cautions.setVisible(False)
        self.findings.setText("")
        self.model_note.setText("")
        self.clear_button.setEnabled(ctl.path is not None)
        for table in (self.global_table, self.lead_table):
            table.setVisible(ctl.comparison is not None)
        if ctl.path is None:
            self.info.setText("No prior ECG. Choose a prior 12-lead ECG of this patient to read this one against it: "
                              "changes of the ST level, the T waves and the intervals, synthesized leads with their "
                              "band.")
            return
        name = html.escape(ctl.path.name + (f" [{ctl.key}]" if ctl.key else ""))
        if ctl.loading:
            self.info.setText(f"Reading and measuring the prior ECG {name}…")
            return
        if ctl.error:
            self.info.setText(f"<b>The prior ECG {name} could not be read</b>: {html.escape(ctl.error)}")
            return
        cmp = ctl.comparison
        if cmp is None:
            self.info.setText(f"Prior ECG {name}: waiting for this ECG's measurements…")
            return
        self._fill(cmp, name)

    def _fill(self, cmp: SerialComparison, name: str) -> None:
        rec = self._ctl.record
        when = f", recorded {cmp.prior_recorded_at:%Y-%m-%d %H:%M}" if cmp.prior_recorded_at else ", no recording time"
        who = f", patient {html.escape(rec.patient_id)}" if rec is not None and rec.patient_id else ""
        synth = any(c.provenance == "synthesized" for c in cmp.leads.values())
        self.info.setText(
            f"Against the prior ECG <b>{name}</b>{when}{who} (its first 10 s as recorded; this ECG: the 10 s from the "
            "page start). Change = now - prior"
            + ("; synthesized leads tinted and read with their 90 % band: <i>open</i> where it reaches across "
               f"a change of {ST_FINDING_MV:g} mV." if synth else ".")
            + (" The measured truth's change in brackets." if self._ctl.truth_comparison is not None else ""))
        self.cautions.setVisible(bool(cmp.cautions))
        if cmp.cautions:
            self.cautions.setText("<br>".join(f"⚠ {html.escape(c[:1].upper() + c[1:])}" for c in cmp.cautions))
        claimed, left_open = cmp.claimed(), cmp.left_open()
        text = ("<b>Changes</b>:<br>" + "<br>".join(f"• {html.escape(f)}" for f in claimed) if claimed else
                f"<b>No change</b> {html.escape(no_change_sentence().removeprefix('no change '))}.")
        if left_open:
            text += ("<br><b>Open</b> (neither claimed nor excluded):<br>"
                     + "<br>".join(f"• {html.escape(f)}" for f in left_open))
        self.findings.setText(text)
        basis = self._ctl.now_basis
        truth = self._ctl.truth_comparison
        for r, (_label, key, unit) in enumerate(GLOBAL_ROWS):
            prior, now, change = cmp.global_change[key]
            true_change = truth.global_change[key][2] if truth is not None and basis and change is not None else None
            cells = (_num(prior, unit), _num(now, unit), ("" if change is None else f"{change:+.0f}")
                     + ("" if true_change is None else f" ({true_change:+.0f})"))
            said = cmp.global_said.get(key)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1 and basis:
                    item.setBackground(SYNTH_BRUSH)
                    item.setToolTip(f"Read partly on synthesized leads ({', '.join(basis)})")
                if c == 2 and said is not None:
                    item.setBackground(FLAG_BRUSH if said[1] else OPEN_BRUSH)
                    item.setToolTip(said[0])
                self.global_table.setItem(r, c, item)
        rows = list(cmp.leads.values())
        check = self._ctl.model_check
        self.model_note.setText(model_check_text(self._ctl.model_check, self._ctl.model_check_note))
        self.lead_table.setRowCount(len(rows) + len(cmp.not_compared))
        # A synthesized lead says so in its row header too (and its row is tinted).
        self.lead_table.setVerticalHeaderLabels(
            [c.lead + (" synth." if c.provenance == "synthesized" else "") for c in rows] + list(cmp.not_compared))
        for r, c in enumerate(rows):
            synthesized = c.provenance == "synthesized"
            change = "-" if c.st_change_mv is None else f"{c.st_change_mv:+.2f}"
            if c.st_band_mv is not None and c.st_change_mv is not None:
                change += f" ±{c.st_band_mv:.2f}"
            # Where the file holds the synthesized lead's truth: the true change in brackets.
            tc = truth.leads.get(c.lead) if truth is not None and synthesized else None
            if tc is not None and tc.st_change_mv is not None:
                change += f" ({tc.st_change_mv:+.2f})"
            t_now = POLARITY_SIGN.get(c.t_now or "", "-") + ("?" if c.t_now_uncertain else "")
            on_prior = check.get(c.lead) if check is not None and synthesized else None
            cells = (VERDICT_TEXT.get(c.st_verdict or "", "-"), change, VERDICT_TEXT.get(c.t_verdict or "", "-"),
                     f"{POLARITY_SIGN.get(c.t_prior or '', '-')} → {t_now}",
                     f"{_num(c.st_prior_mv, 'mV')} → {_num(c.st_now_mv, 'mV')}",
                     "" if on_prior is None else f"{on_prior.pcc:.2f}")
            t_tip = (f"T wave {c.t_prior or 'not measured'} on the prior ECG, {c.t_now or 'not measured'} now "
                     f"({c.provenance})"
                     + (": the synthesized T wave's band at its peak reaches across zero, so its polarity is "
                        "uncertain and no change of it is claimed." if c.t_now_uncertain else "."))
            if tc is not None:
                t_tip += f" Measured truth: T {tc.t_prior or '-'} → {tc.t_now or '-'}, {tc.t_verdict or 'no verdict'}."
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if synthesized:
                    item.setBackground(SYNTH_BRUSH)
                if col == 5:
                    item.setToolTip(PRIOR_PCC_TIP)
                    self.lead_table.setItem(r, col, item)
                    continue
                item.setToolTip(t_tip if col in (2, 3) else st_tip(c) + (
                    f" Measured truth: change {tc.st_change_mv:+.2f} mV, {VERDICT_TEXT[tc.st_verdict]}."
                    if tc is not None and tc.st_verdict is not None else ""))
                verdict = c.st_verdict if col == 0 else c.t_verdict if col == 2 else None
                if verdict in FLAG_VERDICTS:
                    item.setBackground(FLAG_BRUSH)
                elif verdict == "undecided":
                    item.setBackground(OPEN_BRUSH)
                self.lead_table.setItem(r, col, item)
        for r, why in enumerate(cmp.not_compared.values(), start=len(rows)):
            item = QTableWidgetItem(f"not compared: {why}")
            self.lead_table.setItem(r, 0, item)
            self.lead_table.setSpan(r, 0, 1, len(LEAD_HEADERS))
