"""Protocol files: every problem reported with file, line and field; shipped protocols valid; save/load round trip."""

from __future__ import annotations

from workstation.core.resources import shipped_hanging_protocols_folder
from workstation.hanging.loading import load_protocols
from workstation.hanging.schema import protocol_from_file, protocol_from_text, protocol_to_yaml

BROKEN = """\
id: broken one
name: Broken
level: DEPARTMENT
match:
  - {attribute: modality, equals: CT, required: true}
  - {attribute: colour, equals: red}
  - {attribute: study_description, pattern: "([unclosed"}
image_sets:
  prior: {prior: 0}
stages:
  - layout: 5x5
    boxes:
      - image_set: prior_two
        select:
          - {attribute: slice_thickness, range: [1]}
        view: {type: mpr}
        slice: centre
  - layout: 1x1
    boxes:
      - {image_set: current}
      - {image_set: current}
    sync:
      - {type: scroll, boxes: [0, 7]}
"""


def test_every_problem_has_file_line_and_field():
    protocol, problems = protocol_from_text(BROKEN, "site/broken.yaml")

    assert protocol is None
    found = {(p.line, p.field) for p in problems}
    assert (1, "id") in found
    assert (3, "level") in found
    assert (6, "match[1].attribute") in found
    assert (7, "match[2].pattern") in found
    assert (9, "image_sets.prior") in found
    assert (11, "stages[0].layout") in found
    assert (13, "stages[0].boxes[0].image_set") in found
    assert (15, "stages[0].boxes[0].select[0].range") in found
    assert (16, "stages[0].boxes[0].view.plane") in found
    assert (17, "stages[0].boxes[0].slice") in found
    assert (19, "stages[1].boxes") in found  # two boxes in a 1x1 layout
    assert (23, "stages[1].sync[0].boxes") in found
    assert all(str(p).startswith(f"site/broken.yaml:{p.line}: ") for p in problems)


def test_yaml_syntax_error_names_the_line():
    protocol, problems = protocol_from_text("id: x\nname: [unclosed\nstages: []\n", "x.yaml")
    assert protocol is None
    assert len(problems) == 1 and problems[0].line == 3 and "not valid YAML" in problems[0].message


def test_json_files_are_read_too(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"id": "j", "name": "J", "stages": [{"layout": "1x1", "boxes": [{"image_set": "current"}]}]}')
    protocol, problems = protocol_from_file(path)
    assert problems == [] and protocol.id == "j" and protocol.stages[0].layouts == ("1x1",)


def test_shipped_protocols_are_all_valid_and_cover_the_issue():
    library = load_protocols("nobody")
    assert library.problems == ()
    ids = {p.id for p in library.protocols}
    assert {"ct-chest", "ct-abdomen", "ct-head", "mr-brain", "dx-chest", "mg-screening", "us", "generic"} <= ids
    files = [path for path in shipped_hanging_protocols_folder().iterdir() if path.suffix in (".yaml", ".json")]
    assert len(files) == len(library.protocols)


def test_a_broken_file_is_skipped_and_the_others_load(tmp_path):
    (tmp_path / "good.yaml").write_text("id: good\nname: Good\nstages: [{layout: 1x1, boxes: [{image_set: current}]}]\n")
    (tmp_path / "bad.yaml").write_text("id: bad\nname: Bad\nstages: [{layout: 9x9, boxes: []}]\n")
    library = load_protocols("nobody", site_folder=tmp_path)
    assert [p.id for p in library.protocols] == ["good"]
    assert library.problems and all(p.file.endswith("bad.yaml") for p in library.problems)


def test_yaml_written_reads_back_equal():
    for protocol in load_protocols("nobody").protocols:
        again, problems = protocol_from_text(protocol_to_yaml(protocol), protocol.source)
        assert problems == []
        assert again == protocol.__class__(**{**protocol.__dict__, "order": 0}), protocol.id
