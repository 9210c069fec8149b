"""Save current screen as protocol: a layout per screen, MPR/3D views and the groups on screen survive the file."""

from __future__ import annotations

from workstation.hanging.capture import ScreenBox, protocol_from_screen
from workstation.hanging.exam import DisplaySetFacts
from workstation.hanging.protocol import Reformat, SyncGroup
from workstation.hanging.rules import Rule
from workstation.hanging.schema import protocol_from_text, protocol_to_yaml


def _facts(description: str) -> DisplaySetFacts:
    return DisplaySetFacts("1.2.3", "9.9", 0, description, {"modality": "CT", "orientation": "axial",
                                                            "series_description": description, "is_volume": True})


def test_two_screens_mpr_slab_3d_preset_and_groups_round_trip_through_the_file():
    boxes = [ScreenBox(_facts("Chest"), window="Lung", reformat=Reformat("mpr", "coronal", 10.0, "minip")),
             ScreenBox(_facts("Chest"), is_prior=True, window="Lung"),
             ScreenBox(_facts("Chest"), reformat=Reformat("3d", volume_preset="bone"))]
    sync = (SyncGroup("scroll", (0, 1)), SyncGroup("reference_lines", (0, 2)))
    protocol = protocol_from_screen("mine", "Mine", "reader", (Rule("modality", ("CT",), required=True),),
                                    "1x2|1x1", boxes, sync)

    again, problems = protocol_from_text(protocol_to_yaml(protocol), "mine.yaml")

    assert problems == []
    assert again.screens == 2 and again.stages[0].layouts == ("1x2", "1x1")
    stage_boxes = again.stages[0].boxes
    assert [box.screen for box in stage_boxes] == [1, 1, 2]
    assert [box.reformat for box in stage_boxes] == [Reformat("mpr", "coronal", 10.0, "minip"), Reformat(),
                                                     Reformat("3d", volume_preset="bone")]
    assert again.stages[0].sync == sync
