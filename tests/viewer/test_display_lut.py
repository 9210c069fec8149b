import numpy as np

from workstation.dicom.voi import WindowLevel
from workstation.viewer.display_lut import DisplayLut, linear_window


def test_linear_window_follows_the_dicom_formula():
    window = WindowLevel(center=40, width=400)
    values = np.array([-160, -161, 239, 240, 40], dtype=np.int16)
    grey = linear_window(values, window.center, window.width)
    # PS3.3 C.11.2.1.2.1: x <= c-0.5-(w-1)/2 -> 0; x > c-0.5+(w-1)/2 -> 255
    assert grey[1] == 0 and grey[3] == 255
    assert grey[4] == round(((40 - 39.5) / 399 + 0.5) * 255)


def test_table_path_equals_arithmetic_for_every_int16_value_and_uint16():
    lut = DisplayLut()
    values = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16).reshape(256, 256)
    for window, invert in ((WindowLevel(-600, 1500), False), (WindowLevel(40, 80), True)):
        expected = linear_window(values, window.center, window.width, invert)
        assert np.array_equal(lut.apply(values, window, invert), expected)
    unsigned = np.arange(0, 65536, dtype=np.uint32).astype(np.uint16).reshape(256, 256)
    window = WindowLevel(2000, 3000)
    assert np.array_equal(lut.apply(unsigned, window), linear_window(unsigned, 2000, 3000))


def test_float_values_are_windowed_too():
    values = np.array([[0.0, 2.5, 5.0]], dtype=np.float32)
    grey = DisplayLut().apply(values, WindowLevel(2.5, 5.0))
    assert grey.dtype == np.uint8 and grey[0, 0] == 0 and grey[0, 2] == 255 and 120 < grey[0, 1] < 135
