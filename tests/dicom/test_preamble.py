"""CVE-2019-11687: executables hidden in the DICOM preamble are recognised; zeros and TIFF headers are not."""

from __future__ import annotations

import pytest

from workstation.dicom.preamble import executable_preamble_kind
from workstation.dicom.reading import read_dataset


def _preamble(start: bytes) -> bytes:
    return start + b"\0" * (128 - len(start))


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"MZ\x90\x00\x03", "PE (Windows executable)"),
        (b"\x7fELF\x02\x01\x01", "ELF (Linux executable)"),
        (b"\xcf\xfa\xed\xfe", "Mach-O (macOS executable)"),
        (b"\xca\xfe\xba\xbe", "Mach-O universal binary (macOS executable)"),
        (b"#!/bin/sh\n", "script with an interpreter line (#!)"),
    ],
)
def test_executable_headers_are_named(start, kind):
    assert executable_preamble_kind(_preamble(start)) == kind


@pytest.mark.parametrize("preamble", [b"\0" * 128, _preamble(b"II*\x00"), _preamble(b"MM\x00*"), b"", None])
def test_harmless_preambles_pass(preamble):
    assert executable_preamble_kind(preamble) is None


@pytest.mark.shared_data
def test_preamble_of_a_rewritten_file_is_found(tmp_path, shared_dicom):
    dataset = read_dataset(shared_dicom / "transfer_syntaxes/dcm_qa_ts_siemens_trio/In/1.dcm")
    assert executable_preamble_kind(dataset.preamble) is None
    dataset.preamble = _preamble(b"MZ\x90\x00")
    dataset.save_as(tmp_path / "polyglot.dcm")
    assert executable_preamble_kind(read_dataset(tmp_path / "polyglot.dcm").preamble) == "PE (Windows executable)"
