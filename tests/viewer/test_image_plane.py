import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from workstation.viewer.image_plane import SpacingSource, plane_from_dataset
from workstation.viewer.viewport import Viewport
from workstation.viewer.image_stack import ImageStack

CT_FILE = "ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom/1-001.dcm"
MR_FOLDER = "mr_volume/FNNDSC_SAG-anon_siemens_skyra_mprage192"


def test_pixel_spacing_is_in_the_patient():
    dataset = Dataset()
    dataset.PixelSpacing = [0.5, 0.25]
    dataset.ImagerPixelSpacing = [0.6, 0.6]
    plane = plane_from_dataset(dataset)
    assert (plane.row_spacing, plane.column_spacing) == (0.5, 0.25)
    assert plane.spacing_source is SpacingSource.PATIENT
    assert not plane.has_orientation


def test_imager_pixel_spacing_is_flagged_at_detector_or_calibrated_with_magnification():
    """A synthetic radiograph header: there is no DX/MG file in ../shared/dicom."""
    dataset = Dataset()
    dataset.ImagerPixelSpacing = [0.15, 0.15]
    assert plane_from_dataset(dataset).spacing_source is SpacingSource.DETECTOR
    assert plane_from_dataset(dataset).spacing_source.unit == "mm (at detector)"
    dataset.EstimatedRadiographicMagnificationFactor = 1.5
    plane = plane_from_dataset(dataset)
    assert plane.spacing_source is SpacingSource.CALIBRATED
    assert plane.row_spacing == pytest.approx(0.1)


def test_no_spacing_measures_in_pixels():
    assert plane_from_dataset(Dataset()).spacing_source.unit == "px"


@pytest.mark.shared_data
def test_real_ct_is_axial_and_real_mr_is_sagittal(shared_dicom):
    ct = pydicom.dcmread(shared_dicom / CT_FILE, stop_before_pixels=True)
    plane = plane_from_dataset(ct)
    assert plane.column_spacing == pytest.approx(float(ct.PixelSpacing[1]))
    assert plane.slice_thickness == pytest.approx(float(ct.SliceThickness))
    mr_file = sorted((shared_dicom / MR_FOLDER).glob("*.dcm"))[0]
    mr_plane = plane_from_dataset(pydicom.dcmread(mr_file, stop_before_pixels=True))
    for dataset_plane, expected in ((plane, {"left": "R", "right": "L", "top": "A", "bottom": "P"}),
                                    (mr_plane, {"left": "AI", "right": "PS", "top": "SA", "bottom": "IP"})):
        viewport = Viewport()
        viewport.show(ImageStack(uid="x", planes=[dataset_plane], rows=1, columns=1))
        assert viewport.orientation_labels() == expected
    # the MR is sagittal tilted about 15 degrees (IOP row z = 0.257), so a second letter shows the tilt
    assert abs(mr_plane.normal[0]) > 0.9
    assert np.isclose(np.linalg.norm(mr_plane.normal), 1.0)
