"""Hanging synthetic studies the shared data lacks: a screening mammogram with priors, an MR brain series set,
and the demo studies the application ships."""

from __future__ import annotations

import pytest

from tests.hanging.factories import write_mammogram, write_mr_brain
from workstation.demo import write_demo_studies
from workstation.hanging.engine import hang_study


def _chosen(stage):
    return [None if box.chosen is None else box.chosen.series_instance_uid for box in stage.boxes]


def test_mammogram_four_views_mirrored_then_each_view_beside_the_most_recent_prior(archive, tmp_path):
    oldest = write_mammogram(tmp_path / "files", "MG1", "20220110")
    prior = write_mammogram(tmp_path / "files", "MG1", "20230112")
    current = write_mammogram(tmp_path / "files", "MG1", "20240115")
    later = write_mammogram(tmp_path / "files", "MG1", "20250120")  # dated after: must never be hung
    assert not archive.import_paths([tmp_path / "files"]).problems

    hanging = hang_study(archive, current.study_instance_uid, "reader")

    plan = hanging.current_plan
    assert plan.protocol.id == "mg-screening"
    four_view, cc, mlo = plan.stages
    assert four_view.layout == "2x2"
    assert _chosen(four_view) == [current.series[view] for view in ("RCC", "LCC", "RMLO", "LMLO")]
    assert [box.cell for box in four_view.boxes] == [0, 1, 2, 3]
    assert _chosen(cc) == [current.series["RCC"], current.series["LCC"], prior.series["RCC"], prior.series["LCC"]]
    assert _chosen(mlo) == [current.series["RMLO"], current.series["LMLO"], prior.series["RMLO"],
                            prior.series["LMLO"]]
    shown = {box.chosen.study_instance_uid for stage in plan.stages for box in stage.boxes}
    assert later.study_instance_uid not in shown and oldest.study_instance_uid not in shown
    assert [p.study_instance_uid for p in hanging.priors] == [prior.study_instance_uid, oldest.study_instance_uid]


def test_mammogram_missing_a_view_says_which(archive, tmp_path):
    current = write_mammogram(tmp_path / "files", "MG2", "20240115", views=("RCC", "LCC", "RMLO"))
    archive.import_paths([tmp_path / "files"])

    stage = hang_study(archive, current.study_instance_uid, "reader").current_plan.stages[0]

    assert _chosen(stage)[:3] == [current.series[v] for v in ("RCC", "LCC", "RMLO")]
    assert stage.boxes[3].chosen is None
    assert "laterality L" in stage.boxes[3].why_empty and "view_position MLO" in stage.boxes[3].why_empty


def test_mr_brain_sequences_by_description_and_the_prior_t2_flair(archive, tmp_path):
    prior = write_mr_brain(tmp_path / "files", "MR1", "20230301", with_flair=False)
    current = write_mr_brain(tmp_path / "files", "MR1", "20240301")
    archive.import_paths([tmp_path / "files"])

    plan = hang_study(archive, current.study_instance_uid, "reader").current_plan

    assert plan.protocol.id == "mr-brain"
    sequences, comparison, reformats = plan.stages
    assert _chosen(sequences) == [current.series[s] for s in ("T1", "T2", "FLAIR", "DWI")]
    assert _chosen(comparison) == [current.series["T2"], prior.series["T2"], current.series["FLAIR"], None]
    assert "FLAIR" in comparison.boxes[3].why_empty and "dated 20230301" in comparison.boxes[3].why_empty
    assert _chosen(reformats) == [current.series["T1"]] * 3
    assert [b.box.reformat.plane for b in reformats.boxes] == [None, "sagittal", "coronal"]


def test_a_prior_older_than_the_image_sets_time_limit_is_not_hung(archive, tmp_path):
    write_mr_brain(tmp_path / "files", "MR2", "20150301")  # 9 years before: beyond within_days 1825
    current = write_mr_brain(tmp_path / "files", "MR2", "20240301")
    archive.import_paths([tmp_path / "files"])

    plan = hang_study(archive, current.study_instance_uid, "reader").current_plan

    assert plan.image_sets["prior"] is None
    assert "within 1825 days" in plan.stages[1].boxes[1].why_empty


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory):
    from workstation.archive import Archive

    root = tmp_path_factory.mktemp("demo")
    report = write_demo_studies(root / "files")
    archive = Archive(root / "archive")
    archive.import_paths([report.folder])
    yield archive
    archive.close()


@pytest.mark.parametrize("description, protocol_id, with_prior", [
    ("CT Chest without contrast", "ct-chest", True),
    ("MR Head without contrast", "mr-brain", False),
    ("XR Chest PA", "dx-chest", True),
])
def test_every_demo_study_hangs_by_a_shipped_protocol(demo_archive, description, protocol_id, with_prior):
    study = max((s for s in demo_archive.studies() if s.study_description == description), key=lambda s: s.study_date)

    plan = hang_study(demo_archive, study.study_instance_uid, "reader").current_plan

    assert plan.protocol.id == protocol_id
    first = plan.stages[0].boxes[0]
    assert first.chosen is not None and first.chosen.study_instance_uid == study.study_instance_uid
    assert (plan.image_sets.get("prior") is not None) == with_prior


@pytest.mark.shared_data
def test_ultrasound_cine_hangs_once_and_the_other_boxes_say_so(archive, shared_dicom):
    archive.import_paths([shared_dicom / "mixed/pydicom-data/OBXXXX1A_2frame.dcm"])
    (study,) = archive.studies()

    plan = hang_study(archive, study.study_instance_uid, "reader").current_plan

    assert plan.protocol.id == "us"
    first, *others = plan.stages[0].boxes
    assert first.chosen is not None and first.chosen.facts.attributes["image_count"] == 2
    assert all(box.chosen is None and "not shown in another box" in box.why_empty for box in others)
