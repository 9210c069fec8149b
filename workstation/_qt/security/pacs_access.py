"""The PACS page under the station's security: confidential studies left out of the PACS's answers and of the
priors, fetching one refused, every query and every retrieve audited (DICOM Query, Begin Transferring)."""

from __future__ import annotations

from collections.abc import Callable

from workstation.net.job_queue import RetrieveJob
from workstation.net.query_results import RemoteStudy
from workstation.security.access import RESTRICTED
from workstation.security.audit.messages import PatientRef
from workstation.security.station import StationSecurity
from workstation.security.users import User
from workstation.settings.pacs_nodes import PacsNode
from workstation._qt.pacs.panel import PacsAccess


class SecurePacsAccess(PacsAccess):
    """``user()`` is the logged-in user (None on a single-user station); ``audit_name()`` who the trail names."""

    def __init__(self, security: StationSecurity, user: Callable[[], User | None], audit_name: Callable[[], str],
                 local_aet: str) -> None:
        self.security, self.user, self.audit_name, self.local_aet = security, user, audit_name, local_aet

    def visible_studies(self, studies: list) -> list:
        return self.security.policy.visible_studies(self.user(), studies)

    def searched(self, node: PacsNode, match: dict[str, str]) -> None:
        what = " ".join(f"{key}={value}" for key, value in match.items() if value) or "all studies"
        trail = self.security.trail
        trail.record(trail.messages.query(self.audit_name(), what, node.address))

    def refusal(self, study_instance_uid: str) -> str:
        if self.security.policy.can_see(self.user(), study_instance_uid):
            return ""
        return (f"That study is {RESTRICTED}: you are not on its access list. Open it from the study list "
                "to break the glass (if your role may).")

    def transferring(self, job: RetrieveJob, study: RemoteStudy | None) -> None:
        trail = self.security.trail
        patients = (PatientRef(study.patient_id, study.patient_name),) if study is not None else ()
        trail.record(trail.messages.begin_transferring(self.audit_name(), patients, (job.study_instance_uid,),
                                                       job.node.address, self.local_aet))
