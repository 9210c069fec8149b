"""Orders the RIS flags as confidential (HL7 PV1-16 VIP Indicator), marked as they arrive on the worklist."""

from __future__ import annotations

import logging

from workstation.core.database_connection import DATABASE_ERRORS
from workstation.security.access import confidential_by_hl7
from workstation.security.errors import SecurityError
from workstation.security.station import StationSecurity

log = logging.getLogger(__name__)


def mark_vip_order(accession_number: str, study_instance_uid: str, vip_indicator: str) -> bool:
    """True when ``vip_indicator`` is one of the station's ``confidential.hl7_vip`` values: the exam (and its
    study, once its UID is known) is marked confidential in this station's security database. Raises
    SecurityError when the mark cannot be written (the order must then be refused, never listed unmarked)."""
    if not vip_indicator.strip():
        return False
    try:
        security = StationSecurity.open()
        if not confidential_by_hl7(vip_indicator, security.policy.rules):
            return False
        security.policy.mark_order_by_rule(accession_number, study_instance_uid,
                                           f"HL7 VIP indicator {vip_indicator.strip()}")
    except DATABASE_ERRORS as error:
        log.error("cannot mark order %s confidential: %s", accession_number, error)
        raise SecurityError(f"The confidential order {accession_number} could not be marked ({error}).") from error
    return True
