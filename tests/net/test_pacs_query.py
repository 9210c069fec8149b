"""C-ECHO, C-FIND at every level and QIDO-RS against a real Orthanc holding the real files."""

from __future__ import annotations

import pydicom
import pytest

from workstation.net.dicomweb import qido_instances, qido_series, qido_studies
from workstation.net.echo import c_echo
from workstation.net.find import find_instances, find_patients, find_series, find_studies


@pytest.fixture(scope="module")
def ct_header(ct_files) -> pydicom.Dataset:
    return pydicom.dcmread(ct_files[0], stop_before_pixels=True)


def test_echo_answers(node, local):
    assert c_echo(node, local) < 5.0


def test_find_patients_lists_every_loaded_patient(node, local, prior_files):
    expected = {pydicom.dcmread(path, stop_before_pixels=True).PatientID
                for path in prior_files}
    found = {patient.patient_id for patient in find_patients(node, local)}
    assert expected <= found


def test_find_studies_by_patient_gives_current_and_prior(node, local, prior_files):
    first = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    studies = find_studies(node, local, PatientID=first.PatientID)
    assert len(studies) == 2
    assert {study.patient_id for study in studies} == {first.PatientID}
    assert len({study.study_date for study in studies}) == 2


def test_find_series_and_instances_of_the_ct(node, local, ct_header, ct_files):
    series = find_series(node, local, ct_header.StudyInstanceUID)
    assert ct_header.SeriesInstanceUID in {item.series_instance_uid for item in series}
    ct_series = next(item for item in series if item.series_instance_uid == ct_header.SeriesInstanceUID)
    assert ct_series.modality == "CT"
    instances = find_instances(node, local, ct_header.StudyInstanceUID, ct_header.SeriesInstanceUID)
    assert len(instances) == len(ct_files) == ct_series.number_of_instances
    assert {item.sop_class_uid for item in instances} == {ct_header.SOPClassUID}


def test_find_studies_by_date_range_excludes_other_dates(node, local, ct_header):
    date = ct_header.StudyDate
    inside = find_studies(node, local, StudyDate=f"{date}-{date}")
    assert ct_header.StudyInstanceUID in {study.study_instance_uid for study in inside}
    assert all(study.study_date == date for study in inside)


def test_qido_agrees_with_c_find(pacs, local, ct_header):
    web = pacs.node(method="web")
    by_find = {study.study_instance_uid for study in find_studies(web, local)}
    by_qido = {study.study_instance_uid for study in qido_studies(web)}
    assert by_find == by_qido and len(by_qido) >= 11  # 1 CT + 10 prior studies (other tests may add more)
    series = qido_series(web, ct_header.StudyInstanceUID)
    assert ct_header.SeriesInstanceUID in {item.series_instance_uid for item in series}
    instances = qido_instances(web, ct_header.StudyInstanceUID, ct_header.SeriesInstanceUID)
    assert len(instances) == 134 and all(item.instance_number for item in instances)
    matched = qido_studies(web, PatientID=ct_header.PatientID)
    assert {study.study_instance_uid for study in matched} == {ct_header.StudyInstanceUID}
