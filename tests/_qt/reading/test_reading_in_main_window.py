"""The reading screen inside the main window: a study opened from the archive shows with its prior."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workstation._qt.reading.reading_view import ReadingView

pytestmark = pytest.mark.gui
LOAD_TIMEOUT_MS = 30_000


def test_opening_the_demo_ct_shows_current_and_prior_side_by_side_and_reads_from_the_keyboard(
        qtbot, main_window, grab_grey):
    reading = ReadingView(main_window.archive)
    main_window.install_reading_screen(reading)  # what app.run_application does
    archive = main_window.archive
    current = max((s for s in archive.studies() if "CT" in s.modalities), key=lambda s: s.study_date)
    main_window.open_study(current.study_instance_uid)
    assert main_window.pages.currentWidget() is reading
    left, right = reading.session.viewports[:2]
    qtbot.waitUntil(lambda: left.current_pixels() is not None and right.current_pixels() is not None,
                    timeout=LOAD_TIMEOUT_MS)
    assert reading.session.layout.name == "1x2"
    assert not left.stack.is_prior and right.stack.is_prior
    assert left.stack.labels.study_date > right.stack.labels.study_date
    assert left.stack.display_name == right.stack.display_name  # the chest CT of both, not the scout
    assert reading.hasFocus()

    qtbot.keyClick(reading, Qt.Key.Key_L)  # link scrolling: other frame of reference, so by offset
    for _ in range(5):
        qtbot.keyClick(reading, Qt.Key.Key_Down)
    assert left.slice_index == right.slice_index == 5
    qtbot.keyClick(reading, Qt.Key.Key_2)  # lung window on the current
    assert left.window.name == "Lung"

    for index in (0, 1):
        widget = reading.viewport_widgets[index]
        qtbot.waitUntil(lambda widget=widget: widget.viewport.current_pixels() is not None, timeout=LOAD_TIMEOUT_MS)
        widget.repaint()
        pixels = grab_grey(widget)[40:-40, 40:-40].astype(float)
        assert pixels.std() > 30, "the viewport shows no anatomy"
    strip_text = [reading.strip.item(row).text() for row in range(reading.strip.count())]
    assert any(text.startswith("PRIOR") for text in strip_text)
    assert any(text.startswith("CURRENT") for text in strip_text)
