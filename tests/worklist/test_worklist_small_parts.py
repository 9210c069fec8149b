"""EHR patient-context links, saved filters, columns, priorities and HL7 times."""

from __future__ import annotations

import pytest

from workstation.worklist.columns import COLUMN_TITLES, images_text, row_texts, waiting_text
from workstation.worklist.config import WorklistConfig, load_worklist_config, save_worklist_config
from workstation.worklist.errors import WorklistError
from workstation.worklist.exam import Exam, Priority, ReadingStatus
from workstation.worklist.filters import WorklistFilter, load_filter, save_filter
from workstation.worklist.hl7_orders import hl7_time
from workstation.worklist.patient_context import expand, open_patient_record

EXAM = Exam("ACC 1", patient_id="MRN/12&3", issuer_of_patient_id="HOSP", patient_name="Doe^Jane",
            birth_date="19600315", sex="F", modality="CT", body_part="CHEST", site="North",
            study_instance_uid="1.2.3")


def test_ehr_url_template_is_percent_encoded():
    url = expand("https://clinicom.example/patient?mrn={patient_id}&acc={accession_number}", EXAM)
    assert url == "https://clinicom.example/patient?mrn=MRN%2F12%263&acc=ACC%201"


def test_ehr_command_template_runs_without_a_shell(tmp_path):
    marker = tmp_path / "opened.txt"
    command = expand(f"touch {marker}-{{patient_id}}", EXAM)
    assert command == ["touch", f"{marker}-MRN/12&3"]
    target = open_patient_record(f"sh -c 'echo $0 > {marker}' {{accession_number}}", EXAM)
    assert target[-1] == "ACC 1"


def test_ehr_template_errors_are_clear():
    with pytest.raises(WorklistError, match="unknown placeholder"):
        expand("https://ehr/{patient_name}", EXAM)
    with pytest.raises(WorklistError, match="No EHR link"):
        open_patient_record("", EXAM)
    with pytest.raises(WorklistError, match="could not be started"):
        open_patient_record("/nonexistent/ehr-launcher {patient_id}", EXAM)


def test_filters_match_and_survive_a_restart(workstation_home):
    wanted = WorklistFilter(modalities=["ct"], body_parts=["chest"], sites=["North"], search="doe jane")
    assert wanted.matches(EXAM)
    assert not WorklistFilter(modalities=["MR"]).matches(EXAM)
    assert not WorklistFilter(mine_only=True).matches(EXAM, "alice")
    assert not WorklistFilter(statuses=["final"]).matches(EXAM)
    save_filter(wanted)
    assert load_filter() == wanted
    (workstation_home / "worklist_filters.json").write_text("{broken")
    assert load_filter() == WorklistFilter()


def test_config_round_trip_and_a_broken_file(workstation_home):
    save_worklist_config(WorklistConfig(store="postgresql://db/worklist", hl7_port=2575))
    assert load_worklist_config().hl7_port == 2575
    (workstation_home / "worklist.json").write_text("[1, 2")
    with pytest.raises(WorklistError, match="worklist.json"):
        load_worklist_config()


def test_columns_read_as_a_radiologist_expects():
    exam = Exam("A1", patient_name="Doe^Jane^Q", birth_date="19600315", sex="F", priority=Priority.STAT,
                emergency=True, image_count=12, status=ReadingStatus.IMAGES_AVAILABLE)
    texts = dict(zip(COLUMN_TITLES, row_texts(exam)))
    assert texts["Priority"] == "STAT ED" and texts["Patient"] == "Doe, Jane Q"
    assert texts["Status"] == "images available" and texts["Images"] == "12 arriving"
    assert exam.age("20250314") == "64 Y" and exam.age("20250315") == "65 Y"
    assert waiting_text(59 * 60) == "59 min" and waiting_text(125 * 60) == "2 h 05" and waiting_text(3 * 86400) == "3 d"
    assert images_text(Exam("A2")) == "none yet"


def test_priorities_and_times_from_hl7_and_dicom():
    assert [Priority.from_hl7(code) for code in ("S", "STAT", "A", "HIGH", "R", "", "ROUTINE")] == [
        Priority.STAT, Priority.STAT, Priority.URGENT, Priority.URGENT, Priority.ROUTINE, Priority.ROUTINE,
        Priority.ROUTINE]
    assert hl7_time("20250101120000") == 1735732800.0
    assert hl7_time("20250101120000+0100") == 1735732800.0 - 3600
    assert hl7_time("202501011200-0230") == 1735732800.0 + 9000
    assert hl7_time("202501") == 0.0
