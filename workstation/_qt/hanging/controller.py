"""Hangs each exam the reading screen opens by the best protocol, and runs the hanging commands.

The engine (workstation.hanging) reads the study's headers in a worker, started as soon as the first image
of an opening arrives; when the display sets are known the plan's first stage is applied through
``ReadingView.apply_layout``. If the plan is not ready yet, the default hanging shows until it is.
Commands: ``hanging.next_protocol``, ``hanging.next_stage``, ``hanging.previous_stage``,
``hanging.save_screen`` (the layout per screen, each box's display set, window and MPR/3D view, the sync and
reference-line groups); the reading screen's status line names the protocol and stage, and so does
``status_label``, a permanent part of the main window's status bar that other messages do not replace.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel

from workstation._qt.hanging.save_dialog import SaveProtocolDialog
from workstation._qt.reading.reading_view import ReadingView
from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.hanging.capture import ScreenBox, proposed_study_rules, protocol_from_screen
from workstation.hanging.engine import Hanging, hang_study
from workstation.hanging.exam import DisplaySetFacts
from workstation.hanging.loading import current_user, save_user_protocol
from workstation.hanging.plan import StagePlan
from workstation.hanging.protocol import Reformat, SyncGroup
from workstation.hanging.rules import Rule
from workstation.viewer.image_stack import ImageStack
from workstation.viewer.layout import parse_layout
from workstation.viewer.reading_session import MPR, STACK
from workstation.viewer.sync import GROUP_KINDS, REFERENCE_LINES, SCROLL, WINDOW, ZOOM
from workstation.viewer.sync import SyncGroup as SessionSync
from workstation.viewer.view_plan import ViewportBox, ViewType
from workstation.viewer.viewport import Viewport
from workstation.volume.mpr import Slab, SlabMode

log = logging.getLogger(__name__)

_MPR_VIEWS = {"axial": ViewType.MPR_AXIAL, "coronal": ViewType.MPR_CORONAL, "sagittal": ViewType.MPR_SAGITTAL}


class HangingController(QObject):
    hung = Signal(str)  # the status text, each time a protocol or stage has been applied

    def __init__(self, reading: ReadingView, archive: Archive, user: str | None = None) -> None:
        super().__init__(reading)
        self.reading = reading
        self.archive = archive
        self._user = user
        self.hanging: Hanging | None = None
        self.status_label = QLabel("")
        self.status_label.setObjectName("hanging-protocol")
        self.hung.connect(self.status_label.setText)
        self._cache: dict[str, Hanging] = {}
        self._plans_of = self.user  # whose protocols the cached plans come from
        self._pending: set[str] = set()
        self._waiting_for: str | None = None  # the opened study whose plan is still being made
        self._open: set[str] = set()  # the studies the reading screen has open now
        self._widened: str | None = None  # the study re-opened with the priors its plan needs
        reading.hanging_planner = self._plan_for
        reading.loader.preview_ready.connect(self._prefetch)
        for command_id, title, action in (
            ("hanging.next_protocol", "Next matching hanging protocol", self.next_protocol),
            ("hanging.next_stage", "Next stage of the hanging protocol", lambda: self.step_stage(1)),
            ("hanging.previous_stage", "Previous stage of the hanging protocol", lambda: self.step_stage(-1)),
            ("hanging.save_screen", "Save current screen as protocol…", self.save_screen),
        ):
            reading.registry.register(command_id, title, action)

    # --- choosing ---

    @property
    def user(self) -> str:
        """Whose hanging protocols apply: the one given, else whoever is signed in now (hanging.current_user)."""
        return self._user or current_user()
    def _prefetch(self, preview: ImageStack) -> None:
        if not preview.is_prior and preview.study_instance_uid:
            self._start(preview.study_instance_uid)

    def _start(self, study_instance_uid: str) -> None:
        self._forget_another_users_plans()
        if study_instance_uid in self._cache or study_instance_uid in self._pending:
            return
        self._pending.add(study_instance_uid)
        user = self.user
        self.reading.tasks.submit(
            lambda: hang_study(self.archive, study_instance_uid, user, screens=self.reading.image_screens,
                               visible_priors=self.reading.visible_studies),
            lambda hanging: self._made(study_instance_uid, hanging, user),
            lambda message: self._failed(study_instance_uid, message),
            "Choosing the hanging protocol",
        )

    def _plan_for(self, stacks: list[ImageStack]) -> tuple[str, list[ViewportBox]] | None:
        """ReadingView's planner: the first stage of the best protocol, when it is known already."""
        current = next((s.study_instance_uid for s in stacks if not s.is_prior and s.study_instance_uid), None)
        self.hanging = None
        self._forget_another_users_plans()
        self._open = {s.study_instance_uid for s in stacks}
        if current is None or self.archive is None:
            return None
        hanging = self._cache.pop(current, None)  # used once: the next opening reads the protocol files again
        if hanging is None:
            self._waiting_for = current
            self._start(current)
            return None
        self._waiting_for = None
        if self._open_needed_priors(current, hanging):
            return None
        self._take(hanging)
        stage = hanging.current_stage
        if stage is None:
            return None
        QTimer.singleShot(0, self._finish_stage)  # after the reading view has hung the boxes
        return screen_layout(stage), viewport_boxes(stage)

    def _forget_another_users_plans(self) -> None:
        """Plans come from one user's protocols: after another user signs in, those made before are dropped."""
        if self._plans_of != self.user:
            self._cache.clear()
            self._plans_of = self.user

    def _made(self, study_instance_uid: str, hanging: Hanging, user: str) -> None:
        self._pending.discard(study_instance_uid)
        if user != self.user:  # made from the protocols of a user who has left since
            log.info("hanging plan of %s for study %s dropped: another user signed in", user, study_instance_uid)
            if self._waiting_for == study_instance_uid:
                self._start(study_instance_uid)  # the opening still waits: plan it from the new user's protocols
            return
        if self._waiting_for == study_instance_uid:
            self._waiting_for = None
            if not self._open_needed_priors(study_instance_uid, hanging):
                self._take(hanging)
                self._apply_current()
        else:
            self._cache[study_instance_uid] = hanging

    def _open_needed_priors(self, current: str, hanging: Hanging) -> bool:
        """The reading screen opens a study with its most recent earlier prior; a plan may hang another
        (the oldest, one within a body part...). Then the study is opened again with the priors the plan
        names, and the plan is kept for that opening. Once per opening, so a failed read cannot loop."""
        plan = hanging.current_plan
        needed = {uid for uid in plan.image_sets.values() if uid} if plan is not None else set()
        if needed <= self._open or self._widened == current:
            self._widened = None
            return False
        self._widened = current
        self._cache[current] = hanging
        try:
            paths = [path for uid in sorted(needed) for series in self.archive.series(uid)
                     for path in self.archive.instance_paths(series.series_instance_uid)]
        except WorkstationError as error:
            log.error("cannot list the priors the hanging needs: %s", error)
            return False
        log.info("re-opening study %s with the %d studies its hanging protocol shows", current, len(needed))
        self.reading.open_paths(paths)
        return True

    def _failed(self, study_instance_uid: str, message: str) -> None:
        self._pending.discard(study_instance_uid)
        log.error("hanging study %s failed: %s", study_instance_uid, message)
        if self._waiting_for == study_instance_uid:
            self._waiting_for = None
            self.reading.session.message = f"No hanging protocol applied: {message}"
            self.reading.session.notify()

    def _take(self, hanging: Hanging) -> None:
        """Each reading starts from the best protocol's first stage."""
        hanging.protocol_index = hanging.stage_index = 0
        self.hanging = hanging
        self.reading.session.message = hanging.status_text()
        self.reading.problems.extend(f"Hanging protocol skipped: {problem}" for problem in hanging.problems)

    def _apply_current(self) -> None:
        stage = self.hanging.current_stage if self.hanging is not None else None
        if stage is None:
            self.reading.session.notify()
            return
        self.reading.problems.extend(self.reading.apply_layout(screen_layout(stage), viewport_boxes(stage),
                                                               notify=False))
        self._finish_stage()

    def _finish_stage(self) -> None:
        """What apply_layout leaves to the protocol: initial slice, zoom, inversion, synchronisation."""
        stage = self.hanging.current_stage if self.hanging is not None else None
        if stage is None:
            return
        session = self.reading.session
        places = viewport_indexes(stage)
        for box in stage.boxes:
            if box.chosen is None or places[box.number] >= len(session.layout):
                continue
            viewport = session.viewports[places[box.number]]
            if viewport.stack is None:
                continue
            if box.box.slice is not None:
                viewport.go_to({"first": 0, "middle": viewport.image_count // 2,
                                "last": viewport.image_count - 1}[box.box.slice])
            if box.box.zoom is not None:
                viewport.set_zoom(box.box.zoom)
            viewport.invert = box.box.invert
        groups: dict[str, list[list]] = {}
        for group in stage.sync:  # each of the stage's groups links its own boxes, independent of the others
            viewports = [session.viewports[places[number]] for number in group.boxes
                         if places[number] < len(session.layout)]
            if group.kind in GROUP_KINDS and len(viewports) > 1:
                groups.setdefault(group.kind, []).append(viewports)
        for kind in GROUP_KINDS:
            session.sync.set_groups(kind, groups.get(kind))
        session.sync.set_link_scroll(SCROLL in groups)
        session.sync.link_window = WINDOW in groups
        session.sync.link_zoom = ZOOM in groups
        session.message = self.status_text()
        session.notify()
        self.hung.emit(self.status_text())

    def status_text(self) -> str:
        return self.hanging.status_text() if self.hanging is not None else "No hanging protocol"

    # --- commands ---
    def next_protocol(self) -> None:
        hanging = self._require()
        hanging.next_protocol()
        self._apply_current()

    def step_stage(self, step: int) -> None:
        hanging = self._require()
        if not hanging.step_stage(step):
            raise WorkstationError("This is the last stage of the protocol." if step > 0
                                   else "This is the first stage of the protocol.")
        self._apply_current()

    def _require(self) -> Hanging:
        if self.hanging is None:
            raise WorkstationError("No hanging protocol is applied to this screen (still choosing, or none fits).")
        return self.hanging

    def save_screen(self) -> None:
        hanging = self._require()
        dialog = SaveProtocolDialog(proposed_study_rules(hanging.current),
                                    f"My {hanging.current.record.study_description or 'protocol'}".strip(),
                                    self.reading)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.save_current_screen(dialog.name.text().strip(), dialog.rules(),
                                 dialog.default_for_exam_type.isChecked())

    def save_current_screen(self, name: str, rules: tuple[Rule, ...], default_for_exam_type: bool = False) -> str:
        """Write the screen as this user's protocol; returns the file's path. Later openings rank it too."""
        hanging = self._require()
        session = self.reading.session
        viewports = session.viewports[: len(session.layout)]
        volume_viewport = self._volume_viewport(viewports)
        boxes = []
        for viewport in viewports:
            facts = _facts_of(hanging, viewport.stack) if viewport.stack is not None else None
            window = viewport.window.name if viewport.window is not None and viewport.window.name else None
            reformat = self._shown_reformat() if viewport is volume_viewport else Reformat()
            boxes.append(ScreenBox(facts, bool(viewport.stack and viewport.stack.is_prior), window, reformat,
                                   invert=viewport.invert, zoom=None if viewport.zoom == 1.0 else viewport.zoom))
        protocol_id = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-protocol"
        protocol = protocol_from_screen(protocol_id, name, self.user, rules, session.layout.name, boxes,
                                        self._screen_sync(viewports), default_for_exam_type)
        path = save_user_protocol(protocol, self.user)
        self._cache.clear()
        session.message = f"Saved as your protocol '{name}'"
        session.notify()
        return str(path)

    def _volume_viewport(self, viewports: list[Viewport]) -> Viewport | None:
        """The viewport whose display set the MPR/3D panel shows (the active one when several show it)."""
        panel = self.reading.panel
        if self.reading.session.view_mode == STACK or not panel.is_ready or panel.stack is None:
            return None
        showing = [viewport for viewport in viewports if viewport.stack is panel.stack]
        active = self.reading.session.active_viewport
        return active if any(v is active for v in showing) else (showing[0] if showing else None)

    def _shown_reformat(self) -> Reformat:
        """How the panel shows the volume now: MPR plane and slab, or 3D preset."""
        panel = self.reading.panel
        if panel.mode == MPR:
            slab = panel.view.slab
            thick = slab.thickness_mm > 0
            return Reformat("mpr", panel.active_plane, slab.thickness_mm if thick else None,
                            slab.mode.value if thick else None)
        return Reformat("3d", volume_preset=panel.view.preset_choice.currentData())

    def _screen_sync(self, viewports: list[Viewport]) -> tuple[SyncGroup, ...]:
        """The links on screen as the stage's groups (box numbers), one per group of two or more boxes."""
        sync = self.reading.session.sync
        groups = []
        for kind in _linked_kinds(sync):
            for group in sync.groups_of(kind):
                numbers = tuple(n for n, viewport in enumerate(viewports) if any(v is viewport for v in group))
                if len(numbers) > 1:
                    groups.append(SyncGroup(kind, numbers))
        return tuple(groups)


