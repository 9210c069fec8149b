"""The essential structure of the DICOM audit message schema (PS3.15 A.5.1, RELAX NG), checked in code.

The normative RELAX NG file is not available offline here, so these checks follow its definitions:
element order and cardinality of AuditMessage, required attributes, coded values, enumerated values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

EVENT_ACTIONS = {"C", "R", "U", "D", "E"}
OUTCOMES = {"0", "4", "8", "12"}
CODED = {"csd-code", "codeSystemName", "originalText"}


def _check_code(element: ET.Element, where: str) -> list[str]:
    missing = CODED - set(element.attrib)
    return [f"{where}: {element.tag} lacks {sorted(missing)}"] if missing else []


def audit_schema_problems(xml: str) -> list[str]:
    root = ET.fromstring(xml)
    problems: list[str] = []
    if root.tag != "AuditMessage":
        return [f"root is {root.tag}, not AuditMessage"]
    tags = [child.tag for child in root]
    order = ["EventIdentification", "ActiveParticipant", "AuditSourceIdentification", "ParticipantObjectIdentification"]
    ranks = [order.index(tag) if tag in order else -1 for tag in tags]
    if -1 in ranks:
        problems.append(f"unknown child elements {[t for t in tags if t not in order]}")
    if ranks != sorted(ranks):
        problems.append(f"children out of order: {tags}")
    if tags.count("EventIdentification") != 1:
        problems.append("exactly one EventIdentification required")
    if tags.count("ActiveParticipant") < 1:
        problems.append("at least one ActiveParticipant required")
    if tags.count("AuditSourceIdentification") != 1:
        problems.append("exactly one AuditSourceIdentification required")
    event = root.find("EventIdentification")
    if event is not None:
        if event.get("EventActionCode") not in EVENT_ACTIONS:
            problems.append(f"EventActionCode {event.get('EventActionCode')!r}")
        if event.get("EventOutcomeIndicator") not in OUTCOMES:
            problems.append(f"EventOutcomeIndicator {event.get('EventOutcomeIndicator')!r}")
        try:
            datetime.fromisoformat(event.get("EventDateTime", ""))
        except ValueError:
            problems.append("EventDateTime is not xs:dateTime")
        event_ids = event.findall("EventID")
        if len(event_ids) != 1:
            problems.append("EventIdentification needs one EventID")
        for code in event_ids + event.findall("EventTypeCode"):
            problems += _check_code(code, "EventIdentification")
    for participant in root.findall("ActiveParticipant"):
        if not participant.get("UserID"):
            problems.append("ActiveParticipant without UserID")
        if participant.get("UserIsRequestor") not in ("true", "false"):
            problems.append("UserIsRequestor must be true/false")
        if participant.get("NetworkAccessPointTypeCode") not in (None, "1", "2", "3", "4", "5"):
            problems.append("NetworkAccessPointTypeCode not 1-5")
        for code in participant.findall("RoleIDCode"):
            problems += _check_code(code, "ActiveParticipant")
    source = root.find("AuditSourceIdentification")
    if source is not None and not source.get("AuditSourceID"):
        problems.append("AuditSourceIdentification without AuditSourceID")
    for item in root.findall("ParticipantObjectIdentification"):
        if not item.get("ParticipantObjectID"):
            problems.append("ParticipantObjectIdentification without ParticipantObjectID")
        if item.get("ParticipantObjectTypeCode") not in ("1", "2", "3", "4"):
            problems.append("ParticipantObjectTypeCode not 1-4")
        id_types = item.findall("ParticipantObjectIDTypeCode")
        if len(id_types) != 1:
            problems.append("ParticipantObjectIdentification needs one ParticipantObjectIDTypeCode")
        for code in id_types:
            problems += _check_code(code, "ParticipantObjectIdentification")
        if item.find("ParticipantObjectName") is not None and item.find("ParticipantObjectQuery") is not None:
            problems.append("ParticipantObjectName and ParticipantObjectQuery are a choice")
    return problems
