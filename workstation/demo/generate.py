"""Writing the demo studies as Part 10 files: same UIDs and same bytes on every run.

Since the bytes never change, a folder already holding a complete copy written by the same generator is
left as it is (a stamp file says which generator wrote which files): `make run` starts seconds sooner.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

from workstation import __version__
from workstation.core.atomic_file import write_json_atomically
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
    written: bool = True  # False: a complete current copy was already there


def default_demo_folder() -> Path:
    return workstation_home() / "demo"


def demo_instance_path(folder: Path, dataset: Dataset, study: DemoStudy) -> Path:
    """``<study key>/series-NNN/IM-NNNN.dcm``: readable, and free of patient data."""
    return folder / study.key / f"series-{int(dataset.SeriesNumber):03d}" / f"IM-{int(dataset.InstanceNumber):04d}.dcm"


STAMP_NAME = ".demo-complete.json"


def write_demo_studies(folder: Path | None = None, studies: tuple[DemoStudy, ...] = DEMO_STUDIES,
                       *, force: bool = False) -> DemoWriteReport:
    """Generate every demo study into ``folder`` (default WORKSTATION_HOME/demo), overwriting older copies.

    A complete copy from the same generator (same version and source) is kept unless ``force``.
    """
    folder = folder or default_demo_folder()
    fingerprint = _generator_fingerprint(studies)
    kept = None if force else _complete_copy(folder, fingerprint)
    if kept is not None:
        log.info("demo studies in %s are complete and current; not rewritten", folder)
        return DemoWriteReport(folder, kept, len(studies), written=False)
    stamp = folder / STAMP_NAME
    stamp.unlink(missing_ok=True)  # a run cut short must not leave an old stamp vouching for new files
    paths: list[Path] = []
    try:
        for study in studies:
            for dataset in DATASET_MAKERS[study.kind](study):
                path = demo_instance_path(folder, dataset, study)
                write_part10(dataset, path)
                paths.append(path)
            log.info("demo study %s written (%s)", study.key, study.kind.value)
        write_json_atomically(stamp, {"generator": fingerprint,
                                      "files": [path.relative_to(folder).as_posix() for path in paths]})
    except OSError as error:
        log.error("writing demo studies into %s failed: %s", folder, error)
        raise WorkstationError(
            f"Could not write the demo studies into {folder}: {error.strerror or error}. "
            "Choose another folder with --output or free some disk space."
        ) from error
    return DemoWriteReport(folder, tuple(paths), len(studies))


def _generator_fingerprint(studies: tuple[DemoStudy, ...]) -> str:
    """Changes whenever the demo files could: the version, this package's source (absent when frozen), the studies."""
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    digest.update(repr(studies).encode())
    return digest.hexdigest()


def _complete_copy(folder: Path, fingerprint: str) -> tuple[Path, ...] | None:
    """The files of a complete copy written by the same generator, or None when they must be (re)written."""
    try:
        stamp = json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("generator") != fingerprint or not stamp.get("files"):
        return None
    paths = tuple(folder / relative for relative in stamp["files"])
    return paths if all(path.is_file() for path in paths) else None
