from workstation.viewer.phantoms import phantom_stack
from workstation.viewer.viewport import Viewport


def _labels(orientation: str, **changes) -> dict[str, str]:
    viewport = Viewport()
    viewport.show(phantom_stack(orientation=orientation, slices=2, size=8))
    for name, value in changes.items():
        setattr(viewport, name, value)
    return viewport.orientation_labels()


def test_axial_coronal_sagittal_in_radiological_convention():
    assert _labels("axial") == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert _labels("coronal") == {"left": "R", "right": "L", "top": "S", "bottom": "I"}
    assert _labels("sagittal") == {"left": "A", "right": "P", "top": "S", "bottom": "I"}


def test_rotation_and_flip_move_the_letters():
    assert _labels("axial", rotation_quarters=1) == {"left": "P", "right": "A", "top": "R", "bottom": "L"}
    assert _labels("axial", flip_horizontal=True) == {"left": "L", "right": "R", "top": "A", "bottom": "P"}
