"""Writing the demo studies as Part 10 files: same UIDs and same bytes on every run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

from workstation.core.errors import WorkstationError
from workstation.demo.catalog import DEMO_STUDIES, DemoKind, DemoStudy
from workstation.demo.chest_ct import chest_ct_datasets
from workstation.demo.chest_radiograph import chest_radiograph_datasets
from workstation.demo.head_mr import head_mr_datasets
from workstation.demo.modules import write_part10
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)

DATASET_MAKERS: dict[DemoKind, Callable[[DemoStudy], Iterator[Dataset]]] = {
    DemoKind.CHEST_CT: chest_ct_datasets,
    DemoKind.HEAD_MR: head_mr_datasets,
    DemoKind.CHEST_RADIOGRAPH: chest_radiograph_datasets,
}


@dataclass(frozen=True)
class DemoWriteReport:
    folder: Path
    paths: tuple[Path, ...]
    studies: int


def default_demo_folder() -> Path:
    return workstation_home() / "demo"


def demo_instance_path(folder: Path, dataset: Dataset, study: DemoStudy) -> Path:
    """``<study key>/series-NNN/IM-NNNN.dcm``: readable, and free of patient data."""
    return folder / study.key / f"series-{int(dataset.SeriesNumber):03d}" / f"IM-{int(dataset.InstanceNumber):04d}.dcm"


def write_demo_studies(folder: Path | None = None, studies: tuple[DemoStudy, ...] = DEMO_STUDIES) -> DemoWriteReport:
    """Generate every demo study into ``folder`` (default WORKSTATION_HOME/demo), overwriting older copies."""
    folder = folder or default_demo_folder()
    paths: list[Path] = []
    try:
        for study in studies:
            for dataset in DATASET_MAKERS[study.kind](study):
                path = demo_instance_path(folder, dataset, study)
                write_part10(dataset, path)
                paths.append(path)
            log.info("demo study %s written (%s)", study.key, study.kind.value)
    except OSError as error:
        log.error("writing demo studies into %s failed: %s", folder, error)
        raise WorkstationError(
            f"Could not write the demo studies into {folder}: {error.strerror or error}. "
            "Choose another folder with --output or free some disk space."
        ) from error
    return DemoWriteReport(folder, tuple(paths), len(studies))
