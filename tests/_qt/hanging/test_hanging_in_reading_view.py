"""Opening an exam hangs it by its protocol; stage and protocol keys; empty boxes say what they expected;
the screen saved as the user's protocol hangs the next opening; a plan's prior gets opened."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from tests.hanging.factories import write_mammogram
from workstation._qt.app import build_main_window
from workstation._qt.hanging.controller import HangingController
from workstation._qt.hanging.save_dialog import SaveProtocolDialog
from workstation._qt.reading.reading_view import ReadingView
from workstation.hanging.capture import proposed_study_rules
from workstation.hanging.loading import user_protocols_folder
from workstation.hanging.protocol import Reformat
from workstation.hanging.schema import protocol_from_file
from workstation.settings.profile_folder import set_profile_user

pytestmark = pytest.mark.gui
TIMEOUT_MS = 30_000


@pytest.fixture
def hung_reading(qtbot, main_window, monkeypatch):
    monkeypatch.setenv("WORKSTATION_USER", "reader")
    reading = ReadingView(main_window.archive)
    controller = HangingController(reading, main_window.archive)
    main_window.install_reading_screen(reading)
    archive = main_window.archive
    ct = sorted((s for s in archive.studies() if "CT" in s.modalities), key=lambda s: s.study_date)
    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(ct[-1].study_instance_uid)
    yield reading, controller, ct
    assert reading.tasks.wait_until_idle()  # no worker may outlive the test's archive


def test_opening_the_ct_hangs_current_and_prior_in_their_boxes_with_their_windows(hung_reading, qtbot):
    reading, controller, (prior, current) = hung_reading
    viewports = reading.session.viewports

    assert reading.session.layout.name == "2x2"
    assert [v.stack.study_instance_uid for v in viewports[:4]] == [current.study_instance_uid] * 2 + [
        prior.study_instance_uid] * 2
    assert all(v.stack.display_name == "Chest 3.0 mm" for v in viewports[:4])  # never the scout
    assert [v.window.name for v in viewports[:4]] == ["Mediastinum", "Lung", "Mediastinum", "Lung"]
    assert viewports[0].slice_index == len(viewports[0].stack) // 2  # slice: middle
    assert reading.session.sync.link_scroll and not reading.session.sync.link_window
    assert all(reading.session.sync.is_member("scroll", v) for v in viewports[:4])
    sync = reading.session.sync  # the protocol's reference-line group: the two current boxes only
    assert sync.shows_reference_line(viewports[0], viewports[1]) and not sync.shows_reference_line(viewports[0],
                                                                                                  viewports[2])
    qtbot.waitUntil(lambda: "Protocol: CT chest with prior - stage 1/3: Axial with prior" in reading.status.text(),
                    timeout=TIMEOUT_MS)
    qtbot.keyClick(reading, Qt.Key.Key_2)  # another message in the reading status line...
    assert "Lung" in reading.status.text()
    assert controller.status_label.text().startswith("Protocol: CT chest with prior - stage 1/3")  # ...not here


def test_stage_keys_step_through_the_stages_and_empty_boxes_say_what_they_expected(hung_reading, qtbot):
    reading, controller, (prior, current) = hung_reading

    with qtbot.waitSignal(reading.volume_ready, timeout=TIMEOUT_MS) as ready:
        qtbot.keyClick(reading, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
        assert controller.hanging.stage_index == 1 and reading.session.layout.name == "1x2"
        assert "stage 2/3: Coronal MPR" in reading.status.text()
        sync = reading.session.sync
        assert [sync.is_member("scroll", v) for v in reading.session.viewports[:3]] == [True, True, False]
    assert ready.args == ["mpr"] and reading.panel.active_plane == "coronal"

    qtbot.keyClick(reading, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert controller.hanging.stage_index == 2
    left, right = reading.session.viewports[:2]
    assert left.stack is None and right.stack is None  # the demo CT has no acquired coronal/sagittal series
    assert "orientation coronal" in left.expected and "orientation sagittal" in right.expected
    qtbot.keyClick(reading, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert controller.hanging.stage_index == 2 and "last stage" in reading.status.text()

    qtbot.keyClick(reading, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(reading, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert controller.hanging.stage_index == 0 and reading.session.layout.name == "2x2"
    assert reading.session.viewports[1].window.name == "Lung"

    qtbot.keyClick(reading, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)  # next matching protocol
    assert controller.hanging.protocol_index == 1
    assert controller.hanging.current_plan.protocol.id == controller.hanging.matches[1].protocol.id
    assert f"Protocol: {controller.hanging.matches[1].protocol.name}" in reading.status.text()


def test_the_screen_saved_as_protocol_hangs_the_next_opening_for_this_user(hung_reading, qtbot, main_window):
    reading, controller, (prior, current) = hung_reading
    qtbot.keyClick(reading, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # layout 1x1: only the current
    reading.session.viewports[0].window = reading.session.presets.for_modality("CT")[2]  # Bone
    dialog = SaveProtocolDialog(proposed_study_rules(controller.hanging.current), "Chest bone")
    dialog.rule_boxes[1].setChecked(False)
    assert [r.attribute for r in dialog.rules()] == ["modality", "study_description"]

    path = controller.save_current_screen("Chest bone", dialog.rules(), default_for_exam_type=True)

    assert path == str(user_protocols_folder("reader") / "chest-bone.yaml")
    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)
    assert controller.hanging.current_plan.protocol.name == "Chest bone"
    assert reading.session.layout.name == "1x1"
    viewport = reading.session.viewports[0]
    assert viewport.stack.display_name == "Chest 3.0 mm" and viewport.window.name == "Bone"
    qtbot.waitUntil(lambda: "Protocol: Chest bone" in reading.status.text(), timeout=TIMEOUT_MS)


def test_ctrl_shift_s_opens_the_save_dialog_and_saves_for_this_user(hung_reading, qtbot):
    reading, controller, _studies = hung_reading
    answered = []

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        answered.append(dialog)
        dialog.name.setText("Chest four up")
        dialog.default_for_exam_type.setChecked(True)
        dialog.accept()

    QTimer.singleShot(200, fill_in)
    qtbot.keyClick(reading, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)

    assert isinstance(answered[0], SaveProtocolDialog)
    protocol, problems = protocol_from_file(user_protocols_folder("reader") / "chest-four-up.yaml")
    assert problems == [] and protocol.level == "USER" and protocol.owner == "reader"
    assert protocol.stages[0].layouts == ("2x2",) and len(protocol.stages[0].boxes) == 4
    assert [box.image_set for box in protocol.stages[0].boxes] == ["current", "current", "prior", "prior"]
    assert [box.window for box in protocol.stages[0].boxes] == ["Mediastinum", "Lung", "Mediastinum", "Lung"]
    assert protocol.rules[0].attribute == "modality" and protocol.rules[0].weight > 100  # default for exam type
    assert protocol.stages[0].sync[0].kind == "scroll"
    assert "Saved as your protocol 'Chest four up'" in reading.status.text()


def test_the_saved_screen_keeps_the_mpr_plane_and_slab_and_the_3d_preset(hung_reading, qtbot, main_window):
    reading, controller, (prior, current) = hung_reading
    with qtbot.waitSignal(reading.volume_ready, timeout=TIMEOUT_MS):
        controller.step_stage(1)  # coronal MPR of the current study beside the prior
    reading.run_command("mpr.slab_thicker")
    controller.save_current_screen("Coronal slab", proposed_study_rules(controller.hanging.current))
    protocol, problems = protocol_from_file(user_protocols_folder("reader") / "coronal-slab.yaml")
    assert problems == []
    views = [box.reformat for box in protocol.stages[0].boxes]
    assert views[0] == Reformat("mpr", "coronal", 2.0, "mip") and views[1] == Reformat()
    assert [(g.kind, g.boxes) for g in protocol.stages[0].sync] == [("scroll", (0, 1))]

    with qtbot.waitSignal(reading.volume_ready, timeout=TIMEOUT_MS):
        reading.run_command("view.volume_rendering")
    reading.panel.view.set_preset("soft_tissue")
    controller.save_current_screen("Chest 3D", proposed_study_rules(controller.hanging.current),
                                   default_for_exam_type=True)
    protocol, problems = protocol_from_file(user_protocols_folder("reader") / "chest-3d.yaml")
    assert problems == [] and protocol.stages[0].boxes[0].reformat == Reformat("3d", volume_preset="soft_tissue")

    with qtbot.waitSignal(reading.volume_ready, timeout=TIMEOUT_MS) as ready:  # the next opening shows it again
        main_window.open_study(current.study_instance_uid)
    assert ready.args == ["3d"] and controller.hanging.current_plan.protocol.name == "Chest 3D"
    assert reading.panel.view.scene.preset.key == "soft_tissue"


def test_a_broken_protocol_file_is_skipped_with_a_visible_warning(hung_reading, qtbot, main_window):
    reading, controller, (prior, current) = hung_reading
    folder = user_protocols_folder("reader")
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("id: broken\nname: Broken\nstages:\n  - layout: 9x9\n    boxes: []\n")

    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)

    assert controller.hanging.current_plan.protocol.id == "ct-chest"
    qtbot.waitUntil(lambda: "Hanging protocol skipped: " in reading.status.text(), timeout=TIMEOUT_MS)
    assert f"{folder / 'broken.yaml'}:4: stages[0].layout" in reading.status.text()


def test_the_application_window_hangs_by_protocol_and_shows_it_in_its_status_bar(qtbot, main_window):
    window = build_main_window(main_window.archive)
    qtbot.addWidget(window)

    label = window.statusBar().findChild(QLabel, "hanging-protocol")
    assert label is not None and window.reading_screen.hanging_planner is not None
    dx = max((s for s in main_window.archive.studies() if "DX" in s.modalities), key=lambda s: s.study_date)
    window.open_study(dx.study_instance_uid)
    qtbot.waitUntil(lambda: label.text().startswith("Protocol: Chest radiograph with prior"), timeout=TIMEOUT_MS)
    assert window.reading_screen.session.layout.name == "2x2"
    current_pa, prior_pa = (viewport.stack for viewport in window.reading_screen.session.viewports[:2])
    assert not current_pa.is_prior and prior_pa.is_prior
    assert current_pa.labels.study_date > prior_pa.labels.study_date
    lateral = window.reading_screen.session.viewports[2]  # the demo has no lateral view: the box says so
    assert lateral.stack is None and lateral.expected.startswith("Lateral: modality CR or DX, not view_position PA")
    assert window.reading_screen.tasks.wait_until_idle()


def test_a_protocol_hanging_the_oldest_prior_gets_it_opened(qtbot, main_window, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSTATION_USER", "reader")
    oldest = write_mammogram(tmp_path / "mg", "MG7", "20200110")
    write_mammogram(tmp_path / "mg", "MG7", "20230112")  # the prior the reading screen opens by itself
    current = write_mammogram(tmp_path / "mg", "MG7", "20240115")
    main_window.archive.import_paths([tmp_path / "mg"])
    folder = user_protocols_folder("reader")
    folder.mkdir(parents=True)
    (folder / "mg-oldest.yaml").write_text(
        "id: mg-oldest\nname: MG against the first exam\nlevel: USER\n"
        "match: [{attribute: modality, equals: MG, required: true, weight: 50}]\n"
        "image_sets: {first: {prior: oldest}}\n"
        "stages:\n  - layout: 1x2\n    boxes:\n"
        "      - {image_set: current, select: [{attribute: view_position, equals: CC, required: true},"
        " {attribute: laterality, equals: R, required: true}]}\n"
        "      - {image_set: first, select: [{attribute: view_position, equals: CC, required: true},"
        " {attribute: laterality, equals: R, required: true}]}\n")
    reading = ReadingView(main_window.archive)
    controller = HangingController(reading, main_window.archive)
    main_window.install_reading_screen(reading)

    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)

    assert controller.hanging.current_plan.protocol.id == "mg-oldest"
    left, right = reading.session.viewports[:2]
    qtbot.waitUntil(lambda: right.stack is not None, timeout=TIMEOUT_MS)
    assert left.stack.uid.startswith(current.series["RCC"])
    assert right.stack.uid.startswith(oldest.series["RCC"]) and right.stack.is_prior
    assert reading.tasks.wait_until_idle()


TWO_SCREEN_CT = """id: ct-two-screens
name: CT on two screens
level: USER
screens: 2
match: [{attribute: modality, equals: CT, required: true, weight: 50}]
image_sets: {prior: {prior: 1}}
stages:
  - layouts: [1x2, 1x1]
    boxes:
      - {image_set: current, select: [{attribute: is_volume, equals: true, required: true}], window: Lung}
      - {image_set: prior, select: [{attribute: is_volume, equals: true, required: true}], window: Lung}
      - {image_set: current, select: [{attribute: is_volume, equals: true, required: true}], window: Bone,
         screen: 2}
    sync:
      - {type: scroll, boxes: [0, 1]}
