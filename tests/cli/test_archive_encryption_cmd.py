"""``workstation archive encrypt|decrypt``: converts the files already in the cache, for an administrator."""

from __future__ import annotations

import json

from tests.volume.synthetic_series import axial_positions, write_series
from workstation.archive import Archive
from workstation.cli import main
from workstation.core.chunked_cipher import MAGIC
from workstation.settings.home import archive_folder, workstation_home


def _settings(tmp_path, encrypt):
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": encrypt, "cache_key_file": str(tmp_path / "cache.key")}), encoding="utf-8")


def _stored_files():
    return sorted((archive_folder() / "files").rglob("*.dcm"))


def test_encrypt_then_decrypt_the_cache(tmp_path, capsys):
    write_series(tmp_path / "source", axial_positions(3))
    assert main(["import", str(tmp_path / "source")]) == 0
    plain = [path.read_bytes() for path in _stored_files()]
    assert main(["archive", "encrypt"]) == 1
    assert "encrypt_cache" in capsys.readouterr().err  # the setting first, or new files would stay plain
    _settings(tmp_path, True)
    assert main(["archive", "encrypt"]) == 0
    assert "encrypted 3 files" in capsys.readouterr().out
    assert all(path.read_bytes().startswith(MAGIC) for path in _stored_files())
    assert main(["archive", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["patients"]) == 1
    _settings(tmp_path, False)
    assert main(["archive", "decrypt"]) == 0
    assert [path.read_bytes() for path in _stored_files()] == plain
    with Archive.open_default() as archive:
        assert archive.lost_key_message == ""
