"""Who may see what: users and roles, confidential exams, keywords, the audit trail, de-identified export.

No Qt here. Entry points: ``users.UserDirectory`` (accounts), ``authentication.authenticate`` (local
password or LDAP bind), ``session.UserSession`` (idle lock), ``access.AccessPolicy`` (confidential exams,
break the glass, ``visible_studies``/``visible_exams``), ``keywords.KeywordStore``,
``audit.trail.AuditTrail`` (DICOM audit messages to an append-only log and a TLS syslog collector),
``deidentify.export_deidentified`` and ``profile.export_profile``/``import_profile``.
"""
