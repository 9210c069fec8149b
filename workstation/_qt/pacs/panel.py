"""The PACS query/retrieve page: pick a node, search, retrieve (with priors), follow, cancel and resume jobs.

Searches run in workers (``BackgroundTasks``) and retrieves in the node queues of ``PacsService``; every
result and job report comes back on the GUI thread, so a slow or dead PACS never freezes the window. Every
failure is written in the panel's message line in the user's words.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableView,
    QVBoxLayout, QWidget,
)

from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.net.job_queue import JobState, RetrieveJob
from workstation.net.query import require_bounded, search_studies
from workstation.net.query_results import RemoteStudy, StudyMatches
from workstation.net.service import PacsService
from workstation.settings.pacs_nodes import PacsNode
from workstation._qt.background import BackgroundTasks
from workstation._qt.pacs.job_bridge import JobBridge
from workstation._qt.pacs.jobs_model import FINISHED, RetrieveJobsModel
from workstation._qt.pacs.results_model import SearchResult, SearchResultsModel
from workstation._qt.pacs.search_form import SearchForm

log = logging.getLogger(__name__)

PRIORS_WITH_RETRIEVE = 2
_ERROR_STYLE = "color: #c62828; font-weight: bold;"


class PacsAccess:
    """What the page asks the station's security: which answers the user may see, whether a study may be
    fetched, and what to audit. This default (no security installed) shows and allows everything and
    audits nothing; the security controller installs its own (workstation/_qt/security/pacs_access.py)."""

    def visible_studies(self, studies: list) -> list:
        return studies

    def searched(self, node: PacsNode, match: dict[str, str]) -> None:
        """A query went to ``node`` (the DICOM Query audit event)."""

    def refusal(self, study_instance_uid: str) -> str:
        """Why the user may not fetch this study ('' when they may)."""
        return ""

    def transferring(self, job: RetrieveJob, study: RemoteStudy | None) -> None:
        """A retrieve of ``job``'s study was queued (the Begin Transferring audit event); ``study`` is the
        PACS's answer for it when the page has one (its patient)."""


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setAlternatingRowColors(True)
    return view


