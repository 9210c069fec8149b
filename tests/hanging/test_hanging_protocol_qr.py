"""Hanging protocols on a PACS: HP Q/R (C-STORE, C-FIND, C-GET) against a PACS that has it, and the
DICOMweb fallback against Orthanc, which refuses the Hanging Protocol SOP classes (checked here too)."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    HangingProtocolInformationModelFind, HangingProtocolInformationModelGet, HangingProtocolStorage, Verification,
)

from workstation.hanging.dicom_hp import export_protocol, import_protocol
from workstation.hanging.loading import load_protocols
from workstation.net.hanging_protocol_qr import (
    DICOMWEB, HANGING_PROTOCOL_QR, FALLBACK_PATIENT_ID, HangingProtocolQrUnsupported, find_hanging_protocols,
    retrieve_hanging_protocol, store_hanging_protocol,
)
from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.settings.pacs_nodes import LocalNode, PacsNode

def _exported(protocol_id: str) -> Dataset:
    protocol = next(p for p in load_protocols("nobody").protocols if p.id == protocol_id)
    return export_protocol(protocol)[0]

class HangingProtocolPacs:
    """A minimal PACS with the Hanging Protocol Information Model (pynetdicom): stores, lists, sends back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.stored: dict[str, Dataset] = {}
        self.ae = AE("HPPACS")
        for sop_class in (HangingProtocolInformationModelFind, HangingProtocolInformationModelGet,
                          HangingProtocolStorage, Verification):
            self.ae.add_supported_context(sop_class, scp_role=True, scu_role=True)
        handlers = [(evt.EVT_C_STORE, self._store), (evt.EVT_C_FIND, self._find), (evt.EVT_C_GET, self._get)]
        self.server = self.ae.start_server(("127.0.0.1", self.port), block=False, evt_handlers=handlers)

    def _store(self, event):
        dataset = event.dataset
        dataset.file_meta = event.file_meta
        self.stored[dataset.SOPInstanceUID] = dataset
        return 0x0000

    def _find(self, event):
        for dataset in self.stored.values():
            answer = Dataset()
            for keyword in event.identifier.dir():
                setattr(answer, keyword, dataset.get(keyword, ""))
            yield 0xFF00, answer

    def _get(self, event):
        wanted = [d for d in self.stored.values() if d.SOPInstanceUID == event.identifier.SOPInstanceUID]
        yield len(wanted)
        for dataset in wanted:
            yield 0xFF00, dataset

    def stop(self) -> None:
        self.server.shutdown()

@pytest.fixture
def hp_pacs():
    pacs = HangingProtocolPacs()
    yield pacs
    pacs.stop()

def test_hanging_protocol_qr_store_find_and_get(hp_pacs):
    node = PacsNode(name="hp", aet="HPPACS", port=hp_pacs.port, network_timeout=10)
    local = LocalNode(aet="WORKSTATION", storage_port=free_port())
    dataset = _exported("mg-screening")

    assert store_hanging_protocol(node, local, dataset) == HANGING_PROTOCOL_QR
    (found,) = find_hanging_protocols(node, local)
    assert (found.sop_instance_uid, found.name, found.level, found.via) == (
        dataset.SOPInstanceUID, "mg-screening", "SITE", HANGING_PROTOCOL_QR)
    fetched = retrieve_hanging_protocol(node, local, found)

    protocol, losses = import_protocol(fetched)
    assert losses == [] and protocol.id == "mg-screening" and len(protocol.stages) == 3

@pytest.mark.timeout(60)
def test_orthanc_refuses_hp_qr_so_protocols_travel_over_dicomweb(tmp_path):
    with OrthancServer(folder=tmp_path / "orthanc").start() as orthanc:
        node = orthanc.node(network_timeout=10)
        local = LocalNode(aet="WORKSTATION", storage_port=free_port())
        chest, head = _exported("ct-chest"), _exported("ct-head")

        assert store_hanging_protocol(node, local, chest) == DICOMWEB
        assert store_hanging_protocol(node, local, head) == DICOMWEB
        found = sorted(find_hanging_protocols(node, local), key=lambda remote: remote.name)

        assert [(r.name, r.via) for r in found] == [("ct-chest", DICOMWEB), ("ct-head", DICOMWEB)]
        fetched = retrieve_hanging_protocol(node, local, found[1])
        assert fetched.SOPInstanceUID == head.SOPInstanceUID and fetched.PatientID == FALLBACK_PATIENT_ID
        protocol, losses = import_protocol(fetched)
        assert protocol.id == "ct-head" and [s.layouts for s in protocol.stages] == [("1x2",)] * 3

        without_web = PacsNode(name="dimse-only", aet=orthanc.aet, port=orthanc.dicom_port, network_timeout=10)
        with pytest.raises(HangingProtocolQrUnsupported, match="does not support hanging protocol"):
            find_hanging_protocols(without_web, local)
