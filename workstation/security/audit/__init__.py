"""The audit trail: DICOM audit messages (PS3.15 A.5), an append-only local log, a TLS syslog forwarder."""
