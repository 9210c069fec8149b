"""DICOM audit messages (PS3.15 A.5, the RFC 3881 / ATNA XML) for the events this station records.

Each builder returns an ``AuditEvent``: the XML text plus the few fields the local log indexes (user,
patients, studies) so ``workstation audit --user/--patient`` need not parse XML.
Every message validates against the normative schema of PS3.15 A.5.1 (``schema.py``; tests check each kind).
"""

from __future__ import annotations

import base64
import socket
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum


class Outcome(str, Enum):
    SUCCESS = "0"
    MINOR_FAILURE = "4"
    SERIOUS_FAILURE = "8"
    MAJOR_FAILURE = "12"


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    scheme: str = "DCM"


APPLICATION_ACTIVITY = Code("110100", "Application Activity")
USER_AUTHENTICATION = Code("110114", "User Authentication")
INSTANCES_ACCESSED = Code("110103", "DICOM Instances Accessed")
BEGIN_TRANSFERRING = Code("110102", "Begin Transferring DICOM Instances")
INSTANCES_TRANSFERRED = Code("110104", "DICOM Instances Transferred")
DATA_EXPORT = Code("110106", "Export")
QUERY = Code("110112", "Query")
SECURITY_ALERT = Code("110113", "Security Alert")

APPLICATION_START = Code("110120", "Application Start")
APPLICATION_STOP = Code("110121", "Application Stop")
LOGIN = Code("110122", "Login")
LOGOUT = Code("110123", "Logout")
EMERGENCY_OVERRIDE_STARTED = Code("110127", "Emergency Override Started")
NETWORK_CONFIGURATION = Code("110128", "Network Configuration")
SECURITY_CONFIGURATION = Code("110129", "Security Configuration")
SOFTWARE_CONFIGURATION = Code("110131", "Software Configuration")
USE_OF_RESTRICTED_FUNCTION = Code("110132", "Use of Restricted Function")
OBJECT_SECURITY_ATTRIBUTES_CHANGED = Code("110135", "Object Security Attributes Changed")
SECURITY_ROLES_CHANGED = Code("110136", "Security Roles Changed")

APPLICATION_ROLE = Code("110150", "Application")
SOURCE_ROLE = Code("110153", "Source Role ID")
DESTINATION_ROLE = Code("110152", "Destination Role ID")
DESTINATION_MEDIA = Code("110154", "Destination Media")
STUDY_INSTANCE_UID = Code("110180", "Study Instance UID")
SOP_CLASS_UID = Code("110181", "SOP Class UID")
PATIENT_NUMBER = Code("2", "Patient Number", "RFC-3881")


@dataclass(frozen=True)
class PatientRef:
    patient_id: str
    patient_name: str = ""


@dataclass(frozen=True)
class AuditEvent:
    event: str
    user: str
    xml: str
    patient_ids: tuple[str, ...] = ()
    study_uids: tuple[str, ...] = ()
    detail: str = ""
    at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds"))


def _code(parent: ET.Element, tag: str, code: Code) -> ET.Element:
    return ET.SubElement(parent, tag, {"csd-code": code.code, "codeSystemName": code.scheme,
                                       "originalText": code.meaning})


def _message(event_id: Code, action: str, outcome: Outcome, event_type: Code | None, at: str,
             outcome_text: str = "") -> ET.Element:
    root = ET.Element("AuditMessage")
    identification = ET.SubElement(root, "EventIdentification", {
        "EventActionCode": action, "EventDateTime": at, "EventOutcomeIndicator": outcome.value})
    _code(identification, "EventID", event_id)
    if event_type is not None:
        _code(identification, "EventTypeCode", event_type)
    if outcome_text:
        ET.SubElement(identification, "EventOutcomeDescription").text = outcome_text
    return root


def _participant(root: ET.Element, user: str, requestor: bool, role: Code | None = None) -> None:
    attributes = {"UserID": user or "unknown", "UserIsRequestor": "true" if requestor else "false",
                  "NetworkAccessPointID": socket.gethostname(), "NetworkAccessPointTypeCode": "1"}
    participant = ET.SubElement(root, "ActiveParticipant", attributes)
    if role is not None:
        _code(participant, "RoleIDCode", role)


