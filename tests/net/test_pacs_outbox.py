"""The outbox: C-STORE and STOW-RS to a real Orthanc, retry after the PACS was down, never twice."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import time

import pydicom
import pytest
import requests
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.net.outbox import SENDING, SENT, Outbox, OutboxSender
from workstation.settings.pacs_nodes import PacsSettings

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"


def report_object(study_uid: str) -> bytes:
    """A minimal Basic Text SR such as the reporting module creates (synthetic: no real report here)."""
    dataset = pydicom.Dataset()
    dataset.SOPClassUID = BASIC_TEXT_SR
    dataset.SOPInstanceUID = generate_uid()
    dataset.StudyInstanceUID = study_uid
    dataset.SeriesInstanceUID = generate_uid()
    dataset.PatientID = "OUTBOX-TEST"
    dataset.PatientName = "Test^Outbox"
    dataset.Modality = "SR"
    dataset.ValueType = "CONTAINER"
    dataset.ContinuityOfContent = "SEPARATE"
    dataset.CompletionFlag = "COMPLETE"
    dataset.VerificationFlag = "UNVERIFIED"
    text = pydicom.Dataset()
    text.RelationshipType = "CONTAINS"
    text.ValueType = "TEXT"
    text.TextValue = "No acute findings."
    dataset.ContentSequence = [text]
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = dataset.SOPClassUID
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def instances_on(server: OrthancServer, sop_instance_uid: str) -> int:
    answer = requests.post(f"{server.base_url}/tools/find", timeout=10,
                           json={"Level": "Instance", "Query": {"SOPInstanceUID": sop_instance_uid}})
    return len(answer.json())


@pytest.mark.parametrize("method", ["get", "web"])
def test_outbox_retries_after_the_pacs_was_down(tmp_path, local, method):
    dicom_port, http_port = free_port(), free_port()
    server = OrthancServer(folder=tmp_path / "orthanc", dicom_port=dicom_port, http_port=http_port)
    node = server.node(method=method, connect_timeout=2)
    outbox = Outbox(tmp_path / "outbox")
    item = outbox.enqueue("reports", report_object(generate_uid()))

    down = outbox.send_pending(lambda name: node, local)
    assert (down.sent, down.failed) == (0, 1)
    assert "not running" in down.errors[0] or "Cannot reach" in down.errors[0]
    [waiting] = outbox.unsent()
    assert waiting.attempts == 1 and waiting.last_error and outbox.object_path(waiting).exists()

    server.start()
    try:
        reopened = Outbox(tmp_path / "outbox")
        report = reopened.send_pending(lambda name: node, local)
        assert (report.sent, report.failed) == (1, 0)
        assert reopened.unsent() == []
        assert instances_on(server, item.sop_instance_uid) == 1
        assert reopened.send_pending(lambda name: node, local).sent == 0
        [done] = reopened.items()
        assert done.state == SENT and not reopened.object_path(done).exists()
    finally:
        server.stop()


def test_item_interrupted_mid_send_is_not_sent_again(pacs, local, tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    data = report_object(generate_uid())
    item = outbox.enqueue("pacs", data)
    pacs.upload_bytes(data)  # the PACS got it, but the workstation crashed before recording that
    record = tmp_path / "outbox" / f"{item.item_id}.json"
    record.write_text(json.dumps({**dataclasses.asdict(item), "state": SENDING}))
    report = outbox.send_pending(lambda name: pacs.node(), local)
    assert (report.sent, report.already_on_pacs) == (0, 1)
    assert outbox.unsent() == []


def test_background_sender_delivers_queued_objects(pacs, local, tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    items = [outbox.enqueue("pacs", report_object(generate_uid())) for _ in range(3)]
    sender = OutboxSender(outbox, lambda name: pacs.node(), local, interval=0.2).start()
    try:
        for _ in range(100):
            if not outbox.unsent():
                break
            sender.wake()
            time.sleep(0.05)
    finally:
        sender.stop()
    assert outbox.unsent() == []
    assert all(instances_on(pacs, item.sop_instance_uid) == 1 for item in items)


def test_unknown_node_keeps_the_item_with_a_message(tmp_path, local):
    outbox = Outbox(tmp_path / "outbox")
    outbox.enqueue("gone", report_object(generate_uid()))
    report = outbox.send_pending(PacsSettings().node, local)
    assert report.failed == 1 and "No PACS node named 'gone'" in report.errors[0]
    assert outbox.unsent()[0].last_error == report.errors[0]


def test_two_outbox_objects_on_one_folder_send_each_item_once(pacs, local, tmp_path):
    """The app may hold two Outbox objects on one folder (report dock, PACS service): still once per item."""
    folder = tmp_path / "outbox"
    items = [Outbox(folder).enqueue("pacs", report_object(generate_uid())) for _ in range(4)]
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(Outbox(folder).send_pending(lambda name: pacs.node(), local)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(report.sent for report in reports) == 4
    assert all(instances_on(pacs, item.sop_instance_uid) == 1 for item in items)
