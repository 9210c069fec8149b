"""DICOMweb over HTTP: QIDO-RS queries, and the shared session and error handling WADO-RS and STOW-RS use.

Plain ``requests`` rather than dicomweb-client: we need streaming of single instances without decoding
and our own error messages; the protocol parts used here are small.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from pydicom.dataset import Dataset

from workstation.net.errors import PacsError
from workstation.net.query_results import RETURN_KEYS, RemoteInstance, RemoteSeries, RemoteStudy
from workstation.settings.pacs_nodes import PacsNode

log = logging.getLogger(__name__)

DICOM_JSON = "application/dicom+json"


def session_for(node: PacsNode, connections: int = 16) -> requests.Session:
    """A keep-alive session with enough pooled connections for parallel WADO-RS requests."""
    session = requests.Session()
    # DICOM on a LAN: compressing it costs the server ~30 ms per CT slice and saves nothing worth that.
    session.headers["Accept-Encoding"] = "identity"
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if node.ca_certificate:
        session.verify = node.ca_certificate
    if node.client_certificate:
        session.cert = (node.client_certificate, node.client_key) if node.client_key else node.client_certificate
    return session


def request(session: requests.Session, node: PacsNode, method: str, url: str, what: str, **kwargs) -> requests.Response:
    """One HTTP request with the node's timeouts; every failure becomes a PacsError naming ``what``."""
    try:
        response = session.request(method, url, timeout=(node.connect_timeout, node.network_timeout), **kwargs)
    except requests.exceptions.SSLError as error:
        log.error("%s %s: TLS error %s", method, url, error)
        raise PacsError(f"The certificate of {node.dicomweb_url} does not verify; check the node's CA certificate.") from error
    except requests.exceptions.ConnectionError as error:
        log.error("%s %s: %s", method, url, error)
        raise PacsError(f"Cannot reach the DICOMweb server {node.dicomweb_url} for {what}; is it running?") from error
    except requests.exceptions.Timeout as error:
        log.error("%s %s: timeout", method, url)
        raise PacsError(f"The DICOMweb server {node.dicomweb_url} did not answer {what} in time.") from error
    if not response.ok:
        log.error("%s %s: HTTP %d %s", method, url, response.status_code, response.text[:300])
        raise PacsError(f"The DICOMweb server refused {what} (HTTP {response.status_code} {response.reason}).")
    return response


def qido(node: PacsNode, path: str, level: str, match: Mapping[str, str], session: requests.Session | None = None,
         limit: int | None = None) -> list[Dataset]:
    """One QIDO-RS search; ``path`` is relative to the base URL (``studies``, ``studies/UID/instances``);
    ``limit`` asks the server for at most that many matches."""
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
        found = [Dataset.from_json(item) for item in response.json()]
    except ValueError as error:
        raise PacsError(f"The DICOMweb server sent a query answer that is not DICOM JSON ({error}).") from error
    return found if limit is None else found[:limit]  # a server that ignores ``limit`` is cut here


def qido_studies(node: PacsNode, limit: int | None = None, **match: str) -> list[RemoteStudy]:
    return [RemoteStudy.from_dataset(found) for found in qido(node, "studies", "STUDY", match, limit=limit)]


def qido_series(node: PacsNode, study_instance_uid: str, **match: str) -> list[RemoteSeries]:
    found = qido(node, f"studies/{study_instance_uid}/series", "SERIES", match)
    return [RemoteSeries.from_dataset(item) for item in found]


def qido_instances(
    node: PacsNode, study_instance_uid: str, series_instance_uid: str = "", session: requests.Session | None = None
) -> list[RemoteInstance]:
    path = f"studies/{study_instance_uid}" + (f"/series/{series_instance_uid}" if series_instance_uid else "")
    found = qido(node, f"{path}/instances", "IMAGE", {}, session)
    instances = [RemoteInstance.from_dataset(item) for item in found]
    return [
        instance if instance.study_instance_uid else RemoteInstance(
            instance.sop_instance_uid, instance.sop_class_uid, instance.series_instance_uid or series_instance_uid,
            study_instance_uid, instance.instance_number,
        )
        for instance in instances
    ]
