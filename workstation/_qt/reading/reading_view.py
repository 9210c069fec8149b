"""The reading screen: series strip on the left, the viewport grid, a status line; driven by the keymap.

Every key press becomes a command id through the user's keymap and runs from the command registry; the
view only repaints what the session says changed. Loading is progressive (StackLoader): the screen
opens on the headers and each viewport shows its first image as soon as that one is decoded.

M and V open the volume panel (MPR or 3D of the active viewport's display set, built in a worker) below the
2D grid; while it is open, the image keys (arrows, pages, zoom, rotate, presets, reset, Tab) act on it.
A hanging protocol drives the screen through ``apply_layout`` (see workstation.viewer.view_plan); set
``hanging_planner`` to have each opening hung by it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from workstation._qt.background import BackgroundTasks
from workstation._qt.reading.cheat_sheet import CheatSheet
from workstation._qt.reading.key_text import key_text
from workstation._qt.reading.keymap_dialog import KeymapDialog
from workstation._qt.reading.series_strip import SeriesStrip, thumbnail
from workstation._qt.reading.stack_loading import StackLoader
from workstation._qt.reading.stack_viewport import StackViewport
from workstation._qt.reading.prior_registration import PriorRegistration
from workstation._qt.reading.volume_keys import volume_panel_action
from workstation._qt.reading.volume_panel import VolumePanel, crosshair_planes, next_slab, next_slab_mode
from workstation.core.commands import CommandRegistry
from workstation.render.vr_presets import load_presets
from workstation.core.errors import WorkstationError
from workstation.core.keymap import Keymap, KeymapError
from workstation.tools.toolbox import Toolbox
from workstation.viewer.cine import Cine
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.layout import MAX_GRID
from workstation.viewer.reading_commands import register_reading_commands
from workstation.viewer.reading_session import MPR, STACK, VOLUME_RENDERING, ReadingSession
from workstation.viewer.view_plan import ViewportBox, ViewType, find_stack
from workstation.viewer.viewport import AUTO_WINDOW_NAME
from workstation.viewer.window_presets import WindowPresets
from workstation.volume.mpr import Crosshair

log = logging.getLogger(__name__)


HangingPlanner = Callable[[list[ImageStack]], "tuple[str, list[ViewportBox]] | None"]


class ReadingView(QWidget):
    """``volume_ready`` carries the mode (MPR or 3D) once the volume panel shows it; ``status_changed`` the
    status line's text."""

    volume_ready = Signal(str)
    status_changed = Signal(str)  # the status line's new text

    def __init__(self, archive=None, parent: QWidget | None = None, layout: str = "1x1") -> None:
        super().__init__(parent)
        self.archive = archive
        # which archived studies the reader may see as priors (security.access sets it once users exist)
        self.visible_studies: Callable[[list], list] = lambda studies: studies
        self.problems: list[str] = []
        try:
            presets = WindowPresets.load()
        except WorkstationError as error:
            presets = WindowPresets({})
            self.problems.append(f"{error} Keys 1-9 use the presets in the image headers meanwhile.")
        self.default_layout = layout
        self.image_screens = 1  # the screens this view spans (set by screen_placement): hanging lays out each
        self.session = ReadingSession(presets=presets, layout=layout)
        self.registry = CommandRegistry()
        register_reading_commands(self.registry, self.session)
        self.registry.register("help.cheat_sheet", "Show/hide the list of keys", self.toggle_cheat_sheet)
        self.registry.register("help.keymap", "Change keyboard shortcuts…", self.edit_keymap)
        self._register_volume_commands()
        self.hanging_planner: HangingPlanner | None = None  # set by the hanging engine: stacks -> (layout, boxes)
        try:
            self.keymap = Keymap.load()
        except KeymapError as error:
            log.error("default keymap unreadable: %s", error)
            self.keymap = Keymap({})
            self.problems.append(f"{error} No keys work until it is fixed; the mouse still does.")
        self.problems.extend(self.keymap.problems)
        self._setup_problems = list(self.problems)  # shown again after each opening
        self.toolbox = Toolbox()
        self.tasks = BackgroundTasks(self)
        self.loader = StackLoader(self.tasks, self)
        self.registration = PriorRegistration(self.session, self.tasks, self._update_status)
        self.loader.preview_ready.connect(self._preview_ready)
        self.loader.stacks_ready.connect(self._stacks_ready)
        self.loader.image_ready.connect(self._image_ready)
        self.loader.problem.connect(self._problem)

        self.strip = SeriesStrip()
        self.strip.display_set_chosen.connect(self._show_in_active)
        self.grid = QWidget()
        self.grid.setStyleSheet("background: black")
        self.grid_layout = QGridLayout(self.grid)
        self.grid_layout.setContentsMargins(0, 0, 0, 0)
        self.grid_layout.setSpacing(2)
        self.viewport_widgets = [StackViewport(self.session, i, self.toolbox, self.grid)
                                 for i in range(MAX_GRID * MAX_GRID)]
        for widget in self.viewport_widgets:
            widget.activated.connect(lambda _index: self._session_changed())
            widget.changed.connect(self._repaint_viewports)
            widget.stack_dropped.connect(self._dropped)
        self.status = QLabel()
        self.status.setStyleSheet("color: #ddd; background: #222; padding: 2px 6px")
        self.panel = VolumePanel(self.tasks)
        self.panel.ready.connect(self._volume_ready)
        self.panel.problem.connect(self._volume_problem)
        self.panel.crosshair_moved.connect(self._crosshair_moved)
        self.panel.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self.splitter, 1)
        right.addWidget(self.status)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self.strip)
        outer.addLayout(right, 1)
        self.cheat_sheet = CheatSheet(self)
        self._cine_timers: dict[int, QTimer] = {}
        self._preview: ImageStack | None = None
        self._shown_layout: tuple | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.session.subscribe(self._session_changed)
        self._relayout()
        self._update_status()

    # --- opening images ---
    def open_paths(self, paths: Iterable[str | Path]) -> None:
        """Open files or folders (current study and priors together); returns at once, loading goes on."""
        self.problems = list(self._setup_problems)
        self.status.setText("Reading the image headers…")
        self.loader.load(paths)

    def open_study(self, study_instance_uid: str) -> None:
        """Open an archived study with its most recent prior (same patient ID and issuer, earlier date)."""
        try:
            if self.archive is None:
                raise WorkstationError("No archive is open, so a study cannot be opened by its UID.")
            study = self.archive.study(study_instance_uid)
            priors = self.visible_studies([s for s in self.archive.studies(patient_id=study.patient_id)
                                           if s.study_instance_uid != study_instance_uid
                                           and s.issuer_of_patient_id == study.issuer_of_patient_id
                                           and s.study_date < study.study_date])
            studies = [study, *sorted(priors, key=lambda s: s.study_date, reverse=True)[:1]]
            paths = [path for s in studies for series in self.archive.series(s.study_instance_uid)
                     for path in self.archive.instance_paths(series.series_instance_uid)]
        except WorkstationError as error:
            log.error("cannot open study %s: %s", study_instance_uid, error)
            self.problems = [f"The study could not be opened: {error}"]
            self._update_status()
            return
        log.info("opening study %s with %d prior(s), %d files", study_instance_uid, len(studies) - 1, len(paths))
        self.open_paths(paths)
        self.setFocus()

    def open_stacks(self, stacks: list[ImageStack]) -> None:
        """Show stacks already built (and possibly already decoded), e.g. from a Volume."""
        self.loader.cancel()
        self._stacks_ready(stacks, [])
        for index, stack in enumerate(stacks):
            shown = next((stack.pixels(i) for i in (len(stack) // 2, 0) if stack.pixels(i) is not None), None)
            if shown is not None:
                self.strip.set_thumbnail(index, thumbnail(stack, shown))

    def _preview_ready(self, preview: ImageStack) -> None:
        """The first file's image, shown in the first viewport until the full stacks are known."""
        self._preview = preview
        self.session.viewports[0].show(preview)
        self.session.notify()

    def _stacks_ready(self, stacks: list[ImageStack], problems: list[str]) -> None:
        self.problems.extend(problems)
        self.strip.show_stacks(stacks)
        self._close_volume_panel()
        self.session.set_layout(self.default_layout)  # each reading starts from the default hanging
        self.session.set_display_sets(stacks)
        plan = self.hanging_planner(stacks) if self.hanging_planner is not None and stacks else None
        if plan is not None:
            self.problems.extend(self.apply_layout(*plan, notify=False))
        else:
            self._hang(stacks)
        self._keep_preview_in_place()
        if not stacks:
            self.problems.insert(0, "No images could be shown.")
        self.session.notify()

    def _hang(self, stacks: list[ImageStack]) -> None:
        """The current study's largest stack first; with a prior, the prior's match beside it (1x2)."""
        current = [s for s in stacks if not s.is_prior]
        if not current:
            return
        main = max(current, key=len)
        shown_first = self.session.viewports[0].stack
        for viewport in self.session.visible_viewports[1:]:
            if viewport.stack is main:  # the filled grid had it elsewhere: swap, so nothing shows twice
                viewport.show(shown_first)
        self.session.viewports[0].show(main)
        priors = [s for s in stacks if s.is_prior and s.labels.modality == main.labels.modality]
        if not priors or len(self.session.layout) > 1:
            return
        same_name = [s for s in priors if s.display_name == main.display_name]
        self.session.set_layout("1x2")
        self.session.viewports[1].show((same_name or sorted(priors, key=len, reverse=True))[0])

    def _keep_preview_in_place(self) -> None:
        """The full stack takes over the preview's image: same pixels, same place, no jump on screen."""
        preview, self._preview = self._preview, None
        viewport = self.session.viewports[0]
        if preview is None or viewport.stack is None:
            return
        index = viewport.stack.index_of(preview.sources[0])
        if index is not None:
            viewport.stack.set_pixels(index, preview.pixels(0))
            viewport.go_to(index)

    def _image_ready(self, stack: ImageStack, index: int) -> None:
        if index in (0, len(stack) // 2) and stack in self.session.display_sets:
            self.strip.set_thumbnail(self.session.display_sets.index(stack), thumbnail(stack, stack.pixels(index)))
        for widget in self._visible_widgets():
            if widget.viewport.stack is stack:
                widget.update()

    def _problem(self, message: str) -> None:
        self.problems.append(message)
        self._update_status()

    # --- keys ---
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        text = key_text(event)
        if text is None:
            return
        if self.cheat_sheet.isVisible() and text != "?":
            self.cheat_sheet.hide()
            return
        command_id = self.keymap.command_for(text)
        if command_id is None:
            super().keyPressEvent(event)
            return
        self.run_command(command_id)

    def run_command(self, command_id: str) -> None:
        try:
            action = volume_panel_action(command_id, self.panel, self.session)
            if action is not None:
                action()
                self._update_status()
                return
            self.registry.execute(command_id)
        except WorkstationError as error:
            log.warning("command %s failed: %s", command_id, error)
            self.session.message = str(error)
            self._update_status()

    def focusNextPrevChild(self, next_child: bool) -> bool:  # noqa: N802 - Tab is a reading command here
        return False

    def toggle_cheat_sheet(self) -> None:
        if self.cheat_sheet.isVisible():
            self.cheat_sheet.hide()
        else:
            self.cheat_sheet.show_bindings(self.registry, self.keymap)

    def edit_keymap(self) -> None:
        dialog = KeymapDialog(self.registry, self.keymap, self)
        if dialog.exec():
            self.keymap = dialog.keymap
            self.session.message = "Keyboard shortcuts saved."
        self._update_status()

    # --- drawing ---
    def _visible_widgets(self) -> list[StackViewport]:
        return [self.viewport_widgets[self.session.viewports.index(v)] for v in self.session.visible_viewports]

    def _relayout(self) -> None:
        state = (self.session.layout.name, self.session.fullscreen, self.session.active_index
                 if self.session.fullscreen else None)
        if state == self._shown_layout:
            return
        self._shown_layout = state
        for widget in self.viewport_widgets:
            self.grid_layout.removeWidget(widget)
            widget.hide()
        layout = self.session.layout
        if self.session.fullscreen:
            placements = [(self.session.active_index, 0, 0, layout.rows, layout.columns)]
        else:
            placements = [(i, c.row, c.column, c.row_span, c.column_span) for i, c in enumerate(layout.cells)]
        for index, row, column, row_span, column_span in placements:
            self.grid_layout.addWidget(self.viewport_widgets[index], row, column, row_span, column_span)
            self.viewport_widgets[index].show()
        for n in range(max(MAX_GRID, self.grid_layout.rowCount(), self.grid_layout.columnCount())):
            self.grid_layout.setRowStretch(n, 1 if n < layout.rows else 0)
            self.grid_layout.setColumnStretch(n, 1 if n < layout.columns else 0)

    def _session_changed(self) -> None:
        if self.session.located is not None:  # Shift+click in a 2D viewport: the MPR crosshair follows
            frame_of_reference_uid, point = self.session.located
            self.session.located = None
            self.panel.locate(frame_of_reference_uid, point)
        self._relayout()
        self._sync_cine_timers()
        self._repaint_viewports()
        self._update_status()

    def _repaint_viewports(self) -> None:
        for widget in self._visible_widgets():
            widget.update()

    def _update_status(self) -> None:
        parts = [self.session.message] if self.session.message else []
        if self.session.view_mode == MPR and self.panel.is_ready:
            parts.append(f"MPR: {self.panel.active_plane} plane active (Tab: next plane, M: back to 2D)")
        if self.problems:
            more = f" (and {len(self.problems) - 1} more problems, see the log)" if len(self.problems) > 1 else ""
            parts.append(self.problems[0] + more)
        text = "   |   ".join(parts) or "Press ? for the keyboard shortcuts."
        if text != self.status.text():
            self.status.setText(text)
            self.status_changed.emit(text)

    def _show_in_active(self, stack_index: int) -> None:
        self.session.show_in_active(stack_index)
        self.session.notify()

    def _dropped(self, viewport_index: int, stack_index: int) -> None:
        self.session.activate(viewport_index)
        self._show_in_active(stack_index)

    # --- cine ---
    def _sync_cine_timers(self) -> None:
        visible = {self.session.viewports.index(v) for v in self.session.visible_viewports}
        for index, viewport in enumerate(self.session.viewports):
            timer = self._cine_timers.get(index)
            if viewport.cine.playing and index in visible:
                if timer is None:
                    timer = self._cine_timers[index] = QTimer(self)
                    timer.setTimerType(Qt.TimerType.PreciseTimer)
                    timer.timeout.connect(lambda index=index: self._cine_step(index))
                if not timer.isActive() or timer.interval() != viewport.cine.interval_ms:
                    timer.start(viewport.cine.interval_ms)
            elif timer is not None and timer.isActive():
                timer.stop()

    def _cine_step(self, index: int) -> None:
        viewport = self.session.viewports[index]
        viewport.go_to(Cine.next_index(viewport.slice_index, viewport.image_count))
        changed = self.session.sync.propagate(viewport)
        self.viewport_widgets[index].update()
        for other in changed:
            self.viewport_widgets[self.session.viewports.index(other)].update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.cheat_sheet.isVisible():
            self.cheat_sheet.setGeometry(self.rect())

    # --- hanging (hanging protocols and the command line drive the screen through this) ---
    def apply_layout(self, layout_name: str, boxes: list[ViewportBox], notify: bool = True) -> list[str]:
        """Hang the open display sets box by box in ``layout_name`` ("2x2", "1+2"..., or one per image screen
        joined by "|", e.g. "2x2|1x1"): box n goes to viewport n (the exact display set when it names one)
        with its window preset; the first MPR or 3D box also opens the volume panel on its display set (its
        plane and slab, or its 3D preset).
        Returns the problems as messages (a box whose series is not open stays empty)."""
        self.session.set_layout(layout_name)
        problems: list[str] = []
        volume_box: tuple[int, ViewportBox, ImageStack] | None = None
        for index, box in enumerate(boxes[: len(self.session.layout)]):
            viewport = self.session.viewports[index]
            if not box.series_instance_uid:  # nothing matched: the box stays empty and says what it wanted
                viewport.show(None)
                viewport.expected = box.expected
                continue
            stack = find_stack(self.session.display_sets, box)
            if stack is None:
                viewport.show(None)
                problems.append(f"The hanging asks for series {box.series_instance_uid}, which is not open.")
                continue
            viewport.show(stack)
            if box.window_preset:
                windows = self.session.presets.for_modality(stack.labels.modality, stack.header_windows)
                window = next((w for w in windows if w.name.lower() == box.window_preset.lower()), None)
                if window is None:
                    problems.append(f"No window preset '{box.window_preset}' for {stack.labels.modality}.")
                viewport.window = window
            if box.view is ViewType.VOLUME_RENDERING and box.volume_preset and box.volume_preset not in load_presets():
                problems.append(f"No 3D preset '{box.volume_preset}'; the 3D view opens with its default.")
            if box.view is not ViewType.STACK and volume_box is None:
                volume_box = (index, box, stack)
        for message in problems:
            log.warning("hanging: %s", message)
        if volume_box is None:
            self._close_volume_panel()
        else:
            index, box, stack = volume_box
            self.session.activate(index)
            mode = VOLUME_RENDERING if box.view is ViewType.VOLUME_RENDERING else MPR
            self._open_volume_panel(mode, stack, plane=box.view.mpr_plane, slab=box.slab,
                                    volume_preset=box.volume_preset or None)
        if notify:
            self.session.notify()
        return problems

    # --- MPR and 3D ---
    def _register_volume_commands(self) -> None:
        for command_id, title, action in (
            ("view.mpr", "MPR of the active viewport's series / back to 2D", lambda: self.toggle_volume_panel(MPR)),
            ("view.volume_rendering", "3D of the active viewport's series / back to 2D",
             lambda: self.toggle_volume_panel(VOLUME_RENDERING)),
            ("mpr.slab_thicker", "MPR: thicker slab", lambda: self._slab(lambda slab: next_slab(slab, 1))),
            ("mpr.slab_thinner", "MPR: thinner slab", lambda: self._slab(lambda slab: next_slab(slab, -1))),
            ("mpr.slab_mode", "MPR: slab MIP / MinIP / average", lambda: self._slab(next_slab_mode)),
            ("volume.clipping_box", "3D: show/hide the clipping box", self._toggle_clipping_box),
            ("sync.toggle_registration", "Register current and prior (scroll by anatomy) / undo",
             self.toggle_registration),
        ):
            self.registry.register(command_id, title, action)

    def toggle_volume_panel(self, mode: str) -> None:
        """Open MPR or 3D of the active viewport's display set; the same key again goes back to 2D."""
        if self.session.view_mode == mode and self.panel.stack is self.session.active_viewport.stack:
            self._close_volume_panel()
            self.session.message = "2D reading"
        else:
            stack = self.session.active_viewport.stack
            if stack is None:
                raise WorkstationError("The active viewport is empty: put a series in it first (N or the strip).")
            self._open_volume_panel(mode, stack)
        self._session_changed()

    def _open_volume_panel(self, mode: str, stack: ImageStack, plane: str | None = None, slab=None,
                           volume_preset: str | None = None) -> None:
        self.session.view_mode = mode
        self.session.message = ""
        self.panel.show()
        if self.splitter.sizes()[1] < 100:
            total = sum(self.splitter.sizes()) or self.height()
            self.splitter.setSizes([total * 2 // 5, total - total * 2 // 5])
        window = self.session.active_viewport.effective_window()
        if window is not None and window.name == AUTO_WINDOW_NAME:
            window = None  # computed from one 2D image: the panel computes one from the whole volume instead
        self.panel.open(stack, mode, window, plane, slab, volume_preset)

    def _close_volume_panel(self) -> None:
        self.session.view_mode = STACK
        self.session.volume_planes = ("", [])
        self.panel.close_panel()
        self.panel.hide()

    def _volume_ready(self, mode: str) -> None:
        clipping_keys = ", ".join(self.keymap.keys_for("volume.clipping_box")) or "no key"
        self.session.message = ("MPR ready" if mode == MPR
                                else f"3D ready: arrows turn it, 1-9 presets, {clipping_keys} clipping box")
        self.setFocus()
        self._update_status()
        self.volume_ready.emit(mode)

    def _volume_problem(self, message: str) -> None:
        self._close_volume_panel()
        self.session.message = message
        self._update_status()

    def _crosshair_moved(self, frame_of_reference_uid: str, crosshair: Crosshair) -> None:
        """The MPR crosshair is the 3D cursor: 2D viewports of the same patient space go to its point and
        show its planes as reference lines."""
        self.session.volume_planes = (frame_of_reference_uid, crosshair_planes(crosshair))
        self.session.locate_point(frame_of_reference_uid, crosshair.center)
        self._repaint_viewports()

    def _slab(self, change) -> None:
        self.session.message = self.panel.change_slab(change)
        self._update_status()

    def _toggle_clipping_box(self) -> None:
        self.session.message = self.panel.toggle_clipping_box()
        self._update_status()

    def toggle_registration(self) -> None:
        self.registration.toggle()

    # --- for the command line's --screenshot and for tests ---
    def is_settled(self) -> bool:
        """Every visible viewport with a stack shows its image, and the volume panel (if open) is drawn."""
        if not self.session.display_sets:
            return False
        shown = all(v.current_pixels() is not None for v in self.session.visible_viewports if v.stack is not None)
        return shown and (self.session.view_mode == STACK or self.panel.is_ready)
