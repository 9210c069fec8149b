"""DICOM Hanging Protocol Storage instances: export, import, round trip, and losses reported."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage, HangingProtocolStorage

from workstation.hanging.dicom_hp import HangingProtocolImportError, export_protocol, import_protocol
from workstation.hanging.loading import load_protocols
from workstation.hanging.schema import protocol_from_text

REPRESENTABLE = """
id: chest-2screens
name: Chest reading
description: two screens, prior on the right
level: GROUP
owner: thoracic
screens: 2
match:
  - {attribute: modality, equals: [CT, PT], required: true}
image_sets:
  prior:
    prior: 2
    match:
      - {attribute: modality, equals: CT}
  old:
    prior: oldest
  recent:
    prior: 1
    within_days: 730
stages:
  - name: Axial
    layouts: [1+2, 2x2]
    boxes:
      - image_set: current
        label: Big axial
        select:
          - {attribute: orientation, equals: axial, required: true}
          - {attribute: image_type, equals: LOCALIZER, exclude: true}
          - {attribute: slice_thickness, range: [0.5, 3], required: true}
        window: Lung
        invert: true
      - {image_set: current, label: Coronal, view: {type: mpr, plane: coronal}}
      - {image_set: current, label: Slab, view: {type: mpr, plane: sagittal, slab: {thickness: 12, mode: mip}}}
      - {image_set: prior, label: Prior, screen: 2, select: [{attribute: series_description, equals: LUNG, required: true}]}
      - {image_set: old, label: Oldest, screen: 2}
      - {image_set: recent, label: Recent, screen: 2, view: {type: 3d}}
    sync:
      - {type: scroll, boxes: [0, 3, 4]}
      - {type: reference_lines, boxes: [0, 1, 2]}
  - name: Second
    layouts: [1x1, 1x1]
    boxes:
      - {image_set: current, label: Only}
"""


def _through_file(dataset: Dataset, tmp_path) -> Dataset:
    path = tmp_path / "hp.dcm"
    dataset.save_as(path, enforce_file_format=True)
    return dcmread(path)


def test_round_trip_keeps_layouts_boxes_filters_reformatting_sync_and_priors(tmp_path):
    protocol, problems = protocol_from_text(REPRESENTABLE, "p.yaml")
    assert problems == []

    dataset, losses = export_protocol(protocol)
    read = _through_file(dataset, tmp_path)
    assert read.SOPClassUID == HangingProtocolStorage and read.NumberOfScreens == 2
    assert read.HangingProtocolLevel == "GROUP" and read.NumberOfPriorsReferenced == 3
    again, import_losses = import_protocol(read, "hp.dcm")

    assert import_losses == []
    assert again.stages == protocol.stages
    assert again.image_sets[0].name == "current" and again.image_sets[1:] == (
        replace(protocol.image_sets[1], rules=()), protocol.image_sets[2], protocol.image_sets[3])
    assert (again.id, again.name, again.description, again.level, again.owner, again.screens) == (
        protocol.id, protocol.name, protocol.description, "GROUP", "thoracic", 2)
    assert again.rules == protocol.rules
    assert losses == ["image set prior: rule 'modality CT' (weight 1)"]  # DICOM selectors have no weights


def test_every_shipped_protocol_exports_and_imports_back_to_the_same_layout(tmp_path):
    for protocol in load_protocols("nobody").protocols:
        dataset, losses = export_protocol(protocol)
        again, import_losses = import_protocol(_through_file(dataset, tmp_path), protocol.id)
        assert [s.layouts for s in again.stages] == [s.layouts for s in protocol.stages], protocol.id
        assert [len(s.boxes) for s in again.stages] == [len(s.boxes) for s in protocol.stages]
        assert [s.sync for s in again.stages] == [tuple(g for g in s.sync if g.kind in ("scroll", "reference_lines"))
                                                   for s in protocol.stages]
        assert import_losses == []
        weighted = [rule for rule in protocol.rules if not rule.required]
        assert len([loss for loss in losses if loss.startswith("study rule")]) == len(weighted)


def test_what_dicom_cannot_hold_is_reported_on_export():
    protocol = next(p for p in load_protocols("nobody").protocols if p.id == "ct-chest")
    dataset, losses = export_protocol(protocol)
    assert all(len(item.ImageSetSelectorSequence) == 1 for item in dataset.ImageSetsSequence)  # Type 1 in the IOD
    generic = next(p for p in load_protocols("nobody").protocols if p.id == "generic")
    assert "image set current: no selector the IOD can hold (it requires one); left empty" in export_protocol(generic)[1]
    assert any("study_description like" in loss and "weight 4" in loss for loss in losses)
    assert any("sort ('-image_count',)" in loss for loss in losses)
    assert any("slice middle" in loss for loss in losses)
    mg = next(p for p in load_protocols("nobody").protocols if p.id == "mg-screening")
    assert any("zoom synchronisation" in loss for loss in export_protocol(mg)[1])


def test_import_reports_unknown_attributes_and_refuses_other_objects():
    protocol, _ = protocol_from_text(REPRESENTABLE, "p.yaml")
    dataset, _ = export_protocol(protocol)
    extra = Dataset()
    extra.SelectorAttribute = 0x00181030  # Protocol Name: not something we match on
    extra.SelectorAttributeVR = "LO"
    extra.SelectorLOValue = "x"
    extra.FilterByOperator = "MEMBER_OF"
    dataset.DisplaySetsSequence[0].FilterOperationsSequence.append(extra)
    _, losses = import_protocol(dataset)
    assert losses == ["display set 1: attribute (0018,1030) is not one the workstation matches on"]

    other = Dataset()
    other.SOPClassUID = CTImageStorage
    with pytest.raises(HangingProtocolImportError, match="not a Hanging Protocol"):
        import_protocol(other, "ct.dcm")
