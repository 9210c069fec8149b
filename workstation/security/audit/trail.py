"""The one object callers use: build a DICOM audit message, append it to the log, forward it to syslog."""

from __future__ import annotations

import logging
from pathlib import Path

from workstation.security.audit.log import AuditLog
from workstation.security.audit.messages import AuditEvent, AuditMessages
from workstation.security.audit.syslog_tls import SyslogForwarder
from workstation.security.config import SecuritySettings, load_security_settings

log = logging.getLogger(__name__)


class AuditTrail:
    """``trail.record(trail.messages.login(...))``; a failing collector never stops the work (queued)."""

    def __init__(self, settings: SecuritySettings | None = None, log_path: Path | None = None) -> None:
        settings = settings or load_security_settings()
        self.messages = AuditMessages(settings.audit_source_id)
        self.log = AuditLog(log_path)
        self.forwarder = SyslogForwarder(settings.syslog, self.log) if settings.syslog else None

    def record(self, event: AuditEvent) -> None:
        self.log.append(event)
        log.info("audit: %s by %s", event.event, event.user)
        if self.forwarder is not None:
            self.forwarder.flush()
