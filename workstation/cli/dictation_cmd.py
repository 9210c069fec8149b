"""``workstation dictation record|list|recover|transcribe|export``: dictate and manage dictations."""

from __future__ import annotations

import argparse
import getpass
import json
import signal
import sys
import threading
from pathlib import Path

from workstation.reporting.capture import DictationRecorder
from workstation.reporting.dictation import DictationStore
from workstation.reporting.microphone import AudioDeviceError
from workstation.reporting.speech_recognition import create_engine, engine_names
from workstation.reporting.transcription import TranscriptionQueue


def register(subparsers) -> None:
    parser = subparsers.add_parser("dictation", help="record, list, recover and export dictations")
    commands = parser.add_subparsers(dest="dictation_command", metavar="ACTION", required=True)

    record = commands.add_parser("record", help="record from the default input until Ctrl+C (SIGINT) or SIGTERM")
    record.add_argument("--accession", required=True, help="accession number of the exam")
    record.add_argument("--author", default=getpass.getuser(), help="who dictates (default: the login name)")
    record.add_argument("--urgent", action="store_true", help="put it first in the transcription queue")
    record.add_argument("--device", default=None, help="input device name or number (default: the system's)")
    record.set_defaults(func=_record)

    listing = commands.add_parser("list", help="status, duration, exam and author of every dictation")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=_list)

    recover = commands.add_parser("recover", help="finalise recordings cut off by a crash")
    recover.set_defaults(func=_recover)

    transcribe = commands.add_parser("transcribe", help="run a speech recognition engine over the queue")
    transcribe.add_argument("--engine", required=True,
                            help=f"engine name (installed: {', '.join(engine_names())})")
    transcribe.set_defaults(func=_transcribe)

    export = commands.add_parser("export", help="write a dictation's audio to a .wav or .flac file")
    export.add_argument("dictation_id", metavar="ID")
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(func=_export)


def _record(args: argparse.Namespace) -> int:
    store = DictationStore()
    dictation = store.create(args.accession, args.author, urgent=args.urgent)
    device = int(args.device) if args.device and args.device.isdigit() else args.device
    recorder = DictationRecorder(store, dictation.dictation_id, device=device)
    finished = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: finished.set())
    try:
        recorder.start()
    except AudioDeviceError:
        store.discard_if_empty(dictation.dictation_id)
        raise
    print(f"recording dictation {dictation.dictation_id} for accession {dictation.accession_number}; "
          "Ctrl+C stops", flush=True)
    while not finished.wait(0.2):
        if recorder.error:
            break
    dictation = recorder.stop()
    if recorder.error:
        print(f"workstation: {recorder.error}", file=sys.stderr)
    print(f"dictation {dictation.dictation_id}: {dictation.duration_seconds:.1f} s, {dictation.status.value}")
    return 1 if recorder.error else 0


def _list(args: argparse.Namespace) -> int:
    dictations = DictationStore().all()
    if args.json:
        rows = [{"id": item.dictation_id, "status": item.status.value,
                 "duration_seconds": round(item.duration_seconds, 3),
                 "accession_number": item.accession_number, "author": item.author, "urgent": item.urgent,
                 "created_at": item.created_at} for item in dictations]
        print(json.dumps(rows, indent=1))
        return 0
    if not dictations:
        print("no dictations")
    for item in dictations:
        urgent = " URGENT" if item.urgent else ""
        print(f"{item.dictation_id}  {item.status.value:<28} {item.duration_seconds:7.1f} s  "
              f"accession {item.accession_number}  by {item.author}{urgent}")
    return 0


def _recover(args: argparse.Namespace) -> int:
    recovered = DictationStore().recover()
    if not recovered:
        print("no unfinished dictations")
    for item in recovered:
        print(f"recovered dictation {item.dictation_id}: {item.duration_seconds:.1f} s, "
              f"accession {item.accession_number}")
    return 0


def _transcribe(args: argparse.Namespace) -> int:
    queue = TranscriptionQueue()
    done = queue.recognise_pending(create_engine(args.engine))
    for item in done:
        print(f"transcribed dictation {item.dictation_id} (accession {item.accession_number})")
    left = queue.pending()
    if left:
        print(f"{len(left)} dictation(s) left for a transcriptionist")
    return 0


def _export(args: argparse.Namespace) -> int:
    target = DictationStore().export(args.dictation_id, args.file)
    print(f"wrote {target}")
    return 0
