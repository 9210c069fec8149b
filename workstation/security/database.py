"""The station's security database (``<WORKSTATION_HOME>/security.sqlite``): users, access lists, keywords.

One SQLite file in WAL mode; each writer commits at once, so a crash loses nothing already confirmed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from workstation.core.database_connection import connect_database
from workstation.settings.home import workstation_home

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL DEFAULT '',
    directory TEXT NOT NULL DEFAULT 'local', disabled INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS restricted_studies (
    study_instance_uid TEXT PRIMARY KEY, marked_by TEXT NOT NULL, marked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS access_list (
    study_instance_uid TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (study_instance_uid, user));
CREATE TABLE IF NOT EXISTS break_glass (
    study_instance_uid TEXT NOT NULL, user TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS restricted_orders (
    accession_number TEXT PRIMARY KEY, rule TEXT NOT NULL, marked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rule_checked (study_instance_uid TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS keywords (
    keyword TEXT NOT NULL, study_instance_uid TEXT NOT NULL, series_instance_uid TEXT NOT NULL DEFAULT '',
    sop_instance_uid TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL, shared INTEGER NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (keyword, study_instance_uid, series_instance_uid, sop_instance_uid, owner));
"""


def security_database_path(home: Path | None = None) -> Path:
    return (home or workstation_home()) / "security.sqlite"


def open_security_database(path: Path | None = None) -> sqlite3.Connection:
    connection = connect_database(path or security_database_path(), "security", named_rows=True, timeout=10,
                                  check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA)
    return connection
