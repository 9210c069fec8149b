"""The SQLite index of the archive: patients, studies, series, instances, their files, sizes and last access.

WAL mode lets readers (the study browser, a writer thread checking for a duplicate) run while a writer
files instances: reads and writes each have one connection, shared under a lock across the storage SCP's
threads. Writes go in transactions, one per batch. An instance row whose file is not yet flushed to disk
(a copy fetched from a PACS, flushed in the background) has ``durable = 0`` until the flush is done, and
``written_boot``, the operating system's boot it was written in (a reboot since is what could have lost it).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from workstation.archive.part10 import InstanceHeader
from workstation.archive.records import PatientRecord, SeriesRecord, StudyRecord
from workstation.core.database_connection import DATABASE_ERRORS, connect_database
from workstation.core.errors import ArchiveError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
SQL_VARIABLES = 500  # parameters per statement, under SQLite's lowest compiled-in limit (999)

SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    patient_key INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    issuer_of_patient_id TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    UNIQUE (patient_id, issuer_of_patient_id)
);
CREATE TABLE IF NOT EXISTS studies (
    study_instance_uid TEXT PRIMARY KEY,
    patient_key INTEGER NOT NULL REFERENCES patients (patient_key),
    study_date TEXT NOT NULL,
    study_time TEXT NOT NULL,
    accession_number TEXT NOT NULL,
    study_description TEXT NOT NULL,
    last_access REAL NOT NULL,
    read INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS studies_by_patient ON studies (patient_key);
CREATE TABLE IF NOT EXISTS series (
    series_instance_uid TEXT PRIMARY KEY,
    study_instance_uid TEXT NOT NULL REFERENCES studies (study_instance_uid),
    modality TEXT NOT NULL,
    series_number INTEGER,
    series_description TEXT NOT NULL,
    body_part_examined TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_by_study ON series (study_instance_uid);
CREATE TABLE IF NOT EXISTS instances (
    sop_instance_uid TEXT PRIMARY KEY,
    series_instance_uid TEXT NOT NULL REFERENCES series (series_instance_uid),
    sop_class_uid TEXT NOT NULL,
    instance_number INTEGER,
    path TEXT NOT NULL UNIQUE,
    size_bytes INTEGER NOT NULL,
    stored_at REAL NOT NULL,
    durable INTEGER NOT NULL DEFAULT 1,
    written_boot TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS instances_by_series ON instances (series_instance_uid);
"""
NOT_DURABLE_INDEX = "CREATE INDEX IF NOT EXISTS instances_not_durable ON instances (path) WHERE durable = 0;"

STUDY_SELECT = """
SELECT s.study_instance_uid, p.patient_id, p.issuer_of_patient_id, p.patient_name, s.study_date, s.study_time,
       s.accession_number, s.study_description,
       (SELECT group_concat(modality, '\\') FROM (SELECT DISTINCT modality FROM series
            WHERE series.study_instance_uid = s.study_instance_uid AND modality != '' ORDER BY modality)),
       (SELECT count(*) FROM series WHERE series.study_instance_uid = s.study_instance_uid),
       (SELECT count(*) FROM instances JOIN series USING (series_instance_uid)
            WHERE series.study_instance_uid = s.study_instance_uid),
       (SELECT coalesce(sum(size_bytes), 0) FROM instances JOIN series USING (series_instance_uid)
            WHERE series.study_instance_uid = s.study_instance_uid),
       s.last_access, s.read
FROM studies s JOIN patients p USING (patient_key)
"""
NEWEST_FIRST = " ORDER BY s.study_date DESC, s.study_time DESC, s.study_instance_uid"


