from tests.reporting.virtual_microphone import virtual_microphone  # noqa: F401 (fixture)
