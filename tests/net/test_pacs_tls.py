"""DICOM TLS against a second, TLS-only Orthanc: works with its CA, refuses a certificate that does not verify."""

from __future__ import annotations

import pydicom
import pytest

from workstation.archive import Archive
from workstation.net.echo import c_echo
from workstation.net.errors import PacsError
from workstation.net.find import find_studies
from workstation.net.retrieve import retrieve
from workstation.net.storage_scp import StorageSCP
from workstation.settings.pacs_nodes import LocalNode, PacsSettingsError


def test_echo_find_and_get_over_tls(tls_pacs, local, tmp_path, prior_files):
    ca = tls_pacs.folder / "pki" / "pacs-ca.crt"
    node = tls_pacs.node(tls=True, ca_certificate=str(ca))
    assert c_echo(node, local) < 5
    studies = find_studies(node, local)
    first = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    assert first.StudyInstanceUID in {study.study_instance_uid for study in studies}
    with Archive(tmp_path / "archive") as archive:
        report = retrieve(node, local, archive, first.StudyInstanceUID)
        assert report.received_instances == 3 and archive.has_instance(first.SOPInstanceUID)


def test_plain_association_to_tls_port_fails_clearly(tls_pacs, local):
    with pytest.raises(PacsError, match="refused the association or did not answer"):
        c_echo(tls_pacs.node(connect_timeout=3), local)


def test_certificate_from_another_ca_does_not_verify(tls_pacs, local, foreign_ca, tmp_path):
    node = tls_pacs.node(tls=True, ca_certificate=str(foreign_ca))
    with pytest.raises(PacsError, match="does not verify") as raised:
        c_echo(node, local)
    assert "CA certificate" in str(raised.value)
    with Archive(tmp_path / "archive") as archive, pytest.raises(PacsError, match="does not verify"):
        retrieve(node, local, archive, "1.2.3")


def test_c_move_over_tls_into_our_tls_storage_port(tls_pacs, storage_port, tls_storage_port, tmp_path, prior_files):
    pki = tls_pacs.folder / "pki"
    local = LocalNode(aet="WORKSTATION", storage_port=storage_port, tls_storage_port=tls_storage_port,
                      tls_certificate=str(pki / "workstation.crt"), tls_private_key=str(pki / "workstation.key"),
                      tls_ca_certificate=str(pki / "pacs-ca.crt"))
    node = tls_pacs.node(method="move", tls=True, ca_certificate=str(pki / "pacs-ca.crt"))
    first = pydicom.dcmread(prior_files[0], stop_before_pixels=True)
    with Archive(tmp_path / "archive") as archive, StorageSCP(archive, local) as scp:
        report = retrieve(node, local, archive, first.StudyInstanceUID, storage_scp=scp)
        assert report.received_instances == 3 and archive.has_instance(first.SOPInstanceUID)


def test_tls_storage_port_needs_certificate_and_key():
    with pytest.raises(PacsSettingsError, match="certificate and private key"):
        LocalNode(tls_storage_port=11113)
