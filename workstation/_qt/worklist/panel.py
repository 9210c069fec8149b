"""The worklist panel: counts per status, filters saved per user, the exam table (STAT rows highlighted),
a banner while a source or the store is away, and a notice for new STAT orders that never takes the
keyboard focus from the reading in progress.

Store calls run on a worker (BackgroundTasks): with a shared PostgreSQL they can take a moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QTableView, QToolButton, QVBoxLayout,
    QWidget,
)

from workstation._qt.background import BackgroundTasks
from workstation._qt.worklist.table_model import ACCESSION_ROLE, SORT_ROLE, WorklistTableModel
from workstation.worklist.columns import COLUMN_TITLES, counts_text, patient_text, status_counts
from workstation.worklist.exam import Exam, Priority, ReadingStatus
from workstation.worklist.filters import DEFAULT_STATUSES, WorklistFilter, save_filter
from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.store import LockResult

log = logging.getLogger(__name__)

REFRESH_MS = 5000


class WorklistPanel(QWidget):
    """``study_requested(study_uid, accession, read_only)`` asks the window to show an exam's images;
    ``stat_announced(text)`` and ``message(text)`` are for the status bar."""

    study_requested = Signal(str, str, bool)
    stat_announced = Signal(str)
    message = Signal(str)

    def __init__(self, session: ReaderSession, worklist_filter: WorklistFilter | None = None,
                 problems: Callable[[], dict[str, str]] | None = None, refresh_ms: int = REFRESH_MS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.filter = worklist_filter or WorklistFilter()
        # which exams the reader may see (security.access sets it once the station has user accounts)
        self.visible_exams: Callable[[list[Exam]], list[Exam]] = lambda exams: exams
        # rows with no patient data for the exams left out (everything, visible) -> restricted rows
        self.restricted_rows: Callable[[list[Exam], list[Exam]], list[Exam]] = lambda everything, visible: []
        self.restricted_accessions: set[str] = set()
        self.problems = problems or dict
        self.tasks = BackgroundTasks(self, max_threads=1)
        self.current_accession = ""
        self.all_exams: list[Exam] = []
        self._known_stat: set[str] | None = None
        self._store_problem = ""
        self._refreshing = False

        self.counts = QLabel()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #b36b00; color: white; padding: 4px")
        self.banner.hide()
        self.announcement = QLabel()
        self.announcement.setStyleSheet("background: #8b1a1a; color: white; font-weight: bold; padding: 4px")
        self.announcement.hide()
        self.modality_filter = self._list_filter(self.filter.modalities, "Modality (CT, MR…)")
        self.body_part_filter = self._list_filter(self.filter.body_parts, "Body part (CHEST, HEAD…)")
        self.site_filter = self._list_filter(self.filter.sites, "Site")
        self.search = QLineEdit(self.filter.search)
        self.search.setPlaceholderText("Search patient, ID, accession")
        self.status_filter = QToolButton()
        self.status_filter.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_filter.setToolTip("Statuses listed")
        self.status_menu = QMenu(self.status_filter)
        self.status_actions: dict[str, QAction] = {}
        for status in ReadingStatus:
            if status == ReadingStatus.CANCELLED:
                continue
            action = self.status_menu.addAction(status.label.capitalize())
            action.setCheckable(True)
            action.setChecked(not self.filter.statuses or status.value in self.filter.statuses)
            action.toggled.connect(self._filters_changed)
            self.status_actions[status.value] = action
        self.status_filter.setMenu(self.status_menu)
        self.mine = QCheckBox("Mine")
        self.mine.setChecked(self.filter.mine_only)
        # Tab moves through the filters (worklist.filter puts the focus on the first); the table keeps its keys
        for widget in (self.modality_filter, self.body_part_filter, self.site_filter, self.search,
                       self.status_filter, self.mine):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.search.textChanged.connect(self._filters_changed)
        self.mine.toggled.connect(self._filters_changed)
        self._show_status_choice()

        self.model = WorklistTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        if self.filter.sort_column in COLUMN_TITLES:
            order = Qt.SortOrder.DescendingOrder if self.filter.sort_descending else Qt.SortOrder.AscendingOrder
            self.table.sortByColumn(COLUMN_TITLES.index(self.filter.sort_column), order)
        else:  # the store's reading order (STAT, emergency, longest waiting) until a header is clicked
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.activated.connect(lambda _index: self.open_selected())

        filters = QHBoxLayout()
        for widget in (self.modality_filter, self.body_part_filter, self.site_filter):
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.mine)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.counts)
        layout.addWidget(self.banner)
        layout.addWidget(self.announcement)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.timeout.connect(self.refresh)
        self.refresh_timer.start(refresh_ms)
        self.lease_timer = QTimer(self)
        self.lease_timer.timeout.connect(self._renew_leases)
        self.lease_timer.start(max(1000, int(session.lease_seconds * 1000 / 3)))

    # --- showing the list ---
    def refresh(self) -> None:
        """Re-read the list in the worker; skipped while a read is still running (a slow database)."""
        if self._refreshing:
            return
        self._refreshing = True
        store = self.session.store

        def read() -> tuple[list[Exam], list[Exam]]:
            everything = store.exams()
            visible = self.visible_exams(everything)
            return visible, self.restricted_rows(everything, visible)

        self.tasks.submit(read, self._show, self._store_failed, "Reading the worklist")

    def _show(self, listing: tuple[list[Exam], list[Exam]]) -> None:
        exams, restricted = listing
        self._refreshing = False
        self._store_problem = ""
        self.all_exams = sorted(exams + restricted, key=Exam.reading_order)
        self.restricted_accessions = {exam.accession_number for exam in restricted}
        self.counts.setText(counts_text(status_counts(exams)))  # only what this reader may see
        self._announce_new_stat(exams)
        self._apply_filter()
        self._show_problems()

    def _store_failed(self, message: str) -> None:
        self._refreshing = False
        self._store_problem = message
        self._show_problems()

    def _show_problems(self) -> None:
        problems = [f"{source}: {text}" for source, text in self.problems().items()]
        if self._store_problem:
            problems.insert(0, self._store_problem)
        self.banner.setText("\n".join(problems))
        self.banner.setVisible(bool(problems))

    def _apply_filter(self) -> None:
        selected = self.selected_accession()
        self.model.set_exams(self.filter.apply(self.all_exams, self.session.user))
        if selected:
            self.select(selected)

    def _announce_new_stat(self, exams: list[Exam]) -> None:
        stat = {exam.accession_number: exam for exam in exams
                if exam.priority == Priority.STAT and exam.status != ReadingStatus.FINAL}
        if self._known_stat is None:
            self._known_stat = set(stat)
            return
        new = [stat[accession] for accession in stat if accession not in self._known_stat]
        self._known_stat = set(stat)
        if not new:
            return
        text = "New STAT: " + "; ".join(
            f"{exam.procedure or exam.modality} — {patient_text(exam)}" + (" (ED)" if exam.emergency else "")
            for exam in new
        )
        self.announcement.setText(text)
        self.announcement.show()
        QApplication.beep()
        log.info("new STAT orders announced: %d", len(new))
        self.stat_announced.emit(text)

    def _list_filter(self, values: list[str], placeholder: str) -> QLineEdit:
        """A comma-separated choice (e.g. "CT, MR"), applied when the reader leaves the field or presses Enter."""
        edit = QLineEdit(", ".join(values))
        edit.setPlaceholderText(placeholder)
        edit.editingFinished.connect(self._filters_changed)
        return edit

    def focus_filters(self) -> None:
        """The worklist.filter key: the first filter takes the keyboard (Tab goes on to the others)."""
        self.modality_filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.modality_filter.selectAll()

    def _show_status_choice(self) -> None:
        chosen = [value for value, action in self.status_actions.items() if action.isChecked()]
        if not chosen or len(chosen) == len(self.status_actions):
            text = "All statuses"
        elif sorted(chosen) == sorted(DEFAULT_STATUSES):
            text = "Not final"
        else:
            text = ", ".join(ReadingStatus(value).label for value in chosen)
        self.status_filter.setText(text)

    def set_filter(self, worklist_filter: WorklistFilter) -> None:
        """Show another saved filter (a new user's) in the widgets and apply it, without saving it again."""
        self.filter = worklist_filter
        widgets = (self.modality_filter, self.body_part_filter, self.site_filter, self.search, self.mine,
                   *self.status_actions.values())
        for widget in widgets:
            widget.blockSignals(True)
        self.modality_filter.setText(", ".join(worklist_filter.modalities))
        self.body_part_filter.setText(", ".join(worklist_filter.body_parts))
        self.site_filter.setText(", ".join(worklist_filter.sites))
        self.search.setText(worklist_filter.search)
        self.mine.setChecked(worklist_filter.mine_only)
        for value, action in self.status_actions.items():
            action.setChecked(not worklist_filter.statuses or value in worklist_filter.statuses)
        for widget in widgets:
            widget.blockSignals(False)
        self._show_status_choice()
        self._apply_filter()

    def _filters_changed(self) -> None:
        def words(edit: QLineEdit) -> list[str]:
            return [part.strip().upper() for part in edit.text().split(",") if part.strip()]

        self.filter.modalities = words(self.modality_filter)
        self.filter.body_parts = words(self.body_part_filter)
        self.filter.sites = [part.strip() for part in self.site_filter.text().split(",") if part.strip()]
        self.filter.search = self.search.text().strip()
        self.filter.mine_only = self.mine.isChecked()
        chosen = [value for value, action in self.status_actions.items() if action.isChecked()]
        # none ticked would hide everything: like all ticked, it lists every status
        self.filter.statuses = [] if len(chosen) == len(self.status_actions) else chosen
        self._show_status_choice()
        self._save_filter()
        self._apply_filter()

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        self.filter.sort_column = COLUMN_TITLES[column] if 0 <= column < len(COLUMN_TITLES) else ""
        self.filter.sort_descending = order == Qt.SortOrder.DescendingOrder
        self._save_filter()

    def _save_filter(self) -> None:
        try:
            save_filter(self.filter)
        except OSError as error:
            log.error("worklist filters not saved: %s", error)
            self.message.emit(f"Your worklist filters could not be saved ({error.strerror or error}).")

    # --- selection and opening ---
    def selected_accession(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ACCESSION_ROLE) if rows else ""

    def select(self, accession: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(ACCESSION_ROLE) == accession:
                self.table.selectRow(row)
                return True
        return False

    def open_selected(self) -> None:
        accession = self.selected_accession()
        if accession in self.restricted_accessions:
            self._open_restricted(accession)
        elif accession:
            self._open(lambda: self.session.open(accession))

    def _open_restricted(self, accession: str) -> None:
        """Not locked for a reader not on the access list: the window's open gate asks to break the glass."""
        exam = next(exam for exam in self.all_exams if exam.accession_number == accession)
        if not exam.study_instance_uid:
            self.message.emit(f"Exam {accession} is restricted and has no images yet.")
            return
        self.study_requested.emit(exam.study_instance_uid, accession, True)

    def open_next(self) -> None:
        """Lock and open the highest-priority unlocked exam the reader may see (the "open next" key)."""
        current = self.current_accession

        def pick() -> LockResult | None:
            listed = self.session.store.exams()
            visible = {exam.accession_number for exam in self.visible_exams(listed)}
            hidden = {exam.accession_number for exam in listed} - visible  # confidential: never locked for them
            return self.session.open_next(skip=frozenset({current, *hidden}))

        self._open(pick)

    def close_current(self) -> None:
        """Release the exam on screen (its lock goes back to the worklist)."""
        accession, self.current_accession = self.current_accession, ""
        if accession:
            self.tasks.submit(lambda: self.session.close(accession), lambda _r: self.refresh(),
                              self.message.emit, "Closing the exam")

    def _open(self, work: Callable[[], LockResult | None]) -> None:
        previous = self.current_accession

        def open_and_release() -> LockResult | None:
            result = work()
            if result is not None and previous and previous != result.exam.accession_number:
                self.session.close(previous)
            return result

        self.tasks.submit(open_and_release, self._opened, self.message.emit, "Opening the exam")

    def _opened(self, result: LockResult | None) -> None:
        if result is None:
            self.message.emit("Nothing left to read: every exam with images is read or locked by someone else.")
            self.refresh()
            return
        exam = result.exam
        self.current_accession = exam.accession_number if result.acquired else ""
        if exam.priority == Priority.STAT:
            self.announcement.hide()
        self.refresh()
        self.select(exam.accession_number)
        if not result.acquired:
            who = f"locked by {exam.locked_by}" if exam.is_locked() else exam.status.label
            self.message.emit(f"Exam {exam.accession_number} is {who}: opened read-only.")
        if not exam.study_instance_uid:
            self.message.emit(f"Exam {exam.accession_number} has no images on the PACS yet.")
            return
        self.study_requested.emit(exam.study_instance_uid, exam.accession_number, not result.acquired)

    def _renew_leases(self) -> None:
        if self.session.open_exams:
            self.tasks.submit(self.session.renew, self._leases_renewed, self.message.emit, "Renewing exam locks")

    def _leases_renewed(self, lost: list[str]) -> None:
        for accession in lost:
            if accession == self.current_accession:
                self.current_accession = ""
            self.message.emit(f"Your lock on exam {accession} ran out and another reader has it; it is read-only now.")

    def shutdown(self) -> None:
        """Stop the timers and release every lock this window holds (the window is closing)."""
        self.refresh_timer.stop()
        self.lease_timer.stop()
        self.tasks.wait_until_idle()
        self.session.close_all()
