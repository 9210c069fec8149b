"""Building a Volume (modality values on a regular grid) from one phase of a display set.

The voxel array is allocated once and every slice is written into its place: uncompressed frames are
read from the file straight into it (through a one-slice buffer when a rescale applies), compressed
frames are decoded one at a time (optionally in a pool of worker processes) and rescaled into it.
Missing slices and frames that cannot be read become blank slices, and the volume's warnings say so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from workstation.core.errors import DicomReadError, WorkstationError
from workstation.dicom.displaysets import DisplaySet
from workstation.dicom.model import Frame, Instance
from workstation.dicom.pixels import decode_frame
from workstation.dicom.reading import read_dataset
from workstation.volume.native_pixels import pixel_data_offset, read_frames_into, stored_dtype
from workstation.volume.volume import Volume

log = logging.getLogger(__name__)

_INTEGER_TYPES = (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32)


class VolumeAssemblyError(WorkstationError):
    """The display set cannot become a volume (no geometry, colour images, no readable slice)."""


@dataclass(frozen=True)
class _Request:
    slot: int
    frame_index: int
    slope: float
    intercept: float


def assemble_volume(display_set: DisplaySet, phase: int = 0, *, executor: Executor | None = None) -> Volume:
    """Read the pixels of ``display_set.phases[phase]`` into a new Volume.

    ``executor`` (a process pool such as ``decoding_pool()``, kept for the session) decodes
    compressed frames in parallel; uncompressed frames are always read in this thread, which is faster
    than handing them to another process.
    """
    chosen = display_set.phases[phase]
    if chosen.affine is None:
        raise VolumeAssemblyError(
            f"{display_set.label}: the images carry no patient position, so they cannot form a volume"
        )
    frames = chosen.frames
    first = frames[0].instance
    if any(frame.instance.samples_per_pixel != 1 for frame in frames):
        raise VolumeAssemblyError(f"{display_set.label}: colour images cannot be built into a grey-scale volume")
    voxels = np.empty((len(chosen.slices), first.rows, first.columns), dtype=modality_dtype(frames))
    by_instance: dict[int, tuple[Instance, list[_Request]]] = {}
    for slot, frame in enumerate(chosen.slices):
        if frame is None:
            continue
        attributes = frame.attributes
        request = _Request(slot, frame.index, attributes.rescale_slope, attributes.rescale_intercept)
        by_instance.setdefault(id(frame.instance), (frame.instance, []))[1].append(request)
    failed: list[tuple[list[int], DicomReadError]] = []
    compressed: list[tuple[Instance, list[_Request]]] = []
    for instance, requests in by_instance.values():
        if not _read_native(instance, requests, voxels):
            compressed.append((instance, requests))
    for (instance, requests), outcome in zip(compressed, _decode_all(compressed, executor)):
        if isinstance(outcome, str):
            failed.append(([request.slot for request in requests], DicomReadError(instance.path, outcome)))
            continue
        for request, stored in zip(requests, outcome):
            store_modality_values(voxels[request.slot], stored, request.slope, request.intercept)
    warnings = list(display_set.warnings)
    blank = [slot for slot, frame in enumerate(chosen.slices) if frame is None]
    for slots, error in failed:
        blank.extend(slots)
        warnings.append(f"{len(slots)} slice(s) left blank: {error}")
        log.warning("Volume %s: %s", display_set.label, error)
    if len(blank) == len(chosen.slices):
        reason = failed[0][1].problem if failed else "no images"
        raise VolumeAssemblyError(f"{display_set.label}: no slice could be read ({reason})")
    if blank:
        present = np.setdiff1d(np.arange(len(chosen.slices)), blank)
        voxels[blank] = min(voxels[slot].min() for slot in present)
    return Volume(
        voxels=voxels,
        affine=chosen.affine.copy(),
        frame_of_reference_uid=display_set.series.frame_of_reference_uid,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def modality_dtype(frames: Iterable[Frame]) -> np.dtype:
    """The smallest type holding every modality value the frames can have (float32 for fractional rescales)."""
    low, high = np.inf, -np.inf
    for frame in frames:
        instance, attributes = frame.instance, frame.attributes
        slope, intercept = attributes.rescale_slope, attributes.rescale_intercept
        if not (float(slope).is_integer() and float(intercept).is_integer()) or instance.bits_allocated > 32:
            return np.dtype(np.float32)
        bits = instance.bits_stored or instance.bits_allocated
        if instance.pixel_representation == 1:
            stored = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        else:
            stored = (0, 2**bits - 1)
        ends = (stored[0] * slope + intercept, stored[1] * slope + intercept)
        low, high = min(low, *ends), max(high, *ends)
    for candidate in _INTEGER_TYPES:
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max:
            return np.dtype(candidate)
    return np.dtype(np.float64)


def store_modality_values(target: np.ndarray, stored: np.ndarray, slope: float, intercept: float) -> None:
    """target = stored * slope + intercept, in one pass without a full-size temporary.

    Integer targets compute in their own type: wrap-around arithmetic is exact whenever the result fits,
    which ``modality_dtype`` guarantees, and it is several times faster than widening to int64.
    """
    if slope == 1.0 and intercept == 0.0:
        np.copyto(target, stored, casting="unsafe")
    elif target.dtype.kind == "f":
        np.multiply(stored, target.dtype.type(slope), out=target, casting="unsafe")
        target += target.dtype.type(intercept)
    else:
        wrapped_slope = np.int64(slope).astype(target.dtype)
        wrapped_intercept = np.int64(intercept).astype(target.dtype)
        with np.errstate(over="ignore"):
            if slope == 1.0:
                np.add(stored, wrapped_intercept, out=target, casting="unsafe", dtype=target.dtype)
            else:
                np.multiply(stored, wrapped_slope, out=target, casting="unsafe", dtype=target.dtype)
                np.add(target, wrapped_intercept, out=target, casting="unsafe")


def _read_native(instance: Instance, requests: list[_Request], voxels: np.ndarray) -> bool:
    """Read an uncompressed instance's frames in place; False when it must go through the decoder."""
    dtype = stored_dtype(instance)
    if dtype is None or (instance.rows, instance.columns) != voxels.shape[1:]:
        return False
    try:
        offset = pixel_data_offset(instance, dtype)
        if offset is None:
            return False
        bits = instance.bits_stored or instance.bits_allocated
        exact = dtype == voxels.dtype and bits == dtype.itemsize * 8
        identity = [exact and (request.slope, request.intercept) == (1.0, 0.0) for request in requests]
        direct = [request for request, same in zip(requests, identity) if same]
        buffered = [request for request, same in zip(requests, identity) if not same]
        read_frames_into(
            instance.path,
            offset,
            [request.frame_index for request in direct],
            [voxels[request.slot] for request in direct],
        )
        buffer = np.empty(voxels.shape[1:], dtype=dtype)
        for request in buffered:
            read_frames_into(instance.path, offset, [request.frame_index], [buffer])
            _keep_stored_bits(buffer, bits)
            store_modality_values(voxels[request.slot], buffer, request.slope, request.intercept)
    except OSError as error:
        log.info("Fast read of %s failed (%s); decoding it instead", instance.path, error)
        return False
    return True


