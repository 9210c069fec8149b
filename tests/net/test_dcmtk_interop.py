"""Interoperability with DCMTK, the reference DICOM peer, on our lean upper layer.

DCMTK's storescu and echoscu talk to our storage SCP (plain and TLS) as a modality would; its dcmqrscp is the
PACS for our C-FIND, C-GET and C-MOVE. DCMTK re-encodes a data set as it sends it (a sequence of undefined length
gets explicit lengths), so "byte for byte" is judged against the same transfer received by DCMTK's own receiver
in bit-preserving mode (storescp +B, getscu +B): what we stored must be exactly what came over the wire, and
every element must equal the source file's.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pydicom
import pytest
from pynetdicom import AllStoragePresentationContexts
from pynetdicom.sop_class import CTImageStorage

from tests.net.conftest import make_certificate_authority, make_server_certificate
from workstation.archive import Archive
from workstation.core.stored_file import read_stored
from workstation.net.dimse_retrieve import c_get
from workstation.net.errors import PacsError
from workstation.net.find import find_instances, find_series
from workstation.net.orthanc_server import free_port
from workstation.net.query import query_studies
from workstation.net.retrieve import retrieve
from workstation.net.storage_scp import StorageSCP
from workstation.net.transfer import Transfer
from workstation.settings.pacs_nodes import LocalNode, PacsNode

TRANSFER_SYNTAXES = Path("transfer_syntaxes/dcm_qa_ts_siemens_trio/In")
BIG_ENDIAN = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
UNCOMPRESSED_LITTLE_ENDIAN = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")
DCMTK_ENVIRONMENT = {**os.environ, "TCP_NODELAY": "1"}  # else ~45 ms per message (Nagle + delayed ACK)
TOOL_SECONDS = 30  # the most one DCMTK command may take

# A modality's storescu profile: one presentation context per transfer syntax, so each file goes in its own
# syntax (compressed ones untranscoded). Our SCP refuses the retired Explicit VR Big Endian: storescu then
# converts that file to a little endian syntax we accepted, as PS3.5 lets a sender do.
STORESCU_PROFILE = """
[[TransferSyntaxes]]
[Implicit]
TransferSyntax1 = 1.2.840.10008.1.2
[Explicit]
TransferSyntax1 = 1.2.840.10008.1.2.1
[BigEndian]
TransferSyntax1 = 1.2.840.10008.1.2.2
[JPEGLossless]
TransferSyntax1 = 1.2.840.10008.1.2.4.70
[JPEGLSLossless]
TransferSyntax1 = 1.2.840.10008.1.2.4.80
[JPEG2000Lossless]
TransferSyntax1 = 1.2.840.10008.1.2.4.90
[RLELossless]
TransferSyntax1 = 1.2.840.10008.1.2.5

[[PresentationContexts]]
[Modality]
PresentationContext1 = 1.2.840.10008.5.1.4.1.1.2\\Implicit
PresentationContext2 = 1.2.840.10008.5.1.4.1.1.2\\Explicit
PresentationContext3 = 1.2.840.10008.5.1.4.1.1.4\\Implicit
PresentationContext4 = 1.2.840.10008.5.1.4.1.1.4\\Explicit
PresentationContext5 = 1.2.840.10008.5.1.4.1.1.4\\BigEndian
PresentationContext6 = 1.2.840.10008.5.1.4.1.1.4\\JPEGLossless
PresentationContext7 = 1.2.840.10008.5.1.4.1.1.4\\JPEGLSLossless
PresentationContext8 = 1.2.840.10008.5.1.4.1.1.4\\JPEG2000Lossless
PresentationContext9 = 1.2.840.10008.5.1.4.1.1.4\\RLELossless