def _source(root: ET.Element, source_id: str) -> None:
    source = ET.SubElement(root, "AuditSourceIdentification", {"AuditSourceID": source_id})
    ET.SubElement(source, "AuditSourceTypeCode", {"csd-code": "1", "codeSystemName": "DCM",
                                                  "originalText": "End-user display device, diagnostic display"})


def _patients(root: ET.Element, patients: tuple[PatientRef, ...]) -> None:
    """The schema makes ParticipantObjectName (or a query) mandatory: without a name, the ID stands in."""
    for patient in patients:
        element = ET.SubElement(root, "ParticipantObjectIdentification", {
            "ParticipantObjectID": patient.patient_id, "ParticipantObjectTypeCode": "1",
            "ParticipantObjectTypeCodeRole": "1"})
        _code(element, "ParticipantObjectIDTypeCode", PATIENT_NUMBER)
        ET.SubElement(element, "ParticipantObjectName").text = patient.patient_name or patient.patient_id


def _studies(root: ET.Element, study_uids: tuple[str, ...], detail: str = "",
             sop_classes: dict[str, dict[str, int]] | None = None) -> None:
    """Study objects, named by their UID (the schema wants a name); ``detail`` goes base64-encoded as the
    schema's ValuePair requires; ``sop_classes``: per study, SOP Class UID -> number of instances."""
    for uid in study_uids:
        element = ET.SubElement(root, "ParticipantObjectIdentification", {
            "ParticipantObjectID": uid, "ParticipantObjectTypeCode": "2", "ParticipantObjectTypeCodeRole": "3"})
        _code(element, "ParticipantObjectIDTypeCode", STUDY_INSTANCE_UID)
        ET.SubElement(element, "ParticipantObjectName").text = uid
        if detail:
            ET.SubElement(element, "ParticipantObjectDetail", {
                "type": "Reason", "value": base64.b64encode(detail.encode("utf-8")).decode("ascii")})
        classes = (sop_classes or {}).get(uid)
        if classes:
            description = ET.SubElement(element, "ParticipantObjectDescription")
            for sop_class_uid, count in sorted(classes.items()):
                ET.SubElement(description, "SOPClass", {"UID": sop_class_uid, "NumberOfInstances": str(count)})


