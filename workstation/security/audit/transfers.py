"""Auditing what the PACS outbox sends (signed reports' PDF/SR, key-image notes, presentation states).

The outbox (net/) tells a listener how each try went; this one writes a DICOM Instances Transferred message
per try and node (PS3.15 A.5.3.4): success, or a serious failure with the error while the objects stay
queued. net/ never imports security/: the app passes this listener where it builds the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workstation.security.audit.messages import PatientRef
from workstation.security.audit.trail import AuditTrail

if TYPE_CHECKING:
    from workstation.net.outbox import TransferOutcome


def outbox_auditor(trail: AuditTrail) -> Callable[["TransferOutcome"], None]:
    """The outbox's ``on_transfer`` listener; the sending process (this station's AE title) is the requestor."""

    def audit(outcome: "TransferOutcome") -> None:
        sop_classes: dict[str, dict[str, int]] = {}
        for item in outcome.items:
            counts = sop_classes.setdefault(item.study_instance_uid, {})
            counts[item.sop_class_uid] = counts.get(item.sop_class_uid, 0) + 1
        patients = tuple(PatientRef(patient_id) for patient_id in
                         dict.fromkeys(item.patient_id for item in outcome.items if item.patient_id))
        trail.record(trail.messages.instances_transferred(outcome.source, patients, sop_classes, outcome.source,
                                                          outcome.destination, outcome.error))

    return audit