[[Profiles]]
[Modality]
PresentationContexts = Modality
"""


# -- DCMTK processes ---------------------------------------------------------------------------------
def dcmtk(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(item) for item in arguments], check=False, capture_output=True, text=True,
                          env=DCMTK_ENVIRONMENT, timeout=TOOL_SECONDS)


@contextlib.contextmanager
def dcmtk_server(arguments: list[str | Path], port: int, log: Path,
                 aet: str = "ANY-SCP") -> Iterator[subprocess.Popen[bytes]]:
    """A DCMTK server on ``port``, answering C-ECHO to ``aet`` before it is yielded; stopped (killed if need be)."""
    with log.open("wb") as output:
        process = subprocess.Popen([str(item) for item in arguments], env=DCMTK_ENVIRONMENT, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while dcmtk("echoscu", "-to", "1", "-aec", aet, "127.0.0.1", str(port)).returncode != 0:
            assert process.poll() is None, f"{arguments[0]} exited with {process.returncode}: {log.read_text()}"
            assert time.monotonic() < deadline, f"{arguments[0]} does not answer on port {port}: {log.read_text()}"
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- comparing instances -----------------------------------------------------------------------------
def data_set_of(part10: bytes) -> bytes:
    """The data set of a Part 10 file: what follows the File Meta Information (its group length first)."""
    assert part10[128:132] == b"DICM"
    return part10[144 + struct.unpack_from("<I", part10, 140)[0]:]


def by_sop_instance_uid(raw_files: list[bytes]) -> dict[str, bytes]:
    return {str(pydicom.dcmread(io.BytesIO(raw), stop_before_pixels=True).SOPInstanceUID): raw for raw in raw_files}


def sop_instance_uids(files: list[Path]) -> set[str]:
    return {str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID) for path in files}


def stored_instances(archive: Archive, sources: list[Path]) -> dict[str, bytes]:
    """The archive's files of the sources' series, by SOP Instance UID (decrypted when the cache is encrypted)."""
    series = {pydicom.dcmread(path, stop_before_pixels=True).SeriesInstanceUID for path in sources}
    return by_sop_instance_uid([read_stored(path) for uid in series for path in archive.instance_paths(uid)])


def assert_same_elements(received: bytes, source: Path) -> None:
    """Every element of the source, with its value, in what we received (pixels compared decoded when the sender
    converted the transfer syntax)."""
    got, expected = pydicom.dcmread(io.BytesIO(received)), pydicom.dcmread(source)
    assert [element.tag for element in got] == [element.tag for element in expected]
    for element in expected:
        if element.tag != 0x7FE00010:
            assert got[element.tag].value == element.value, element
    if got.file_meta.TransferSyntaxUID == expected.file_meta.TransferSyntaxUID:
        assert got.PixelData == expected.PixelData
    else:
        assert (got.pixel_array == expected.pixel_array).all()


def assert_received_as_sent(stored: dict[str, bytes], reference: dict[str, bytes], sources: list[Path]) -> None:
    """``stored`` holds every source instance, each data set byte for byte as DCMTK's bit-preserving receiver got
    it (in a little endian syntax where DCMTK's receiver took big endian), with the source's elements."""
    by_uid = {str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID): path for path in sources}
    assert stored.keys() == by_uid.keys()
    assert reference.keys() >= by_uid.keys()
    for uid, raw in stored.items():
        ours = pydicom.dcmread(io.BytesIO(raw), stop_before_pixels=True).file_meta.TransferSyntaxUID
        theirs = pydicom.dcmread(io.BytesIO(reference[uid]), stop_before_pixels=True).file_meta.TransferSyntaxUID
        if theirs == BIG_ENDIAN:  # we refused it, the sender converted it
            assert ours in UNCOMPRESSED_LITTLE_ENDIAN, by_uid[uid].name
        else:
            assert ours == theirs, by_uid[uid].name
            assert data_set_of(raw) == data_set_of(reference[uid]), by_uid[uid].name
        assert_same_elements(raw, by_uid[uid])


# -- a modality pushing to us ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def transfer_syntax_files(shared_dicom: Path) -> list[Path]:
    """One MR image in 9 files: implicit, explicit, big endian, RLE, JPEG lossless, JPEG-LS, JPEG 2000 lossless."""
    return sorted((shared_dicom / TRANSFER_SYNTAXES).glob("*.dcm"))


@pytest.fixture(scope="module")
def push_files(ct_files: list[Path], transfer_syntax_files: list[Path]) -> list[Path]:
    """The 134 real CT slices and the MR image in every transfer syntax."""
    return ct_files + transfer_syntax_files


@pytest.fixture(scope="module")
def storescu_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("storescu") / "storescu.cfg"
    path.write_text(STORESCU_PROFILE)
    return path


def storescu(profile: Path, port: int, files: list[Path], *options: str | Path,
             log_level: str = "info") -> subprocess.CompletedProcess[str]:
    return dcmtk("storescu", "--log-level", log_level, "-xf", profile, "Modality", "-aet", "MODALITY",
                 "-aec", "WORKSTATION", *options, "127.0.0.1", str(port), *files)


def assert_all_stored_successfully(result: subprocess.CompletedProcess[str], count: int) -> None:
    """storescu sent ``count`` instances and each got a success response (its info log, or its debug dump)."""
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert log.count("Received Store Response") == count, log
    successes = (log.count("Received Store Response (Success)")
                 + len(re.findall(r"DIMSE Status +: 0x0000: Success", log)))
    assert successes == count, log


@pytest.fixture(scope="module")
def pushed_as_dcmtk_receives_it(tmp_path_factory: pytest.TempPathFactory, push_files: list[Path],
                                storescu_profile: Path) -> dict[str, bytes]:
    """The same push received by DCMTK's storescp writing exactly what arrived (+B), by SOP Instance UID."""
    folder = tmp_path_factory.mktemp("storescp")
    port = free_port()
    (folder / "received").mkdir()
    with dcmtk_server(["storescp", "+B", "+xa", "-od", folder / "received", port], port, folder / "storescp.log"):
        assert_all_stored_successfully(storescu(storescu_profile, port, push_files), len(push_files))
    return by_sop_instance_uid([path.read_bytes() for path in (folder / "received").iterdir()])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site's CA, our storage SCP's certificate and a modality's, all for 127.0.0.1; a foreign CA's modality."""
    folder = tmp_path_factory.mktemp("pki")
    site = make_certificate_authority(folder, "site")
    make_server_certificate(folder, site, "workstation")
    make_server_certificate(folder, site, "modality")
    make_server_certificate(folder, make_certificate_authority(folder, "foreign"), "intruder")
    return folder


@pytest.fixture()
def scp(tmp_path: Path, pki: Path) -> Iterator[StorageSCP]:
    """Our storage SCP as the app runs it, with a TLS port that only takes certificates signed by the site's CA."""
    local = LocalNode(aet="WORKSTATION", storage_port=free_port(), tls_storage_port=free_port(),
                      tls_certificate=str(pki / "workstation.crt"), tls_private_key=str(pki / "workstation.key"),
                      tls_ca_certificate=str(pki / "site-ca.crt"))
    with Archive(tmp_path / "archive") as archive, StorageSCP(archive, local) as running:
        yield running


def test_storescu_push_of_ct_and_every_transfer_syntax_is_stored_as_sent(
        scp, push_files, storescu_profile, pushed_as_dcmtk_receives_it):
    result = storescu(storescu_profile, scp.local.storage_port, push_files)
    assert_all_stored_successfully(result, len(push_files))
    assert scp.received_unexpected == len(push_files)
    stored = stored_instances(scp.archive, push_files)
    assert_received_as_sent(stored, pushed_as_dcmtk_receives_it, push_files)
    syntaxes = {pydicom.dcmread(io.BytesIO(raw), stop_before_pixels=True).file_meta.TransferSyntaxUID
                for raw in stored.values()}
    assert syntaxes == {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70",
                        "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"}  # kept compressed; big endian converted
    for path in push_files:  # indexed: the study lists every instance
        header = pydicom.dcmread(path, stop_before_pixels=True)
        assert header.SOPInstanceUID in scp.archive.instance_uids(header.StudyInstanceUID, header.SeriesInstanceUID)


def test_echoscu_is_answered_plain_and_over_tls(scp, pki):
    plain = dcmtk("echoscu", "-v", "-aec", "WORKSTATION", "127.0.0.1", str(scp.local.storage_port))
    assert plain.returncode == 0 and "Received Echo Response (Success)" in plain.stderr + plain.stdout
    secure = dcmtk("echoscu", "-v", "+tls", pki / "modality.key", pki / "modality.crt", "-pw",
                   "+cf", pki / "site-ca.crt", "-aec", "WORKSTATION", "127.0.0.1", str(scp.local.tls_storage_port))
    assert secure.returncode == 0 and "Received Echo Response (Success)" in secure.stderr + secure.stdout


def test_storescu_push_over_tls_is_stored_as_sent(scp, pki, push_files, storescu_profile, pushed_as_dcmtk_receives_it):
    result = storescu(storescu_profile, scp.local.tls_storage_port, push_files,
                      "+tls", pki / "modality.key", pki / "modality.crt", "-pw", "+cf", pki / "site-ca.crt")
    assert_all_stored_successfully(result, len(push_files))
    assert_received_as_sent(stored_instances(scp.archive, push_files), pushed_as_dcmtk_receives_it, push_files)


def test_tls_push_from_a_modality_the_site_ca_did_not_sign_is_refused(scp, pki, push_files, storescu_profile):
    result = storescu(storescu_profile, scp.local.tls_storage_port, push_files[:1],
                      "+tls", pki / "intruder.key", pki / "intruder.crt", "-pw", "+cf", pki / "site-ca.crt")
    assert result.returncode != 0 and "Association Request Failed" in result.stdout + result.stderr
    assert scp.received_unexpected == 0 and not scp.archive.studies()


def test_storescu_push_in_the_smallest_pdus_ended_by_an_abort_keeps_every_instance(
        scp, ct_files, transfer_syntax_files, storescu_profile, pushed_as_dcmtk_receives_it):
    """4 KB PDUs split every data set into ~100 fragments; an A-ABORT after the last response loses nothing."""
    files = ct_files[:3] + transfer_syntax_files
    result = storescu(storescu_profile, scp.local.storage_port, files, "--max-send-pdu", "4096", "--abort",
                      log_level="trace")
    assert_all_stored_successfully(result, len(files))
    pdus = (result.stdout + result.stderr).count("Send P DATA PDU")
    assert pdus >= sum(path.stat().st_size for path in files) // 4096
    assert_received_as_sent(stored_instances(scp.archive, files), pushed_as_dcmtk_receives_it, files)
    again = dcmtk("echoscu", "-aec", "WORKSTATION", "127.0.0.1", str(scp.local.storage_port))
    assert again.returncode == 0, again.stderr


def test_two_modalities_pushing_at_once_are_both_stored(scp, ct_files, transfer_syntax_files, storescu_profile,
                                                       pushed_as_dcmtk_receives_it):
    batches = [ct_files[:40], transfer_syntax_files]
    arguments = [["storescu", "-v", "-xf", str(storescu_profile), "Modality", "-aet", f"MODALITY{number}", "-aec",
                  "WORKSTATION", "127.0.0.1", str(scp.local.storage_port), *map(str, files)]
                 for number, files in enumerate(batches)]
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=DCMTK_ENVIRONMENT) for command in arguments]
    for process, files in zip(running, batches):
        output, _ = process.communicate(timeout=TOOL_SECONDS)
        assert_all_stored_successfully(subprocess.CompletedProcess(process.args, process.returncode, output, ""),
                                       len(files))
    assert scp.received_unexpected == sum(map(len, batches))
    for files in batches:
        assert_received_as_sent(stored_instances(scp.archive, files), pushed_as_dcmtk_receives_it, files)


