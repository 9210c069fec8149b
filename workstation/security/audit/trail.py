"""The one object callers use: build a DICOM audit message, append it to the log, forward it to syslog.

The window forwards from a background thread (``background=True``) so a slow or unreachable collector
never holds up the GUI; command-line runs forward before they return. Either way the log is the queue.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from workstation.security.audit.log import AuditLog
from workstation.security.audit.messages import AuditEvent, AuditMessages
from workstation.security.audit.syslog_tls import SyslogForwarder
from workstation.security.config import SecuritySettings, load_security_settings

log = logging.getLogger(__name__)


class AuditTrail:
    """``trail.record(trail.messages.query(...))``; a failing collector never stops the work (queued)."""

    def __init__(self, settings: SecuritySettings | None = None, log_path: Path | None = None,
                 background: bool = False) -> None:
        settings = settings or load_security_settings()
        self.messages = AuditMessages(settings.audit_source_id)
        self.log = AuditLog(log_path)
        self.forwarder = SyslogForwarder(settings.syslog, self.log) if settings.syslog else None
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if background and self.forwarder is not None:
            self._thread = threading.Thread(target=self._forward_forever, name="audit-syslog", daemon=True)
            self._thread.start()

    def record(self, event: AuditEvent) -> None:
        self.log.append(event)
        log.info("audit: %s by %s", event.event, event.user)
        if self.forwarder is None:
            return
        if self._thread is not None:
            self._wake.set()
        else:
            self.forwarder.flush()

    def _forward_forever(self) -> None:
        while True:
            self._wake.wait(self.forwarder.retry_after_s)
            self._wake.clear()
            self.forwarder.flush(force=True)
