"""Search fields to C-FIND / QIDO match keys: wildcards, date ranges, messages for what is not a date."""

from __future__ import annotations

import pytest

from workstation._qt.pacs.search_form import SearchError, study_date_range, study_match


def test_fields_become_match_keys_with_a_prefix_name_match():
    assert study_match(patient_id=" 123 ", patient_name="Doe^J", accession_number="A7", modality="ct") == {
        "PatientID": "123", "PatientName": "Doe^J*", "AccessionNumber": "A7", "ModalitiesInStudy": "CT"}
    assert study_match(patient_name="D?e*")["PatientName"] == "D?e*"
    assert study_match() == {}


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2020-01-31", "2020-12-31", "20200131-20201231"),
    ("20200131", "", "20200131-"),
    ("", "31.12.2020", "-20201231"),
    ("2020-05-05", "2020-05-05", "20200505"),
    ("", "", ""),
])
def test_date_range_matching(start, end, expected):
    assert study_date_range(start, end) == expected


def test_a_wrong_date_or_a_reversed_range_says_what_to_write():
    with pytest.raises(SearchError, match="YYYY-MM-DD"):
        study_match(date_from="yesterday")
    with pytest.raises(SearchError, match="swap"):
        study_date_range("2021-01-01", "2020-01-01")
