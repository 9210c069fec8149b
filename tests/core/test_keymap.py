import json

import pytest

from workstation.core.keymap import DEFAULT_KEYMAP_PATH, Keymap, KeymapError, normalize_key, user_keymap_path


def test_normalize_orders_modifiers_and_uppercases_letters():
    assert normalize_key("shift+ctrl+z") == "Ctrl+Shift+Z"
    assert normalize_key("PgUp") == "PgUp"
    assert normalize_key("Ctrl++") == "Ctrl++"
    assert normalize_key("?") == "?"
    with pytest.raises(ValueError):
        normalize_key("Hyper+X")


def test_defaults_follow_weasis_ohif_habits():
    keymap = Keymap.load()
    assert keymap.command_for("Down") == "viewport.next_image"
    assert keymap.command_for("PgUp") == "viewport.previous_page"
    assert keymap.command_for("Home") == "viewport.first_image"
    assert keymap.command_for("End") == "viewport.last_image"
    assert keymap.command_for("1") == "viewport.window_preset_1"
    assert keymap.command_for("9") == "viewport.window_preset_9"
    assert keymap.command_for("c") == "viewport.cine_toggle"
    assert keymap.command_for("I") == "viewport.invert"
    assert keymap.command_for("Space") == keymap.command_for("Esc") == "viewport.reset"
    assert keymap.command_for("Tab") == "layout.next_viewport"
    assert keymap.command_for("N") == "viewport.next_series"
    assert keymap.command_for("P") == "viewport.previous_series"
    assert keymap.command_for("F") == "layout.toggle_fullscreen_viewport"
    assert keymap.command_for("?") == "help.cheat_sheet"


def test_default_file_binds_each_key_once():
    raw = json.loads(DEFAULT_KEYMAP_PATH.read_text())
    keys = [normalize_key(k) for ks in raw.values() for k in ks]
    assert len(keys) == len(set(keys))


def test_rebinding_takes_the_key_from_its_old_command_and_survives_a_restart():
    keymap = Keymap.load()
    losers = keymap.rebind("viewport.invert", ["X", "C"])
    assert losers == ["viewport.cine_toggle"]
    assert keymap.command_for("C") == "viewport.invert"
    assert keymap.keys_for("viewport.cine_toggle") == ()
    path = keymap.save()
    assert path == user_keymap_path()
    saved = json.loads(path.read_text())
    assert saved == {"viewport.cine_toggle": [], "viewport.invert": ["X", "C"]}

    reloaded = Keymap.load()
    assert reloaded.command_for("X") == "viewport.invert"
    assert reloaded.command_for("C") == "viewport.invert"
    assert reloaded.command_for("Down") == "viewport.next_image"


def test_broken_user_file_falls_back_to_defaults_with_a_message():
    user_keymap_path().write_text("{not json")
    keymap = Keymap.load()
    assert keymap.command_for("I") == "viewport.invert"
    assert keymap.problems and "default keys are used" in keymap.problems[0]


def test_missing_default_file_names_it(tmp_path):
    with pytest.raises(KeymapError, match="does not exist"):
        Keymap.load(tmp_path / "absent.json")


def test_reset_to_defaults_clears_overrides():
    keymap = Keymap.load()
    keymap.rebind("viewport.invert", ["X"])
    keymap.reset_to_defaults()
    assert keymap.overrides() == {}
    assert keymap.command_for("I") == "viewport.invert"
