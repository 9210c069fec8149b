"""The append-only local audit log (``<WORKSTATION_HOME>/audit/audit.log``): one JSON record a line.

Each append is one ``write`` on a file opened O_APPEND, then fsync, so a crash leaves at most a torn last
line (skipped on reading, and never built upon: the next append starts on a fresh line). Each record carries
the SHA-256 of the previous line, so an edited or deleted record breaks the chain (``verify``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

from workstation.security.audit.messages import AuditEvent
from workstation.settings.home import workstation_home

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


def audit_folder(home: Path | None = None) -> Path:
    folder = (home or workstation_home()) / "audit"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or audit_folder() / "audit.log"

    def append(self, event: AuditEvent) -> None:
        with _LOCK:
            previous, torn = self._last_line()
            record = {**asdict(event), "previous": hashlib.sha256(previous).hexdigest()}
            line = ("\n" if torn else "") + json.dumps(record, ensure_ascii=False) + "\n"
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line.encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def _last_line(self) -> tuple[bytes, bool]:
        """The last complete line (b'' if none) and whether the file ends in a torn line."""
        try:
            with open(self.path, "rb") as file:
                file.seek(0, os.SEEK_END)
                size = file.tell()
                file.seek(max(0, size - 65536))
                tail = file.read()
        except FileNotFoundError:
            return b"", False
        torn = bool(tail) and not tail.endswith(b"\n")
        lines = tail.split(b"\n")
        complete = lines[:-1]
        return (complete[-1] if complete else b""), torn

    def records(self) -> Iterator[dict]:
        """Every intact record, oldest first (a torn line from a crash is skipped and logged)."""
        try:
            file = open(self.path, "rb")
        except FileNotFoundError:
            return
        with file:
            for number, line in enumerate(file, start=1):
                if not line.endswith(b"\n"):
                    log.warning("audit log %s: line %d is incomplete (crash while writing); skipped", self.path, number)
                    continue
                try:
                    yield json.loads(line)
                except ValueError:
                    log.warning("audit log %s: line %d is not a record; skipped", self.path, number)

    def lines(self) -> list[bytes]:
        try:
            return [line for line in self.path.read_bytes().split(b"\n") if line]
        except FileNotFoundError:
            return []

    def verify(self) -> list[int]:
        """Line numbers whose chain link does not match the line before (edited or removed records)."""
        broken, previous = [], b""
        for number, line in enumerate(self.lines(), start=1):
            try:
                link = json.loads(line).get("previous")
            except ValueError:
                continue  # a torn line: not a record
            if link != hashlib.sha256(previous).hexdigest():
                broken.append(number)
            previous = line
        return broken
