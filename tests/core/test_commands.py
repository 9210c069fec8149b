import pytest

from workstation.core.commands import CommandRegistry, UnknownCommandError


def test_execute_runs_the_handler_of_that_id_only():
    calls = []
    registry = CommandRegistry()
    registry.register("viewport.next_image", "Next image", lambda: calls.append("next"))
    registry.register("viewport.previous_image", "Previous image", lambda: calls.append("previous"))
    registry.execute("viewport.previous_image")
    assert calls == ["previous"]
    assert [c.command_id for c in registry] == ["viewport.next_image", "viewport.previous_image"]
    assert registry.get("viewport.next_image").category == "viewport"


def test_unknown_command_is_a_user_message():
    with pytest.raises(UnknownCommandError, match="no command named 'viewport.nope'"):
        CommandRegistry().execute("viewport.nope")


def test_ids_must_be_namespaced_and_unique():
    registry = CommandRegistry()
    with pytest.raises(ValueError):
        registry.register("next", "Next", lambda: None)
    registry.register("a.b", "B", lambda: None)
    with pytest.raises(ValueError):
        registry.register("a.b", "B again", lambda: None)
