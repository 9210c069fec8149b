"""The one fixture GUI tests share: a shown main window over a local archive holding the demo studies."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workstation._qt.main_window import MainWindow
from workstation.archive import Archive
from workstation.demo import write_demo_studies
from workstation.settings.home import archive_folder

SETTLE_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def demo_archive_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive folder with the demo studies imported, made once per session and copied per test."""
    root = tmp_path_factory.mktemp("demo-archive")
    report = write_demo_studies(root / "demo")
    with pytest.MonkeyPatch.context() as patch:  # made before any test's home: the machine's settings stay out
        patch.setenv("WORKSTATION_HOME", str(root / "home"))
        with Archive(root / "archive") as archive:
            imported = archive.import_paths([report.folder])
    assert imported.imported == len(report.paths) and not imported.problems
    return root / "archive"


@pytest.fixture
def main_window(qtbot, workstation_home: Path, demo_archive_template: Path) -> Iterator[MainWindow]:
    """A shown MainWindow on this test's own copy of the demo archive, study list and thumbnails loaded.

    ``main_window.archive`` is the open Archive; ``main_window.study_browser.settled`` fires whenever the
    selected study's thumbnails are all shown (use ``qtbot.waitSignal`` on it after changing selection).
    """
    shutil.copytree(demo_archive_template, archive_folder())
    archive = Archive(archive_folder())
    window = MainWindow(archive)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    with qtbot.waitSignal(window.study_browser.settled, timeout=SETTLE_TIMEOUT_MS):
        window.refresh()
    yield window
    window.close()
    archive.close()
