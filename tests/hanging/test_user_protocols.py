"""Per-user protocols override site ones for that user only; ties go to the more specific level."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.hanging.factories import write_mr_brain
from workstation.hanging.engine import hang_study
from workstation.hanging.loading import load_protocols, save_user_protocol, user_protocols_folder
from workstation.hanging.protocol import Stage


@pytest.fixture
def mr_study(archive, tmp_path):
    study = write_mr_brain(tmp_path / "files", "MR9", "20240301")
    archive.import_paths([tmp_path / "files"])
    return study


def _site(protocol_id: str):
    return next(p for p in load_protocols("nobody").protocols if p.id == protocol_id)


def test_a_user_protocol_with_the_site_id_replaces_it_for_that_user_only(archive, mr_study):
    site = _site("mr-brain")
    mine = replace(site, level="USER", owner="alice", name="Alice's brain",
                   stages=(Stage("FLAIR only", ("1x1",), (site.stages[0].boxes[2],)),))
    path = save_user_protocol(mine, "alice")
    assert path == user_protocols_folder("alice") / "mr-brain.yaml"

    alice = hang_study(archive, mr_study.study_instance_uid, "alice").current_plan
    bob = hang_study(archive, mr_study.study_instance_uid, "bob").current_plan

    assert alice.protocol.name == "Alice's brain" and alice.protocol.level == "USER"
    assert [b.chosen.series_instance_uid for b in alice.stages[0].boxes] == [mr_study.series["FLAIR"]]
    assert bob.protocol.name == site.name and len(bob.stages[0].boxes) == 4


def test_on_an_equal_score_a_user_protocol_beats_the_site_one(archive, mr_study):
    site = _site("mr-brain")
    save_user_protocol(replace(site, id="my-brain", level="USER", name="Mine"), "carol")

    hanging = hang_study(archive, mr_study.study_instance_uid, "carol")

    assert [m.protocol.name for m in hanging.matches[:2]] == ["Mine", site.name]
    assert hanging.matches[0].score == hanging.matches[1].score


def test_a_higher_scoring_site_protocol_still_wins_over_a_weak_user_one(archive, mr_study):
    weak = replace(_site("generic"), id="my-generic", level="USER", name="Weak")
    save_user_protocol(weak, "dave")

    hanging = hang_study(archive, mr_study.study_instance_uid, "dave")

    assert hanging.matches[0].protocol.id == "mr-brain"
    assert [m.protocol.name for m in hanging.matches[-2:]] == ["Weak", "Generic"]


def test_a_user_name_cannot_escape_the_settings_folder():
    assert user_protocols_folder("../site").parent == user_protocols_folder("alice").parent
    assert user_protocols_folder("Jo Smith").name == "Jo_Smith"
    assert user_protocols_folder("DOMAIN\\jo").name == "DOMAIN_jo"