def _keep_stored_bits(stored: np.ndarray, bits: int) -> None:
    """Drop bits above Bits Stored (overlays, garbage) and sign-extend signed values, in place."""
    width = stored.dtype.itemsize * 8
    if bits >= width:
        return
    if stored.dtype.kind == "u":
        np.bitwise_and(stored, stored.dtype.type((1 << bits) - 1), out=stored)
    else:
        shift = stored.dtype.type(width - bits)
        np.left_shift(stored, shift, out=stored)
        np.right_shift(stored, shift, out=stored)


def _decode_all(
    work: list[tuple[Instance, list[_Request]]], executor: Executor | None
) -> Iterable[list[np.ndarray] | str]:
    jobs = [(str(instance.path), tuple(request.frame_index for request in requests)) for instance, requests in work]
    if executor is None or len(jobs) < 2:
        return (decode_instance_frames(path, indices) for path, indices in jobs)
    return executor.map(decode_instance_frames, *zip(*jobs), chunksize=max(1, len(jobs) // 32))


def decode_instance_frames(path: str, frame_indices: tuple[int, ...]) -> list[np.ndarray] | str:
    """Stored values of some frames of one file; a read problem comes back as its message (it crosses processes)."""
    try:
        dataset = read_dataset(path)
        return [decode_frame(dataset, index) for index in frame_indices]
    except DicomReadError as error:
        return error.problem


def decoding_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes for decoding compressed frames (JPEG 2000 decoders hold the GIL, so threads do not help).

    Started with "spawn" so that a pool opened from a GUI thread never forks Qt's threads; start it once
    and keep it, since each worker takes a moment to import the decoders.
    """
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context)