class PacsPanel(QWidget):
    study_retrieved = Signal(str)  # Study Instance UID: images of it arrived (the study list should refresh)
    open_requested = Signal(str)  # Study Instance UID to show in the reading screen
    message = Signal(str)  # every message the panel shows, for the status bar

    def __init__(self, archive: Archive, service: PacsService | None, problem: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.archive = archive
        self.service = service
        self.tasks = BackgroundTasks(self)  # its own pool: a slow PACS never holds up the study list's workers
        self.bridge = JobBridge(self)
        self.bridge.job_changed.connect(self._job_changed)
        self._search_generation = 0
        self.access = PacsAccess()

        self.node_box = QComboBox()
        self.node_box.setObjectName("pacs-node")
        for node in service.settings.nodes if service else ():
            self.node_box.addItem(f"{node.name} ({node.address}, {node.retrieve_method})", node.name)
        self.form = SearchForm()
        self.search_button = QPushButton("&Search")
        self.search_button.clicked.connect(lambda: self.search())
        for edit in self.form.fields.values():
            edit.returnPressed.connect(self.search)
        self.message_label = QLabel()
        self.message_label.setObjectName("pacs-message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.storage_label = QLabel()
        self.storage_label.setWordWrap(True)

        self.results = SearchResultsModel()
        self.results_view = _table(self.results)
        self.results_view.setObjectName("pacs-results")
        self.results_view.doubleClicked.connect(lambda _index: self.retrieve_selected())
        self.jobs = RetrieveJobsModel()
        self.jobs_view = _table(self.jobs)
        self.jobs_view.setObjectName("pacs-jobs")
        self.jobs_view.setColumnWidth(0, 380)
        self.jobs_view.setColumnWidth(6, 170)
        self.jobs_view.doubleClicked.connect(lambda _index: self.open_selected_job())

        self.retrieve_button = QPushButton("&Retrieve (Enter)")
        self.retrieve_button.clicked.connect(lambda: self.retrieve_selected())
        self.priors_button = QPushButton(f"Retrieve wit&h priors (Shift+Enter, {PRIORS_WITH_RETRIEVE} best)")
        self.priors_button.clicked.connect(lambda: self.retrieve_selected(priors=PRIORS_WITH_RETRIEVE))
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(self.open_selected_result)
        self.cancel_button = QPushButton("&Cancel job")
        self.cancel_button.clicked.connect(self.cancel_selected_jobs)
        self.resume_button = QPushButton("Res&ume job")
        self.resume_button.clicked.connect(self.resume_selected_jobs)
        self.open_job_button = QPushButton("Open s&tudy")
        self.open_job_button.clicked.connect(self.open_selected_job)
        self._add_table_keys()
        self._lay_out()

        if service is None:
            for widget in (self.node_box, self.search_button, self.retrieve_button, self.priors_button,
                           self.cancel_button, self.resume_button):
                widget.setEnabled(False)
            self.show_message(problem or "The PACS connection is not running.", error=True)
        elif not service.settings.nodes:
            self.show_message("No PACS node is configured. Add one with `workstation pacs add` "
                              "(or run `make run` for the demo PACS), then restart the workstation.", error=True)
        else:
            self.show_message("Search by patient, accession or study date (a modality narrows it further).")
        if service is not None and service.storage_problem:
            self.storage_label.setText(f"C-MOVE is off: {service.storage_problem}")
            self.storage_label.setStyleSheet(_ERROR_STYLE)

    def _add_table_keys(self) -> None:
        self.results_view.installEventFilter(self)
        cancel = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.jobs_view)
        cancel.setContext(Qt.ShortcutContext.WidgetShortcut)
        cancel.activated.connect(self.cancel_selected_jobs)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Enter in the results retrieves, Shift+Enter retrieves with the priors."""
        if (watched is self.results_view and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            with_priors = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.retrieve_selected(priors=PRIORS_WITH_RETRIEVE if with_priors else 0)
            return True
        return super().eventFilter(watched, event)

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("PACS"))
        top.addWidget(self.node_box, 1)
        top.addWidget(self.form, 6)
        top.addWidget(self.search_button)
        result_buttons = QHBoxLayout()
        for button in (self.retrieve_button, self.priors_button, self.open_button):
            result_buttons.addWidget(button)
        result_buttons.addStretch(1)
        job_buttons = QHBoxLayout()
        job_buttons.addWidget(QLabel("Retrieve jobs"))
        for button in (self.cancel_button, self.resume_button, self.open_job_button):
            job_buttons.addWidget(button)
        job_buttons.addStretch(1)

        upper, lower = QWidget(), QWidget()
        upper_layout, lower_layout = QVBoxLayout(upper), QVBoxLayout(lower)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.results_view)
        upper_layout.addLayout(result_buttons)
        lower_layout.addLayout(job_buttons)
        lower_layout.addWidget(self.jobs_view)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setSizes([600, 250])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message_label)
        layout.addWidget(self.storage_label)
        layout.addWidget(splitter, 1)

    # -- messages

    def show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(_ERROR_STYLE if error else "")
        self.message.emit(text)

    def focus_search(self) -> None:
        first = self.form.fields["patient_id"]
        first.setFocus()
        first.selectAll()

    # -- search

    def current_node(self) -> PacsNode | None:
        name = self.node_box.currentData()
        return self.service.settings.node(name) if self.service and name else None

    def search(self, browse: bool = False) -> None:
        """Search the chosen node with the form's keys; ``browse`` lists without any (capped: the first
        screen of a new user), otherwise a search must name a patient, an accession or dates."""
        node = self.current_node()
        if node is None:
            self.show_message("No PACS node to search: configure one with `workstation pacs add`.", error=True)
            return
        try:
            match = self.form.match()
            if not browse:
                require_bounded(match)
        except WorkstationError as error:
            self.show_message(str(error), error=True)
            return
        self._search_generation += 1
        generation = self._search_generation
        local = self.service.settings.local
        self.show_message(f"Searching PACS {node.name!r}…")
        self.tasks.submit(
            lambda: self._run_search(node, local, match, browse),
            lambda answer: self._show_results(generation, node, *answer),
            lambda text: self._search_failed(generation, text),
            f"Searching PACS {node.name!r}",
        )

    def _run_search(self, node: PacsNode, local, match: dict[str, str],
                    browse: bool) -> tuple[list[SearchResult], StudyMatches]:
        """Worker: the PACS's answer, each study with how many of its instances the archive holds."""
        matches = search_studies(node, local, match, browse=browse)
        found = self.access.visible_studies(matches.studies)
        self.access.searched(node, match)
        held = [SearchResult(study, len(self.archive.instance_uids(study.study_instance_uid))) for study in found]
        return held, matches

    def _show_results(self, generation: int, node: PacsNode, results: list[SearchResult],
                      matches: StudyMatches) -> None:
        if generation != self._search_generation:
            return  # an older search answering late
        self.results.set_results(results)
        self.results_view.resizeColumnsToContents()
        if results:
            self.results_view.selectRow(0)
            self.results_view.setFocus()
        count = len(results)
        if matches.more:
            self.show_message(f"PACS {node.name!r}: {matches.notice}", error=True)
            return
        self.show_message(f"PACS {node.name!r}: {count} {'study' if count == 1 else 'studies'} found."
                          + (" Enter retrieves the selected ones." if results else " Widen the search."))

    def _search_failed(self, generation: int, text: str) -> None:
        if generation == self._search_generation:
            self.show_message(f"Search failed: {text}", error=True)

    # -- retrieve

    def selected_results(self) -> list[SearchResult]:
        rows = sorted({index.row() for index in self.results_view.selectionModel().selectedRows()})
        return [self.results.results[row] for row in rows]

    def retrieve_selected(self, priors: int = 0) -> list[RetrieveJob]:
        """Queue the selected studies on the chosen node (with their ``priors`` best priors behind them)."""
        node = self.current_node()
        chosen = self.selected_results()
        if node is None or self.service is None:
            self.show_message("No PACS node to retrieve from.", error=True)
            return []
        if not chosen:
            self.show_message("Select a study in the results first (search, then arrow keys).", error=True)
            return []
        jobs = []
        try:
            for result in chosen:
                uid = result.study.study_instance_uid
                refusal = self.access.refusal(uid)
                if refusal:
                    self.show_message(refusal, error=True)
                    return jobs
                if priors:
                    job = self.service.open_study(node.name, uid, priors=priors, listener=self.bridge.listener,
                                                  visible=self.access.visible_studies)
                else:
                    job = self.service.retrieve(node.name, uid, listener=self.bridge.listener)
                self.track(job)
                jobs.append(job)
        except WorkstationError as error:
            log.error("retrieve could not be queued: %s", error)
            self.show_message(str(error), error=True)
            return jobs
        what = f"{len(jobs)} {'study' if len(jobs) == 1 else 'studies'}"
        with_priors = f" with up to {priors} priors each" if priors else ""
        self.show_message(f"Retrieving {what} from {node.name!r}{with_priors}"
                          + "; follow the jobs below.")
        return jobs

    def _answer(self, study_instance_uid: str) -> RemoteStudy | None:
        result = self.results.result_for(study_instance_uid)
        return result.study if result else None

    def _label(self, study_instance_uid: str) -> str:
        result = self.results.result_for(study_instance_uid)
        study = result.study if result else None
        if study is None:
            try:
                study = self.archive.study(study_instance_uid)
            except WorkstationError:
                return f"Study …{study_instance_uid[-16:]}"
        date = study.study_date
        date = f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 else date
        parts = (study.patient_name.replace("^", " "), date, study.study_description)
        return " · ".join(part for part in parts if part)

    def track(self, job: RetrieveJob) -> int:
        """The job's row; a job seen for the first time (the user's, a prior, a prefetch) is audited."""
        row = self.jobs.row_of(job)
        if row is not None:
            return row
        self.access.transferring(job, self._answer(job.study_instance_uid))
        return self.jobs.add(job, self._label(job.study_instance_uid))

    def _job_changed(self, job: RetrieveJob) -> None:
        if self.jobs.is_retired(job):
            return
        row = self.track(job)  # priors queued by the service appear here first
        if job.state in FINISHED:
            self._finished(row, job)
        self.jobs.changed(row)

    def _finished(self, row: int, job: RetrieveJob) -> None:
        progress = job.progress
        received = progress.received_instances if progress else 0
        label = self.jobs.rows[row].label
        if label.startswith("Study …"):
            self.jobs.rows[row].label = self._label(job.study_instance_uid)
            label = self.jobs.rows[row].label
        if job.state is JobState.DONE:
            report = job.report
            megabytes = (report.received_bytes if report else 0) / 1e6
            seconds = report.elapsed_seconds if report else 0.0
            self.show_message(f"Retrieved {label}: {received} images ({megabytes:.1f} MB) in {seconds:.1f} s.")
        elif job.state is JobState.CANCELLED:
            self.show_message(f"Retrieve of {label} cancelled; the {received} images that arrived are kept. "
                              "Resume fetches the rest.")
        else:
            self.show_message(f"Retrieve of {label} failed: {job.error} Select the job and Resume to retry.",
                              error=True)
        if job.state is JobState.DONE or received:
            self.study_retrieved.emit(job.study_instance_uid)
            self._refresh_held()

    def _refresh_held(self) -> None:
        uids = [result.study.study_instance_uid for result in self.results.results]
        if uids:
            self.tasks.submit(lambda: {uid: len(self.archive.instance_uids(uid)) for uid in uids},
                              self.results.set_held, lambda text: log.warning("archive counts: %s", text),
                              "Counting the retrieved images")

    # -- jobs

    def selected_job_rows(self) -> list[int]:
        return sorted({index.row() for index in self.jobs_view.selectionModel().selectedRows()})

    def cancel_selected_jobs(self) -> None:
        running = [self.jobs.rows[row].job for row in self.selected_job_rows()
                   if self.jobs.rows[row].job.state not in FINISHED]
        if not running:
            self.show_message("Select a queued or running job to cancel.", error=True)
            return
        for job in running:
            job.cancel()
        self.show_message(f"Cancelling {len(running)} job(s); images already received are kept.")

    def resume_selected_jobs(self) -> None:
        """A new job for each failed or cancelled one: it fetches only what the archive still lacks."""
        rows = [row for row in self.selected_job_rows()
                if self.jobs.rows[row].job.state in (JobState.FAILED, JobState.CANCELLED)]
        if not rows or self.service is None:
            self.show_message("Select a failed or cancelled job to resume.", error=True)
            return
        try:
            for row in rows:
                old = self.jobs.rows[row].job
                job = self.service.retrieve(old.node.name, old.study_instance_uid, old.series_instance_uid,
                                            priority=old.priority, listener=self.bridge.listener)
                self.access.transferring(job, self._answer(job.study_instance_uid))
                self.jobs.replace(row, job)
        except WorkstationError as error:
            self.show_message(str(error), error=True)
            return
        self.show_message(f"Resuming {len(rows)} job(s): only the missing images are fetched.")

    # -- open

    def open_selected_result(self) -> None:
        chosen = self.selected_results()
        if not chosen:
            self.show_message("Select a study in the results to open.", error=True)
            return
        result = chosen[0]
        if result.in_archive == "no":
            self.show_message("That study is not in the local archive yet: Retrieve it first (Enter).", error=True)
            return
        self.open_requested.emit(result.study.study_instance_uid)

    def open_selected_job(self) -> None:
        rows = self.selected_job_rows()
        if not rows:
            self.show_message("Select a retrieve job to open its study.", error=True)
            return
        uid = self.jobs.rows[rows[0]].job.study_instance_uid
        if not self.archive.instance_uids(uid):
            self.show_message("Nothing of that study has arrived yet; wait for the job or resume it.", error=True)
            return
        self.open_requested.emit(uid)

    def shutdown(self) -> None:
        """Stop hearing job reports (the window is closing); the caller stops the service."""
        self.bridge.close()
        self.tasks.wait_until_idle(2_000)
