"""Placing the study list and the images on a console's screens, and remembering the reader's choice."""

from __future__ import annotations

import json

from workstation.viewer.screen_arrangement import (
    IMAGES,
    STUDY_LIST,
    ScreenArrangementStore,
    ScreenInfo,
    arrange,
    default_arrangement,
    remember,
    screens_under,
)

COLOUR = ScreenInfo("DP-1", 0, 0, 1920, 1080, primary=True)
GREY_LEFT = ScreenInfo("DP-2", 1920, 0, 2048, 2560)
GREY_RIGHT = ScreenInfo("DP-3", 3968, 0, 2048, 2560)


def test_one_screen_holds_everything():
    assert default_arrangement([COLOUR]) == {STUDY_LIST: ("DP-1",), IMAGES: ("DP-1",)}


def test_images_go_to_the_screens_that_are_not_primary_spanning_two_grey_screens(tmp_path):
    store = ScreenArrangementStore(tmp_path / "screens.json")
    # the primary screen is not necessarily the first one Qt lists
    placements = arrange([GREY_RIGHT, COLOUR, GREY_LEFT], store, "reader", "ws1")
    assert placements[STUDY_LIST] == (0, 0, 1920, 1080)
    assert placements[IMAGES] == (1920, 0, 4096, 2560)
    assert arrange([COLOUR, GREY_LEFT], store, "reader", "ws1")[IMAGES] == (1920, 0, 2048, 2560)


def test_the_readers_arrangement_is_remembered_per_user_station_and_set_of_screens(tmp_path):
    path = tmp_path / "screens.json"
    screens = [COLOUR, GREY_LEFT, GREY_RIGHT]
    store = ScreenArrangementStore(path)
    # the reader moved the study list to the right grey screen and the images over the two others
    saved = remember(screens, store, "reader", "ws1", {STUDY_LIST: (4000, 100, 1200, 900),
                                                      IMAGES: (0, 0, 3968, 2560)})
    assert saved == {STUDY_LIST: ("DP-3",), IMAGES: ("DP-1", "DP-2")}
    again = ScreenArrangementStore(path)  # a new session reads the file
    assert arrange(screens, again, "reader", "ws1") == {STUDY_LIST: (3968, 0, 2048, 2560),
                                                       IMAGES: (0, 0, 3968, 2560)}
    assert arrange(screens, again, "other", "ws1")[STUDY_LIST] == (0, 0, 1920, 1080)  # another user: default
    assert arrange(screens, again, "reader", "ws2")[STUDY_LIST] == (0, 0, 1920, 1080)  # another station
    assert arrange([COLOUR, GREY_LEFT], again, "reader", "ws1")[IMAGES] == (1920, 0, 2048, 2560)  # other screens
    assert "reader" in json.loads(path.read_text())
    assert not list(tmp_path.glob(".screens-*"))  # no temporary file left behind


def test_a_window_off_every_screen_or_a_broken_file_changes_nothing(tmp_path):
    path = tmp_path / "screens.json"
    store = ScreenArrangementStore(path)
    assert remember([COLOUR], store, "reader", "ws1", {STUDY_LIST: (5000, 5000, 100, 100)}) is None
    assert not path.exists()
    path.write_text("{not json")
    assert arrange([COLOUR, GREY_LEFT], store, "reader", "ws1")[IMAGES] == (1920, 0, 2048, 2560)
    assert screens_under([COLOUR], (100, 100, 300, 300)) == ("DP-1",)
