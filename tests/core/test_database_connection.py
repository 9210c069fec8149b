"""The local databases follow the station's cache encryption: no patient data readable in the raw files (WAL
included), everything works as before, conversion both ways at open (crash-safe, refused while in use), and a
lost key refuses the security database but starts the archive index again empty."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.archive.factories import instance_bytes
from tests.conftest import ENCRYPTED_CACHE_VARIABLE, PROJECT_ROOT
from workstation.archive import Archive
from workstation.core import database_connection
from workstation.core.database_connection import (
    DATABASE_ERRORS,
    PLAIN_HEADER,
    DatabaseKeyError,
    connect_database,
    database_key,
    is_encrypted_database,
)
from workstation.core.errors import ArchiveError, WorkstationError
from workstation.core.station_key import station_key
from workstation.security.database import security_database_path
from workstation.security.roles import Role
from workstation.security.station import StationSecurity
from workstation.settings.home import workstation_home
from workstation.worklist.exam import Exam
from workstation.worklist.ris_outbox import RisOutbox
from workstation.worklist.store import WorklistStore

PATIENT_NAME, PATIENT_ID = "Zyxwabc^Secretname", "MRN-98765-SECRET"
KEYWORD = "zebracasefile"
HL7 = f"MSH|^~\\&|WS|RAD|RIS|H|20250101120000||ORU^R01|TEMP|P|2.3\rPID|1||{PATIENT_ID}||{PATIENT_NAME}\r"


def encrypt_cache(key_file: Path, on: bool = True) -> None:
    (workstation_home() / "security.json").write_text(
        json.dumps({"encrypt_cache": on, "cache_key_file": str(key_file)}), encoding="utf-8")


def raw_bytes(database: Path) -> bytes:
    """The database file and its WAL as they lie on the disk."""
    return b"".join(Path(f"{database}{suffix}").read_bytes() for suffix in ("", "-wal")
                    if Path(f"{database}{suffix}").exists())


def fill_every_database(home: Path, keep_open: list | None = None) -> list[Path]:
    """Patient data into the archive index, security, worklist and RIS outbox databases; their paths.

    With ``keep_open``, the security, worklist and outbox connections are kept there, open (WAL not checkpointed)."""
    archive = Archive(home / "archive")
    assert archive.store_part10(instance_bytes(patient_name=PATIENT_NAME, patient_id=PATIENT_ID)).stored
    security = StationSecurity.open()
    security.users.add("drwho", Role.RADIOLOGIST, "pw")
    security.keywords.tag("drwho", KEYWORD, "1.2.826.0.1.3680043.8.498.1")
    store = WorklistStore(home / "worklist" / "worklist.sqlite")
    store.upsert_order(Exam("ACC-1", patient_id=PATIENT_ID, patient_name=PATIENT_NAME, modality="CT"))
    outbox = RisOutbox(home / "worklist" / "ris_outbox.sqlite")
    assert outbox.send_to_ris(HL7, "REPORT-1")
    assert [study.patient_name for study in archive.studies()] == [PATIENT_NAME]
    assert [tag.keyword for tag in security.keywords.tags("drwho")] == [KEYWORD]
    assert store.exam("ACC-1").patient_name == PATIENT_NAME
    assert [message.control_id for message in outbox.messages()] == ["REPORT-1"]
    archive.close()
    if keep_open is not None:
        keep_open.extend((security, store, outbox))
    return [home / "archive" / "index.sqlite", security_database_path(), home / "worklist" / "worklist.sqlite",
            home / "worklist" / "ris_outbox.sqlite"]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_patient_data_is_readable_in_the_raw_databases_only_when_the_cache_is_not_encrypted(
        tmp_path, workstation_home, encrypted):
    encrypt_cache(tmp_path / "cache.key", on=encrypted)
    opened: list = []
    databases = fill_every_database(workstation_home, keep_open=opened)
    wal_files = [Path(f"{database}-wal") for database in databases]
    assert any(wal.exists() and wal.stat().st_size for wal in wal_files)  # the WAL is checked too
    secrets = (PATIENT_NAME.encode(), PATIENT_ID.encode(), KEYWORD.encode(), b"drwho")
    for database in databases:
        content = raw_bytes(database)
        assert is_encrypted_database(database) == encrypted
        found = [secret for secret in secrets if secret in content]
        if encrypted:
            assert found == [], database
        else:
            assert found, database  # the same check finds them in plain files: it can fail


def test_an_encrypted_station_uses_a_derived_key_per_database(tmp_path, workstation_home):
    encrypt_cache(tmp_path / "cache.key")
    fill_every_database(workstation_home)
    key = station_key()
    assert len({database_key(key, purpose) for purpose in ("archive index", "security", "worklist")} | {key}) == 4
    with pytest.raises(DatabaseKeyError, match="is encrypted, and the station's cache key"):
        connect_database(security_database_path(), "archive index")  # another purpose's key does not open it


def test_the_archive_works_as_before_on_an_encrypted_index_and_a_full_index_still_says_so(tmp_path):
    encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        for number in range(3):
            archive.store_part10(instance_bytes(sop_instance_uid=f"1.2.3.{number}", study_instance_uid=f"1.2.8.{number}",
                                                patient_name=PATIENT_NAME, instance_number=number))
        assert len(archive.studies()) == 3
        connection = archive._index._connection
        assert type(connection).__module__.startswith("sqlcipher3")
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL through SQLCipher's own errors
        with pytest.raises(ArchiveError, match=r"^the archive disk is full: "):
            for number in range(50):
                archive.store_part10(instance_bytes(sop_instance_uid=f"1.2.4.{number}",
                                                    study_instance_uid=f"1.2.9.{number}"))
        connection.execute(f"PRAGMA max_page_count = {2**30}")
        assert archive.study("1.2.8.1").patient_name == PATIENT_NAME


def test_databases_are_converted_when_the_setting_changes_and_back(tmp_path, workstation_home):
    databases = fill_every_database(workstation_home)  # plain
    (version,) = sqlite3.connect(databases[0]).execute("PRAGMA user_version").fetchone()
    encrypt_cache(tmp_path / "cache.key")
    with Archive(workstation_home / "archive") as archive:
        assert [study.patient_name for study in archive.studies()] == [PATIENT_NAME]
    assert StationSecurity.open().users.find("drwho").role == Role.RADIOLOGIST
    assert WorklistStore(databases[2]).exam("ACC-1").patient_name == PATIENT_NAME
    assert [message.control_id for message in RisOutbox(databases[3]).messages()] == ["REPORT-1"]
    assert all(is_encrypted_database(database) for database in databases)
    assert all(PATIENT_NAME.encode() not in raw_bytes(database) for database in databases)
    encrypted = connect_database(databases[0], "archive index")
    assert encrypted.execute("PRAGMA user_version").fetchone() == (version,)  # the schema version travels too
    encrypted.close()

    encrypt_cache(tmp_path / "cache.key", on=False)  # the key file stays: it is needed to decrypt
    with Archive(workstation_home / "archive") as archive:
        assert [study.patient_name for study in archive.studies()] == [PATIENT_NAME]
    assert StationSecurity.open().users.find("drwho") is not None
    assert RisOutbox(databases[3]).messages()[0].control_id == "REPORT-1"
    assert WorklistStore(databases[2]).exam("ACC-1").patient_id == PATIENT_ID
    assert not any(is_encrypted_database(database) for database in databases)
    assert all(database.read_bytes().startswith(PLAIN_HEADER) for database in databases)
    assert sqlite3.connect(databases[0]).execute("PRAGMA user_version").fetchone() == (version,)


def test_a_conversion_cut_short_leaves_the_database_whole_and_the_next_opening_finishes(tmp_path, monkeypatch):
    database = tmp_path / "records.sqlite"
    with sqlite3.connect(database) as plain:
        plain.execute("CREATE TABLE patients (name TEXT)")
        plain.execute("INSERT INTO patients VALUES (?)", (PATIENT_NAME,))
    encrypt_cache(tmp_path / "cache.key")
    with monkeypatch.context() as patch:
        patch.setattr(database_connection.os, "replace", lambda *_: (_ for _ in ()).throw(OSError(5, "I/O error")))
        with pytest.raises(WorkstationError, match="could not be replaced by its converted copy"):
            connect_database(database, "test")
    assert (tmp_path / "records.sqlite.converting").exists()  # the crash's debris
    assert sqlite3.connect(database).execute("SELECT name FROM patients").fetchall() == [(PATIENT_NAME,)]

    reopened = connect_database(database, "test")
    assert reopened.execute("SELECT name FROM patients").fetchall() == [(PATIENT_NAME,)]
    assert not (tmp_path / "records.sqlite.converting").exists()
    assert is_encrypted_database(database)


def test_a_database_open_in_another_program_is_not_converted_under_it(tmp_path):
    database = tmp_path / "records.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t (x)'); c.execute(\"INSERT INTO t VALUES ('a')\"); "
         "print('open', flush=True); sys.stdin.readline()", str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        encrypt_cache(tmp_path / "cache.key")
        with pytest.raises(WorkstationError, match="Close every other workstation window"):
            connect_database(database, "test")
        assert database.read_bytes().startswith(PLAIN_HEADER)
    finally:
        holder.communicate("\n", timeout=10)
    assert connect_database(database, "test").execute("SELECT x FROM t").fetchall() == [("a",)]


def test_a_lost_key_refuses_the_security_database_and_leaves_it_untouched(tmp_path):
    encrypt_cache(tmp_path / "cache.key")
    StationSecurity.open().users.add("drwho", Role.ADMINISTRATOR, "pw")
    before = security_database_path().read_bytes()
    (tmp_path / "cache.key").unlink()
    with pytest.raises(DatabaseKeyError) as refused:
        StationSecurity.open()
    message = str(refused.value)
    assert "security database" in message and str(tmp_path / "cache.key") in message
    assert "Restore the key file" in message and "will not replace this database with an empty one" in message
    assert security_database_path().read_bytes() == before
    assert not (tmp_path / "cache.key").exists()  # no new key made over a database the old one encrypted

    encrypt_cache(tmp_path / "cache.key", on=False)  # turning encryption off does not get around it either
    with pytest.raises(DatabaseKeyError, match="security database"):
        StationSecurity.open()
    assert security_database_path().read_bytes() == before


def test_a_replaced_key_refuses_the_worklist_and_the_ris_outbox(tmp_path, workstation_home):
    encrypt_cache(tmp_path / "cache.key")
    databases = fill_every_database(workstation_home)
    (tmp_path / "cache.key").unlink()
    station_key(create=True)  # someone made a new key
    with pytest.raises(WorkstationError, match="worklist database"):
        WorklistStore(databases[2]).exam("ACC-1")
    with pytest.raises(DatabaseKeyError, match="RIS outbox database"):
        RisOutbox(databases[3])


def test_a_lost_key_starts_the_archive_index_again_empty_and_says_so(tmp_path):
    encrypt_cache(tmp_path / "cache.key")
    with Archive(tmp_path / "archive") as archive:
        archive.store_part10(instance_bytes(patient_name=PATIENT_NAME))
    (tmp_path / "cache.key").unlink()
    with Archive(tmp_path / "archive") as archive:
        assert archive.studies() == []
        assert "cache key is missing or was replaced" in archive.lost_key_message
        assert archive.store_part10(instance_bytes(patient_name=PATIENT_NAME)).stored  # usable again
    assert is_encrypted_database(tmp_path / "archive" / "index.sqlite")


def test_both_drivers_errors_are_caught_as_database_errors(tmp_path):
    encrypt_cache(tmp_path / "cache.key")
    connection = connect_database(tmp_path / "records.sqlite", "test", named_rows=True)
    connection.execute("CREATE TABLE t (name TEXT UNIQUE)")
    connection.execute("INSERT INTO t VALUES ('a')")
    assert connection.execute("SELECT name FROM t").fetchone()["name"] == "a"  # the driver's own Row
    with pytest.raises(DATABASE_ERRORS):
        connection.execute("INSERT INTO t VALUES ('a')")
    with pytest.raises(DATABASE_ERRORS):
        sqlite3.connect(":memory:").execute("SELECT * FROM missing")


def test_existing_tests_pass_with_the_cache_encrypted():
    """A representative subset of the archive, security and worklist tests, run with encrypt_cache set."""
    subset = ["tests/security/test_users.py", "tests/security/test_access.py", "tests/security/test_restricted_rows.py",
              "tests/worklist/test_worklist_store.py", "tests/worklist/test_ris_outbox.py",
              "tests/archive/test_group_commit.py", "tests/archive/test_export.py",
              "tests/archive/test_header_scan.py", "tests/archive/test_eviction.py::test_nested_open_marks_protect_until_the_last_close"]
    environment = {**os.environ, ENCRYPTED_CACHE_VARIABLE: "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *subset],
                          cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout


def test_wal_busy_timeout_and_threads_behave_as_with_sqlite3(tmp_path):
    encrypt_cache(tmp_path / "cache.key")
    database = tmp_path / "records.sqlite"
    options = {"isolation_level": None, "check_same_thread": False}
    writer = connect_database(database, "test", timeout=5, **options)
    assert writer.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (2)")
    reader = connect_database(database, "test", timeout=5, **options)
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]  # WAL: readers do not wait for the writer
    second = connect_database(database, "test", timeout=0.3, **options)
    started = time.monotonic()
    with pytest.raises(database_connection.OPERATIONAL_ERRORS, match="locked"):
        second.execute("BEGIN IMMEDIATE")
    assert time.monotonic() - started >= 0.25  # the busy timeout was waited
    assert writer.in_transaction
    writer.execute("COMMIT")
    seen: list = []
    thread = threading.Thread(target=lambda: seen.extend(reader.execute("SELECT x FROM t ORDER BY x").fetchall()))
    thread.start()
    thread.join(10)
    assert seen == [(1,), (2,)]  # a connection made on one thread serves another (check_same_thread=False)
