"""The clinicians' mode end to end, in the window the application builds: search a patient, see the exams
and the signed report, the radiologist's key images preselected, open them in a simple layout (no hanging
protocol, no priors), no reporting tools, everything audited."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from tests._qt.security.screen_pixels import screen_rgb
from workstation._qt.app import build_main_window
from workstation._qt.reporting.dock import install_report_editor
from workstation._qt.security.controller import install_security
from workstation.archive import Archive
from workstation.core.keymap import Keymap
from workstation.dicom.reading import read_dataset
from workstation.net.outbox import Outbox
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import Exam, KeyImage, Report, Section, SignatureKind
from workstation.reporting.signing import SignedReports, sign
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.settings.home import archive_folder

pytestmark = pytest.mark.gui
TIMEOUT_MS = 30_000
IMPRESSION = "No pulmonary embolism. Small left pleural effusion."


@pytest.fixture
def app_window(qtbot, demo_archive_template, tmp_path):
    """The application's window (reading screen with hanging protocols, report dock) on the demo archive."""
    shutil.copytree(demo_archive_template, archive_folder())
    archive = Archive(archive_folder())
    window = build_main_window(archive)
    qtbot.addWidget(window)
    dock = install_report_editor(window, outputs=ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs"))
    window.screen_placement.show()
    window.activateWindow()
    qtbot.waitActive(window)
    yield window
    qtbot.waitUntil(lambda: window.tasks.wait_until_idle(), timeout=TIMEOUT_MS)
    dock.stop()
    window.close()
    archive.close()


def series_of(stack) -> str:
    return stack.uid.split("/", 1)[0]  # "series/display set/phase"


def signed_report_with_a_key_image(archive, study) -> KeyImage:
    """alice signed the CT's report and flagged an image of the scout (not the largest series) as key image."""
    scout = min(archive.series(study.study_instance_uid), key=lambda series: series.instance_count)
    header = read_dataset(archive.instance_paths(scout.series_instance_uid)[0], header_only=True)
    key = KeyImage(str(header.SOPClassUID), str(header.SOPInstanceUID), scout.series_instance_uid)
    exam = Exam(study.accession_number, study.patient_id, study.patient_name,
                study_instance_uid=study.study_instance_uid, study_date=study.study_date, modality="CT")
    report = Report.new(exam, "alice", (Section("Findings", "Lungs clear."), Section("Impression", IMPRESSION)))
    SignedReports().store(sign(replace(report, key_images=(key,)), "alice", SignatureKind.FINAL))
    return key


def test_a_clinician_finds_the_patient_reads_the_report_and_opens_the_key_images(qtbot, app_window):
    window = app_window
    security = StationSecurity.open()
    security.users.add("alice", Role.RADIOLOGIST, "alice-pw")
    carl = security.users.add("carl", Role.CLINICIAN, "carl-pw")
    ct = next(s for s in window.archive.studies() if s.accession_number == "DEMOA0102")
    key = signed_report_with_a_key_image(window.archive, ct)
    controller = install_security(window, security, user=carl)
    selector = controller.selector
    assert window.pages.currentWidget() is selector
    assert not window.report_dock.dock.isVisible()

    qtbot.keyClicks(selector.search, "nobody-here")
    qtbot.keyClick(selector.search, Qt.Key.Key_Return)
    assert selector.studies.count() == 0 and "No exam found for 'nobody-here'" in selector.note.text()
    selector.search.clear()
    qtbot.keyClicks(selector.search, "avery")
    qtbot.keyClick(selector.search, Qt.Key.Key_Return)
    found = [selector.studies.item(row).data(Qt.ItemDataRole.UserRole) for row in range(selector.studies.count())]
    assert {s.patient_name for s in found} == {ct.patient_name} and len(found) == 2  # the CT and its prior
    selector.studies.setCurrentRow(next(row for row, s in enumerate(found) if s.study_instance_uid == ct.study_instance_uid))
    assert IMPRESSION in selector.report.toPlainText()
    assert selector.ticked_series() == [key.series_instance_uid]  # the key image's series, not the largest
    qtbot.wait(100)
    screen_rgb(window, save_as="clinician_selector")

    qtbot.mouseClick(selector.open_button, Qt.MouseButton.LeftButton)
    reading = window.reading_screen
    assert window.pages.currentWidget() is reading
    qtbot.waitUntil(reading.is_settled, timeout=TIMEOUT_MS)
    session = reading.session
    assert {series_of(s) for s in session.display_sets} == {key.series_instance_uid}  # no priors, nothing else
    assert session.layout.name == "1x1" and series_of(session.viewports[0].stack) == key.series_instance_uid

    toggle_keys = Keymap.load().keys_for("report.toggle_editor")
    reading.run_command("report.toggle_editor")
    assert not window.report_dock.dock.isVisible() and window.report_dock.editor.session is None  # no reporting tools
    assert "not available to your role" in window.statusBar().currentMessage()
    qtbot.wait(100)
    screen_rgb(window, save_as="clinician_reading")

    carls = [(r["event"], r["study_uids"], r.get("detail", "")) for r in security.trail.log.records()
             if r["user"] == "carl" and r["event"] != "application start"]
    assert [detail for event, _, detail in carls if event == "query"] == ["patient~nobody-here", "patient~avery"]
    report_shown = [detail for event, uids, detail in carls
                    if event == "instances accessed" and uids == [ct.study_instance_uid]]
    assert "clinicians' selector: signed report and series shown" in report_shown
    assert carls[-1][:2] == ("instances accessed", [ct.study_instance_uid])  # the images opened
    assert toggle_keys  # the command the key would run is the one refused above

    qtbot.keyClick(reading, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # "Study list": back to the selector
    assert window.pages.currentWidget() is selector
    for row in range(selector.series.count()):
        selector.series.item(row).setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(selector.open_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is selector and "Tick at least one series" in selector.note.text()
    for row in range(selector.series.count()):
        selector.series.item(row).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(selector.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(session.display_sets) == 2 and reading.is_settled(), timeout=TIMEOUT_MS)
    assert session.layout.name == "1x2" and {s.study_instance_uid for s in session.display_sets} == {ct.study_instance_uid}
    assert {series_of(v.stack) for v in session.visible_viewports} == set(selector.ticked_series())

    controller.change_user(security.users.find("alice"))  # a radiologist takes the station: her tools come back
    assert window.pages.currentWidget() is window.study_browser and window.report_dock.dock.isVisible()
    assert reading.hanging_planner is controller.site_hanging is not None
