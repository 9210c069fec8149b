"""The DICOM audit schema's two shipped forms (the standard's compact text and the XML form lxml reads),
and how the XML form is made from the compact one."""

from __future__ import annotations

from lxml import etree
from rnc2rng import dumps, loads

from workstation.core.resources import resource_path
from workstation.security.audit.schema import COMPACT_SCHEMA, XML_SCHEMA


def convert_compact_schema(compact: str) -> str:
    """The RELAX NG XML form of the compact schema, as rnc2rng writes it.

    The standard's text puts ``##`` documentation comments after the last value of a choice, where the
    compact grammar allows no annotation (rnc2rng stops there); they document, never constrain, so they are
    read as plain ``#`` comments.
    """
    return dumps(loads(compact.replace("##", "#")))


def canonical(xml: str | bytes) -> bytes:
    """The schema's XML without comments or layout, for comparing two forms."""
    parser = etree.XMLParser(remove_comments=True, remove_blank_text=True)
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


def shipped_schemas() -> tuple[str, bytes]:
    return (resource_path(*COMPACT_SCHEMA).read_text(encoding="utf-8"),
            resource_path(*XML_SCHEMA).read_bytes())
