"""The reading's measurements as report sentences, e.g. "Length 23.4 mm (series 3 Lung, image 45)"."""

from __future__ import annotations

from workstation.viewer.reading_session import ReadingSession

KIND_NAMES = {"length": "Length", "angle": "Angle", "ellipse": "Ellipse ROI", "rectangle": "Rectangle ROI"}


def measurement_sentences(session: ReadingSession) -> list[str]:
    """One line per measurement of the current (not prior) stacks, in series and image order."""
    sentences = []
    for stack in session.display_sets:
        if stack.is_prior:
            continue
        where = " ".join(part for part in (stack.labels.series_number, stack.labels.series_description) if part)
        for index in range(len(stack)):
            for measurement in session.measurements.on_image(stack.uid, index):
                values = stack.pixels(index) if measurement.kind in ("ellipse", "rectangle") else None
                label = measurement.label(stack.planes[index], values, stack.value_unit).replace("\n", ", ")
                if label:
                    sentences.append(f"{KIND_NAMES.get(measurement.kind, measurement.kind)} {label} "
                                     f"(series {where or '?'}, image {index + 1})")
    return sentences
