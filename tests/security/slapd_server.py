"""A throwaway OpenLDAP server (Debian slapd) on loopback for tests: slapd.conf in a temp folder."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from ldap3 import Connection, Server

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
USER_DN = "uid={user},ou=people," + SUFFIX

CONFIG = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {folder}/data
"""


class SlapdServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "SlapdServer":
        (self.folder / "data").mkdir(parents=True)
        config = self.folder / "slapd.conf"
        config.write_text(CONFIG.format(folder=self.folder, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD))
        self.process = subprocess.Popen(["/usr/sbin/slapd", "-h", f"{self.url}/", "-f", str(config), "-d", "0"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("slapd did not start within 10 s")
        with Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True) as admin:
            admin.add(SUFFIX, ["dcObject", "organization"], {"o": "Example", "dc": "example"})
            admin.add(f"ou=people,{SUFFIX}", ["organizationalUnit"], {"ou": "people"})
        return self

    def add_person(self, user: str, password: str) -> None:
        with Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True) as admin:
            assert admin.add(USER_DN.format(user=user), ["inetOrgPerson"],
                             {"cn": user, "sn": user, "uid": user, "userPassword": password}), admin.result

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