class ArchiveIndex:
    """All SQL of the archive; callers never see a cursor, and every SQLite failure arrives as ArchiveError."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the index; ArchiveError if SQLite cannot."""
        self.path = path
        self._lock = threading.RLock()
        self._read_lock = threading.Lock()
        try:
            self._connection = connect_database(path, "archive index", start_empty_if_key_lost=True, timeout=30,
                                                isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.executescript(f"BEGIN IMMEDIATE; {SCHEMA}")
            columns = {row[1] for row in self._connection.execute("PRAGMA table_info(instances)")}
            if "durable" not in columns:  # an index made before deferred flushes: every file in it was flushed
                self._connection.execute("ALTER TABLE instances ADD COLUMN durable INTEGER NOT NULL DEFAULT 1")
            if "written_boot" not in columns:
                self._connection.execute("ALTER TABLE instances ADD COLUMN written_boot TEXT NOT NULL DEFAULT ''")
            self._connection.execute(NOT_DURABLE_INDEX)
            self._connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._connection.execute("COMMIT")
            # reads get a connection of their own: in WAL mode they need not wait for a write transaction
            # (a writer thread asking "do we have it?" while another files a batch)
            self._reader = connect_database(path, "archive index", timeout=30, isolation_level=None,
                                            check_same_thread=False)
        except DATABASE_ERRORS as error:
            log.error("cannot open archive index %s: %s", path, error)
            raise ArchiveError(
                f"cannot open the archive index {path} ({error}). "
                "If the disk is fine, move index.sqlite aside and re-import the studies."
            ) from error

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._reader.close()
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; SQLite errors become ArchiveError."""
        with self._lock:
            try:
                self._connection.execute("BEGIN IMMEDIATE")
                try:
                    yield self._connection
                    self._connection.execute("COMMIT")
                finally:
                    if self._connection.in_transaction:
                        self._connection.execute("ROLLBACK")
            except DATABASE_ERRORS as error:
                raise self._error(error) from error

    def _rows(self, sql: str, parameters: Iterable[object] = ()) -> list[tuple]:
        with self._read_lock:
            try:
                return self._reader.execute(sql, tuple(parameters)).fetchall()
            except DATABASE_ERRORS as error:
                raise self._error(error) from error

    def _error(self, error: Exception) -> ArchiveError:
        log.error("archive index %s: %s", self.path, error)
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return ArchiveError(
                f"the archive disk is full: could not update the index {self.path}. "
                "Free some space (or evict old studies) and try again."
            )
        return ArchiveError(
            f"the archive index {self.path} could not be used ({error}). "
            "Close other workstation windows using it and try again."
        )

    # -- writing

    def add_instances(self, entries: list[tuple[InstanceHeader, str, int, bool]], now: float | None = None,
                      boot_id: str = "") -> list[bool]:
        """Index (header, relative path, size, durable) entries in one transaction; False for an instance already there.

        ``boot_id``: the operating system's current boot, recorded with the rows not durable yet.

        Patient, study and series rows are written once per batch (a batch is mostly one series).
        """
        now = time.time() if now is None else now
        added: list[bool] = []
        patient_keys: dict[tuple[str, str], int] = {}
        studies: set[str] = set()
        series: set[str] = set()
        with self.transaction() as connection:
            for header, path, size, durable in entries:
                patient = (header.patient_id, header.issuer_of_patient_id)
                if patient not in patient_keys:
                    connection.execute(
                        "INSERT OR IGNORE INTO patients (patient_id, issuer_of_patient_id, patient_name, birth_date,"
                        " sex) VALUES (?, ?, ?, ?, ?)",
                        (*patient, header.patient_name, header.patient_birth_date, header.patient_sex),
                    )
                    (patient_keys[patient],) = connection.execute(
                        "SELECT patient_key FROM patients WHERE patient_id = ? AND issuer_of_patient_id = ?", patient
                    ).fetchone()
                if header.study_instance_uid not in studies:
                    studies.add(header.study_instance_uid)
                    connection.execute(
                        "INSERT OR IGNORE INTO studies (study_instance_uid, patient_key, study_date, study_time,"
                        " accession_number, study_description, last_access) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (header.study_instance_uid, patient_keys[patient], header.study_date, header.study_time,
                         header.accession_number, header.study_description, now),
                    )
                if header.series_instance_uid not in series:
                    series.add(header.series_instance_uid)
                    connection.execute(
                        "INSERT OR IGNORE INTO series (series_instance_uid, study_instance_uid, modality,"
                        " series_number, series_description, body_part_examined) VALUES (?, ?, ?, ?, ?, ?)",
                        (header.series_instance_uid, header.study_instance_uid, header.modality,
                         header.series_number, header.series_description, header.body_part_examined),
                    )
                cursor = connection.execute(
                    "INSERT OR IGNORE INTO instances (sop_instance_uid, series_instance_uid, sop_class_uid,"
                    " instance_number, path, size_bytes, stored_at, durable, written_boot)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (header.sop_instance_uid, header.series_instance_uid, header.sop_class_uid,
                     header.instance_number, path, size, now, int(durable), "" if durable else boot_id),
                )
                added.append(cursor.rowcount == 1)
            grown = {entry[0].study_instance_uid for entry, was_added in zip(entries, added) if was_added}
            connection.executemany(
                "UPDATE studies SET last_access = max(last_access, ?) WHERE study_instance_uid = ?",
                [(now, uid) for uid in sorted(grown)],
            )
        return added

    def touch_study(self, study_instance_uid: str, now: float | None = None) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE studies SET last_access = ? WHERE study_instance_uid = ?",
                (time.time() if now is None else now, study_instance_uid),
            )

    def set_read(self, study_instance_uid: str, read: bool) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE studies SET read = ? WHERE study_instance_uid = ?", (int(read), study_instance_uid)
            )

    def delete_studies(self, study_instance_uids: list[str]) -> list[str]:
        """Remove studies with everything below them; return the relative paths of their files."""
        paths: list[str] = []
        with self.transaction() as connection:
            for uid in study_instance_uids:
                paths += [row[0] for row in connection.execute(
                    "SELECT path FROM instances JOIN series USING (series_instance_uid)"
                    " WHERE series.study_instance_uid = ?", (uid,))]
                connection.execute(
                    "DELETE FROM instances WHERE series_instance_uid IN"
                    " (SELECT series_instance_uid FROM series WHERE study_instance_uid = ?)", (uid,))
            _prune_empty(connection)
        return paths

    def mark_durable(self, paths: list[str]) -> None:
        """The files at ``paths`` are flushed to disk: their rows no longer need checking after a crash."""
        with self.transaction() as connection:
            connection.executemany("UPDATE instances SET durable = 1 WHERE path = ? AND durable = 0",
                                   ((path,) for path in paths))

    def delete_instances_at(self, paths: Iterable[str]) -> None:
        with self.transaction() as connection:
            connection.executemany("DELETE FROM instances WHERE path = ?", ((path,) for path in paths))
            _prune_empty(connection)

    # -- reading

    def has_instance(self, sop_instance_uid: str) -> bool:
        return bool(self._rows("SELECT 1 FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,)))

    def known_instances(self, sop_instance_uids: list[str]) -> set[str]:
        """Which of the SOP instances are indexed (one query for a whole batch)."""
        known: set[str] = set()
        for start in range(0, len(sop_instance_uids), SQL_VARIABLES):
            chunk = sop_instance_uids[start:start + SQL_VARIABLES]
            sql = f"SELECT sop_instance_uid FROM instances WHERE sop_instance_uid IN ({','.join('?' * len(chunk))})"
            known.update(row[0] for row in self._rows(sql, chunk))
        return known

    def instance_path(self, sop_instance_uid: str) -> str | None:
        rows = self._rows("SELECT path FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,))
        return rows[0][0] if rows else None

    def instance_uids(self, study_instance_uid: str, series_instance_uid: str | None) -> set[str]:
        sql = ("SELECT sop_instance_uid FROM instances JOIN series USING (series_instance_uid)"
               " WHERE series.study_instance_uid = ?")
        parameters: list[object] = [study_instance_uid]
        if series_instance_uid is not None:
            sql += " AND series_instance_uid = ?"
            parameters.append(series_instance_uid)
        return {row[0] for row in self._rows(sql, parameters)}

    def all_paths(self) -> dict[str, int]:
        """Relative path -> size in bytes of every indexed file."""
        return dict(self._rows("SELECT path, size_bytes FROM instances"))

    def not_durable(self) -> dict[str, tuple[str, int, str]]:
        """Relative path -> (SOP Instance UID, size in bytes, boot written in) of every row whose file may not
        be on disk yet."""
        return {path: (uid, size, boot) for path, uid, size, boot in self._rows(
            "SELECT path, sop_instance_uid, size_bytes, written_boot FROM instances WHERE durable = 0")}

    def patients(self) -> list[PatientRecord]:
        rows = self._rows(
            "SELECT patient_id, issuer_of_patient_id, patient_name, birth_date, sex,"
            " (SELECT count(*) FROM studies WHERE studies.patient_key = patients.patient_key)"
            " FROM patients ORDER BY patient_name, patient_id, issuer_of_patient_id"
        )
        return [PatientRecord(*row) for row in rows]

    def studies(self, patient_id: str | None) -> list[StudyRecord]:
        if patient_id is None:
            rows = self._rows(STUDY_SELECT + NEWEST_FIRST)
        else:
            rows = self._rows(STUDY_SELECT + " WHERE p.patient_id = ?" + NEWEST_FIRST, (patient_id,))
        return [_study_record(row) for row in rows]

    def study(self, study_instance_uid: str) -> StudyRecord | None:
        rows = self._rows(STUDY_SELECT + " WHERE s.study_instance_uid = ?", (study_instance_uid,))
        return _study_record(rows[0]) if rows else None

    def series(self, study_instance_uid: str) -> list[SeriesRecord]:
        rows = self._rows(
            "SELECT series_instance_uid, study_instance_uid, modality, series_number, series_description,"
            " body_part_examined, count(sop_instance_uid), coalesce(sum(size_bytes), 0)"
            " FROM series LEFT JOIN instances USING (series_instance_uid) WHERE study_instance_uid = ?"
            " GROUP BY series_instance_uid ORDER BY series_number IS NULL, series_number, series_instance_uid",
            (study_instance_uid,),
        )
        return [SeriesRecord(*row) for row in rows]

    def instance_paths(self, series_instance_uid: str) -> list[str]:
        """Relative paths in instance number order (then SOP Instance UID, for files without a number)."""
        rows = self._rows(
            "SELECT path FROM instances WHERE series_instance_uid = ?"
            " ORDER BY instance_number IS NULL, instance_number, sop_instance_uid",
            (series_instance_uid,),
        )
        return [row[0] for row in rows]


def _study_record(row: tuple) -> StudyRecord:
    values = list(row)
    values[8] = tuple(values[8].split("\\")) if values[8] else ()
    values[13] = bool(values[13])
    return StudyRecord(*values)


def _prune_empty(connection: sqlite3.Connection) -> None:
    connection.execute(
        "DELETE FROM series WHERE NOT EXISTS"
        " (SELECT 1 FROM instances WHERE instances.series_instance_uid = series.series_instance_uid)")
    connection.execute(
        "DELETE FROM studies WHERE NOT EXISTS"
        " (SELECT 1 FROM series WHERE series.study_instance_uid = studies.study_instance_uid)")
    connection.execute(
        "DELETE FROM patients WHERE NOT EXISTS"
        " (SELECT 1 FROM studies WHERE studies.patient_key = patients.patient_key)")
