"""Checking audit messages against the normative DICOM audit message schema (PS3.15 A.5.1, RELAX NG).

The schema ships in ``resources/audit/``: the standard's compact text and its XML form, which lxml reads.
Only ``workstation audit --validate`` and the tests load it: recording an event never imports lxml.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from lxml import etree

from workstation.core.resources import resource_path
from workstation.security.errors import SecurityError

log = logging.getLogger(__name__)

COMPACT_SCHEMA = ("audit", "dicom-audit-message.rnc")
XML_SCHEMA = ("audit", "dicom-audit-message.rng")


@lru_cache(maxsize=1)
def audit_message_schema() -> etree.RelaxNG:
    path = resource_path(*XML_SCHEMA)
    try:
        return etree.RelaxNG(etree.parse(str(path)))
    except (OSError, etree.Error) as error:
        log.error("DICOM audit schema %s unreadable: %s", path, error)
        raise SecurityError(f"The DICOM audit schema ({path}) cannot be read: {error}. "
                            "Reinstall the workstation.") from error


def audit_schema_problems(xml: str) -> list[str]:
    """Why ``xml`` is not a valid DICOM audit message, one line per problem; [] when it validates."""
    try:
        document = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = audit_message_schema()
    if schema.validate(document):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in schema.error_log]
