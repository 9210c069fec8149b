"""Each signed-in user has their own profile files (keymap, worklist filters, report macros, window presets)
in <home>/users/<name>/, over the station's files in <home>, over the shipped defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.core.errors import WorkstationError
from workstation.core.keymap import Keymap
from workstation.reporting.macros import load_macros
from workstation.settings.profile_folder import profile_folder, set_profile_user, user_folder_name
from workstation.viewer.window_presets import WindowPresets
from workstation.worklist.filters import WorklistFilter, load_filter, save_filter


def test_a_signed_in_user_reads_the_stations_files_until_saving_their_own(workstation_home: Path):
    station = Keymap.load()
    station.rebind("viewport.next_image", ["J"])
    station.save()  # nobody signed in: the station's keymap
    assert (workstation_home / "keymap.json").is_file()
    save_filter(WorklistFilter(modalities=["CT"]))

    set_profile_user("Jo Smith")
    assert profile_folder() == workstation_home / "users" / "Jo_Smith"
    assert Keymap.load().command_for("J") == "viewport.next_image"  # the station's, as a start
    assert load_filter().modalities == ["CT"]
    own = Keymap.load()
    own.rebind("viewport.next_image", ["K"])
    own.save()
    save_filter(WorklistFilter(modalities=["MR"]))
    assert (workstation_home / "users" / "Jo_Smith" / "keymap.json").is_file()
    assert Keymap.load().command_for("K") == "viewport.next_image" and load_filter().modalities == ["MR"]

    set_profile_user("ann")  # another user still starts from the station's files, untouched by Jo's
    assert Keymap.load().command_for("J") == "viewport.next_image" and load_filter().modalities == ["CT"]
    set_profile_user("")
    assert load_filter().modalities == ["CT"]


def test_macros_and_window_presets_are_the_users_own_over_the_shipped_ones(workstation_home: Path):
    shipped = WindowPresets.load()
    set_profile_user("ann")
    folder = profile_folder()
    folder.mkdir(parents=True)
    (folder / "report_macros.json").write_text(json.dumps({".nod": "No nodule."}))
    (folder / "window_presets.json").write_text(json.dumps({"CT": [{"name": "Liver", "center": 60, "width": 160}]}))
    assert load_macros()[".nod"] == "No nodule."
    mine = WindowPresets.load()
    assert [preset.name for preset in mine.for_modality("CT")] == ["Liver"]
    assert mine.for_modality("MR") == shipped.for_modality("MR")  # modalities the user did not list: shipped
    set_profile_user("bob")
    assert ".nod" not in load_macros() and WindowPresets.load().for_modality("CT") == shipped.for_modality("CT")


def test_every_account_name_gets_a_folder_inside_the_users_folder(workstation_home: Path):
    assert user_folder_name("DOMAIN\\jo") == "DOMAIN_jo"
    assert user_folder_name("..") == "_." and user_folder_name("../site") == "_._site"
    set_profile_user(".hidden")  # an account name the station accepts: its profile still works
    assert profile_folder() == workstation_home / "users" / "_hidden"
    assert load_filter() == WorklistFilter()
    with pytest.raises(WorkstationError, match="empty user name"):
        user_folder_name("")
