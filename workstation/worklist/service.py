"""The worklist's running parts wired from the settings: HL7 listener, MWL/PACS poller, RIS sender.

``serve-worklist`` runs it headless for a department (one service writing to the shared store); a
standalone station runs the same inside the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from workstation.settings.pacs_nodes import load_pacs_settings
from workstation.worklist.config import WorklistConfig
from workstation.worklist.hl7_listener import HL7Listener
from workstation.worklist.ris_outbox import RisAddress, RisOutbox, RisSender
from workstation.worklist.sources import WorklistPoller
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)


class WorklistService:
    def __init__(self, config: WorklistConfig, store: WorklistStore, home: Path | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        self.config = config
        self.store = store
        self.home = home
        self.on_change = on_change
        self.listener: HL7Listener | None = None
        self.poller: WorklistPoller | None = None
        self.outbox = RisOutbox(None if home is None else home / "worklist" / "ris_outbox.sqlite")
        self.sender: RisSender | None = None

    def start(self, listen: bool = True) -> "WorklistService":
        """Start what the settings ask for; ``listen`` False skips the HL7 listener (stations of a
        department where ``serve-worklist`` listens)."""
        if listen:
            self.listener = HL7Listener(self.store, self.config.hl7_host, self.config.hl7_port, self.on_change).start()
        settings = load_pacs_settings(self.home)
        mwl = settings.node(self.config.mwl_node) if self.config.mwl_node else None
        pacs = settings.node(self.config.pacs_node) if self.config.pacs_node else None
        if mwl is not None or pacs is not None:
            self.poller = WorklistPoller(
                self.store, settings.local, mwl, pacs, self.config.poll_seconds, self.config.mwl_modality,
                self.config.mwl_station_aet, self.on_change,
            ).start()
        if self.config.ris_port:
            self.sender = RisSender(self.outbox, RisAddress(self.config.ris_host, self.config.ris_port)).start()
        return self

    def problems(self) -> dict[str, str]:
        """Sources that failed at their last poll, with the user's message (for the banner)."""
        return dict(self.poller.problems) if self.poller is not None else {}

    def stop(self) -> None:
        for part in (self.listener, self.poller, self.sender):
            if part is not None:
                part.stop()
        self.outbox.close()
