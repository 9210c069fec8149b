"""``workstation retrieve --pacs NODE --study UID [--series UID] [--priors N] [--method get|move|web]``.

Fetches into the local archive, printing progress; a second run fetches only what is still missing.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from workstation.cli.authentication import add_user_option, command_user
from workstation.settings.pacs_nodes import RETRIEVE_METHODS, load_pacs_settings, resolve_node

if TYPE_CHECKING:  # the archive, security and HTTP stacks load when the command runs, not for its --help
    from workstation.net.job_queue import RetrieveJob
    from workstation.net.transfer import RetrieveProgress


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("retrieve", help="fetch a study (and its priors) from a PACS into the archive")
    parser.add_argument("--pacs", required=True, metavar="NODE",
                        help="configured node name, AET@HOST:PORT, or http://HOST:PORT/dicom-web")
    parser.add_argument("--study", required=True, metavar="UID", help="StudyInstanceUID")
    parser.add_argument("--series", default="", metavar="UID", help="only this SeriesInstanceUID")
    parser.add_argument("--priors", type=int, default=0, metavar="N", help="also fetch the N most relevant priors")
    parser.add_argument("--method", choices=RETRIEVE_METHODS, help="override the node's retrieve method")
    add_user_option(parser)
    parser.set_defaults(func=run)


def progress_line(job: RetrieveJob, progress: RetrieveProgress | None) -> str:
    if progress is None:
        return f"{job.study_instance_uid}: {job.state.value}"
    done = progress.received_instances + progress.already_present
    return (f"{job.study_instance_uid}: {done}/{progress.total_instances} instances, "
            f"{progress.received_bytes / 1e6:.1f} MB, {progress.bytes_per_second / 1e6:.1f} MB/s")


def run(args: argparse.Namespace) -> int:
    from workstation.archive import Archive
    from workstation.net.job_queue import JobState, RetrieveQueues

    signed = command_user(args)
    signed.security.policy.require_access(signed.user, args.study)
    settings = load_pacs_settings()
    node = resolve_node(args.pacs, settings, args.method)
    signed.security.trail.record(signed.security.trail.messages.begin_transferring(
        signed.name, (), (args.study,), node.address, settings.local.aet))
    interactive = sys.stderr.isatty()

    def show(job: RetrieveJob) -> None:
        if interactive and job.state is JobState.RUNNING:
            print("\r" + progress_line(job, job.progress), end="", file=sys.stderr, flush=True)

    with Archive.open_default() as archive:
        queues = RetrieveQueues(settings.local, archive)
        jobs: list[RetrieveJob] = []
        try:
            jobs = [queues.submit(node, args.study, args.series, listener=show)]
            if args.priors > 0:
                from workstation.net.priors import prefetch_priors  # its C-FIND path loads pynetdicom (~0.25 s)

                jobs += prefetch_priors(queues, node, settings.local, args.study, args.priors, show,
                                        lambda found: signed.security.policy.visible_studies(signed.user, found))
            for job in jobs:
                job.wait()
        except KeyboardInterrupt:
            for job in jobs:
                job.cancel()
            for job in jobs:
                job.wait(10)
        finally:
            queues.stop()
    if interactive:
        print(file=sys.stderr)
    failures = 0
    for job in jobs:
        if job.state is JobState.DONE and job.report is not None:
            report = job.report
            middle = ("" if report.middle_instance_seconds is None
                      else f", middle slice on disk after {report.middle_instance_seconds:.2f} s")
            print(f"{report.study_instance_uid}: {report.received_instances} instances retrieved "
                  f"({report.received_bytes / 1e6:.1f} MB in {report.elapsed_seconds:.1f} s{middle}), "
                  f"{report.already_present} already in the archive, {report.total_instances} in total")
        else:
            failures += 1
            print(f"{job.study_instance_uid}: {job.state.value}: {job.error}", file=sys.stderr)
    return 1 if failures else 0
