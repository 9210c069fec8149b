"""A signed report lands in a real Orthanc as PDF, SR and KOS (fetched back) and its ORU reaches an MLLP RIS,
both after the PACS and the RIS come back from being down, and nothing is sent twice."""

import io
from dataclasses import replace

import hl7
import pydicom
import requests

from tests.reporting.report_factory import EXAM, key_image, make_report
from tests.worklist.conftest import FakeRis
from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.net.outbox import Outbox
from workstation.reporting.dictation import DictationStatus, DictationStore
from workstation.reporting.drafts import DraftStore
from workstation.reporting.outputs import ReportOutputs
from workstation.reporting.report import SignatureKind
from workstation.reporting.signing import SignedReports, add_addendum, sign
from workstation.settings.pacs_nodes import LocalNode
from workstation.worklist.ris_outbox import RisAddress, RisOutbox


def _fetch(server: OrthancServer, sop_instance_uid: str) -> pydicom.Dataset:
    found = requests.post(f"{server.base_url}/tools/find", timeout=10,
                          json={"Level": "Instance", "Query": {"SOPInstanceUID": sop_instance_uid}}).json()
    assert len(found) == 1, found
    data = requests.get(f"{server.base_url}/instances/{found[0]}/file", timeout=10).content
    return pydicom.dcmread(io.BytesIO(data))


def test_signed_report_reaches_pacs_and_ris_after_they_come_back(tmp_path):
    server = OrthancServer(folder=tmp_path / "orthanc", dicom_port=free_port(), http_port=free_port())
    node = server.node(method="get", connect_timeout=2)
    local = LocalNode(aet="WORKSTATION", storage_port=free_port())
    ris_port = free_port()
    ris_outbox = RisOutbox(tmp_path / "ris.sqlite")
    dictation = DictationStore().create(EXAM.accession_number, "dr.senior")
    draft = replace(make_report().with_key_image(key_image(1)), dictation_ids=(dictation.dictation_id,))
    DraftStore().save(draft)
    outputs = ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs", ris_outbox=ris_outbox)

    final = sign(draft, "Senior^Sam", SignatureKind.FINAL)
    delivery = outputs.deliver(final)
    assert outputs.deliver(final) == delivery  # delivering the same version again queues nothing more
    assert len(outputs.pacs_outbox.unsent()) == 3 and len(ris_outbox.pending()) == 2
    assert DraftStore().drafts() == [] and SignedReports().for_accession(EXAM.accession_number) == final
    assert DictationStore().get(dictation.dictation_id).status is DictationStatus.ATTACHED

    # PACS and RIS are down: everything stays queued with the reason
    down = outputs.pacs_outbox.send_pending(lambda name: node, local)
    assert (down.sent, down.failed) == (0, 3)
    assert ris_outbox.send_pending(RisAddress("127.0.0.1", ris_port, timeout=2)) == 0
    assert "not reachable" in ris_outbox.pending()[0].last_error

    server.start()
    ris = FakeRis(port=ris_port).start()
    try:
        assert Outbox(tmp_path / "outbox").send_pending(lambda name: node, local).sent == 3
        assert ris_outbox.send_pending(RisAddress("127.0.0.1", ris_port)) == 2

        pdf = _fetch(server, delivery.pdf_uid)
        assert pdf.EncapsulatedDocument[:4] == b"%PDF" and pdf.AccessionNumber == EXAM.accession_number
        assert pdf.StudyInstanceUID == EXAM.study_instance_uid
        sr = _fetch(server, delivery.sr_uid)
        texts = {item.ConceptNameCodeSequence[0].CodeMeaning: item.ContentSequence[0].TextValue
                 for item in sr.ContentSequence}
        assert texts["Impressions"] == final.section_text("Impression") and sr.VerificationFlag == "VERIFIED"
        kos = _fetch(server, delivery.kos_uid)
        assert kos.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == key_image(1).sop_instance_uid

        oru, status = (hl7.parse(text) for text in ris.received)
        assert str(oru.segment("MSH")[9]) == "ORU^R01" and str(oru.segment("OBR")[25]) == "F"
        assert final.section_text("Impression") in [str(segment[5]) for segment in oru.segments("OBX")]
        assert str(status.segment("MSH")[9]) == "ORM^O01"

        # an addendum is a new version: new PDF and SR, a new ORU, the KOS is not sent again
        amended = outputs.deliver(add_addendum(final, "Nodule in the right lower lobe.", "Senior^Sam"))
        assert amended.pdf_uid != delivery.pdf_uid and amended.kos_uid == delivery.kos_uid
        assert outputs.pacs_outbox.send_pending(lambda name: node, local).sent == 2
        assert ris_outbox.send_pending(RisAddress("127.0.0.1", ris_port)) == 1
        assert len(ris.received) == 3 and "right lower lobe" in ris.received[2]
        counts = requests.get(f"{server.base_url}/statistics", timeout=10).json()["CountInstances"]
        assert counts == 5  # two PDFs, two SRs, one KOS: nothing twice
    finally:
        ris.stop()
        server.stop()
        ris_outbox.close()


def test_outputs_of_a_version_signed_just_before_a_crash_are_queued_on_restart(tmp_path):
    outputs = ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs",
                            ris_outbox=RisOutbox(tmp_path / "ris.sqlite"))
    first = sign(make_report(), "Senior^Sam", SignatureKind.FINAL)
    outputs.deliver(first)
    crashed = add_addendum(first, "Written just before the power went.", "Senior^Sam")
    SignedReports().store(crashed)  # signed and archived, then the power went before anything was queued
    restarted = ReportOutputs(pacs_outbox=Outbox(tmp_path / "outbox"), pacs_node="pacs",
                              ris_outbox=outputs.ris_outbox)
    [delivery] = restarted.resume()
    assert delivery.report.version == 2
    assert len(restarted.pacs_outbox.unsent()) == 4 and len(outputs.ris_outbox.pending()) == 3
    assert restarted.resume() == []
    outputs.ris_outbox.close()