class AuditMessages:
    """Builds this station's messages; ``source_id`` is the AuditSourceID (the station's name)."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id

    def _event(self, name: str, root: ET.Element, user: str, patients=(), studies=(), detail="", at="") -> AuditEvent:
        _source(root, self.source_id)
        ordered = list(root)
        for element in [e for e in ordered if e.tag == "ParticipantObjectIdentification"]:
            root.remove(element)
            root.append(element)  # A.5 order: event, participants, source, then objects
        return AuditEvent(name, user, ET.tostring(root, encoding="unicode"),
                          tuple(p.patient_id for p in patients), tuple(studies), detail, **({"at": at} if at else {}))

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="milliseconds")

    def application_activity(self, user: str, started: bool) -> AuditEvent:
        at = self._now()
        root = _message(APPLICATION_ACTIVITY, "E", Outcome.SUCCESS, APPLICATION_START if started else APPLICATION_STOP, at)
        _participant(root, "workstation", False, APPLICATION_ROLE)
        _participant(root, user, True)
        return self._event("application " + ("start" if started else "stop"), root, user, at=at)

    def user_authentication(self, user: str, login: bool, success: bool, detail: str = "") -> AuditEvent:
        at = self._now()
        root = _message(USER_AUTHENTICATION, "E", Outcome.SUCCESS if success else Outcome.MINOR_FAILURE,
                        LOGIN if login else LOGOUT, at, detail)
        _participant(root, user, True)
        name = ("login" if login else "logout") + ("" if success else " failed")
        return self._event(name, root, user, detail=detail, at=at)

    def instances_accessed(self, user: str, patients: tuple[PatientRef, ...], study_uids: tuple[str, ...],
                           action: str = "R", detail: str = "") -> AuditEvent:
        at = self._now()
        root = _message(INSTANCES_ACCESSED, action, Outcome.SUCCESS, None, at)
        _participant(root, user, True)
        _patients(root, patients)
        _studies(root, study_uids, detail)
        return self._event("instances accessed", root, user, patients, study_uids, detail, at)

    def report_signed(self, user: str, patients: tuple[PatientRef, ...], study_uid: str, signature: str,
                      created_uids: tuple[str, ...]) -> AuditEvent:
        """A report signed (``signature``: final, preliminary, addendum). Signing creates the report's DICOM
        instances (PDF, SR, key-image note) in the exam's study, so the closest PS3.15 event is DICOM Instances
        Accessed with action C (Create); their sending happens later, from the outbox."""
        detail = f"report signed {signature}; created {', '.join(uid for uid in created_uids if uid) or '-'}"
        event = self.instances_accessed(user, patients, (study_uid,) if study_uid else (), action="C", detail=detail)
        return AuditEvent("report signed", event.user, event.xml, event.patient_ids, event.study_uids, event.detail,
                          event.at)

    def begin_transferring(self, user: str, patients: tuple[PatientRef, ...], study_uids: tuple[str, ...],
                           source: str, destination: str) -> AuditEvent:
        at = self._now()
        root = _message(BEGIN_TRANSFERRING, "E", Outcome.SUCCESS, None, at)
        _participant(root, user, True)
        _participant(root, source, False, SOURCE_ROLE)
        _participant(root, destination, False, DESTINATION_ROLE)
        _patients(root, patients)
        _studies(root, study_uids)
        return self._event("begin transferring", root, user, patients, study_uids, f"{source} -> {destination}", at)

    def instances_transferred(self, user: str, patients: tuple[PatientRef, ...],
                              sop_classes: dict[str, dict[str, int]], source: str, destination: str,
                              error: str = "") -> AuditEvent:
        """Objects sent to a PACS (C-STORE or STOW-RS), or a failed try (``error``; they stay queued). The
        sender does not know whether the receiver held copies before, so the action is R (Read), as
        PS3.15 A.5.3.4 asks; ``sop_classes``: per study, SOP Class UID -> number of instances."""
        at = self._now()
        root = _message(INSTANCES_TRANSFERRED, "R", Outcome.SERIOUS_FAILURE if error else Outcome.SUCCESS, None,
                        at, error)
        _participant(root, source, True, SOURCE_ROLE)
        _participant(root, destination, False, DESTINATION_ROLE)
        _patients(root, patients)
        studies = tuple(sop_classes)
        _studies(root, studies, sop_classes=sop_classes)
        count = sum(n for classes in sop_classes.values() for n in classes.values())
        detail = f"{count} object(s) {source} -> {destination}" + (f" failed: {error}" if error else "")
        return self._event("instances transferred" + (" failed" if error else ""), root, user, patients, studies,
                           detail, at)

    def data_export(self, user: str, patients: tuple[PatientRef, ...], study_uids: tuple[str, ...],
                    destination: str) -> AuditEvent:
        at = self._now()
        root = _message(DATA_EXPORT, "R", Outcome.SUCCESS, None, at)
        _participant(root, user, True, SOURCE_ROLE)
        _participant(root, destination, False, DESTINATION_MEDIA)
        _patients(root, patients)
        _studies(root, study_uids)
        return self._event("export", root, user, patients, study_uids, destination, at)

    def query(self, user: str, what: str, destination: str = "local archive") -> AuditEvent:
        at = self._now()
        root = _message(QUERY, "E", Outcome.SUCCESS, None, at)
        _participant(root, user, True, SOURCE_ROLE)
        _participant(root, destination, False, DESTINATION_ROLE)
        element = ET.SubElement(root, "ParticipantObjectIdentification", {
            "ParticipantObjectID": "1.2.840.10008.5.1.4.1.2.2.1", "ParticipantObjectTypeCode": "2",
            "ParticipantObjectTypeCodeRole": "3"})
        _code(element, "ParticipantObjectIDTypeCode", SOP_CLASS_UID)
        ET.SubElement(element, "ParticipantObjectQuery").text = base64.b64encode(what.encode()).decode()
        return self._event("query", root, user, detail=what, at=at)

    def security_alert(self, user: str, alert: Code, detail: str, study_uids: tuple[str, ...] = (),
                       patients: tuple[PatientRef, ...] = (), failed: bool = False) -> AuditEvent:
        """``failed``: what was tried did not happen (a refused administration command, for one)."""
        at = self._now()
        root = _message(SECURITY_ALERT, "E", Outcome.MINOR_FAILURE if failed else Outcome.SUCCESS, alert, at, detail)
        _participant(root, user, True)
        _patients(root, patients)
        _studies(root, study_uids, detail)
        return self._event(alert.meaning.lower(), root, user, patients, study_uids, detail, at)