def test_storescu_deflating_on_the_fly_is_stored_deflated_with_every_element(scp, ct_files):
    """Deflated Explicit VR Little Endian (storescu -xd compresses each data set as it sends it) is kept as sent."""
    files = ct_files[:2]
    result = dcmtk("storescu", "-v", "-xd", "-R", "-aec", "WORKSTATION", "127.0.0.1", str(scp.local.storage_port),
                   *files)
    assert_all_stored_successfully(result, len(files))
    stored = stored_instances(scp.archive, files)
    for path in files:
        raw = stored[str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)]
        assert pydicom.dcmread(io.BytesIO(raw), stop_before_pixels=True).file_meta.TransferSyntaxUID == DEFLATED
        assert_same_elements(raw, path)


# -- dcmqrscp as the PACS ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pacs_files(ct_files: list[Path]) -> list[Path]:
    """Five consecutive slices of the real CT: one study, one series."""
    return ct_files[60:65]


@pytest.fixture(scope="module")
def move_destination_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def dcmqrscp(tmp_path_factory: pytest.TempPathFactory, pacs_files: list[Path],
             move_destination_port: int) -> Iterator[PacsNode]:
    """DCMTK's dcmqrscp holding ``pacs_files`` (registered with dcmqridx), knowing us as C-MOVE destination,
    taking PDUs of at most 4 KB (DCMTK's least): what we send it is split into many.

    It runs as shipped, one process per association: with ``--single-process`` dcmqrscp 3.6.7 dies of a
    segmentation fault once the first association ends, whoever the peer (DCMTK's own findscu too).
    """
    folder = tmp_path_factory.mktemp("dcmqrscp")
    storage, port = folder / "QRSCP", free_port()
    storage.mkdir()
    (folder / "dcmqrscp.cfg").write_text(f"""NetworkTCPPort = {port}
MaxPDUSize = 4096
MaxAssociations = 16
HostTable BEGIN
workstation = (WORKSTATION, 127.0.0.1, {move_destination_port})
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP {storage} RW (10, 1024mb) ANY
AETable END
""")
    indexed = dcmtk("dcmqridx", storage, *pacs_files)
    assert indexed.returncode == 0, indexed.stderr
    with dcmtk_server(["dcmqrscp", "-c", folder / "dcmqrscp.cfg", port], port, folder / "dcmqrscp.log", "QRSCP"):
        yield PacsNode(name="dcmqrscp", aet="QRSCP", host="127.0.0.1", port=port, network_timeout=10)


