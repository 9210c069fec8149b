"""A second workstation process for the PostgreSQL lock test: ``python -m tests.worklist.lock_worker URL
MODE START_AT USER`` waits until START_AT (epoch seconds), then locks exams and prints their accessions
as JSON. MODE "each" tries every exam in turn, "next" presses "open next" until nothing is left."""

from __future__ import annotations

import json
import sys
import time

from workstation.worklist.reader_session import ReaderSession
from workstation.worklist.store import WorklistStore


def main(url: str, mode: str, start_at: float, user: str) -> None:
    with WorklistStore(url) as store:
        session = ReaderSession(store, user)
        accessions = [exam.accession_number for exam in store.exams()]
        time.sleep(max(0.0, start_at - time.time()))
        got: list[str] = []
        if mode == "each":
            got = [accession for accession in accessions if session.open(accession).acquired]
        else:
            while (result := session.open_next()) is not None:
                got.append(result.exam.accession_number)
    print(json.dumps(got))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4])
