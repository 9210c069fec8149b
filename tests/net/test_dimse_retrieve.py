"""C-GET on the lean upper layer against pynetdicom as the PACS (another implementation than Orthanc's DCMTK)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pydicom
import pytest
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

from tests.net.conftest import start_orthanc
from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored
from workstation.net import find
from workstation.net.dimse_retrieve import c_get
from workstation.net.errors import PacsError
from workstation.net.orthanc_server import free_port
from workstation.net.retrieve import retrieve
from workstation.net.transfer import Transfer
from workstation.settings.pacs_nodes import PacsNode


def study_identifier(path) -> pydicom.Dataset:
    identifier = pydicom.Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = pydicom.dcmread(path, stop_before_pixels=True).StudyInstanceUID
    return identifier


def test_c_get_from_a_pynetdicom_pacs_files_every_instance(fake_pacs, local, tmp_path, ct_files):
    files = ct_files[:6]
    server = fake_pacs(files)
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        c_get(server.node(), local, [study_identifier(files[0])], {pydicom.dcmread(files[0]).SOPClassUID}, transfer)
        assert transfer.received_instances == len(files)
        header = pydicom.dcmread(files[0], stop_before_pixels=True)
        stored = {dcmread_stored(path).SOPInstanceUID: dcmread_stored(path)
                  for path in archive.instance_paths(header.SeriesInstanceUID)}
        for path in files:
            original = pydicom.dcmread(path)
            assert np.array_equal(stored[original.SOPInstanceUID].pixel_array, original.pixel_array)
        assert not any((archive.folder / "incoming").iterdir())  # the files opened ahead and not used are gone


def test_a_pacs_without_c_get_says_so(local, tmp_path, ct_files):
    ae = AE(ae_title="FINDONLY")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False)
    try:
        node = PacsNode(name="find-only", aet="FINDONLY", host="127.0.0.1", port=port)
        with Archive(tmp_path / "archive") as archive, pytest.raises(PacsError, match="does not offer C-GET"):
            c_get(node, local, [study_identifier(ct_files[0])], {"1.2.840.10008.5.1.4.1.1.2"}, Transfer(archive))
    finally:
        server.shutdown()


def test_a_resumed_c_get_also_offers_likely_classes_for_instances_listed_without_one(tmp_path, storage_port, local,
                                                                                     ct_files, monkeypatch):
    """SOP Class UID is an optional C-FIND return key: where the listing leaves it out for some instances (here a
    secondary capture beside CT slices), the C-GET offers the likely classes too, or the PACS could not send them."""
    capture = pydicom.dcmread(ct_files[0])
    capture.SOPClassUID = capture.file_meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    capture.SOPInstanceUID = capture.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    capture.SeriesInstanceUID = pydicom.uid.generate_uid()
    capture.save_as(tmp_path / "capture.dcm", enforce_file_format=True)
    real_find_instances = find.find_instances

    def listing_without_the_capture_class(*args, **kwargs):
        return [replace(instance, sop_class_uid="") if instance.sop_instance_uid == capture.SOPInstanceUID else instance
                for instance in real_find_instances(*args, **kwargs)]

    monkeypatch.setattr(find, "find_instances", listing_without_the_capture_class)
    server = start_orthanc(tmp_path / "orthanc", storage_port)
    try:
        server.upload([*ct_files[:3], tmp_path / "capture.dcm"])
        with Archive(tmp_path / "archive") as archive:
            assert archive.import_paths([ct_files[0]]).imported == 1  # not a first retrieve: the listing path
            report = retrieve(server.node(method="get"), local, archive, capture.StudyInstanceUID)
            assert report.received_instances == 3 and report.already_present == 1
            assert archive.has_instance(capture.SOPInstanceUID)
    finally:
        server.stop()
