"""The station key file: created 0600 outside the cache, refused when others may read it, clear when missing."""

from __future__ import annotations

import json
import os
import stat

import pytest

from workstation.core.chunked_cipher import encrypt
from workstation.core.station_key import (
    MissingStationKeyError,
    StationKeyError,
    create_key,
    read_key,
    station_key,
)
from workstation.core.stored_file import open_stored, read_stored, stored_size
from workstation.settings.cache_encryption import load_cache_encryption
from workstation.settings.home import workstation_home

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; Windows uses DPAPI (untested)")


def _configure(key_file, encrypt_cache=True):
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": encrypt_cache, "cache_key_file": str(key_file)}), encoding="utf-8")


@posix_only
def test_created_key_is_private_random_and_read_back(tmp_path):
    path = tmp_path / "keys" / "cache.key"
    key = create_key(path)
    assert len(key) == 32 and key != create_key(tmp_path / "other.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_key(path) == key
    with pytest.raises(StationKeyError):
        create_key(path)  # never overwrites a key


@posix_only
def test_key_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "cache.key"
    create_key(path)
    path.chmod(0o640)
    with pytest.raises(StationKeyError, match="chmod 600"):
        read_key(path)


def test_missing_key_says_what_to_do(tmp_path):
    with pytest.raises(MissingStationKeyError, match="missing.*backup.*PACS"):
        read_key(tmp_path / "gone.key")


@posix_only
def test_damaged_key_is_refused(tmp_path):
    path = tmp_path / "cache.key"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(StationKeyError, match="damaged"):
        read_key(path)


def test_default_key_file_is_in_the_user_configuration_folder_not_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (workstation_home() / "security.json").write_text(json.dumps({"encrypt_cache": True}), encoding="utf-8")
    settings = load_cache_encryption()
    assert settings.encrypt
    assert settings.key_file == tmp_path / "config" / "workstation" / "cache.key"
    assert workstation_home() not in settings.key_file.parents


def test_station_key_follows_the_settings_and_is_created_on_first_use(tmp_path):
    _configure(tmp_path / "station.key")
    with pytest.raises(MissingStationKeyError):
        station_key()
    key = station_key(create=True)
    assert (tmp_path / "station.key").read_bytes() == key
    assert station_key() == key


def test_open_stored_reads_plain_and_encrypted_files_alike(tmp_path):
    _configure(tmp_path / "station.key")
    data = os.urandom(3 << 20)
    plain, sealed = tmp_path / "plain.dcm", tmp_path / "sealed.dcm"
    plain.write_bytes(data)
    sealed.write_bytes(encrypt(data, station_key(create=True)))
    for path in (plain, sealed):
        assert read_stored(path) == data
        with open_stored(path) as stream:
            assert stored_size(stream) == len(data)
            stream.seek((1 << 20) - 10)
            assert stream.read(20) == data[(1 << 20) - 10:(1 << 20) + 10]
