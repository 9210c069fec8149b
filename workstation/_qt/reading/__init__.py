"""The reading screen's Qt views: viewport grid, 2D stack viewports, series strip, keymap dialog, cheat sheet."""
