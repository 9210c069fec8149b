"""The installers' sources build: the MSI through wixl (tables listed with msiinfo), the AppDir + squashfs.

These use a small stand-in payload; `make package-test` builds the real frozen app and runs its self-test.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def msi_table(msi: Path, table: str) -> list[list[str]]:
    exported = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True, text=True, check=True)
    rows = [line.rstrip("\r").split("\t") for line in exported.stdout.splitlines()]
    return rows[3:]  # column names, types and the table's key come first


@pytest.fixture(scope="module")
def built_msi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    payload = tmp_path_factory.mktemp("payload")
    (payload / "workstation.exe").write_bytes(b"stand-in executable")
    (payload / "_internal").mkdir()
    (payload / "_internal" / "library.dll").write_bytes(b"stand-in library")
    msi = tmp_path_factory.mktemp("msi") / "Workstation.msi"
    subprocess.run(
        ["bash", "packaging/windows/build_msi.sh", str(payload), str(msi)],
        cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=120,
    )
    return msi


def test_msi_installs_every_payload_file_per_machine(built_msi: Path):
    tables = subprocess.run(["msiinfo", "tables", str(built_msi)], capture_output=True, text=True, check=True)
    assert {"File", "Component", "Registry", "Shortcut", "Upgrade"} <= set(tables.stdout.split())
    installed_names = {row[2].split("|")[-1] for row in msi_table(built_msi, "File")}
    assert installed_names == {"workstation.exe", "library.dll"}
    directories = {row[0]: row for row in msi_table(built_msi, "Directory")}
    assert directories["INSTALLDIR"][1] == "ProgramFiles64Folder"


def test_msi_has_start_menu_shortcut_and_major_upgrade(built_msi: Path):
    shortcuts = msi_table(built_msi, "Shortcut")
    assert [row[2] for row in shortcuts] == ["Workstation"]
    assert "[INSTALLDIR]workstation.exe" in shortcuts[0][4]
    upgrade_codes = {row[0] for row in msi_table(built_msi, "Upgrade")}
    assert upgrade_codes == {"{6F4C8E1A-3B2D-4E5F-9A7B-2C1D0E9F8A71}"}


def test_msi_writes_site_settings_from_properties(built_msi: Path):
    site_values = {row[3]: row[4] for row in msi_table(built_msi, "Registry") if row[2] == r"SOFTWARE\Workstation\Site"}
    assert site_values["PacsAeTitle"] == "[PACS_AET]"
    assert site_values["PacsHost"] == "[PACS_HOST]"
    assert site_values["RisHost"] == "[RIS_HOST]"
    properties = dict(row[:2] for row in msi_table(built_msi, "Property"))
    assert properties["PACS_PORT"] == "104"


def test_msi_associates_dicom_files(built_msi: Path):
    registry = {(row[2], row[3]): row[4] for row in msi_table(built_msi, "Registry")}
    assert registry[(r"SOFTWARE\Classes\.dcm", "")] == "Workstation.DicomFile"
    command = registry[(r"SOFTWARE\Classes\Workstation.DicomFile\shell\open\command", "")]
    assert command == '"[INSTALLDIR]workstation.exe" open "%1"'


def stand_in_frozen_build(folder: Path) -> Path:
    frozen = folder / "frozen"
    frozen.mkdir()
    executable = frozen / "workstation"
    executable.write_text("#!/bin/sh\necho frozen workstation \"$@\"\n")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    return frozen


def build_appimage(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "APPIMAGE_RUNTIME"}
    env.update(FROZEN_BUILD=str(stand_in_frozen_build(tmp_path)), PACKAGE_OUTPUT=str(tmp_path / "out"), **environment)
    return subprocess.run(["bash", "packaging/linux/build_appimage.sh"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_appdir_runs_the_frozen_app_and_squashfs_holds_it(tmp_path: Path):
    result = build_appimage(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "set APPIMAGE_RUNTIME" in result.stdout
    appdir = tmp_path / "out" / "Workstation.AppDir"
    run = subprocess.run([str(appdir / "AppRun"), "--version"], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "frozen workstation --version"
    squashfs = next((tmp_path / "out").glob("Workstation-*-x86_64.squashfs"))
    listing = subprocess.run(["unsquashfs", "-l", str(squashfs)], capture_output=True, text=True, check=True).stdout
    for member in ("AppRun", "workstation.desktop", ".DirIcon", "usr/lib/workstation/workstation",
                   "usr/share/metainfo/org.example.Workstation.metainfo.xml"):
        assert f"squashfs-root/{member}" in listing


def test_appimage_refuses_a_runtime_with_the_wrong_checksum(tmp_path: Path):
    runtime = tmp_path / "runtime-x86_64"
    runtime.write_bytes(b"not the pinned runtime")
    result = build_appimage(tmp_path, APPIMAGE_RUNTIME=str(runtime))
    assert result.returncode == 1
    assert hashlib.sha256(runtime.read_bytes()).hexdigest() in result.stderr
    assert not list((tmp_path / "out").glob("*.AppImage"))
