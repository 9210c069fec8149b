"""Which studies to evict from the local cache: the eviction rules, apart from any file or SQL work.

A study that is open in a viewer or not yet read is never evicted. Among the others, those not used for
``max_age_days`` go first, then the least recently used until the cache fits in ``max_bytes``.
"""

from __future__ import annotations

from collections.abc import Collection

from workstation.archive.records import StudyRecord

SECONDS_PER_DAY = 86_400.0


def studies_to_evict(
    studies: list[StudyRecord],
    open_studies: Collection[str],
    now: float,
    max_bytes: int | None = None,
    max_age_days: float | None = None,
) -> list[StudyRecord]:
    """Return the studies to evict, least recently used first."""
    candidates = sorted(
        (study for study in studies if study.read and study.study_instance_uid not in open_studies),
        key=lambda study: study.last_access,
    )
    chosen: list[StudyRecord] = []
    if max_age_days is not None:
        oldest_kept = now - max_age_days * SECONDS_PER_DAY
        chosen = [study for study in candidates if study.last_access < oldest_kept]
    if max_bytes is not None:
        remaining = sum(study.size_bytes for study in studies) - sum(study.size_bytes for study in chosen)
        for study in candidates:
            if remaining <= max_bytes:
                break
            if study not in chosen:
                chosen.append(study)
                remaining -= study.size_bytes
    return chosen
