"""DICOMweb over HTTP: QIDO-RS queries, and the shared session and error handling WADO-RS and STOW-RS use.

Plain ``requests`` rather than dicomweb-client: we need streaming of single instances without decoding
and our own error messages; the protocol parts used here are small.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from workstation.net.dicom_json import JsonAttributes
from workstation.net.errors import PacsError
from workstation.net.query_results import RETURN_KEYS, RemoteInstance, RemoteSeries, RemoteStudy
from workstation.settings.pacs_nodes import PacsNode

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

log = logging.getLogger(__name__)

DICOM_JSON = "application/dicom+json"


def _readable(node: PacsNode, path: str, what: str) -> str:
    if not Path(path).is_file():
        log.error("PACS node %s: %s %s is not a readable file", node.name, what, path)
        raise PacsError(f"The {what} {path} of PACS {node.name!r} cannot be read; fix the path in the PACS settings.")
    return path


def session_for(node: PacsNode, connections: int = 16) -> requests.Session:
    """A keep-alive session with enough pooled connections for parallel WADO-RS requests.

    Over HTTPS the server's certificate is checked against the node's CA certificate (the system's CAs
    when the node names none), and the node's client certificate is presented when it has one.
    """
    ca_certificate = _readable(node, node.ca_certificate, "CA certificate") if node.ca_certificate else ""
    client = [_readable(node, path, what) for path, what in ((node.client_certificate, "client certificate"),
                                                             (node.client_key, "client key")) if path]
    session = requests.Session()
    # DICOM on a LAN: compressing it costs the server ~30 ms per CT slice and saves nothing worth that.
    session.headers["Accept-Encoding"] = "identity"
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if ca_certificate:
        session.verify = ca_certificate
    if client:
        session.cert = tuple(client) if len(client) == 2 else client[0]
    return session


def _certificate_rejected(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate check failure wrapped somewhere in ``error`` (requests -> urllib3 -> ssl), if any."""
    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return None


def request(session: requests.Session, node: PacsNode, method: str, url: str, what: str, **kwargs) -> requests.Response:
    """One HTTP request with the node's timeouts; every failure becomes a PacsError naming ``what``.

    The transport's own words (urllib3's "Max retries exceeded ...") go to the log file only, at INFO:
    the PacsError says what failed and what to do, and whoever handles it logs that as the error.
    """
    try:
        # ``verify`` per request: requests lets REQUESTS_CA_BUNDLE override the session's own CA otherwise
        response = session.request(method, url, timeout=(node.connect_timeout, node.network_timeout),
                                   verify=session.verify, **kwargs)
    except requests.exceptions.SSLError as error:
        log.info("%s %s: TLS error %s", method, url, error)
        rejected = _certificate_rejected(error)
        if rejected is not None:
            raise PacsError(f"The certificate of {node.dicomweb_url} does not verify ({rejected.verify_message}); "
                            "nothing was transferred. Check the node's CA certificate in the PACS settings.") from error
        raise PacsError(f"The TLS handshake with {node.dicomweb_url} failed for {what}; if the server asks for a "
                        "client certificate, set the node's client certificate and key.") from error
    except requests.exceptions.ConnectionError as error:
        log.info("%s %s: %s", method, url, error)
        raise PacsError(f"Cannot reach the DICOMweb server {node.dicomweb_url} for {what}; is it running?") from error
    except requests.exceptions.Timeout as error:
        log.info("%s %s: timeout", method, url)
        raise PacsError(f"The DICOMweb server {node.dicomweb_url} did not answer {what} in time.") from error
    if not response.ok:
        log.info("%s %s: HTTP %d %s", method, url, response.status_code, response.text[:300])
        raise PacsError(f"The DICOMweb server refused {what} (HTTP {response.status_code} {response.reason}).")
    return response


def qido(node: PacsNode, path: str, level: str, match: Mapping[str, str], session: requests.Session | None = None,
         limit: int | None = None) -> list[Dataset]:
    """One QIDO-RS search; ``path`` is relative to the base URL (``studies``, ``studies/UID/instances``);
    ``limit`` asks the server for at most that many matches."""
    from pydicom.dataset import Dataset  # imported when first needed: ~0.2 s a whole-study retrieve does without

    try:
        return [Dataset.from_json(item) for item in qido_json(node, path, level, match, session, limit)]
    except ValueError as error:
        raise PacsError(f"The DICOMweb server sent a query answer that is not DICOM JSON ({error}).") from error


def qido_json(node: PacsNode, path: str, level: str, match: Mapping[str, str],
              session: requests.Session | None = None, limit: int | None = None) -> list[dict]:
    """``qido`` without pydicom: the matches as DICOM JSON objects (tag -> {"vr", "Value"})."""
    params: list[tuple[str, str]] = [(keyword, value) for keyword, value in match.items() if value]
    params += [("includefield", keyword) for keyword in RETURN_KEYS[level]]
    if limit is not None:
        params.append(("limit", str(limit)))
    own_session = session is None
    session = session or session_for(node)
    try:
        response = request(session, node, "GET", f"{node.dicomweb_url}/{path}", f"the {level.lower()} query",
                           params=params, headers={"Accept": DICOM_JSON})
    finally:
        if own_session:
            session.close()
    if response.status_code == 204 or not response.content:
        return []
    try:
        found = response.json()
    except ValueError as error:
        raise PacsError(f"The DICOMweb server sent a query answer that is not DICOM JSON ({error}).") from error
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise PacsError("The DICOMweb server sent a query answer that is not DICOM JSON (not a list of objects).")
    return found if limit is None else found[:limit]  # a server that ignores ``limit`` is cut here


def qido_studies(node: PacsNode, limit: int | None = None, **match: str) -> list[RemoteStudy]:
    return [RemoteStudy.from_dataset(found) for found in qido(node, "studies", "STUDY", match, limit=limit)]


def qido_series(node: PacsNode, study_instance_uid: str, **match: str) -> list[RemoteSeries]:
    found = qido(node, f"studies/{study_instance_uid}/series", "SERIES", match)
    return [RemoteSeries.from_dataset(item) for item in found]


def qido_instances(
    node: PacsNode, study_instance_uid: str, series_instance_uid: str = "", session: requests.Session | None = None
) -> list[RemoteInstance]:
    """The instances of a study (or series), read without pydicom: a resume or a series retrieve lists them."""
    path = f"studies/{study_instance_uid}" + (f"/series/{series_instance_uid}" if series_instance_uid else "")
    found = qido_json(node, f"{path}/instances", "IMAGE", {}, session)
    instances = [RemoteInstance.from_dataset(JsonAttributes(item)) for item in found]
    return [
        instance if instance.study_instance_uid else RemoteInstance(
            instance.sop_instance_uid, instance.sop_class_uid, instance.series_instance_uid or series_instance_uid,
            study_instance_uid, instance.instance_number,
        )
        for instance in instances
    ]
