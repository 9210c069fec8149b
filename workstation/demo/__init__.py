"""Synthetic demo patients (chest CT with prior, head MR, chest radiograph with prior) so the workstation
works out of the box without any real data."""

from workstation.demo.catalog import DEMO_STUDIES, DemoKind, DemoPatient, DemoStudy
from workstation.demo.generate import DemoWriteReport, default_demo_folder, write_demo_studies

__all__ = [
    "DEMO_STUDIES",
    "DemoKind",
    "DemoPatient",
    "DemoStudy",
    "DemoWriteReport",
    "default_demo_folder",
    "write_demo_studies",
]
