"""``workstation open PATH | --study UID``: the main window straight on the reading screen.

With ``screenshot`` the window is saved as PNG (MPR and 3D views included) once the first full render is
done: every visible viewport shows its image and, with ``mpr``, the MPR views are drawn; then it exits.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from workstation._qt.app import application
from workstation._qt.hanging.controller import HangingController
from workstation._qt.main_window import MainWindow
from workstation._qt.reading.reading_view import ReadingView
from workstation._qt.reading.screen_placement import ScreenPlacement
from workstation._qt.reading.screenshot import save_screenshot
from workstation._qt.security.controller import install_security
from workstation.archive import Archive
from workstation.core.errors import WorkstationError
from workstation.viewer.layout import parse_layout
from workstation.viewer.reading_session import MPR

log = logging.getLogger(__name__)

SETTLE_POLL_MS = 20
SCREENSHOT_DEADLINE_MS = 60_000


def run_reading(paths: Sequence[str | Path] = (), study_instance_uid: str | None = None, layout: str | None = None,
                mpr: bool = False, screenshot: str | None = None, user=None) -> int:
    """Open files/folders or an archived study (with its prior) for reading; returns the exit status.

    Without ``layout`` an archived study is hung by its best hanging protocol (as from the study list);
    files, or a study with ``layout``, get that grid (1x1 by default) filled in order."""
    if layout is not None:
        parse_layout(layout)  # a bad layout is a usage error before any window opens
    missing = [str(path) for path in paths if not Path(path).exists()]
    if missing:
        raise WorkstationError(f"Nothing to open at {', '.join(missing)}: check the path.")
    app = application()
    archive = Archive.open_default()
    try:
        if study_instance_uid is not None:
            archive.study(study_instance_uid)  # an unknown UID is reported before the window opens
        window = MainWindow(archive)
        reading = ReadingView(archive, layout=layout or "1x1")
        hanging = None
        if study_instance_uid is not None and layout is None:
            hanging = HangingController(reading, archive)
            window.statusBar().addPermanentWidget(hanging.status_label)
        placement = ScreenPlacement(window, reading)
        if placement.image_window is None:
            window.pages.setCurrentWidget(reading)
        placement.show()
        if user is not None:  # signed in by the command line (--user): its rules, idle lock and audit apply
            install_security(window, user=user)
        shown = placement.image_window or window
        # with a hanging protocol, MPR waits for its layout (which arrives from a worker and would undo it)
        mpr_asked = _open_mpr_once(reading, hanging.hung if hanging else reading.loader.stacks_ready) if mpr else None
        if screenshot:
            _save_screenshot_when_rendered(shown, reading, Path(screenshot), mpr_asked, app)
        if study_instance_uid is not None:
            reading.open_study(study_instance_uid)
        else:
            reading.open_paths(paths)
        reading.setFocus()
        return app.exec()
    finally:
        archive.close()


def _open_mpr_once(reading: ReadingView, ready) -> list[bool]:
    """Ask for MPR the first time ``ready`` fires; the returned list holds True once it has been asked."""
    asked: list[bool] = []

    def ask() -> None:
        reading.run_command("view.mpr")
        asked.append(True)

    def fired(*_: object) -> None:
        ready.disconnect(fired)
        QTimer.singleShot(0, ask)

    ready.connect(fired)
    return asked


def _save_screenshot_when_rendered(window: QWidget, reading: ReadingView, path: Path, mpr_asked: list[bool] | None,
                                   app) -> None:
    """Save once every viewport shows its image (and MPR is drawn when ``mpr_asked`` is given); MPR that
    was asked for and could not open (a single image) is saved as it is, with exit status 1."""
    mpr = mpr_asked is not None
    started = QTimer(window)
    waited = [0]

    def check() -> None:
        waited[0] += SETTLE_POLL_MS
        app.processEvents()  # first, so that nothing (a hanging re-layout) lands between the check and the grab
        rendered = reading.is_settled() and (not mpr or reading.session.view_mode == MPR)
        failed = mpr and bool(mpr_asked) and reading.panel.mode is None and reading.is_settled()
        if not (rendered or failed or waited[0] >= SCREENSHOT_DEADLINE_MS):
            return
        started.stop()
        if not rendered:
            log.warning("screenshot taken before the first full render (%s)", reading.status.text())
        if not save_screenshot(window, path):
            app.exit(1)
            return
        if not rendered:
            print(f"workstation: the images were not all shown: {reading.status.text()}", file=sys.stderr)
        app.exit(0 if rendered else 1)

    started.timeout.connect(check)
    started.start(SETTLE_POLL_MS)
