import numpy as np
import pytest

from workstation.viewer.view_transform import ViewTransform


def test_fit_centres_the_image_and_round_trips():
    transform = ViewTransform.build((1000, 500), (100, 100), (1.0, 1.0))
    assert transform.scale == pytest.approx(5.0)
    assert np.allclose(transform.to_view((0, 0)), [250, 0])
    assert np.allclose(transform.to_view((100, 100)), [750, 500])
    points = np.array([[3.5, 7.25], [99.0, 0.5]])
    assert np.allclose(transform.to_image(transform.to_view(points)), points)


def test_non_square_pixels_keep_their_true_aspect():
    transform = ViewTransform.build((400, 400), (100, 50), (1.0, 2.0))
    corner_a, corner_b = transform.to_view(np.array([[0, 0], [100, 50]]))
    width, height = corner_b - corner_a
    assert width == pytest.approx(height)  # 100 mm x 100 mm


def test_rotation_clockwise_sends_image_top_to_the_right_and_flip_mirrors():
    rotated = ViewTransform.build((100, 100), (10, 10), (1, 1), rotation_quarters=1)
    top_centre = rotated.to_view((5, 0))[0]
    assert top_centre[0] == pytest.approx(100) and top_centre[1] == pytest.approx(50)
    flipped = ViewTransform.build((100, 100), (10, 10), (1, 1), flip_horizontal=True)
    assert flipped.to_view((0, 5))[0][0] == pytest.approx(100)


def test_zoom_and_pan_are_about_the_view_centre():
    transform = ViewTransform.build((200, 200), (100, 100), (1, 1), zoom=2.0, pan_mm=(10.0, 0.0))
    assert transform.scale == pytest.approx(4.0)
    assert np.allclose(transform.to_view((50, 50)), [140, 100])
