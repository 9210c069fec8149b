"""Confidential ("hyper-confidential", VIP) exams: who may see them, break the glass, the access report.

An exam is confidential when a rule says so (a header attribute value, a keyword, the HL7 VIP indicator:
see ``config.ConfidentialityRules``) or when an authorised user marks it. Users not on its access list never
see it in lists (``visible_studies``/``visible_exams``); opening it needs the glass broken, with a reason.
``user=None`` means a single-user station (no accounts): everything is visible, as before users existed.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from workstation.core.stored_file import dcmread_stored
from workstation.security.audit.messages import (
    EMERGENCY_OVERRIDE_STARTED, OBJECT_SECURITY_ATTRIBUTES_CHANGED, PatientRef,
)
from workstation.security.audit.trail import AuditTrail
from workstation.security.config import ConfidentialityRules
from workstation.security.errors import AccessDenied, SecurityError
from workstation.security.roles import Permission
from workstation.security.users import User

if TYPE_CHECKING:  # pydicom takes ~0.2 s to import: loaded only when header rules read a header
    from pydicom import Dataset

log = logging.getLogger(__name__)
T = TypeVar("T")
RESTRICTED = "restricted"
BREAK_GLASS_HOURS = 12.0


@dataclass(frozen=True)
class BreakGlassRecord:
    study_instance_uid: str
    user: str
    reason: str
    at: float


def confidential_by_header(dataset: Dataset, rules: ConfidentialityRules) -> bool:
    """True when an attribute of the header has one of the configured values (e.g. ConfidentialityCode V)."""
    for keyword, values in rules.attributes.items():
        value = dataset.get(keyword)
        texts = [str(v) for v in value] if isinstance(value, (list, tuple)) or getattr(value, "VM", 1) > 1 \
            else [str(value)] if value is not None else []
        if any(text.strip().upper() in {v.upper() for v in values} for text in texts):
            return True
    return False


def confidential_by_hl7(vip_indicator: str, rules: ConfidentialityRules) -> bool:
    """PV1-16 (VIP Indicator) of an order message."""
    return vip_indicator.strip().upper() in {value.upper() for value in rules.hl7_vip}


class AccessPolicy:
    def __init__(self, connection: sqlite3.Connection, trail: AuditTrail,
                 rules: ConfidentialityRules = ConfidentialityRules()) -> None:
        self._db = connection
        self.trail = trail
        self.rules = rules

    # what is confidential
    def is_restricted(self, study_instance_uid: str) -> bool:
        if self._db.execute("SELECT 1 FROM restricted_studies WHERE study_instance_uid=?",
                            (study_instance_uid,)).fetchone():
            return True
        if not self.rules.keywords:
            return False
        keywords = [" ".join(keyword.split()).lower() for keyword in self.rules.keywords]
        marks = ",".join("?" * len(keywords))
        return self._db.execute(f"SELECT 1 FROM keywords WHERE study_instance_uid=? AND shared=1 AND keyword IN ({marks})",
                                (study_instance_uid, *keywords)).fetchone() is not None

    def restricted_studies(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT study_instance_uid FROM restricted_studies ORDER BY 1")]

    def mark_by_rule(self, study_instance_uid: str, rule: str) -> bool:
        """Mark a study the RIS/PACS flagged (no user acts); True when it was not marked before."""
        added = self._db.execute("INSERT OR IGNORE INTO restricted_studies VALUES (?,?,?)",
                                 (study_instance_uid, f"rule: {rule}", time.time())).rowcount > 0
        self._db.commit()
        if added:
            log.info("study %s confidential by rule %s", study_instance_uid, rule)
        return added

    def mark_order_by_rule(self, accession_number: str, study_instance_uid: str, rule: str) -> bool:
        """An order the RIS flagged (HL7 VIP indicator): its exam is confidential before any image exists; its
        study is marked too once its UID is known (here, or when the worklist is next filtered)."""
        added = self._db.execute("INSERT OR IGNORE INTO restricted_orders VALUES (?,?,?)",
                                 (accession_number, rule, time.time())).rowcount > 0
        self._db.commit()
        if added:
            log.info("order %s confidential by rule %s", accession_number, rule)
        if study_instance_uid:
            self.mark_by_rule(study_instance_uid, rule)
        return added

    def apply_header_rules(self, archive) -> int:
        """Mark the archive's studies whose headers the rules call confidential (each study read once,
        one header per series); returns how many were newly marked."""
        if not self.rules.attributes:
            return 0
        from pydicom.errors import InvalidDicomError

        checked = {row[0] for row in self._db.execute("SELECT study_instance_uid FROM rule_checked")}
        marked = 0
        for study in archive.studies():
            uid = study.study_instance_uid
            if uid in checked:
                continue
            for series in archive.series(uid):
                paths = archive.instance_paths(series.series_instance_uid)[:1]
                try:
                    header = dcmread_stored(paths[0], stop_before_pixels=True) if paths else None
                except (OSError, InvalidDicomError) as error:
                    log.warning("confidentiality rules: cannot read a header of study %s: %s", uid, error)
                    continue
                if header is not None and confidential_by_header(header, self.rules):
                    marked += self.mark_by_rule(uid, "header attribute")
                    break
            self._db.execute("INSERT OR IGNORE INTO rule_checked VALUES (?,?)", (uid, time.time()))
        self._db.commit()
        return marked

    def restrict(self, by: User, study_instance_uid: str, allow: Iterable[str] = (), include_marker: bool = True) -> None:
        """Mark a study confidential; ``allow`` (and the marker, unless an administrator acts) may see it."""
        if not by.may(Permission.MARK_CONFIDENTIAL):
            raise AccessDenied(f"{by.name} ({by.role.value}) may not mark exams confidential.")
        self._db.execute("INSERT OR IGNORE INTO restricted_studies VALUES (?,?,?)",
                         (study_instance_uid, by.name, time.time()))
        allowed = sorted({*allow, *([by.name] if include_marker else [])})
        self._db.executemany("INSERT OR IGNORE INTO access_list VALUES (?,?)",
                             [(study_instance_uid, name) for name in allowed])
        self._db.commit()
        self.trail.record(self.trail.messages.security_alert(
            by.name, OBJECT_SECURITY_ATTRIBUTES_CHANGED, f"marked confidential; access: {', '.join(allowed) or '-'}",
            (study_instance_uid,)))

    def unrestrict(self, by: User, study_instance_uid: str) -> None:
        if not by.may(Permission.ADMINISTER):
            raise AccessDenied(f"Only an administrator may lift the confidentiality of an exam ({by.name} is a {by.role.value}).")
        if self._db.execute("DELETE FROM restricted_studies WHERE study_instance_uid=?",
                            (study_instance_uid,)).rowcount == 0:
            raise SecurityError(f"Study {study_instance_uid} is not marked confidential.")
        self._db.execute("DELETE FROM access_list WHERE study_instance_uid=?", (study_instance_uid,))
        self._db.commit()
        self.trail.record(self.trail.messages.security_alert(
            by.name, OBJECT_SECURITY_ATTRIBUTES_CHANGED, "confidentiality lifted", (study_instance_uid,)))

    def set_access(self, by: User, study_instance_uid: str, allow: Iterable[str], deny: Iterable[str] = ()) -> None:
        """An administrator edits the access list."""
        if not by.may(Permission.ADMINISTER):
            raise AccessDenied(f"Only an administrator may edit an exam's access list ({by.name} is a {by.role.value}).")
        self._db.executemany("INSERT OR IGNORE INTO access_list VALUES (?,?)", [(study_instance_uid, n) for n in allow])
        self._db.executemany("DELETE FROM access_list WHERE study_instance_uid=? AND user=?",
                             [(study_instance_uid, n) for n in deny])
        self._db.commit()
        self.trail.record(self.trail.messages.security_alert(
            by.name, OBJECT_SECURITY_ATTRIBUTES_CHANGED,
            f"access list: +{','.join(allow) or '-'} -{','.join(deny) or '-'}", (study_instance_uid,)))

    def access_list(self, study_instance_uid: str) -> list[str]:
        return [row[0] for row in self._db.execute(
            "SELECT user FROM access_list WHERE study_instance_uid=? ORDER BY user", (study_instance_uid,))]

    # who sees what
    def can_see(self, user: User | None, study_instance_uid: str, now: float | None = None) -> bool:
        if user is None:
            return True
        if user.disabled or not user.may(Permission.READ) and not user.may(Permission.TRANSCRIBE):
            return False
        if not self.is_restricted(study_instance_uid):
            return True
        if self._db.execute("SELECT 1 FROM access_list WHERE study_instance_uid=? AND user=?",
                            (study_instance_uid, user.name)).fetchone():
            return True
        since = (time.time() if now is None else now) - BREAK_GLASS_HOURS * 3600
        return self._db.execute("SELECT 1 FROM break_glass WHERE study_instance_uid=? AND user=? AND at>=?",
                                (study_instance_uid, user.name, since)).fetchone() is not None

    def visible(self, user: User | None, items: Iterable[T], study_uid: Callable[[T], str]) -> list[T]:
        items = list(items)
        if user is None:
            return items
        return [item for item in items if self.can_see(user, study_uid(item))]

    def visible_studies(self, user: User | None, studies: Iterable[T]) -> list[T]:
        """Archive StudyRecords, RemoteStudy results, ... (anything with ``study_instance_uid``)."""
        return self.visible(user, studies, lambda study: study.study_instance_uid)

    def visible_exams(self, user: User | None, exams: Iterable[T]) -> list[T]:
        """Worklist exams; an exam whose images have no study UID yet is visible unless its order was flagged."""
        exams = list(exams)
        return exams if user is None else [exam for exam in exams if self.can_see_exam(user, exam)]

    def can_see_exam(self, user: User | None, exam) -> bool:
        """``exam``: anything with ``accession_number`` and ``study_instance_uid`` (a worklist Exam). An exam
        the shared worklist flags ``confidential`` (marked by the department's order intake, maybe on another
        host) counts as an order marked on this station."""
        row = self._db.execute("SELECT rule FROM restricted_orders WHERE accession_number=?",
                               (exam.accession_number,)).fetchone()
        flagged = row is not None or bool(getattr(exam, "confidential", False))
        if flagged and exam.study_instance_uid:  # the images arrived: their study is marked
            self.mark_by_rule(exam.study_instance_uid, row["rule"] if row is not None else "shared worklist: confidential order")
        if user is None:
            return True
        if not exam.study_instance_uid:
            return not flagged and self.can_see(user, "")
        return self.can_see(user, exam.study_instance_uid)

    def require_access(self, user: User | None, study_instance_uid: str) -> None:
        """For opening one study by UID: AccessDenied says 'restricted' and names no patient data."""
        if not self.can_see(user, study_instance_uid):
            hint = " Break the glass (with a reason) to open it." if user.may(Permission.BREAK_THE_GLASS) else ""
            raise AccessDenied(f"Study {study_instance_uid} is {RESTRICTED}: {user.name} is not on its access list.{hint}")

    # break the glass
    def break_glass(self, user: User, study_instance_uid: str, reason: str,
                    patients: tuple[PatientRef, ...] = ()) -> BreakGlassRecord:
        if not user.may(Permission.BREAK_THE_GLASS):
            raise AccessDenied(f"{user.name} ({user.role.value}) may not break the glass; ask a radiologist.")
        reason = reason.strip()
        if len(reason) < 5:
            raise SecurityError("Type the reason for opening this confidential exam (at least a few words).")
        record = BreakGlassRecord(study_instance_uid, user.name, reason, time.time())
        self._db.execute("INSERT INTO break_glass VALUES (?,?,?,?)",
                         (record.study_instance_uid, record.user, record.reason, record.at))
        self._db.commit()
        self.trail.record(self.trail.messages.security_alert(
            user.name, EMERGENCY_OVERRIDE_STARTED, reason, (study_instance_uid,), patients))
        log.warning("break the glass: %s opened confidential study %s", user.name, study_instance_uid)
        return record

    def break_glass_records(self, study_instance_uid: str | None = None) -> list[BreakGlassRecord]:
        rows = self._db.execute(
            "SELECT * FROM break_glass" + (" WHERE study_instance_uid=?" if study_instance_uid else "") + " ORDER BY at",
            (study_instance_uid,) if study_instance_uid else ())
        return [BreakGlassRecord(row["study_instance_uid"], row["user"], row["reason"], row["at"]) for row in rows]
