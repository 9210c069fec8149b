"""A radiologist's night, end to end on real servers: HL7 orders and MWL items feed a worklist shared by two
stations through PostgreSQL, Orthanc says which exams have images, and statuses go back to the RIS."""

from __future__ import annotations

from pathlib import Path

import pydicom

from tests.worklist.conftest import mllp_send
from workstation.net.orthanc_server import OrthancServer
from workstation.settings.pacs_nodes import LocalNode
from workstation.worklist.demo_orders import order_message, worklist_item, write_worklist_file
from workstation.demo.catalog import HEAD_MR
from workstation.worklist.exam import Priority, ReadingStatus
from workstation.worklist.hl7_listener import HL7Listener
from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.ris_outbox import RisAddress, RisOutbox
from workstation.worklist.sources import WorklistPoller
from workstation.worklist.store import WorklistStore

CT_FOLDER = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom")


def test_two_stations_work_through_hl7_and_mwl_orders_with_images_from_orthanc(
        postgres_url, fake_ris, shared_dicom, tmp_path):
    ct_files = sorted((shared_dicom / CT_FOLDER).rglob("*.dcm"))[:12]
    ct_uid = pydicom.dcmread(ct_files[0], stop_before_pixels=True).StudyInstanceUID
    orthanc = OrthancServer(folder=tmp_path / "orthanc").start()
    try:
        orthanc.upload(ct_files)
        write_worklist_file(worklist_item(HEAD_MR, "MR"), orthanc.folder / "worklists" / "head.wl")
        service_store = WorklistStore(postgres_url)
        listener = HL7Listener(service_store).start()
        try:
            stat = order_message("E1", "ER-CT-1", ("MRN1", "Doe^Jane", "19600101", "F"), "CT Abdomen", "CT", "S", "E")
            stat += f"ZDS|{ct_uid}\r"  # the RIS's Z-segment with the Study Instance UID it assigned
            assert "MSA|AA|E1" in mllp_send(listener.port, stat)
            assert "MSA|AA|R1" in mllp_send(listener.port, order_message(
                "R1", "OP-CT-2", ("MRN2", "Roe^Rick", "19700101", "M"), "CT Chest", "CT", "R", "O"))
            poller = WorklistPoller(service_store, LocalNode(), mwl_node=orthanc.node("mwl"), pacs_node=orthanc.node())
            poller.poll_once()
            assert poller.problems == {}
        finally:
            listener.stop()

        station_a, station_b = WorklistStore(postgres_url), WorklistStore(postgres_url)
        outbox = RisOutbox(tmp_path / "outbox.sqlite")
        alice = ReaderSession(station_a, "alice", on_status_changed=lambda exam, status:
                               outbox.report_status_changed(exam.accession_number, status))
        bob = ReaderSession(station_b, "bob")
        listed = {exam.accession_number: exam for exam in station_b.exams()}
        assert set(listed) == {"ER-CT-1", "OP-CT-2", HEAD_MR.accession_number}
        assert listed["ER-CT-1"].image_count == 12 and listed["ER-CT-1"].priority == Priority.STAT
        assert listed["OP-CT-2"].status == ReadingStatus.SCHEDULED  # no images yet

        opened = alice.open_next()
        assert opened.exam.accession_number == "ER-CT-1"  # the emergency STAT comes first
        assert bob.open("ER-CT-1").exam.locked_by == "alice"
        assert bob.open_next() is None  # the MR has no images on this PACS, the chest CT is not done
        for status in (ReadingStatus.DICTATED, ReadingStatus.PRELIMINARY, ReadingStatus.FINAL):
            alice.set_status("ER-CT-1", status)
        alice.close("ER-CT-1")
        assert station_b.exam("ER-CT-1").status == ReadingStatus.FINAL
        assert outbox.send_pending(RisAddress("127.0.0.1", fake_ris.port)) == 4
        assert [text.split("\r")[2].split("|")[25] for text in fake_ris.received] == ["I", "R", "P", "F"]
        for store in (station_a, station_b, service_store):
            store.close()
    finally:
        orthanc.stop()