@pytest.fixture(scope="module")
def retrieved_as_dcmtk_receives_it(tmp_path_factory: pytest.TempPathFactory, dcmqrscp: PacsNode,
                                   pacs_files: list[Path]) -> dict[str, bytes]:
    """The study fetched by DCMTK's getscu writing exactly what arrived (+B), by SOP Instance UID."""
    folder = tmp_path_factory.mktemp("getscu")
    study = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    result = dcmtk("getscu", "+B", "-od", folder, "-aec", dcmqrscp.aet, "-S", "-k", "QueryRetrieveLevel=STUDY",
                   "-k", f"StudyInstanceUID={study}", dcmqrscp.host, str(dcmqrscp.port))
    assert result.returncode == 0, result.stderr
    return by_sop_instance_uid([path.read_bytes() for path in folder.iterdir()])


@pytest.fixture()
def local(move_destination_port: int) -> LocalNode:
    return LocalNode(aet="WORKSTATION", storage_port=move_destination_port)


def test_c_find_through_our_queries(dcmqrscp, local, pacs_files):
    source = pydicom.dcmread(pacs_files[0], stop_before_pixels=True)
    studies = query_studies(dcmqrscp, local, PatientID=source.PatientID)
    assert [study.study_instance_uid for study in studies] == [source.StudyInstanceUID]
    assert (studies[0].patient_name, studies[0].study_date, studies[0].study_description) == (
        str(source.PatientName), source.StudyDate, source.StudyDescription)
    series = find_series(dcmqrscp, local, source.StudyInstanceUID)
    assert [(item.series_instance_uid, item.modality) for item in series] == [(source.SeriesInstanceUID, "CT")]
    instances = find_instances(dcmqrscp, local, source.StudyInstanceUID, source.SeriesInstanceUID)
    expected = {(header.SOPInstanceUID, int(header.InstanceNumber))
                for header in (pydicom.dcmread(path, stop_before_pixels=True) for path in pacs_files)}
    assert {(item.sop_instance_uid, item.instance_number) for item in instances} == expected


