"""A throwaway OpenLDAP server (Debian slapd) on loopback for tests: slapd.conf in a temp folder.

Like a hospital directory: people in several units, groups (groupOfNames), a service account that may
search, anonymous users who may not; optionally ldaps:// and StartTLS with a given certificate. slapd's
stats log (every BIND, SEARCH, StartTLS) is kept in ``slapd.log`` so tests can see what reached it.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from ldap3 import MODIFY_DELETE, Connection, Server

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
USER_DN = "uid={user},ou=people," + SUFFIX
SERVICE_DN = f"cn=workstation,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
UNITS = ("people", "groups", "services")

CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
{tls}
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {folder}/data
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
"""
TLS_CONFIG = """TLSCertificateFile {certificate}
TLSCertificateKeyFile {key}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlapdServer:
    """``tls=(certificate, key)`` adds an ldaps:// port (``ldaps_url``) and StartTLS on the plain one."""

    def __init__(self, folder: Path, tls: tuple[Path, Path] | None = None) -> None:
        self.folder = folder
        self.tls = tls
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ldaps_port = free_port() if tls else None
        self.ldaps_url = f"ldaps://127.0.0.1:{self.ldaps_port}" if tls else None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> SlapdServer:
        (self.folder / "data").mkdir(parents=True)
        config = self.folder / "slapd.conf"
        tls = TLS_CONFIG.format(certificate=self.tls[0], key=self.tls[1]) if self.tls else ""
        config.write_text(CONFIG.format(folder=self.folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD,
                                        tls=tls))
        urls = f"{self.url}/" + (f" {self.ldaps_url}/" if self.tls else "")
        with self.log_path.open("wb") as log:  # -d 256: the stats log (connections and operations) on stderr
            self.process = subprocess.Popen(["/usr/sbin/slapd", "-h", urls, "-f", str(config), "-d", "256"],
                                            stdout=subprocess.DEVNULL, stderr=log)
        try:
            for port in (self.port, self.ldaps_port):
                if port:
                    self._wait_for(port)
            with self._admin() as admin:
                admin.add(SUFFIX, ["dcObject", "organization"], {"o": "Example", "dc": "example"})
                for unit in UNITS:
                    admin.add(f"ou={unit},{SUFFIX}", ["organizationalUnit"], {"ou": unit})
                admin.add(SERVICE_DN, ["organizationalRole", "simpleSecurityObject"],
                          {"cn": "workstation", "userPassword": SERVICE_PASSWORD})
        except BaseException:
            self.__exit__()
            raise
        return self

    @property
    def log_path(self) -> Path:
        return self.folder / "slapd.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_for(self, port: int) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.log()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start within 10 s")

    def _admin(self) -> Connection:
        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)

    def add_unit(self, unit: str, parent: str = SUFFIX) -> str:
        dn = f"ou={unit},{parent}"
        with self._admin() as admin:
            assert admin.add(dn, ["organizationalUnit"], {"ou": unit}), admin.result
        return dn

    def add_person(self, user: str, password: str, unit: str = f"ou=people,{SUFFIX}") -> str:
        dn = f"uid={user},{unit}"
        with self._admin() as admin:
            assert admin.add(dn, ["inetOrgPerson"], {"cn": user, "sn": user, "uid": user, "userPassword": password}), \
                admin.result
        return dn

    def add_group(self, name: str, members: list[str]) -> str:
        dn = f"cn={name},ou=groups,{SUFFIX}"
        with self._admin() as admin:
            assert admin.add(dn, ["groupOfNames"], {"cn": name, "member": members}), admin.result
        return dn

    def remove_member(self, group: str, member: str) -> None:
        with self._admin() as admin:
            assert admin.modify(group, {"member": [(MODIFY_DELETE, [member])]}), admin.result

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
