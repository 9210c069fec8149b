"""Executable code hidden in the 128-byte DICOM preamble (CVE-2019-11687).

A file can be both a valid DICOM image and a runnable program; the archive zeros such preambles on
import and warns. A TIFF header (dual-personality DICOM/TIFF) or zeros are legitimate and pass.
"""

from __future__ import annotations

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "PE (Windows executable)"),
    (b"\x7fELF", "ELF (Linux executable)"),
    (b"\xfe\xed\xfa\xce", "Mach-O (macOS executable)"),
    (b"\xfe\xed\xfa\xcf", "Mach-O (macOS executable)"),
    (b"\xce\xfa\xed\xfe", "Mach-O (macOS executable)"),
    (b"\xcf\xfa\xed\xfe", "Mach-O (macOS executable)"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal binary (macOS executable)"),
    (b"#!", "script with an interpreter line (#!)"),
)


def executable_preamble_kind(preamble: bytes | None) -> str | None:
    """What kind of executable header the preamble starts with, or None when it holds none."""
    if not preamble:
        return None
    for signature, kind in _SIGNATURES:
        if preamble.startswith(signature):
            return kind
    return None
