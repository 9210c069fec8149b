"""Real Orthanc servers on loopback for the PACS tests, loaded with the real files from ../shared/dicom."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pydicom
import pytest

from workstation.net.orthanc_server import OrthancServer, OrthancTls, free_port
from workstation.settings.pacs_nodes import LocalNode, PacsNode

CT_VOLUME = Path("ct_volume/pancreatic_ct_cbct_seg_philips_ct/dicom")
PRIORS = Path("priors_ct/SaltyJoke_COVID-19-NY-SBU")


def dicom_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.dcm") if path.is_file())


@pytest.fixture(scope="session")
def ct_files(shared_dicom: Path) -> list[Path]:
    """The real 134-slice CT volume."""
    return dicom_files(shared_dicom / CT_VOLUME)


@pytest.fixture(scope="session")
def prior_files(shared_dicom: Path) -> list[Path]:
    """5 patients with 2 dated CT studies each (3 single images per study)."""
    return dicom_files(shared_dicom / PRIORS)


@pytest.fixture(scope="session")
def storage_port() -> int:
    """The port our C-MOVE storage SCP listens on, known to Orthanc as modality WORKSTATION."""
    return free_port()


@pytest.fixture()
def local(storage_port: int) -> LocalNode:
    return LocalNode(aet="WORKSTATION", storage_port=storage_port)


def start_orthanc(folder: Path, storage_port: int, **options) -> OrthancServer:
    server = OrthancServer(
        folder=folder, modalities={"workstation": ("WORKSTATION", "127.0.0.1", storage_port)}, **options
    )
    return server.start()


@pytest.fixture(scope="session")
def pacs(tmp_path_factory: pytest.TempPathFactory, ct_files: list[Path], prior_files: list[Path], storage_port: int) -> Iterator[OrthancServer]:
    """One Orthanc for the whole session, holding the CT volume (134 slices) and the 5 patients with priors."""
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"), storage_port)
    try:
        server.upload(ct_files + prior_files)
        yield server
    finally:
        server.stop()


@pytest.fixture()
def node(pacs: OrthancServer) -> PacsNode:
    return pacs.node()


def make_certificate_authority(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed CA (certificate, key) made with openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / f"{name}-ca.crt", folder / f"{name}-ca.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name} CA",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True)
    return certificate, key


def make_server_certificate(folder: Path, ca: tuple[Path, Path], name: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (IP subject alternative name) signed by ``ca``."""
    certificate, key, request = folder / f"{name}.crt", folder / f"{name}.key", folder / f"{name}.csr"
    extensions = folder / f"{name}.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(request)], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(request), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
                    "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(certificate)],
                   check=True, capture_output=True)
    return certificate, key


@pytest.fixture(scope="session")
def tls_storage_port() -> int:
    """The port of our TLS-only storage SCP, known to the TLS Orthanc as modality WORKSTATION (UseDicomTls)."""
    return free_port()


@pytest.fixture(scope="session")
def tls_pacs(tmp_path_factory: pytest.TempPathFactory, prior_files: list[Path],
             tls_storage_port: int) -> Iterator[OrthancServer]:
    """A second Orthanc that speaks DICOM TLS only, with a certificate signed by its own CA (in ``pki/``,
    which also holds ``workstation.crt``/``.key``, the certificate our TLS storage SCP presents)."""
    folder = tmp_path_factory.mktemp("orthanc-tls")
    ca = make_certificate_authority(folder / "pki", "pacs")
    certificate, key = make_server_certificate(folder / "pki", ca, "orthanc")
    make_server_certificate(folder / "pki", ca, "workstation")
    server = OrthancServer(
        folder=folder, tls=OrthancTls(certificate=certificate, private_key=key, trusted_certificates=ca[0]),
        modalities={"workstation": {"AET": "WORKSTATION", "Host": "127.0.0.1", "Port": tls_storage_port,
                                    "UseDicomTls": True}},
    ).start()
    try:
        server.upload(prior_files[:6])
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def foreign_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA that signed nothing the PACS uses: trusting only it must make TLS fail."""
    return make_certificate_authority(tmp_path_factory.mktemp("foreign-ca"), "foreign")[0]


class FakePacs:
    """A pynetdicom SCP serving ``files`` by C-FIND (image level) and C-GET, misbehaving on request.

    ``find_delay`` seconds of silence before answering a C-FIND (a slow server); ``abort_after`` instances
    sent by C-GET before it aborts the association (a peer abort); ``find_answers`` repeats the C-FIND
    answers (new Study Instance UIDs) until that many were sent, stopping early on a C-CANCEL
    (``find_sent`` and ``find_cancelled`` say what happened).
    """

    def __init__(self, files: list[Path], find_delay: float = 0.0, abort_after: int | None = None,
                 find_answers: int | None = None) -> None:
        from pynetdicom import AE, evt
        from pynetdicom.sop_class import (
            CTImageStorage, StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelGet,
            Verification,
        )

        self.datasets = [pydicom.dcmread(path) for path in files]
        self.find_delay, self.abort_after, self.find_answers = find_delay, abort_after, find_answers
        self.find_sent, self.find_cancelled = 0, False
        self.port = free_port()
        ae = AE(ae_title="FAKEPACS")
        for model in (StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelGet, Verification):
            ae.add_supported_context(model)
        ae.add_supported_context(CTImageStorage, scu_role=True, scp_role=True)
        self.server = ae.start_server(("127.0.0.1", self.port), block=False, evt_handlers=[
            (evt.EVT_C_FIND, self._find), (evt.EVT_C_GET, self._get)])

    def _find(self, event):
        time.sleep(self.find_delay)
        count = self.find_answers or len(self.datasets)
        for number in range(count):
            if event.is_cancelled:
                self.find_cancelled = True
                yield 0xFE00, None
                return
            dataset = self.datasets[number % len(self.datasets)]
            answer = pydicom.Dataset()
            answer.QueryRetrieveLevel = "IMAGE"
            for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "InstanceNumber",
                            "PatientID"):
                setattr(answer, keyword, dataset.get(keyword, ""))
            if self.find_answers:
                answer.StudyInstanceUID = pydicom.uid.generate_uid()
                time.sleep(0.002)  # a real PACS's pace: the C-CANCEL can overtake the answers
            self.find_sent += 1
            yield 0xFF00, answer

    def _get(self, event):
        yield len(self.datasets)
        for sent, dataset in enumerate(self.datasets):
            if self.abort_after is not None and sent == self.abort_after:
                event.assoc.abort()
                return
            yield 0xFF00, dataset

    def node(self, **options) -> PacsNode:
        return PacsNode(name="fake", aet="FAKEPACS", host="127.0.0.1", port=self.port, **options)

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture()
def fake_pacs() -> Iterator[Callable[..., FakePacs]]:
    started: list[FakePacs] = []

    def start(files: list[Path], **options) -> FakePacs:
        started.append(FakePacs(files, **options))
        return started[-1]

    yield start
    for server in started:
        server.stop()
