"""The HL7 v2 MLLP listener: orders and patient updates from the RIS, each answered with an ACK or NAK.

Runs an asyncio server (python-hl7's MLLP streams) on its own thread so the app and ``serve-worklist``
share it. A broken message gets a NAK and a log line; the connection and the listener keep running.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import hl7.mllp

from workstation.worklist.errors import WorklistError
from workstation.worklist.hl7_orders import handle_text
from workstation.worklist.store import WorklistStore

log = logging.getLogger(__name__)

ENCODING = "utf-8"


class HL7Listener:
    """Listens on ``host:port`` (port 0 picks a free one; see ``port`` after ``start``)."""

    def __init__(self, store: WorklistStore, host: str = "127.0.0.1", port: int = 0,
                 on_message: Callable[[], None] | None = None) -> None:
        self.store = store
        self.host = host
        self.port = port
        self.on_message = on_message
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> "HL7Listener":
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    hl7.mllp.start_hl7_server(self._serve, host=self.host, port=self.port, encoding=ENCODING)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except OSError as error:
                failure.append(error)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="hl7-listener", daemon=True)
        self._thread.start()
        started.wait(timeout)
        if failure:
            log.error("HL7 listener cannot listen on %s:%s: %s", self.host, self.port, failure[0])
            raise WorklistError(
                f"The HL7 listener cannot use port {self.port} ({failure[0].strerror or failure[0]}); "
                "another program may be using it. Choose another port with --hl7-port."
            )
        log.info("HL7 listener on %s:%d", self.host, self.port)
        return self

    async def _serve(self, reader: hl7.mllp.HL7StreamReader, writer: hl7.mllp.HL7StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            while not reader.at_eof():
                block = await reader.readblock()
                text = block.decode(ENCODING, errors="replace")
                answer = await asyncio.get_running_loop().run_in_executor(None, handle_text, self.store, text)
                writer.writeblock(answer.encode(ENCODING))
                await writer.drain()
                if self.on_message is not None:
                    self.on_message()
        except asyncio.IncompleteReadError:
            pass
        except (hl7.mllp.InvalidBlockError, ValueError, ConnectionError) as error:
            log.warning("HL7 connection from %s dropped: %s", peer, error)
        finally:
            writer.close()

    def stop(self, timeout: float = 10.0) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._loop = self._thread = None