"""


def test_with_two_image_screens_the_protocol_lays_out_both_screens(qtbot, main_window, monkeypatch):
    monkeypatch.setenv("WORKSTATION_USER", "reader")
    folder = user_protocols_folder("reader")
    folder.mkdir(parents=True)
    (folder / "ct-two-screens.yaml").write_text(TWO_SCREEN_CT)
    reading = ReadingView(main_window.archive)
    reading.image_screens = 2  # as screen_placement sets it when the image window covers two screens
    controller = HangingController(reading, main_window.archive)
    main_window.install_reading_screen(reading)
    current = max((s for s in main_window.archive.studies() if "CT" in s.modalities), key=lambda s: s.study_date)

    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)

    assert controller.hanging.screens == 2 and controller.hanging.current_plan.protocol.id == "ct-two-screens"
    assert reading.session.layout.name == "1x2|1x1" and len(reading.session.layout) == 3
    viewports = reading.session.viewports[:3]
    assert [v.window.name for v in viewports] == ["Lung", "Lung", "Bone"]
    assert [v.stack.is_prior for v in viewports] == [False, True, False]
    widgets = [reading.viewport_widgets[i] for i in range(3)]
    # screen 2's one image is as wide as screen 1's two
    qtbot.waitUntil(lambda: widgets[2].width() > 1.5 * widgets[0].width() > 0, timeout=TIMEOUT_MS)
    assert [reading.session.sync.is_member("scroll", v) for v in viewports] == [True, True, False]
    assert reading.tasks.wait_until_idle()


def test_the_signed_in_users_protocols_hang_the_study_not_the_previous_users(hung_reading, qtbot, main_window):
    reading, controller, (prior, current) = hung_reading
    set_profile_user("alice")  # alice signs in (the security screen does this at login)
    qtbot.keyClick(reading, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    rules = proposed_study_rules(controller.hanging.current)
    path = controller.save_current_screen("Alice chest", rules, default_for_exam_type=True)
    assert path == str(user_protocols_folder("alice") / "alice-chest.yaml")
    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)
    assert controller.hanging.current_plan.protocol.name == "Alice chest"

    set_profile_user("bob")  # bob takes the station: alice's protocol is not his
    with qtbot.waitSignal(controller.hung, timeout=TIMEOUT_MS):
        main_window.open_study(current.study_instance_uid)
    assert controller.hanging.current_plan.protocol.name != "Alice chest"
