"""Hanging the real scanner studies: the pancreas CT, the sagittal MPRAGE and the 5 patients with priors."""

from __future__ import annotations

import pytest

from workstation.hanging.engine import hang_study

pytestmark = pytest.mark.shared_data


def _boxes(hanging, stage=0):
    return hanging.current_plan.stages[stage].boxes


def test_pancreas_ct_hangs_by_ct_abdomen_with_coronal_mpr_of_its_volume(real_archive):
    study = next(s for s in real_archive.studies() if s.study_description == "PANCREAS")
    (series,) = real_archive.series(study.study_instance_uid)

    hanging = hang_study(real_archive, study.study_instance_uid, "reader")

    assert hanging.current_plan.protocol.id == "ct-abdomen"
    assert [m.protocol.id for m in hanging.matches][-1] == "generic"
    axial, bone, prior_axial, _ = _boxes(hanging)
    assert axial.chosen.series_instance_uid == series.series_instance_uid and axial.box.window == "Abdomen"
    assert bone.chosen.series_instance_uid == series.series_instance_uid and bone.box.window == "Bone"
    assert prior_axial.chosen is None and "no prior of this patient" in prior_axial.why_empty
    coronal = _boxes(hanging, 1)[0]
    assert coronal.chosen.facts.attributes["is_volume"] is True
    assert (coronal.box.reformat.view, coronal.box.reformat.plane) == ("mpr", "coronal")


def test_sagittal_mprage_fills_the_t1_box_and_explains_the_missing_sequences(real_archive):
    study = next(s for s in real_archive.studies() if s.modalities == ("MR",))

    hanging = hang_study(real_archive, study.study_instance_uid, "reader")

    assert hanging.current_plan.protocol.id == "mr-brain"
    t1, t2, flair, dwi = _boxes(hanging)
    assert t1.chosen.facts.attributes["orientation"] == "sagittal"
    assert t1.chosen.facts.attributes["image_count"] == 192
    for empty in (t2, flair, dwi):
        assert empty.chosen is None and "series_description like" in empty.why_empty


@pytest.mark.parametrize("patient_id", ["A002304", "A027284", "A048383", "A056642", "A058062"])
def test_current_study_hangs_beside_its_earlier_prior(real_archive, patient_id):
    older, newer = sorted(real_archive.studies(patient_id=patient_id), key=lambda s: s.study_date)

    hanging = hang_study(real_archive, newer.study_instance_uid, "reader")

    plan = hanging.current_plan
    assert plan.protocol.id in ("ct-chest", "ct-abdomen")
    expected = "ct-chest" if "CHEST" in newer.study_description else "ct-abdomen"
    assert plan.protocol.id == expected
    assert plan.image_sets == {"current": newer.study_instance_uid, "prior": older.study_instance_uid}
    current_axial, _, prior_axial, _ = plan.stages[0].boxes
    assert current_axial.chosen.study_instance_uid == newer.study_instance_uid
    assert current_axial.chosen.facts.attributes["orientation"] == "axial"
    assert prior_axial.chosen.study_instance_uid == older.study_instance_uid and prior_axial.chosen.is_prior
    assert prior_axial.chosen.facts.attributes["orientation"] == "axial"


@pytest.mark.parametrize("patient_id", ["A002304", "A048383"])
def test_a_study_dated_after_the_current_one_is_never_hung(real_archive, patient_id):
    older, newer = sorted(real_archive.studies(patient_id=patient_id), key=lambda s: s.study_date)

    hanging = hang_study(real_archive, older.study_instance_uid, "reader")

    assert hanging.priors == []
    assert hanging.current_plan.image_sets["prior"] is None
    shown = {box.chosen.study_instance_uid for stage in hanging.current_plan.stages for box in stage.boxes if box.chosen}
    assert shown == {older.study_instance_uid}


def test_ranking_and_stepping_through_protocols_and_stages(real_archive):
    newer = max(real_archive.studies(patient_id="A048383"), key=lambda s: s.study_date)
    hanging = hang_study(real_archive, newer.study_instance_uid, "reader")

    scores = [m.score for m in hanging.matches]
    assert scores == sorted(scores, reverse=True) and hanging.matches[0].protocol.id == "ct-chest"
    assert "Protocol: CT chest with prior - stage 1/3: Axial with prior" in hanging.status_text()
    assert hanging.step_stage(1) and hanging.current_stage.name == "Coronal MPR"
    assert hanging.step_stage(1) and not hanging.step_stage(1)
    assert hanging.step_stage(-1) and hanging.stage_index == 1
    hanging.next_protocol()
    assert hanging.stage_index == 0 and hanging.current_plan.protocol.id == hanging.matches[1].protocol.id