def test_c_get_from_dcmqrscp_brings_the_study_as_sent(dcmqrscp, local, pacs_files, retrieved_as_dcmtk_receives_it,
                                                      tmp_path):
    """dcmqrscp does not return SOP Class UID in its C-FIND answers: the C-GET must still offer the CT class."""
    study = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    get = replace(dcmqrscp, retrieve_method="get")
    with Archive(tmp_path / "archive") as archive:
        report = retrieve(get, local, archive, study)
        assert (report.total_instances, report.received_instances) == (len(pacs_files), len(pacs_files))
        stored = stored_instances(archive, pacs_files)
    assert_received_as_sent(stored, retrieved_as_dcmtk_receives_it, pacs_files)


def test_c_move_from_dcmqrscp_into_our_storage_scp_brings_the_study_as_sent(
        dcmqrscp, local, pacs_files, retrieved_as_dcmtk_receives_it, tmp_path):
    study = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    move = replace(dcmqrscp, retrieve_method="move")
    with Archive(tmp_path / "archive") as archive, StorageSCP(archive, local) as scp:
        report = retrieve(move, local, archive, study, storage_scp=scp)
        assert report.received_instances == len(pacs_files)
        assert scp.received_unexpected == 0  # every instance was known to belong to our C-MOVE
        stored = stored_instances(archive, pacs_files)
    assert_received_as_sent(stored, retrieved_as_dcmtk_receives_it, pacs_files)


