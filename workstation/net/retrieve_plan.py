"""Which C-GET/C-MOVE identifiers fetch exactly the missing instances, middle slice first.

A first retrieve of a whole series asks for the middle instance alone (so the viewer has something to
show at once), then for the rest. A resume asks only for the missing SOP Instance UIDs (image level,
list matching), in chunks that keep each request small.
"""

from __future__ import annotations

from collections import defaultdict

from pydicom.dataset import Dataset

from workstation.net.query_results import RemoteInstance, middle_first

UIDS_PER_REQUEST = 256


def _identifier(level: str, study: str, series: str = "", sop_instances: list[str] | None = None) -> Dataset:
    dataset = Dataset()
    dataset.QueryRetrieveLevel = level
    dataset.StudyInstanceUID = study
    if series:
        dataset.SeriesInstanceUID = series
    if sop_instances:
        dataset.SOPInstanceUID = sop_instances if len(sop_instances) > 1 else sop_instances[0]
    return dataset


def retrieve_identifiers(remote: list[RemoteInstance], wanted: list[RemoteInstance]) -> list[Dataset]:
    """Identifiers (Study Root) that together retrieve ``wanted`` and nothing already present."""
    if not wanted:
        return []
    first = middle_first(wanted)[0]
    identifiers = [_identifier("IMAGE", first.study_instance_uid, first.series_instance_uid, [first.sop_instance_uid])]
    remote_by_series: dict[str, set[str]] = defaultdict(set)
    for instance in remote:
        remote_by_series[instance.series_instance_uid].add(instance.sop_instance_uid)
    wanted_by_series: dict[str, list[RemoteInstance]] = defaultdict(list)
    for instance in wanted:
        if instance is not first:
            wanted_by_series[instance.series_instance_uid].append(instance)
    for series, instances in wanted_by_series.items():
        study = instances[0].study_instance_uid
        uids = [instance.sop_instance_uid for instance in middle_first(instances)]
        if series != first.series_instance_uid and set(uids) == remote_by_series[series]:
            identifiers.append(_identifier("SERIES", study, series))
            continue
        for start in range(0, len(uids), UIDS_PER_REQUEST):
            identifiers.append(_identifier("IMAGE", study, series, uids[start:start + UIDS_PER_REQUEST]))
    return identifiers
