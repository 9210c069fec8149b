"""Stacks from real files: order along the normal, labels, spacing meaning, colour and MONOCHROME1, bad files."""

import numpy as np
import pytest

from workstation.viewer.image_plane import SpacingSource
from workstation.viewer.stack_building import decode_image, decode_images, stacks_from_files

pytestmark = pytest.mark.shared_data
CT_FOLDER = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom"
MIXED = "mixed/pydicom-data"


def test_real_ct_is_one_stack_ordered_along_the_normal_in_hu(shared_dicom):
    [stack], problems = stacks_from_files([shared_dicom / CT_FOLDER])
    assert problems == [] and len(stack) == 134 and stack.value_unit == "HU"
    locations = [plane.slice_location for plane in stack.planes]
    assert np.all(np.diff(locations) == pytest.approx(-3.0))  # sorted by position, from the top down
    assert stack.sources[0].instance_number < stack.sources[-1].instance_number  # as the scanner started
    assert stack.labels.modality == "CT" and stack.labels.series_number == "201"
    assert stack.header_windows and stack.header_windows[0].width == 400
    assert not stack.is_prior and stack.pixels(0) is None  # headers only: nothing decoded yet
    values = decode_image(stack.sources[0])
    assert values.dtype == np.int16 and values.shape == (512, 512)
    assert values.min() == -1000 and values.max() > 1000  # air and bone in HU


def test_cr_monochrome1_is_inverted_and_a_zero_spacing_is_not_trusted(shared_dicom):
    [stack], _ = stacks_from_files([shared_dicom / MIXED / "RG3_J2KR.dcm"])
    assert stack.presentation_inverted
    [zero_spacing], _ = stacks_from_files([shared_dicom / MIXED / "RG1_J2KI.dcm"])
    assert zero_spacing.planes[0].spacing_source is SpacingSource.UNKNOWN  # PixelSpacing 0\\0 in the header


def test_colour_ultrasound_decodes_to_display_rgb(shared_dicom):
    [stack], _ = stacks_from_files([shared_dicom / MIXED / "US1_UNCR.dcm"])
    rgb = decode_image(stack.sources[0])
    assert rgb.dtype == np.uint8 and rgb.shape == (480, 640, 3)
    assert np.abs(rgb[..., 0].astype(int) - rgb[..., 2]).max() > 0  # really colour


def test_multiframe_frames_are_images_of_one_stack_decoded_from_one_read(shared_dicom):
    [stack], _ = stacks_from_files([shared_dicom / MIXED / "emri_small.dcm"])
    assert len(stack) == 10 and [s.frame_index for s in stack.sources] == list(range(10))
    decoded, problems = decode_images(stack, range(10))
    assert problems == [] and [index for index, _ in decoded] == list(range(10))
    assert not np.array_equal(decoded[0][1], decoded[5][1])


def test_a_truncated_image_is_a_message_naming_it_and_other_stacks_still_decode(shared_dicom, tmp_path):
    """MR_truncated.dcm has a whole header but its pixel data is cut short; a text file is no DICOM at all."""
    (tmp_path / "notes.dcm").write_text("not an image")
    stacks, problems = stacks_from_files([shared_dicom / "broken_odd/pydicom-bundled/MR_truncated.dcm",
                                          shared_dicom / MIXED / "SC_rgb.dcm", tmp_path / "notes.dcm"])
    assert len(stacks) == 2 and len(problems) == 1 and "notes.dcm" in problems[0]
    truncated = next(s for s in stacks if s.labels.modality == "MR")
    decoded, problems = decode_images(truncated, [0])
    assert decoded == [] and "MR_truncated.dcm" in problems[0]
    colour = next(s for s in stacks if s.labels.modality == "OT")
    decoded, problems = decode_images(colour, [0])
    assert problems == [] and decoded[0][1].shape == (100, 100, 3)
