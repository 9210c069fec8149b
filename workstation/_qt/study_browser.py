"""The study list screen: the archive's studies, the selected study's series with thumbnails, details.

Keyboard first: arrows move through studies, Tab goes to the series, Enter opens the study (until the
reading screen is installed: larger thumbnails and the study's details), Escape comes back. Archive
queries and thumbnail decoding run in workers; stale results (the selection moved on) are dropped.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workstation.archive import Archive, SeriesRecord, StudyRecord
from workstation._qt.background import BackgroundTasks
from workstation._qt.study_table import DESCRIPTION_COLUMN, StudyTableModel, dicom_date, person_name
from workstation._qt.thumbnails import series_thumbnail

log = logging.getLogger(__name__)

THUMBNAIL_PIXELS = 256
SMALL_ICON = QSize(128, 128)
LARGE_ICON = QSize(THUMBNAIL_PIXELS, THUMBNAIL_PIXELS)
SERIES_UID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class SeriesEntry:
    """A series and the file its thumbnail is made from (the middle instance), found in a worker."""

    record: SeriesRecord
    thumbnail_source: Path | None


def load_series_entries(archive: Archive, study_instance_uid: str) -> list[SeriesEntry]:
    entries = []
    for record in archive.series(study_instance_uid):
        paths = archive.instance_paths(record.series_instance_uid)
        entries.append(SeriesEntry(record, paths[len(paths) // 2] if paths else None))
    return entries


def _images(count: int) -> str:
    return f"{count} image" if count == 1 else f"{count} images"


def _placeholder_icon() -> QIcon:
    pixmap = QPixmap(LARGE_ICON)
    pixmap.fill(QColor(40, 40, 40))
    return QIcon(pixmap)


class StudyBrowser(QWidget):
    study_opened = Signal(str)
    status_message = Signal(str)
    summary_changed = Signal(str)
    # The study list and every thumbnail of the selected study are shown (or failed): screenshots, tests.
    settled = Signal()

    def __init__(self, archive: Archive, tasks: BackgroundTasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._archive = archive
        self._tasks = tasks
        # which studies the user may see (security.access sets it once the station has user accounts)
        self.study_filter: Callable[[list[StudyRecord]], list[StudyRecord]] = lambda studies: studies
        # rows with no patient data for the studies the filter left out (everything, shown) -> restricted rows
        self.restricted_rows: Callable[[list[StudyRecord], list[StudyRecord]], list[StudyRecord]] = \
            lambda everything, shown: []
        self.restricted_uids: set[str] = set()
        self._generation = 0
        self._pending_thumbnails = 0
        self._series_items: dict[str, QListWidgetItem] = {}
        self._entries: dict[str, SeriesEntry] = {}

        self.study_model = StudyTableModel()
        self.study_table = self._build_study_table()
        self.series_list = self._build_series_list()
        self.details = self._build_details()

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.series_list)
        lower.addWidget(self.details)
        lower.setSizes([900, 380])
        upper_lower = QSplitter(Qt.Orientation.Vertical)
        upper_lower.addWidget(self.study_table)
        upper_lower.addWidget(lower)
        upper_lower.setStretchFactor(0, 1)
        upper_lower.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(upper_lower)

        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.show_study_list)
        self._placeholder = _placeholder_icon()

    def _build_study_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("studyTable")
        table.setModel(self.study_model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)  # Tab goes on to the series, not to the next cell
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DESCRIPTION_COLUMN, QHeaderView.ResizeMode.Stretch)
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        table.activated.connect(self._study_activated)
        return table

    def _build_series_list(self) -> QListWidget:
        series_list = QListWidget()
        series_list.setObjectName("seriesList")
        series_list.setViewMode(QListView.ViewMode.IconMode)
        series_list.setMovement(QListView.Movement.Static)
        series_list.setResizeMode(QListView.ResizeMode.Adjust)
        series_list.setWordWrap(True)
        series_list.setSpacing(8)
        series_list.setIconSize(SMALL_ICON)
        series_list.currentItemChanged.connect(lambda *_: self._show_details())
        return series_list

    @staticmethod
    def _build_details() -> QLabel:
        details = QLabel()
        details.setObjectName("studyDetails")
        details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        details.setWordWrap(True)
        details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details.setMargin(8)
        return details

    # -- public

    def refresh(self) -> None:
        """Query the archive again (in a worker), keeping the selected study if it is still there."""
        self.status_message.emit("Loading the study list…")
        self._tasks.submit(self._list_studies, self._show_studies, self._studies_failed, "Loading the study list")

    def _list_studies(self) -> tuple[list[StudyRecord], set[str]]:
        """Worker: the rows in the archive's order (the restricted ones in their place) and the restricted UIDs."""
        everything = self._archive.studies()
        shown = {study.study_instance_uid: study for study in self.study_filter(everything)}
        restricted = {row.study_instance_uid: row for row in self.restricted_rows(everything, list(shown.values()))}
        rows = [shown.get(uid) or restricted[uid] for uid in (study.study_instance_uid for study in everything)
                if uid in shown or uid in restricted]
        return rows, set(restricted)

    def selected_study(self) -> StudyRecord | None:
        index = self.study_table.currentIndex()
        return self.study_model.study_at(index.row()) if index.isValid() else None

    def show_study_details(self, study_instance_uid: str) -> None:
        """What Enter does until a reading screen is installed: large thumbnails, focus on the series."""
        row = self.study_model.row_of(study_instance_uid)
        if row is None:
            self.status_message.emit("That study is no longer in the local archive; the list was refreshed.")
            self.refresh()
            return
        self.study_table.selectRow(row)
        self.series_list.setIconSize(LARGE_ICON)
        self.series_list.setFocus()
        if self.series_list.currentItem() is None and self.series_list.count():
            self.series_list.setCurrentRow(0)
        self.status_message.emit("Study details: arrows move through the series, Escape returns to the study list.")

    def show_study_list(self) -> None:
        self.series_list.setIconSize(SMALL_ICON)
        self.study_table.setFocus()

    # -- study list

    def _show_studies(self, listing: tuple[list[StudyRecord], set[str]]) -> None:
        studies, self.restricted_uids = listing
        selected = self.selected_study()
        self.study_model.set_studies(studies)
        if not studies:
            self._clear_series()
            self.details.setText(
                "<b>The local archive is empty.</b><br>Import studies with File ▸ Import folder…, or run "
                "<code>workstation demo-data --import</code> for the demo patients."
            )
            self.summary_changed.emit("No studies in the local archive.")
            self.status_message.emit("")
            self.settled.emit()
            return
        patients = {(study.patient_id, study.issuer_of_patient_id) for study in studies
                    if study.study_instance_uid not in self.restricted_uids}
        restricted = f" ({len(self.restricted_uids)} restricted)" if self.restricted_uids else ""
        self.summary_changed.emit(f"{len(studies)} studies of {len(patients)} patients in the local archive{restricted}.")
        row = self.study_model.row_of(selected.study_instance_uid) if selected else None
        self.study_table.selectRow(row or 0)
        self.study_table.setFocus()

    def _studies_failed(self, message: str) -> None:
        self.status_message.emit(f"Could not load the study list: {message}")
        self.settled.emit()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        study = self.study_model.study_at(indexes[0].row())
        self._clear_series()
        self._show_details()
        if study.study_instance_uid in self.restricted_uids:
            self.details.setText("<b>Restricted exam.</b><br>You are not on its access list: opening it asks for "
                                 "a reason to break the glass (if your role may).")
            self.settled.emit()
            return  # no series, no thumbnails: no images of it are read
        generation = self._generation
        self._tasks.submit(
            partial(load_series_entries, self._archive, study.study_instance_uid),
            partial(self._show_series, generation),
            partial(self._series_failed, generation),
            "Loading the series",
        )

    def _study_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.study_opened.emit(self.study_model.study_at(index.row()).study_instance_uid)

    # -- series and thumbnails

    def _clear_series(self) -> None:
        self._generation += 1
        self._pending_thumbnails = 0
        self._series_items.clear()
        self._entries.clear()
        self.series_list.clear()

    def _show_series(self, generation: int, entries: list[SeriesEntry]) -> None:
        if generation != self._generation:
            return
        for entry in entries:
            record = entry.record
            number = "-" if record.series_number is None else record.series_number
            text = f"{number}  {record.modality}\n{record.series_description or '(no description)'}\n{_images(record.instance_count)}"
            item = QListWidgetItem(self._placeholder, text)
            item.setData(SERIES_UID_ROLE, record.series_instance_uid)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.series_list.addItem(item)
            self._series_items[record.series_instance_uid] = item
            self._entries[record.series_instance_uid] = entry
        images = sum(entry.record.instance_count for entry in entries)
        self.status_message.emit(f"{len(entries)} series, {_images(images)}.")
        sources = [entry for entry in entries if entry.thumbnail_source is not None]
        self._pending_thumbnails = len(sources)
        for entry in sources:
            uid = entry.record.series_instance_uid
            self._tasks.submit(
                partial(self._make_thumbnail, generation, entry.thumbnail_source),
                partial(self._show_thumbnail, generation, uid),
                partial(self._thumbnail_failed, generation, uid),
                f"Making the thumbnail of series {entry.record.series_number}",
            )
        if not sources:
            self.settled.emit()

    def _make_thumbnail(self, generation: int, path: Path) -> QImage | None:
        """Runs in a worker; skips the decoding when the selection has moved on since it was queued."""
        if generation != self._generation:
            return None
        return series_thumbnail(path, THUMBNAIL_PIXELS)

    def _series_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.status_message.emit(f"Could not list the series of this study: {message}")
            self.settled.emit()

    def _show_thumbnail(self, generation: int, series_instance_uid: str, image: QImage | None) -> None:
        if generation != self._generation or image is None:
            return
        self._series_items[series_instance_uid].setIcon(QIcon(QPixmap.fromImage(image)))
        self._thumbnail_settled()

    def _thumbnail_failed(self, generation: int, series_instance_uid: str, message: str) -> None:
        if generation != self._generation:
            return
        item = self._series_items[series_instance_uid]
        item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        item.setToolTip(message)
        series_number = self._entries[series_instance_uid].record.series_number
        self.status_message.emit(
            f"Series {series_number}: no thumbnail: {message}. Import or retrieve the study again if it persists."
        )
        self._thumbnail_settled()

    def _thumbnail_settled(self) -> None:
        self._pending_thumbnails -= 1
        if self._pending_thumbnails == 0:
            self.settled.emit()

    # -- details

    def _show_details(self) -> None:
        study = self.selected_study()
        if study is None:
            self.details.clear()
            return
        rows = [
            ("Patient", person_name(study.patient_name)),
            ("Patient ID", f"{study.patient_id} ({study.issuer_of_patient_id})" if study.issuer_of_patient_id else study.patient_id),
            ("Study date", f"{dicom_date(study.study_date)} {study.study_time[:2]}:{study.study_time[2:4]}".strip(": ")),
            ("Description", study.study_description),
            ("Accession", study.accession_number),
            ("Modalities", "/".join(study.modalities)),
            ("Series / images", f"{study.series_count} / {study.instance_count}"),
            ("Size", f"{study.size_bytes / 1e6:.1f} MB"),
            ("Status", "read" if study.read else "unread"),
        ]
        item = self.series_list.currentItem()
        entry = self._entries.get(item.data(SERIES_UID_ROLE)) if item is not None else None
        if entry is not None:
            record = entry.record
            rows += [
                ("Series", f"{record.series_number} {record.modality} {record.series_description}"),
                ("Body part", record.body_part_examined),
                ("Images", str(record.instance_count)),
            ]
        self.details.setText(
            "<table>" + "".join(
                f"<tr><td><b>{html.escape(name)}</b>&nbsp;&nbsp;</td><td>{html.escape(value or '-')}</td></tr>"
                for name, value in rows
            ) + "</table>"
        )
