"""Gathering the files to import from what the user named: files, folders (recursively) and DICOMDIRs."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workstation.archive.dicomdir import is_dicomdir_name, referenced_files
from workstation.core.errors import DicomReadError

log = logging.getLogger(__name__)


@dataclass
class ImportSources:
    """``files`` in the order met, each once; ``found_in_folders`` those met by walking a folder, where a
    file that is not DICOM (README, licence) is skipped rather than reported as a failure."""

    files: list[Path] = field(default_factory=list)
    found_in_folders: set[Path] = field(default_factory=set)
    problems: list[tuple[Path, str]] = field(default_factory=list)


def collect_sources(paths: Iterable[Path]) -> ImportSources:
    sources = ImportSources()
    seen: set[Path] = set()

    def add(path: Path, in_folder: bool) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            sources.files.append(path)
            if in_folder:
                sources.found_in_folders.add(path)

    def add_dicomdir(path: Path) -> None:
        try:
            for listed in referenced_files(path):
                add(listed, in_folder=False)
        except DicomReadError as error:
            log.warning("DICOMDIR not imported: %s", error)
            sources.problems.append((path, error.problem))

    for path in map(Path, paths):
        if path.is_dir():
            for root, folders, names in os.walk(path, onerror=lambda error: _walk_problem(sources, error)):
                folders.sort()
                for name in sorted(names):
                    found = Path(root) / name
                    if is_dicomdir_name(found):
                        add_dicomdir(found)
                    else:
                        add(found, in_folder=True)
        elif is_dicomdir_name(path) and path.is_file():
            add_dicomdir(path)
        elif path.exists():
            add(path, in_folder=False)
        else:
            sources.problems.append((path, "not found"))
    return sources


def _walk_problem(sources: ImportSources, error: OSError) -> None:
    log.warning("could not read folder %s: %s", error.filename, error)
    sources.problems.append((Path(error.filename), f"folder could not be read ({error.strerror})"))