def _linked_kinds(sync: SessionSync) -> tuple[str, ...]:
    """The kinds whose groups are in force now: the links switched on, and reference lines when grouped."""
    flags = {SCROLL: sync.link_scroll, WINDOW: sync.link_window, ZOOM: sync.link_zoom,
             REFERENCE_LINES: REFERENCE_LINES in sync.groups}
    return tuple(kind for kind in GROUP_KINDS if flags[kind])


def screen_layout(stage: StagePlan) -> str:
    """The reading window's layout for the stage: each available image screen's layout, side by side."""
    return "|".join(stage.layouts)


def viewport_indexes(stage: StagePlan) -> list[int]:
    """Box number -> viewport index: the screens' cells counted screen after screen."""
    first_cell = [0]
    for layout in stage.layouts:
        first_cell.append(first_cell[-1] + len(parse_layout(layout)))
    return [first_cell[box.screen] + box.cell for box in stage.boxes]


def viewport_boxes(stage: StagePlan) -> list[ViewportBox]:
    """The stage's boxes, one per cell of its screens' layouts (empty cells say what was expected)."""
    cells = len(parse_layout(screen_layout(stage)))
    boxes = [ViewportBox("", expected="") for _ in range(cells)]
    for box, index in zip(stage.boxes, viewport_indexes(stage)):
        if index >= cells:
            continue
        if box.chosen is None:
            boxes[index] = ViewportBox("", expected=box.why_empty)
            continue
        view = box.box.reformat
        view_type = (ViewType.VOLUME_RENDERING if view.view == "3d"
                     else _MPR_VIEWS.get(view.plane or "", ViewType.STACK) if view.view == "mpr" else ViewType.STACK)
        slab = Slab(view.slab_thickness_mm, SlabMode(view.slab_mode or "mip")) if view.slab_thickness_mm else None
        boxes[index] = ViewportBox(box.chosen.series_instance_uid, box.chosen.study_instance_uid, view_type,
                                   box.box.window or "", slab, stack_uid=box.chosen.stack_uid,
                                   volume_preset=view.volume_preset or "")
    return boxes


def _facts_of(hanging: Hanging, stack: ImageStack) -> DisplaySetFacts | None:
    series_uid, _, rest = stack.uid.partition("/")
    index = int(rest.split("/")[0]) if rest.split("/")[0].isdigit() else 0
    studies = [hanging.current] + [hanging.study(prior) for prior in hanging.priors
                                   if prior.study_instance_uid == stack.study_instance_uid]
    for study in studies:
        for facts in study.display_sets:
            if facts.series_instance_uid == series_uid and facts.display_set_index == index:
                return facts
    return None
