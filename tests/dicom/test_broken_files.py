"""Bad input gives a message naming the file and the problem, never a traceback, and costs no other file.

Each file of broken_odd/ has its expected outcome: it decodes, or it fails for the reason given here.
The known failures of pydicom-data (RLE with 1 bit per pixel, a cut-short JPEG 2000 file) are included;
its *_deflate files decode (see test_pixels).
"""

from __future__ import annotations

import numpy as np
import pytest

from workstation.core.errors import DicomReadError
from workstation.dicom.display import render_display_image
from workstation.dicom.overlays import overlay_masks
from workstation.dicom.pixels import decode_frames, number_of_frames
from workstation.dicom.reading import read_dataset, read_many

BROKEN_FOLDER = "broken_odd/pydicom-bundled"
DECODES = None
EXPECTED = {
    "ExplVR_BigEndNoMeta.dcm": "contains no image (no Pixel Data)",  # an RT Plan, read without file meta
    "J2K_pixelrep_mismatch.dcm": DECODES,
    "JPEG-lossy.dcm": "JPEG Extended (Process 2 and 4) (1.2.840.10008.1.2.4.51)) could not be decoded",
    "JPEG2000-embedded-sequence-delimiter.dcm": "JPEG 2000 Image Compression (1.2.840.10008.1.2.4.91)) could not be decoded",
    "JPGExtended.dcm": DECODES,
    "MR_truncated.dcm": "pixel data is truncated",
    "SC_rgb_jpeg_dcmtk.dcm": DECODES,
    "SC_ybr_full_422_uncompressed.dcm": DECODES,
    "badVR.dcm": "invalid Number of Frames '1A'",
    "meta_missing_tsyntax.dcm": "lacks a required element: (0028,0100) 'Bits Allocated'",
    "no_meta.dcm": "not a DICOM file",  # a stray byte before the first element
    "README.txt": "not a DICOM file",
    "SOURCE.txt": "not a DICOM file",
}
KNOWN_FAILURES_ELSEWHERE = {
    "mixed/pydicom-data/liver_rle.dcm": "RLE Lossless (1.2.840.10008.1.2.5)) could not be decoded",
    "mixed/pydicom-data/liver_nonbyte_aligned_rle.dcm": "RLE Lossless (1.2.840.10008.1.2.5)) could not be decoded",
    "mixed/pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm": "empty or truncated file",
}


def _outcome(path):
    """The display image, or the DicomReadError; any other exception fails the test."""
    try:
        return render_display_image(read_dataset(path))
    except DicomReadError as error:
        return error


@pytest.mark.shared_data
def test_every_file_of_the_folder_has_an_expected_outcome(shared_dicom):
    assert sorted(p.name for p in (shared_dicom / BROKEN_FOLDER).iterdir()) == sorted(EXPECTED)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "reason"),
    [(f"{BROKEN_FOLDER}/{name}", reason) for name, reason in EXPECTED.items()] + list(KNOWN_FAILURES_ELSEWHERE.items()),
    ids=lambda value: str(value).rsplit("/", 1)[-1][:40],
)
def test_file_decodes_or_fails_with_a_named_reason(shared_dicom, relative, reason):
    path = shared_dicom / relative
    outcome = _outcome(path)
    if reason is DECODES:
        assert isinstance(outcome, np.ndarray), f"expected {path.name} to decode, got: {outcome}"
        assert outcome.dtype == np.uint8 and outcome.max() > outcome.min()
    else:
        assert isinstance(outcome, DicomReadError), f"expected {path.name} to fail with {reason!r}"
        assert path.name in str(outcome)
        assert reason in str(outcome)
        assert "Traceback" not in str(outcome)


@pytest.mark.shared_data
def test_pixel_representation_mismatch_gives_signed_values(shared_dicom):
    """J2K_pixelrep_mismatch.dcm: the codestream says unsigned, the header signed; the header wins."""
    stored = decode_frames(read_dataset(shared_dicom / BROKEN_FOLDER / "J2K_pixelrep_mismatch.dcm"))
    assert stored.dtype == np.int16 and stored.min() < 0


@pytest.mark.shared_data
def test_reading_the_whole_folder_loses_no_readable_file(shared_dicom):
    paths = sorted((shared_dicom / BROKEN_FOLDER).iterdir())
    datasets, problems = read_many(paths)
    unreadable = {name for name, reason in EXPECTED.items() if reason == "not a DICOM file"}
    assert {p.path.name for p in problems} == unreadable
    assert len(datasets) == len(paths) - len(unreadable)


@pytest.mark.shared_data
def test_no_file_of_the_shared_data_escapes_with_another_exception(shared_dicom):
    """All of ../shared/dicom, first and last frame: an image and masks, or a DicomReadError; nothing else."""
    images = 0
    for path in sorted(p for p in shared_dicom.rglob("*") if p.is_file()):
        try:
            dataset = read_dataset(path)
            frames = number_of_frames(dataset)
            for index in sorted({0, frames - 1}):
                assert render_display_image(dataset, index).dtype == np.uint8
                overlay_masks(dataset, index)
            images += 1
        except DicomReadError as error:
            assert path.name in str(error)
    assert images > 400
