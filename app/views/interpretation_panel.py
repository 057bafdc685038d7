"""The "Interpretation" dock and the dialog in which a reader files one.

The dock shows the recording's interpretation in force (reader, time, what it was read on, the
text), a caution when the page now shows the recording otherwise than the reader saw it, and
the earlier interpretations it amends, newest first.  The dialog states what the reader is
shown before they write (a reconstruction is named as one, in the synthesized leads' amber),
and files the text with that context (:class:`~app.controllers.interpretation.InterpretationController`).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from leadsynth_core.library import Interpretation, ReadingContext
from leadsynth_core.library.interpretations import standard_statements

from ..controllers.interpretation import InterpretationController
from .caution_bar import CAUTION_COLORS
from .dock_label import dock_note
from .plain_dialog import PlainEnterDialog

__all__ = ["InterpretationPanel", "InterpretationDialog"]

#: The text box's least height in the dock (px): a short interpretation is read without scrolling.
TEXT_MIN_HEIGHT_PX = 140
#: A statement about a reconstruction, or a page that differs from what was read: the caution bar's amber.
RECONSTRUCTION_STYLE = (f"background: {CAUTION_COLORS[0]}; border: 1px solid {CAUTION_COLORS[1]}; "
                        f"color: {CAUTION_COLORS[2]}; padding: 4px;")


def _entry_html(entry: Interpretation, current: bool) -> str:
    amended = f", amending #{entry.amends}" if entry.amends is not None else ""
    head = f"#{entry.id} {html.escape(entry.reader)}, {entry.local_time()}{amended}"
    body = "<br>".join(html.escape(line) for line in entry.text.splitlines())
    read_on = html.escape("Read on " + entry.context.describe())
    if current:  # the text first: it is what the dock is for
        return f"<p><b>{head}</b><br>{body}<br><i style='color:#555'>{read_on}</i></p><hr>"
    return f"<p style='color:#666'>{head}<br>{body}<br><i>{read_on}</i></p>"


class InterpretationPanel(QWidget):
    """The Interpretation dock: the one in force, a caution when the page differs, the history."""

    #: The reader asked to write (or amend) the interpretation.
    write_requested = Signal()

    def __init__(self, controller: InterpretationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.status = dock_note()
        # Top-aligned: with no interpretation yet the note stays under the dock's title.
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.caution = dock_note()
        self.caution.setStyleSheet(RECONSTRUCTION_STYLE)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        # Room for a few lines of text beside the Record dock (it scrolls beyond them).
        self.text.setMinimumHeight(TEXT_MIN_HEIGHT_PX)
        self.write_button = QPushButton("Interpret…")
        self.write_button.clicked.connect(self.write_requested)
        for widget in (self.status, self.caution, self.text, self.write_button):
            layout.addWidget(widget, 1 if widget is self.text else 0)
        controller.changed.connect(self.refresh)
        doc = controller.document
        for signal in (doc.result_changed, doc.inputs_changed, doc.record_changed):
            signal.connect(self.refresh)
        controller.state.changed.connect(lambda what: self.refresh() if what == "mode" else None)
        self.refresh()

    def refresh(self) -> None:
        ctl = self.controller
        cur = ctl.current
        if ctl.status:
            self.status.setText(html.escape(ctl.status[:1].upper() + ctl.status[1:]))
        elif cur is None:
            self.status.setText("Not interpreted yet.")
        else:
            earlier = len(ctl.entries) - 1
            self.status.setText(f"Interpretation in force{f' (amends {earlier} earlier)' if earlier else ''}:")
        other = ctl.differs()
        self.caution.setVisible(other is not None)
        if other is not None and cur is not None:
            self.caution.setText(f"The page differs from what this was read on: it shows {other}.")
        entries = list(reversed(ctl.entries))
        self.text.setVisible(bool(entries))
        self.text.setHtml("".join(_entry_html(e, i == 0) for i, e in enumerate(entries)))
        self.write_button.setText("Amend…" if cur is not None else "Interpret…")
        self.write_button.setEnabled(ctl.ready)


class InterpretationDialog(PlainEnterDialog):
    """Write an interpretation: what the reader is shown, the one it amends, reader and text.
    Enter inserts a statement or ends a line; it never files (only the button does)."""

    def __init__(self, context: ReadingContext, current: Interpretation | None, reader: str,
                 cautions: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Amend the interpretation" if current is not None else "Interpret this ECG")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        # What the electrode checks found comes first: it changes what every lead means.
        self.cautions = QLabel("<br>".join(f"<b>{html.escape(c)}</b>" for c in cautions))
        self.cautions.setWordWrap(True)
        self.cautions.setStyleSheet(RECONSTRUCTION_STYLE)
        self.cautions.setVisible(bool(cautions))
        layout.addWidget(self.cautions)
        self.shown = QLabel(f"You are reading {html.escape(context.describe())}. This is filed with your "
                            "interpretation and printed with it.")
        self.shown.setWordWrap(True)
        self.shown.setTextFormat(Qt.TextFormat.RichText)
        if context.on_reconstruction:
            self.shown.setStyleSheet(RECONSTRUCTION_STYLE)
        layout.addWidget(self.shown)
        self.amends: QLabel | None = None
        if current is not None:
            amends = self.amends = QLabel(f"This amends interpretation #{current.id} ({html.escape(current.reader)}, "
                            f"{current.local_time()}; read on {html.escape(current.context.describe())}). "
                            "It stays in the library's history.")
            amends.setWordWrap(True)
            layout.addWidget(amends)
        form = QFormLayout()
        self.reader = QLineEdit(reader)
        self.reader.setPlaceholderText("name, as it is to be printed")
        form.addRow("Reader:", self.reader)
        layout.addLayout(form)
        self.text = QPlainTextEdit(current.text if current is not None else "")
        self.text.setPlaceholderText("Rhythm, rate, axis, intervals, ST and T findings, conclusion…")
        # Standard statements, found by any part of their words, inserted where the cursor is.
        self.statement = QComboBox()
        self.statement.setEditable(True)
        self.statement.addItems(standard_statements())
        self.statement.setCurrentIndex(-1)
        self.statement.lineEdit().setPlaceholderText("type to find a standard statement…")
        self.statement.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.statement.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.insert_button = QPushButton("Insert")
        self.insert_button.clicked.connect(self.insert_statement)
        self.statement.lineEdit().returnPressed.connect(self.insert_statement)
        row = QHBoxLayout()
        row.addWidget(QLabel("Statement:"))
        row.addWidget(self.statement, 1)
        row.addWidget(self.insert_button)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.file_button = self.buttons.addButton("File interpretation", QDialogButtonBox.ButtonRole.AcceptRole)
        for button in (*self.buttons.buttons(), self.insert_button):
            button.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # An amendment that repeats the text on the same view would add a row and say nothing
        # new; the same text read on another view (the recorded 12-lead) confirms it.
        self._repeat = current.text.strip() if current is not None and current.context == context else None
        for signal in (self.reader.textChanged, self.text.textChanged):
            signal.connect(self._update)
        self._update()

    def insert_statement(self) -> None:
        """Put the chosen statement, as a sentence, where the text's cursor is."""
        statement = self.statement.currentText().strip().rstrip(".")
        if not statement:
            return
        cursor = self.text.textCursor()
        before = self.text.toPlainText()[:cursor.position()]
        lead = " " if before and not before.endswith((" ", "\n")) else ""
        cursor.insertText(f"{lead}{statement}. ")
        self.text.setTextCursor(cursor)
        self.statement.setCurrentIndex(-1)
        self.statement.clearEditText()
        self.text.setFocus()

    def values(self) -> tuple[str, str]:
        """The reader's name and the text, stripped."""
        return self.reader.text().strip(), self.text.toPlainText().strip()

    def _update(self) -> None:
        reader, text = self.values()
        self.file_button.setEnabled(bool(reader) and bool(text) and text != self._repeat)
