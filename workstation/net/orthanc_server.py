"""A loopback Orthanc PACS run as a child process: for tests, the benchmark and the embedded default PACS.

Orthanc gets a generated configuration in its own folder, free ports on 127.0.0.1 and ``TCP_NODELAY=1``
(without it every image waits ~45 ms for Nagle + delayed ACK). ``start()`` returns once REST answers.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from workstation.net.errors import PacsError
from workstation.net.tls_front import TlsFront
from workstation.settings.pacs_nodes import PacsNode

log = logging.getLogger(__name__)

ORTHANC_EXECUTABLE = "Orthanc"
PLUGIN_FOLDER = Path("/usr/share/orthanc/plugins")
PLUGINS = ("libOrthancDicomWeb.so", "libModalityWorklists.so")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def orthanc_installed() -> bool:
    return shutil.which(ORTHANC_EXECUTABLE) is not None


@dataclass(frozen=True)
class OrthancTls:
    """DICOM TLS for Orthanc's DIMSE port: its certificate and key, and the CA it trusts for clients."""

    certificate: Path
    private_key: Path
    trusted_certificates: Path
    require_client_certificate: bool = False


@dataclass(frozen=True)
class OrthancHttps:
    """HTTPS for Orthanc's REST API and DICOMweb, served by a ``TlsFront`` on ``http_port`` in front of
    Orthanc's own loopback HTTP port (Orthanc's ``SslEnabled`` crashes on Debian 12, see ``tls_front``).

    Our own REST calls (readiness, upload) verify the certificate against ``ca_certificate``. With
    ``trusted_client_certificates`` (a PEM of CAs) only clients presenting a certificate they signed get
    in; our REST calls then present ``client_certificate`` and ``client_key``.
    """

    certificate: Path
    private_key: Path
    ca_certificate: Path
    trusted_client_certificates: Path | None = None
    client_certificate: Path | None = None
    client_key: Path | None = None


