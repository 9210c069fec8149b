"""Volumes built from display sets, resampling and MPR geometry (numpy, SimpleITK; no Qt, no VTK)."""
