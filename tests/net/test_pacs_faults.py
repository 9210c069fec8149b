"""Faults a radiologist meets: each gives a clear message and loses nothing already received."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pydicom
import pytest

from workstation.archive import Archive
from workstation.core.stored_file import dcmread_stored
from workstation.net.echo import c_echo
from workstation.net.errors import PacsError
from workstation.net.find import find_studies
from workstation.net.orthanc_server import OrthancServer, free_port
from workstation.net.query import query_studies
from workstation.net.retrieve import retrieve
from workstation.settings.pacs_nodes import LocalNode, PacsNode


@pytest.fixture()
def archive(tmp_path):
    with Archive(tmp_path / "archive") as opened:
        yield opened


def assert_every_file_complete(archive, series_uid, count):
    paths = archive.instance_paths(series_uid)
    assert len(paths) == count
    uids = set()
    for path in paths:
        dataset = dcmread_stored(path)  # decrypted when the test runs with an encrypted cache
        assert len(dataset.PixelData) == dataset.Rows * dataset.Columns * dataset.BitsAllocated // 8
        uids.add(dataset.SOPInstanceUID)
    assert len(uids) == count


def test_pacs_not_running(local):
    node = PacsNode(name="down", aet="NOBODY", host="127.0.0.1", port=free_port(), connect_timeout=3)
    with pytest.raises(PacsError, match="not running or not listening") as raised:
        c_echo(node, local)
    assert "'down'" in str(raised.value)


def test_dicomweb_server_not_running():
    node = PacsNode(name="web-down", dicomweb_url=f"http://127.0.0.1:{free_port()}/dicom-web",
                    retrieve_method="web", connect_timeout=3)
    with pytest.raises(PacsError, match="Cannot reach the DICOMweb server"):
        query_studies(node, LocalNode(), PatientID="123")


def test_wrong_called_ae_title_is_refused(tmp_path, local, storage_port):
    server = OrthancServer(folder=tmp_path / "orthanc", aet="STRICT", check_called_aet=True).start()
    try:
        wrong = PacsNode(name="strict", aet="NOTSTRICT", host="127.0.0.1", port=server.dicom_port)
        with pytest.raises(PacsError, match="refused the association") as raised:
            find_studies(wrong, local)
        assert "'NOTSTRICT'" in str(raised.value)
        assert c_echo(server.node(), local) < 5
    finally:
        server.stop()


def test_c_move_to_an_unknown_destination_says_so(pacs, tmp_path, prior_files):
    stranger = LocalNode(aet="STRANGER", storage_port=free_port())
    study = pydicom.dcmread(prior_files[0], stop_before_pixels=True).StudyInstanceUID
    with Archive(tmp_path / "archive") as archive, pytest.raises(PacsError, match="C-MOVE destination"):
        retrieve(pacs.node(method="move"), stranger, archive, study)


@pytest.mark.parametrize("method", ["get", "move"])
def test_orthanc_killed_mid_transfer_then_resume_completes(tmp_path, local, storage_port, ct_files, archive, method):
    server = OrthancServer(folder=tmp_path / "orthanc",
                           modalities={"workstation": (local.aet, "127.0.0.1", storage_port)}).start()
    try:
        server.upload(ct_files)
        header = pydicom.dcmread(ct_files[0], stop_before_pixels=True)

        def kill_after_40(progress):
            if progress.received_instances >= 40:
                server.kill()

        node = server.node(method=method, network_timeout=5)
        with pytest.raises(PacsError, match="retry") as raised:
            retrieve(node, local, archive, header.StudyInstanceUID, progress=kill_after_40)
        kept = len(archive.instance_uids(header.StudyInstanceUID))
        assert 40 <= kept < len(ct_files), str(raised.value)
        assert_every_file_complete(archive, header.SeriesInstanceUID, kept)

        server.start()
        report = retrieve(node, local, archive, header.StudyInstanceUID)
        assert report.already_present == kept
        assert report.received_instances == len(ct_files) - kept
        assert_every_file_complete(archive, header.SeriesInstanceUID, len(ct_files))
    finally:
        server.stop()


def test_peer_abort_mid_c_get_keeps_what_arrived(fake_pacs, local, archive, ct_files):
    server = fake_pacs(ct_files[:8], abort_after=3)
    header = pydicom.dcmread(ct_files[0], stop_before_pixels=True)
    with pytest.raises(PacsError, match="aborted or closed the connection") as raised:
        retrieve(server.node(), local, archive, header.StudyInstanceUID)
    assert "3 instances received are kept" in str(raised.value)
    assert_every_file_complete(archive, header.SeriesInstanceUID, 3)


def test_slow_server_beyond_the_timeout(fake_pacs, local, archive, ct_files):
    server = fake_pacs(ct_files[:2], find_delay=3.0)
    header = pydicom.dcmread(ct_files[0], stop_before_pixels=True)
    with pytest.raises(PacsError, match=r"stopped answering .*no reply within 1 s"):
        retrieve(server.node(network_timeout=1), local, archive, header.StudyInstanceUID)
    assert archive.instance_uids(header.StudyInstanceUID) == set()


def test_dicomweb_stream_cut_mid_study_keeps_whole_instances(tmp_path, local, archive, ct_files):
    """A DICOMweb server that sends 2 instances and half of a third, then closes: 2 kept, a clear message."""
    parts = [path.read_bytes() for path in ct_files[:3]]
    header = pydicom.dcmread(ct_files[0], stop_before_pixels=True)

    class CuttingServer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if "/studies/" not in self.path:  # the study summary (QIDO-RS)
                body = json.dumps([{"00201208": {"vr": "IS", "Value": [3]}}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/dicom+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", 'multipart/related; type="application/dicom"; boundary=cut')
            self.end_headers()
            for part in parts[:2]:
                self.wfile.write(b"--cut\r\nContent-Type: application/dicom\r\n\r\n" + part + b"\r\n")
            self.wfile.write(b"--cut\r\nContent-Type: application/dicom\r\n\r\n" + parts[2][:1000])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CuttingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        node = PacsNode(name="cut", dicomweb_url=f"http://127.0.0.1:{server.server_port}/dicom-web",
                        retrieve_method="web", network_timeout=5)
        with pytest.raises(PacsError, match="ended the transfer early.*2 instances received are kept"):
            retrieve(node, local, archive, header.StudyInstanceUID)
    finally:
        server.shutdown()
    assert_every_file_complete(archive, header.SeriesInstanceUID, 2)
    assert not any((archive.folder / "incoming").iterdir())  # the cut-off third part left no file


def test_slow_dicomweb_server_beyond_the_timeout(local):
    class SilentServer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            time.sleep(3)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SilentServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        node = PacsNode(name="slow-web", dicomweb_url=f"http://127.0.0.1:{server.server_port}/dicom-web",
                        retrieve_method="web", network_timeout=1)
        started = time.monotonic()
        with pytest.raises(PacsError, match="did not answer the study query in time"):
            query_studies(node, local, PatientID="123")
        assert time.monotonic() - started < 2.5
    finally:
        server.shutdown()