@dataclass
class OrthancServer:
    """One Orthanc on loopback, owning ``folder`` (storage, index, worklists, config, log)."""

    folder: Path
    aet: str = "ORTHANC"
    dicom_port: int = 0
    http_port: int = 0
    modalities: dict[str, tuple[str, str, int] | dict] = field(default_factory=dict)
    check_called_aet: bool = False
    tls: OrthancTls | None = None
    https: OrthancHttps | None = None
    _process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _front: TlsFront | None = field(default=None, init=False, repr=False)
    _orthanc_http_port: int = field(default=0, init=False, repr=False)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.base_url}/dicom-web"

    @property
    def address(self) -> str:
        """``AET@HOST:PORT``, the form the command line accepts for a DIMSE node."""
        return f"{self.aet}@127.0.0.1:{self.dicom_port}"

    def node(self, name: str = "orthanc", method: str = "get", **options: object) -> PacsNode:
        """This server as a PACS node (DIMSE and DICOMweb), retrieving with ``method``; over HTTPS the node
        trusts the server's CA unless ``options`` say otherwise."""
        if self.https is not None:
            options.setdefault("ca_certificate", str(self.https.ca_certificate))
        return PacsNode(
            name=name, aet=self.aet, host="127.0.0.1", port=self.dicom_port, dicomweb_url=self.dicomweb_url,
            retrieve_method=method, **options,
        )

    def rest_session(self) -> requests.Session:
        """A session for our own REST calls, verifying the HTTPS certificate (and presenting ours) when on."""
        session = requests.Session()
        session.trust_env = False  # loopback: no proxy, and REQUESTS_CA_BUNDLE must not replace our CA
        if self.https is not None:
            session.verify = str(self.https.ca_certificate)
            if self.https.client_certificate is not None:
                session.cert = (str(self.https.client_certificate), str(self.https.client_key))
        return session

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def configuration(self) -> dict:
        worklists = self.folder / "worklists"
        plugins = [str(PLUGIN_FOLDER / name) for name in PLUGINS if (PLUGIN_FOLDER / name).exists()]
        config: dict = {
            "Name": f"workstation-{self.aet}",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "index"),
            "DicomAet": self.aet,
            "DicomPort": self.dicom_port,
            "HttpPort": self._orthanc_http_port or self.http_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "HttpServerEnabled": True,
            "HttpThreadsCount": 32,
            "DicomServerEnabled": True,
            "DicomCheckCalledAet": self.check_called_aet,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": True,
            "DicomAlwaysAllowFind": True,
            "DicomAlwaysAllowFindWorklist": True,
            "DicomAlwaysAllowGet": True,
            "DicomAlwaysAllowMove": True,
            "DicomModalities": {
                name: entry if isinstance(entry, dict) else list(entry) for name, entry in self.modalities.items()
            },
            "DicomScpTimeout": 30,
            "StorageCompression": False,
            "Plugins": plugins,
            "Worklists": {"Enable": True, "Database": str(worklists)},
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "MainDicomTags"},
        }
        if self.tls is not None:
            config.update(
                DicomTlsEnabled=True,
                DicomTlsCertificate=str(self.tls.certificate),
                DicomTlsPrivateKey=str(self.tls.private_key),
                DicomTlsTrustedCertificates=str(self.tls.trusted_certificates),
                DicomTlsRemoteCertificateRequired=self.tls.require_client_certificate,
            )
        return config

    def start(self, timeout: float = 20.0) -> "OrthancServer":
        """Start Orthanc and wait until its REST API answers; a running server is left as it is, so
        ``with OrthancServer(...).start() as orthanc`` starts one process, not two."""
        if self._process is not None and self._process.poll() is None:
            return self
        if not orthanc_installed():
            raise PacsError(
                "Orthanc is not installed, so the built-in PACS cannot start. "
                "Install it with: apt-get install orthanc orthanc-dicomweb (or run scripts/setup.sh as root)."
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "worklists").mkdir(exist_ok=True)
        self.dicom_port = self.dicom_port or free_port()
        self.http_port = self.http_port or free_port()
        if self.https is not None:
            self._orthanc_http_port = self._orthanc_http_port or free_port()
            if self._front is None:
                try:
                    self._front = TlsFront(self._orthanc_http_port, self.https.certificate, self.https.private_key,
                                           self.https.trusted_client_certificates, port=self.http_port).start()
                except OSError as error:  # ssl.SSLError included: a certificate or key that cannot be used
                    raise PacsError(f"Cannot serve HTTPS on port {self.http_port}: {error}") from error
        config_path = self.folder / "orthanc.json"
        config_path.write_text(json.dumps(self.configuration(), indent=2), encoding="utf-8")
        environment = dict(os.environ, TCP_NODELAY="1")
        log_file = open(self.folder / "orthanc.log", "ab")
        try:
            self._process = subprocess.Popen(
                [ORTHANC_EXECUTABLE, str(config_path)],
                stdout=log_file, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
            )
        finally:
            log_file.close()
        deadline = time.monotonic() + timeout
        with self.rest_session() as session:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    self.stop()
                    raise PacsError(f"Orthanc stopped right after starting; see {self.folder / 'orthanc.log'}")
                try:
                    if session.get(f"{self.base_url}/system", timeout=1).ok:
                        log.info("Orthanc %s up: DICOM port %d, HTTP port %d", self.aet, self.dicom_port,
                                 self.http_port)
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.05)
        self.stop()
        raise PacsError(f"Orthanc did not answer within {timeout:.0f} s; see {self.folder / 'orthanc.log'}")

    def stop(self, timeout: float = 10.0) -> None:
        """Ask Orthanc to exit (SIGTERM) and wait; kill it if it does not."""
        front, self._front = self._front, None
        if front is not None:
            front.stop()
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def kill(self) -> None:
        """Kill Orthanc at once (SIGKILL): the fault tests use it to cut a transfer in the middle."""
        if self._process is not None and self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait(10)

    def upload(self, paths: list[Path]) -> int:
        """Load DICOM files into Orthanc over REST; returns how many it accepted."""
        accepted = 0
        with self.rest_session() as session:
            for path in paths:
                response = session.post(f"{self.base_url}/instances", data=path.read_bytes(), timeout=60)
                if not response.ok:
                    raise PacsError(f"Orthanc refused {path.name}: HTTP {response.status_code} {response.text[:200]}")
                accepted += 1
        return accepted

    def upload_bytes(self, encoded: bytes) -> None:
        with self.rest_session() as session:
            response = session.post(f"{self.base_url}/instances", data=encoded, timeout=60)
        if not response.ok:
            raise PacsError(f"Orthanc refused an instance: HTTP {response.status_code} {response.text[:200]}")

    def instance_count(self) -> int:
        with self.rest_session() as session:
            return int(session.get(f"{self.base_url}/statistics", timeout=10).json()["CountInstances"])

    def __enter__(self) -> "OrthancServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
