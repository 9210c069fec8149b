"""DICOM data layer (no Qt): reading, the Patient/Study/Series/Instance model, display sets, pixels, geometry."""
