"""The worklist state store: exams, locks and the recorded status changes, in SQLite (one station) or
PostgreSQL (several stations share one worklist: same locks and statuses everywhere).

Locks are leases: taken in one transaction (row lock ``SELECT ... FOR UPDATE`` on PostgreSQL, a write
transaction on SQLite), held by one ``owner`` (a station session), renewed while the exam is open and
free for others once ``lock_expires`` has passed. Time comes from the database clock, so stations with
skewed clocks still agree on who holds what.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from workstation.core.database_connection import DATABASE_ERRORS, OPERATIONAL_ERRORS, connect_database
from workstation.worklist.errors import StoreUnavailable, WorklistError
from workstation.worklist.exam import Exam, Priority, ReadingStatus, Transition
from workstation.worklist.reading_state import LOCKABLE, check_transition

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 120.0

_ORDER_FIELDS = (
    "patient_id", "issuer_of_patient_id", "patient_name", "birth_date", "sex", "procedure", "modality",
    "body_part", "site", "priority", "emergency", "ordered_at", "performed_at", "study_instance_uid", "source",
    "confidential",
)
_PATIENT_FIELDS = ("patient_id", "issuer_of_patient_id", "patient_name", "birth_date", "sex")
_COLUMNS = tuple(field.name for field in fields(Exam))
_TEXT_COLUMNS = {name for name in _COLUMNS if name not in (
    "emergency", "ordered_at", "performed_at", "lock_expires", "image_count", "images_complete", "prior_count",
    "confidential",
)}


def _column_type(name: str) -> str:
    if name in _TEXT_COLUMNS:
        return "TEXT NOT NULL DEFAULT ''"
    if name in ("ordered_at", "performed_at", "lock_expires"):
        return "DOUBLE PRECISION NOT NULL DEFAULT 0"
    return "INTEGER NOT NULL DEFAULT 0"


@dataclass(frozen=True)
class LockResult:
    """The outcome of opening an exam: ``acquired`` False means read-only, ``exam.locked_by`` says who has it."""

    acquired: bool
    exam: Exam


class _Dialect:
    name = "sqlite"
    now = "((julianday('now') - 2440587.5) * 86400.0)"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    for_update = ""

    def sql(self, text: str) -> str:
        return text.replace("{now}", self.now)


class _PostgresDialect(_Dialect):
    name = "postgresql"
    now = "extract(epoch from clock_timestamp())::double precision"
    serial = "BIGSERIAL PRIMARY KEY"
    for_update = " FOR UPDATE"

    def sql(self, text: str) -> str:
        return super().sql(text).replace("?", "%s")


def _exam_from_row(row: Sequence[Any]) -> Exam:
    values = dict(zip(_COLUMNS, row))
    values["priority"] = Priority(values["priority"] or Priority.ROUTINE.value)
    values["status"] = ReadingStatus(values["status"])
    values["emergency"] = bool(values["emergency"])
    values["images_complete"] = bool(values["images_complete"])
    values["confidential"] = bool(values["confidential"])
    return Exam(**values)


class WorklistStore:
    """One connection to the store, safe to share between threads (calls are serialised)."""

    def __init__(self, location: str | Path, connect_timeout: float = 5.0, wait_if_unavailable: bool = False) -> None:
        """Raises StoreUnavailable when the store cannot be opened; with ``wait_if_unavailable`` (the window
        starting while the database is away) it does not: every call tries to open it again until one works."""
        self.location = str(location)
        self.connect_timeout = connect_timeout
        self.dialect: _Dialect = _PostgresDialect() if self.is_postgresql else _Dialect()
        self._lock = threading.RLock()
        self._connection: Any = None
        self._tables_ready = False
        with self._lock:
            try:
                self._connect()
                self._create_tables()
            except StoreUnavailable:
                if not wait_if_unavailable:
                    raise
                log.warning("worklist store %s not available yet; trying again on each use", self.describe())

    @property
    def is_postgresql(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    def describe(self) -> str:
        """Where the store is, without a password."""
        if not self.is_postgresql:
            return self.location
        from urllib.parse import urlparse

        url = urlparse(self.location)
        return f"PostgreSQL {url.hostname}:{url.port or 5432}{url.path}"

    # --- connection -------------------------------------------------------------------------------------
    def _connect(self) -> None:
        if self.is_postgresql:
            import psycopg

            try:
                self._connection = psycopg.connect(
                    self.location, autocommit=True, connect_timeout=max(1, int(self.connect_timeout))
                )
            except psycopg.Error as error:
                log.error("worklist store %s unreachable: %s", self.describe(), error)
                raise StoreUnavailable(
                    f"The shared worklist ({self.describe()}) cannot be reached; the list shows the last known "
                    "state and reconnects automatically. Check that the database server is running."
                ) from error
        else:
            try:
                Path(self.location).parent.mkdir(parents=True, exist_ok=True)
                self._connection = connect_database(
                    self.location, "worklist", isolation_level=None, check_same_thread=False, timeout=self.connect_timeout
                )
                self._connection.execute("PRAGMA journal_mode=WAL")
            except (OSError, *DATABASE_ERRORS) as error:
                self._drop_connection()
                log.error("worklist store %s cannot be opened: %s", self.location, error)
                raise StoreUnavailable(
                    f"The worklist file {self.location} cannot be opened ({error}); check the disk and permissions."
                ) from error

    def _driver_errors(self) -> tuple[type[BaseException], ...]:
        if self.is_postgresql:
            import psycopg

            return (psycopg.OperationalError, psycopg.InterfaceError)
        return OPERATIONAL_ERRORS

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A write transaction; a lost connection becomes StoreUnavailable and is re-made on the next call."""
        with self._lock:
            if self._connection is None:
                self._connect()
                if not self._tables_ready:  # opened for the first time (it was away when the store was made)
                    self._create_tables()
            try:
                if self.is_postgresql:
                    with self._connection.transaction():
                        yield self._connection.cursor()
                else:
                    cursor = self._connection.cursor()
                    cursor.execute("BEGIN IMMEDIATE")
                    try:
                        yield cursor
                    except BaseException:
                        cursor.execute("ROLLBACK")
                        raise
                    cursor.execute("COMMIT")
            except self._driver_errors() as error:
                log.error("worklist store %s failed: %s", self.describe(), error)
                self._drop_connection()
                raise StoreUnavailable(
                    f"The worklist store ({self.describe()}) stopped answering; the change was not saved. "
                    "It reconnects automatically; try again in a moment."
                ) from error

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        with contextlib.suppress(Exception):
            connection.close()

    def _execute(self, cursor: Any, text: str, parameters: Sequence[Any] = ()) -> Any:
        cursor.execute(self.dialect.sql(text), tuple(parameters))
        return cursor

    def _create_tables(self) -> None:
        columns = ", ".join(
            f"{name} TEXT PRIMARY KEY" if name == "accession_number" else f"{name} {_column_type(name)}"
            for name in _COLUMNS
        )
        with self._transaction() as cursor:
            self._execute(cursor, f"CREATE TABLE IF NOT EXISTS exams ({columns})")
            self._execute(cursor, (
                f"CREATE TABLE IF NOT EXISTS transitions (id {self.dialect.serial}, accession_number TEXT NOT NULL, "
                "from_status TEXT NOT NULL DEFAULT '', to_status TEXT NOT NULL, user_name TEXT NOT NULL, "
                "at DOUBLE PRECISION NOT NULL)"
            ))
            self._add_missing_columns(cursor)
            self._execute(cursor, "CREATE INDEX IF NOT EXISTS exams_patient ON exams (patient_id)")
            self._execute(cursor, "CREATE INDEX IF NOT EXISTS transitions_exam ON transitions (accession_number)")
        self._tables_ready = True

    def _add_missing_columns(self, cursor: Any) -> None:
        """Migration: a store made by an older version gets the columns added since (``confidential``)."""
        if self.is_postgresql:
            rows = self._execute(cursor, "SELECT column_name FROM information_schema.columns "
                                 "WHERE table_name = 'exams' AND table_schema = current_schema()").fetchall()
        else:
            rows = [(row[1],) for row in self._execute(cursor, "PRAGMA table_info(exams)").fetchall()]
        present = {row[0] for row in rows}
        for name in _COLUMNS:
            if name not in present:
                self._execute(cursor, f"ALTER TABLE exams ADD COLUMN {name} {_column_type(name)}")
                log.info("worklist store %s: column %s added", self.describe(), name)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def __enter__(self) -> "WorklistStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------------------
    def now(self) -> float:
        with self._transaction() as cursor:
            return float(self._execute(cursor, "SELECT {now}").fetchone()[0])

    def exams(self, include_done: bool = True) -> list[Exam]:
        """Every exam except cancelled ones (and, without ``include_done``, final ones), in reading order."""
        hidden = [ReadingStatus.CANCELLED.value] + ([] if include_done else [ReadingStatus.FINAL.value])
        marks = ", ".join("?" for _ in hidden)
        with self._transaction() as cursor:
            rows = self._execute(
                cursor, f"SELECT {', '.join(_COLUMNS)} FROM exams WHERE status NOT IN ({marks})", hidden
            ).fetchall()
        return sorted((_exam_from_row(row) for row in rows), key=Exam.reading_order)

    def exam(self, accession_number: str) -> Exam:
        with self._transaction() as cursor:
            return self._exam(cursor, accession_number)

    def _exam(self, cursor: Any, accession_number: str, for_update: bool = False) -> Exam:
        row = self._execute(
            cursor,
            f"SELECT {', '.join(_COLUMNS)} FROM exams WHERE accession_number = ?"
            + (self.dialect.for_update if for_update else ""),
            (accession_number,),
        ).fetchone()
        if row is None:
            raise WorklistError(f"No exam with accession number {accession_number} is on the worklist; refresh it.")
        return _exam_from_row(row)

    def transitions(self, accession_number: str) -> list[Transition]:
        with self._transaction() as cursor:
            rows = self._execute(
                cursor, "SELECT from_status, to_status, user_name, at FROM transitions WHERE accession_number = ? "
                "ORDER BY id", (accession_number,),
            ).fetchall()
        return [
            Transition(accession_number, ReadingStatus(row[0]) if row[0] else None, ReadingStatus(row[1]), row[2], row[3])
            for row in rows
        ]

    def counts_by_status(self) -> dict[ReadingStatus, int]:
        with self._transaction() as cursor:
            rows = self._execute(cursor, "SELECT status, COUNT(*) FROM exams GROUP BY status").fetchall()
        counts = {status: 0 for status in ReadingStatus}
        counts.update({ReadingStatus(status): int(count) for status, count in rows})
        return counts

    # --- orders from the RIS ----------------------------------------------------------------------------
    def upsert_order(self, exam: Exam, user: str = "RIS") -> Exam:
        """Add a new order or update an existing one's order fields; status and locks stay as they are,
        except that a cancelled order placed again is scheduled again."""
        values = [getattr(exam, name) for name in _ORDER_FIELDS]
        values = [value.value if isinstance(value, Priority) else value for value in values]
        values = [int(value) if isinstance(value, bool) else value for value in values]
        with self._transaction() as cursor:
            existing = self._execute(
                cursor, "SELECT status FROM exams WHERE accession_number = ?" + self.dialect.for_update,
                (exam.accession_number,),
            ).fetchone()
            if existing is None:
                names = ("accession_number", *_ORDER_FIELDS, "status")
                self._execute(
                    cursor, f"INSERT INTO exams ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                    [exam.accession_number, *values, ReadingStatus.SCHEDULED.value],
                )
                self._record(cursor, exam.accession_number, None, ReadingStatus.SCHEDULED, user)
            else:
                kept = [(name, value) for name, value in zip(_ORDER_FIELDS, values) if value not in ("", 0, 0.0)]
                if kept:
                    assignments = ", ".join(f"{name} = ?" for name, _ in kept)
                    self._execute(
                        cursor, f"UPDATE exams SET {assignments} WHERE accession_number = ?",
                        [value for _, value in kept] + [exam.accession_number],
                    )
                if existing[0] == ReadingStatus.CANCELLED.value:
                    self._set_status(cursor, exam.accession_number, ReadingStatus.CANCELLED, ReadingStatus.SCHEDULED, user)
            return self._exam(cursor, exam.accession_number)

    def cancel(self, accession_number: str, user: str = "RIS") -> bool:
        """The RIS cancelled the order: it leaves the list (kept with its history). False if unknown."""
        with self._transaction() as cursor:
            try:
                exam = self._exam(cursor, accession_number, for_update=True)
            except WorklistError:
                return False
            if exam.status != ReadingStatus.CANCELLED:
                self._set_status(cursor, accession_number, exam.status, ReadingStatus.CANCELLED, user)
                self._execute(cursor, "UPDATE exams SET lock_owner = '', locked_by = '', lock_expires = 0 "
                              "WHERE accession_number = ?", (accession_number,))
            return True

    def withdrawn_exams(self, user: str = "MWL", within_seconds: float = 86400.0) -> list[Exam]:
        """Exams ``user`` cancelled in the last ``within_seconds`` (MWL items gone from the server): some
        servers drop an item as soon as the modality starts it, so the PACS poll looks for their images."""
        columns = ", ".join(f"e.{name}" for name in _COLUMNS)
        with self._transaction() as cursor:
            rows = self._execute(
                cursor, f"SELECT {columns} FROM exams e JOIN transitions t ON t.accession_number = e.accession_number "
                "WHERE e.status = ? AND t.id = (SELECT MAX(id) FROM transitions WHERE accession_number = e.accession_number) "
                "AND t.user_name = ? AND t.at >= {now} - ?",
                (ReadingStatus.CANCELLED.value, user, within_seconds),
            ).fetchall()
        return [_exam_from_row(row) for row in rows]

    def withdraw(self, accession_number: str, user: str = "MWL") -> bool:
        """An MWL item the server no longer lists: cancelled like an HL7 cancel, but only while nothing has
        happened to it (scheduled, no images, no live lock). True when it was cancelled."""
        with self._transaction() as cursor:
            try:
                exam = self._exam(cursor, accession_number, for_update=True)
            except WorklistError:
                return False
            now = float(self._execute(cursor, "SELECT {now}").fetchone()[0])
            if exam.status != ReadingStatus.SCHEDULED or exam.image_count or exam.is_locked(now):
                return False
            self._set_status(cursor, accession_number, exam.status, ReadingStatus.CANCELLED, user)
            log.info("exam %s cancelled: no longer on the worklist server", accession_number)
            return True

    def update_patient(self, patient_id: str, **demographics: str) -> int:
        """ADT^A08: new name/birth date/sex for every exam of the patient; returns how many exams changed."""
        kept = {name: value for name, value in demographics.items() if name in _PATIENT_FIELDS and value}
        if not kept:
            return 0
        with self._transaction() as cursor:
            assignments = ", ".join(f"{name} = ?" for name in kept)
            return self._execute(
                cursor, f"UPDATE exams SET {assignments} WHERE patient_id = ?", [*kept.values(), patient_id]
            ).rowcount

    def merge_patient(self, prior_patient_id: str, surviving: Exam) -> int:
        """ADT^A40: the exams of ``prior_patient_id`` now belong to the surviving patient."""
        kept = {name: getattr(surviving, name) for name in _PATIENT_FIELDS if getattr(surviving, name)}
        with self._transaction() as cursor:
            assignments = ", ".join(f"{name} = ?" for name in kept)
            return self._execute(
                cursor, f"UPDATE exams SET {assignments} WHERE patient_id = ?", [*kept.values(), prior_patient_id]
            ).rowcount

    # --- images from the PACS ---------------------------------------------------------------------------
    def record_images(self, accession_number: str, image_count: int, complete: bool, user: str = "PACS",
                      study_instance_uid: str = "", performed_at: float = 0.0) -> Exam:
        """The PACS holds ``image_count`` images of the exam; the first images make it readable."""
        with self._transaction() as cursor:
            exam = self._exam(cursor, accession_number, for_update=True)
            self._execute(
                cursor, "UPDATE exams SET image_count = ?, images_complete = ?, "
                "study_instance_uid = CASE WHEN study_instance_uid = '' THEN ? ELSE study_instance_uid END, "
                "performed_at = CASE WHEN performed_at = 0 THEN ? ELSE performed_at END WHERE accession_number = ?",
                (image_count, int(complete), study_instance_uid, performed_at, accession_number),
            )
            if image_count > 0 and exam.status == ReadingStatus.SCHEDULED:
                self._set_status(cursor, accession_number, exam.status, ReadingStatus.IMAGES_AVAILABLE, user)
            return self._exam(cursor, accession_number)

    def record_prior_count(self, accession_number: str, prior_count: int) -> None:
        with self._transaction() as cursor:
            self._execute(cursor, "UPDATE exams SET prior_count = ? WHERE accession_number = ?",
                          (prior_count, accession_number))

    # --- reading: locks and statuses --------------------------------------------------------------------
    def acquire(self, accession_number: str, user: str, owner: str,
                lease_seconds: float = DEFAULT_LEASE_SECONDS) -> LockResult:
        """Lock the exam for ``owner`` (one station session of ``user``) unless someone else holds a live
        lease; a lockable exam not yet started becomes "in progress"."""
        with self._transaction() as cursor:
            exam = self._exam(cursor, accession_number, for_update=True)
            now = float(self._execute(cursor, "SELECT {now}").fetchone()[0])
            held_by_other = exam.lock_owner and exam.lock_owner != owner and exam.lock_expires > now
            if held_by_other or exam.status not in LOCKABLE:
                return LockResult(False, exam)
            self._execute(
                cursor, "UPDATE exams SET lock_owner = ?, locked_by = ?, lock_expires = ? WHERE accession_number = ?",
                (owner, user, now + lease_seconds, accession_number),
            )
            if exam.status == ReadingStatus.IMAGES_AVAILABLE:
                self._set_status(cursor, accession_number, exam.status, ReadingStatus.IN_PROGRESS, user)
            log.info("exam %s locked by %s", accession_number, owner)
            return LockResult(True, self._exam(cursor, accession_number))

    def renew(self, accession_number: str, owner: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> bool:
        """Extend our lease; False if we no longer hold it (it expired and someone else took the exam)."""
        with self._transaction() as cursor:
            return self._execute(
                cursor, "UPDATE exams SET lock_expires = {now} + ? WHERE accession_number = ? AND lock_owner = ?",
                (lease_seconds, accession_number, owner),
            ).rowcount == 1

    def release(self, accession_number: str, owner: str, user: str) -> None:
        """Close the exam: drop our lock; an exam left "in progress" (nothing dictated) is unread again."""
        with self._transaction() as cursor:
            exam = self._exam(cursor, accession_number, for_update=True)
            if exam.lock_owner != owner:
                return
            self._execute(cursor, "UPDATE exams SET lock_owner = '', locked_by = '', lock_expires = 0 "
                          "WHERE accession_number = ?", (accession_number,))
            if exam.status == ReadingStatus.IN_PROGRESS:
                self._set_status(cursor, accession_number, exam.status, ReadingStatus.IMAGES_AVAILABLE, user)
            log.info("exam %s released by %s", accession_number, owner)

    def set_status(self, accession_number: str, status: ReadingStatus, user: str, owner: str = "") -> Exam:
        """Move the exam on (dictated, preliminary, final); a reader must hold the lock (``owner``) unless
        the change comes from the RIS (``owner`` empty)."""
        with self._transaction() as cursor:
            exam = self._exam(cursor, accession_number, for_update=True)
            if owner and exam.lock_owner != owner:
                raise WorklistError(
                    f"Exam {accession_number} is not locked by you (locked by {exam.locked_by or 'nobody'}); "
                    "open it again before changing its status."
                )
            self._set_status(cursor, accession_number, exam.status, status, user)
            return self._exam(cursor, accession_number)

    def next_candidates(self) -> list[Exam]:
        """Exams "open next" may try, best first: images here, unread, and unlocked or left by a reader
        whose lease ran out (a station that crashed)."""
        with self._transaction() as cursor:
            now = float(self._execute(cursor, "SELECT {now}").fetchone()[0])
            rows = self._execute(
                cursor, f"SELECT {', '.join(_COLUMNS)} FROM exams WHERE status IN (?, ?) AND "
                "(lock_owner = '' OR lock_expires < ?)",
                (ReadingStatus.IMAGES_AVAILABLE.value, ReadingStatus.IN_PROGRESS.value, now),
            ).fetchall()
        return sorted((_exam_from_row(row) for row in rows), key=Exam.reading_order)

    def _set_status(self, cursor: Any, accession_number: str, current: ReadingStatus, wanted: ReadingStatus,
                    user: str) -> None:
        check_transition(accession_number, current, wanted)
        if wanted == current:
            return
        self._execute(cursor, "UPDATE exams SET status = ? WHERE accession_number = ?", (wanted.value, accession_number))
        self._record(cursor, accession_number, current, wanted, user)

    def _record(self, cursor: Any, accession_number: str, current: ReadingStatus | None, wanted: ReadingStatus,
                user: str) -> None:
        self._execute(
            cursor, "INSERT INTO transitions (accession_number, from_status, to_status, user_name, at) "
            "VALUES (?, ?, ?, ?, {now})", (accession_number, current.value if current else "", wanted.value, user),
        )
