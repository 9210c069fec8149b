"""The middle slice of a study's largest series, found without listing the study's instances.

A whole-study transfer arrives in the PACS's order, while the viewer opens a series at its middle slice.
Two small queries name that instance - the series with the most instances, then the instance numbered
in its middle - so it can be fetched on its own beside the study transfer and be on disk first. (Listing
the 600 instances of a CT by QIDO-RS took Orthanc 0.36 s; matching one by InstanceNumber took 3 ms.)
"""

from __future__ import annotations

import logging

import requests

from workstation.core.errors import WorkstationError
from workstation.net.dicom_json import JsonAttributes
from workstation.net.dicomweb import qido_json
from workstation.net.query_results import RemoteInstance, RemoteSeries
from workstation.settings.pacs_nodes import LocalNode, PacsNode

log = logging.getLogger(__name__)


def middle_instance(node: PacsNode, local: LocalNode, study_instance_uid: str) -> RemoteInstance | None:
    """The instance numbered in the middle of the study's largest series, or None when the PACS cannot say
    (no instance counts, numbers not 1..N, a query failing: the study transfer brings it anyway)."""
    try:
        return _middle_instance(node, local, study_instance_uid)
    except (WorkstationError, requests.RequestException) as error:
        log.warning("middle slice of %s not looked up at %s: %s", study_instance_uid, node.address, error)
        return None


def _middle_instance(node: PacsNode, local: LocalNode, study_instance_uid: str) -> RemoteInstance | None:
    web = node.retrieve_method == "web"
    if web:  # read without pydicom, which a DICOMweb retrieve command does not import otherwise
        series = [RemoteSeries.from_dataset(JsonAttributes(item))
                  for item in qido_json(node, f"studies/{study_instance_uid}/series", "SERIES", {})]
    else:
        from workstation.net.find import find_series

        series = find_series(node, local, study_instance_uid)
    counted = [item for item in series if item.number_of_instances]
    if not counted:
        return None
    largest = max(counted, key=lambda item: item.number_of_instances or 0)
    number = str((largest.number_of_instances or 0) // 2 + 1)  # the index ``middle_first`` starts from
    if web:
        found = [JsonAttributes(item) for item in qido_json(
            node, f"studies/{study_instance_uid}/series/{largest.series_instance_uid}/instances", "IMAGE",
            {"InstanceNumber": number})]
    else:
        from workstation.net.find import c_find

        found = c_find(node, local, "IMAGE", {"StudyInstanceUID": study_instance_uid,
                                              "SeriesInstanceUID": largest.series_instance_uid,
                                              "InstanceNumber": number})
    if len(found) != 1:
        log.info("middle slice of %s: %d instances numbered %s in its largest series; not fetched first",
                 study_instance_uid, len(found), number)
        return None
    instance = RemoteInstance.from_dataset(found[0])
    if not instance.sop_instance_uid:
        return None
    return RemoteInstance(instance.sop_instance_uid, instance.sop_class_uid, largest.series_instance_uid,
                          study_instance_uid, instance.instance_number)