@pytest.mark.parametrize("method", ["get", "move"])
def test_a_resumed_retrieve_from_dcmqrscp_asks_only_for_the_missing_slices(dcmqrscp, local, pacs_files, method,
                                                                           retrieved_as_dcmtk_receives_it, tmp_path):
    """Image-level identifiers with a list of SOP Instance UIDs (list matching), the middle slice on its own first."""
    study = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    node = replace(dcmqrscp, retrieve_method=method)
    with Archive(tmp_path / "archive") as archive, StorageSCP(archive, local) as scp:
        archive.import_paths(pacs_files[:2])
        report = retrieve(node, local, archive, study, storage_scp=scp)
        assert (report.already_present, report.received_instances) == (2, 3)
        fetched = {uid: raw for uid, raw in stored_instances(archive, pacs_files).items()
                   if uid in sop_instance_uids(pacs_files[2:])}
    assert_received_as_sent(fetched, retrieved_as_dcmtk_receives_it, pacs_files[2:])


def test_c_move_to_an_ae_title_dcmqrscp_does_not_know_says_so(dcmqrscp, pacs_files, tmp_path):
    study = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    stranger = LocalNode(aet="STRANGER", storage_port=free_port())
    with Archive(tmp_path / "archive") as archive, pytest.raises(PacsError, match="does not know this workstation"):
        retrieve(replace(dcmqrscp, retrieve_method="move"), stranger, archive, study)


@pytest.mark.parametrize("classes", [25, 100])
def test_c_get_offering_more_classes_than_every_syntax_allows_still_brings_the_study(
        dcmqrscp, local, pacs_files, retrieved_as_dcmtk_receives_it, tmp_path, classes):
    """A study of many SOP classes (CT, SR, key objects, presentation states...) cannot have a context per class
    and syntax within the 128 an association may propose: fewer syntaxes are offered, and the CT still comes."""
    offered = {CTImageStorage} | {str(context.abstract_syntax) for context in AllStoragePresentationContexts}
    offered = set(sorted(offered)[:classes - 1]) | {CTImageStorage}
    identifier = pydicom.Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = pydicom.dcmread(pacs_files[0], stop_before_pixels=True).StudyInstanceUID
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        c_get(dcmqrscp, local, [identifier], offered, transfer)
        assert transfer.received_instances == len(pacs_files)
        stored = stored_instances(archive, pacs_files)
    assert_received_as_sent(stored, retrieved_as_dcmtk_receives_it, pacs_files)


def test_a_c_get_identifier_longer_than_the_pacs_pdu_goes_in_pieces(dcmqrscp, local, pacs_files, tmp_path,
                                                                     retrieved_as_dcmtk_receives_it):
    """A resume lists up to 256 SOP Instance UIDs (~16 KB); dcmqrscp takes 4 KB PDUs: the identifier is split."""
    identifier = pydicom.Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    header = pydicom.dcmread(pacs_files[0], stop_before_pixels=True)
    identifier.StudyInstanceUID, identifier.SeriesInstanceUID = header.StudyInstanceUID, header.SeriesInstanceUID
    identifier.SOPInstanceUID = sorted(sop_instance_uids(pacs_files)) + [pydicom.uid.generate_uid() for _ in range(250)]
    assert sum(len(uid) + 1 for uid in identifier.SOPInstanceUID) > 3 * 4096  # 4 PDUs or more
    with Archive(tmp_path / "archive") as archive:
        transfer = Transfer(archive)
        c_get(dcmqrscp, local, [identifier], {CTImageStorage}, transfer)
        assert transfer.received_instances == len(pacs_files)
        stored = stored_instances(archive, pacs_files)
    assert_received_as_sent(stored, retrieved_as_dcmtk_receives_it, pacs_files)
