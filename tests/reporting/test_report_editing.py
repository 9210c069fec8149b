"""Templates per procedure, macros, drafts autosave/recovery, key image flags."""

import json

import pytest

from tests.reporting.report_factory import EXAM, key_image, make_report
from workstation.core.errors import WorkstationError
from workstation.reporting.drafts import DraftStore
from workstation.reporting.macros import expand_at, load_macros
from workstation.reporting.report import Exam, Report
from workstation.reporting.templates import load_templates, sections_for, template_for


@pytest.mark.parametrize(("modality", "procedure", "expected"), [
    ("CT", "CT chest with contrast", "ct_chest"), ("CT", "CT THORAX low dose", "ct_chest"),
    ("CT", "CT abdomen/pelvis portal venous", "ct_abdomen"), ("CT", "CT head without contrast", "ct_head"),
    ("MR", "MRI brain", "mr_brain"), ("DX", "Chest PA", "xr_chest"), ("CR", "Chest AP bedside", "xr_chest"),
    ("US", "Ultrasound abdomen", None), ("CT", "CT knee", None),
])
def test_template_chosen_by_modality_and_procedure(modality, procedure, expected):
    template = template_for(Exam("A", modality=modality, procedure=procedure), load_templates())
    assert (template.template_id if template else None) == expected


def test_every_shipped_template_has_findings_and_impression():
    templates = load_templates()
    assert {t.template_id for t in templates} == {"ct_chest", "ct_abdomen", "ct_head", "mr_brain", "xr_chest"}
    for template in templates:
        names = [section.name for section in template.sections]
        assert "Findings" in names and names[-1] == "Impression"


def test_no_fitting_template_gives_generic_sections():
    template_id, sections = sections_for(Exam("A", modality="US", procedure="Ultrasound"), load_templates())
    assert template_id == "" and [s.name for s in sections][-2:] == ["Findings", "Impression"]


def test_broken_template_is_a_clear_message(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(WorkstationError, match="bad.json is broken"):
        load_templates(tmp_path)


def test_macro_expands_the_word_before_the_cursor(workstation_home):
    macros = load_macros()
    text, cursor = expand_at("Impression: .nad", 16, macros)
    assert text == "Impression: No acute abnormality." and cursor == len(text)
    assert expand_at("Impression: nad", 15, macros) is None
    (workstation_home / "report_macros.json").write_text(json.dumps({".nad": "Normal.", ".x": "Extra."}))
    macros = load_macros()
    assert expand_at(".nad more", 4, macros) == ("Normal. more", 7) and macros[".x"] == "Extra."


def test_draft_autosave_survives_a_restart():
    report = make_report().with_section("Findings", "Typed before the crash.")
    DraftStore().save(report.with_key_image(key_image(1)))
    recovered = DraftStore().drafts()
    assert len(recovered) == 1
    assert recovered[0].section_text("findings") == "Typed before the crash."
    assert recovered[0].exam == EXAM and recovered[0].key_images == (key_image(1),)
    assert DraftStore().draft_for(EXAM.accession_number).report_id == report.report_id
    DraftStore().discard(report.report_id)
    assert DraftStore().drafts() == []


def test_key_image_flag_toggles_and_round_trips():
    report = make_report().with_key_image(key_image(1)).with_key_image(key_image(2)).with_key_image(key_image(1))
    assert report.key_images == (key_image(2),)
    assert Report.from_json(json.loads(json.dumps(report.to_json()))) == report
