"""The retrieve jobs table's figures, as the reader sees them."""

from __future__ import annotations

import pytest

from workstation._qt.pacs.jobs_model import JobRow, _rate
from workstation.net.job_queue import JobState, RetrieveJob
from workstation.net.transfer import RetrieveProgress
from workstation.settings.pacs_nodes import PacsNode


@pytest.mark.parametrize(("images", "seconds", "shown"), [
    (2380, 1.0, "2380 img/s"),  # a fast link: whole images, never "2.38e+03"
    (91, 0.5, "182 img/s"),
    (1, 2.0, "0.5 img/s"),  # a slow one keeps its decimal
])
def test_the_rate_is_written_as_a_reader_reads_it(images, seconds, shown):
    job = RetrieveJob(PacsNode(name="demo", dicomweb_url="http://127.0.0.1:1/dicom-web"), "1.2.3", state=JobState.DONE)
    row = JobRow(job, "label", final=RetrieveProgress(images, images, images * 1_000_000, 0, seconds, 0.01))
    assert _rate(row) == f"{images / seconds:.1f} MB/s, {shown}"
