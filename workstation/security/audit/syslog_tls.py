"""Forwarding audit records to a syslog collector: RFC 5424 messages over TLS with RFC 5425 framing.

The local log is the queue: a cursor file remembers how many records the collector has taken, so records
written while it is unreachable (or while the station was off) are sent on the next flush, in order.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from pathlib import Path

from workstation.core.atomic_file import write_text_atomically
from workstation.security.audit.log import AuditLog
from workstation.security.config import SyslogSettings

log = logging.getLogger(__name__)

# facility 10 (security/authorization), severity 5 (notice), as DICOM PS3.15 A.6 suggests for audit messages
PRIORITY = 10 * 8 + 5
MESSAGE_ID = "IHE+RFC-3881"


def rfc5424_frame(xml: str, timestamp: str, hostname: str, app_name: str = "workstation") -> bytes:
    """One RFC 5425 frame: ``MSG-LEN SP SYSLOG-MSG`` (the XML after a UTF-8 BOM, as RFC 5424 asks)."""
    message = f"<{PRIORITY}>1 {timestamp} {hostname[:255]} {app_name} - {MESSAGE_ID} - ".encode() \
        + b"\xef\xbb\xbf" + xml.encode("utf-8")
    return str(len(message)).encode() + b" " + message


class SyslogForwarder:
    def __init__(self, settings: SyslogSettings, audit_log: AuditLog, retry_after_s: float = 30.0,
                 timeout_s: float = 3.0) -> None:
        self.settings = settings
        self.audit_log = audit_log
        self.cursor_path = audit_log.path.with_name("syslog.cursor")
        self.retry_after_s = retry_after_s
        self.timeout_s = timeout_s
        self._failed_at: float | None = None

    def sent_count(self) -> int:
        try:
            return int(self.cursor_path.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def queued(self) -> int:
        return max(0, sum(1 for _ in self.audit_log.records()) - self.sent_count())

    def flush(self, force: bool = False) -> int:
        """Send what the collector has not taken yet; returns how many were sent (0 if it is unreachable)."""
        if not force and self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_after_s:
            return 0
        records = list(self.audit_log.records())
        start = self.sent_count()
        if start >= len(records):
            return 0
        sent = 0
        try:
            with self._connect() as connection:
                hostname = socket.gethostname()
                for record in records[start:]:
                    connection.sendall(rfc5424_frame(record["xml"], record["at"], hostname))
                    sent += 1
                    self._save_cursor(start + sent)
        except (OSError, ssl.SSLError) as error:
            self._failed_at = time.monotonic()
            log.warning("audit collector %s:%s unreachable (%s); %d records queued",
                        self.settings.host, self.settings.port, error, len(records) - start - sent)
            return sent
        self._failed_at = None
        return sent

    def _connect(self) -> ssl.SSLSocket:
        context = ssl.create_default_context(cafile=self.settings.ca_file or None)
        if self.settings.client_certificate:
            context.load_cert_chain(self.settings.client_certificate, self.settings.client_key or None)
        raw = socket.create_connection((self.settings.host, self.settings.port), timeout=self.timeout_s)
        try:
            return context.wrap_socket(raw, server_hostname=self.settings.host)
        except (OSError, ssl.SSLError):
            raw.close()
            raise

    def _save_cursor(self, count: int) -> None:
        write_text_atomically(self.cursor_path, str(count))
