import numpy as np
import pytest

from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.reading_session import ReadingSession
from workstation.viewer.reference_lines import reference_line_in_image


def _axial_and_coronal():
    """Same frame of reference and origin: axial slices 2 mm apart along z; coronal rows 1 mm going down."""
    axial = phantom_stack(uid="axial", orientation="axial", slices=40, size=64, spacing=(1, 1, 2), origin=(0, 0, 0))
    coronal = phantom_stack(uid="coronal", orientation="coronal", slices=64, size=80, spacing=(1, 1, 1),
                            origin=(0, 0, 79))
    return axial, coronal


def test_axial_slice_is_a_horizontal_line_on_the_coronal_at_its_height():
    axial, coronal = _axial_and_coronal()
    point, direction = reference_line_in_image(coronal.planes[0], axial.planes[10])  # axial z = 20 mm
    assert abs(direction[1]) < 1e-9  # horizontal
    # coronal row r lies at z = 79 - r; z = 20 is row 59, whose centre is image y = 59.5
    assert point[1] == pytest.approx(59.5)


def test_parallel_planes_have_no_line():
    axial, _ = _axial_and_coronal()
    assert reference_line_in_image(axial.planes[0], axial.planes[5]) is None


def test_shift_click_locates_the_point_in_the_other_viewport():
    axial, coronal = _axial_and_coronal()
    other_space = phantom_stack(uid="prior", slices=40, size=64, frame_of_reference_uid="2.25.1")
    session = ReadingSession(layout="2x2")
    session.set_display_sets([coronal, axial, other_space])
    coronal_viewport, axial_viewport, prior_viewport = session.viewports[:3]
    session.locate(coronal_viewport, (30.5, 49.5))  # row 49 of the coronal: z = 30 mm
    assert axial_viewport.slice_index == 15  # z = 2 mm x 15
    assert prior_viewport.slice_index == 0  # another patient space is left alone
    position = axial_viewport.current_plane().patient_position(30.5, 10.5)
    assert np.isclose(position[2], 30.0)
