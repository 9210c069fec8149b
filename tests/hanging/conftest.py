"""Archives for hanging tests: real studies imported once per module, synthetic ones per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation.archive import Archive

PRIORS = "priors_ct/SaltyJoke_COVID-19-NY-SBU"
CT_VOLUME = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MR_VOLUME = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"


@pytest.fixture(scope="session")
def real_archive(tmp_path_factory: pytest.TempPathFactory, shared_dicom: Path):
    """The CT volume, the sagittal MR and the 5 patients with priors, imported once (read-only use)."""
    archive = Archive(tmp_path_factory.mktemp("hanging-real") / "archive")
    report = archive.import_paths([shared_dicom / PRIORS, shared_dicom / CT_VOLUME, shared_dicom / MR_VOLUME])
    assert report.imported == 30 + 134 + 192 and not report.problems
    yield archive
    archive.close()


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive") as archive:
        yield archive
