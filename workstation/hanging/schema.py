"""Protocol files (YAML or JSON) to ``HangingProtocol`` and back, reporting every problem with file, line, field.

A file that fails validation yields no protocol and its list of problems; the caller skips it with a
visible warning. ``protocol_to_data`` writes the same structure ``protocol_from_text`` reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from workstation.hanging.protocol import (
    LEVELS, PLANES, SLAB_MODES, SLICE_POSITIONS, SORT_KEYS, SYNC_KINDS, VIEWS,
    Box, HangingProtocol, ImageSet, Reformat, Stage, SyncGroup,
)
from workstation.hanging.rules import BOOLEAN_ATTRIBUTES, DISPLAY_SET_ATTRIBUTES, STUDY_ATTRIBUTES, Rule
from workstation.core.errors import WorkstationError
from workstation.viewer.layout import parse_layout

MAX_BOXES_PER_STAGE = 16

Path_ = tuple[object, ...]


@dataclass(frozen=True)
class ProtocolProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field or '(file)'}: {self.message}"


class _Checker:
    """Collects problems; a field's line is the nearest line known for it or its parent."""

    def __init__(self, file: str, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[ProtocolProblem] = []

    def problem(self, path: Path_, message: str) -> None:
        probe = tuple(path)
        while probe not in self.lines and probe:
            probe = probe[:-1]
        name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
        self.problems.append(ProtocolProblem(self.file, self.lines.get(probe, 1), name, message))


def protocol_from_file(path: Path) -> tuple[HangingProtocol | None, list[ProtocolProblem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [ProtocolProblem(str(path), 1, "", f"cannot be read ({error})")]
    return protocol_from_text(text, str(path))


def protocol_from_text(text: str, file: str) -> tuple[HangingProtocol | None, list[ProtocolProblem]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [ProtocolProblem(file, line, "", f"not valid YAML/JSON: {getattr(error, 'problem', error)}")]
    lines: dict[Path_, int] = {}
    try:
        data = _plain(node, (), lines) if node is not None else None
    except (yaml.YAMLError, ValueError) as error:
        return None, [ProtocolProblem(file, 1, "", f"not valid YAML/JSON: {error}")]
    return protocol_from_data(data, file, lines)


def protocol_from_data(data: object, file: str, lines: dict[Path_, int] | None = None
                       ) -> tuple[HangingProtocol | None, list[ProtocolProblem]]:
    check = _Checker(file, lines or {})
    protocol = _protocol(data, check)
    if check.problems:
        return None, check.problems
    return protocol, []


def _plain(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> object:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        merged: dict = {}
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor": explicit keys win
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    value = _plain(source, path, lines)
                    if not isinstance(value, dict):
                        raise ValueError(f"line {key_node.start_mark.line + 1}: '<<' must merge a mapping")
                    merged.update({k: v for k, v in value.items() if k not in merged})
                continue
            key = _scalar(key_node)
            result[key] = _plain(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1  # the key's line, not its value's
        lines[path] = node.start_mark.line + 1
        return {**merged, **result}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> object:
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"line {node.start_mark.line + 1}: a mapping key must be a plain value")
    return yaml.SafeLoader("").construct_object(node)


# --- reading -------------------------------------------------------------------------------------------

def _protocol(data: object, check: _Checker) -> HangingProtocol | None:
    if not isinstance(data, dict):
        check.problem((), "a protocol file holds one mapping (id, name, match, image_sets, stages)")
        return None
    known = {"id", "name", "description", "level", "owner", "screens", "match", "image_sets", "stages"}
    for key in data:
        if key not in known:
            check.problem((key,), f"unknown field; expected one of {', '.join(sorted(known))}")
    identifier = _text(data, ("id",), check, required=True)
    if identifier and not re.fullmatch(r"[A-Za-z0-9._-]+", identifier):
        check.problem(("id",), "may only hold letters, digits, '.', '_' and '-' (it names the saved file)")
    name = _text(data, ("name",), check, required=True)
    level = str(data.get("level", "SITE")).upper()
    if level not in LEVELS:
        check.problem(("level",), f"'{data.get('level')}' is not one of {', '.join(LEVELS)}")
    screens = _number(data, ("screens",), check, default=1, integer=True, minimum=1)
    rules = _rules(data.get("match", []), ("match",), STUDY_ATTRIBUTES, check)
    image_sets = _image_sets(data.get("image_sets", {}), check)
    stages = _stages(data.get("stages"), {s.name for s in image_sets}, int(screens or 1), check)
    return HangingProtocol(
        id=identifier, name=name, stages=stages, image_sets=image_sets, rules=rules,
        description=_text(data, ("description",), check), level=level, owner=_text(data, ("owner",), check),
        screens=int(screens or 1), source=check.file,
    )


def _text(data: dict, path: Path_, check: _Checker, required: bool = False) -> str:
    value = data.get(path[-1])
    if value is None:
        if required:
            check.problem(path, "is required")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        check.problem(path, "must be text")
        return ""
    return str(value)


def _number(data: dict, path: Path_, check: _Checker, default: float | None = None, integer: bool = False,
            minimum: float | None = None) -> float | None:
    value = data.get(path[-1], default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and int(value) != value):
        check.problem(path, f"must be {'a whole number' if integer else 'a number'}, not {value!r}")
        return default
    if minimum is not None and value < minimum:
        check.problem(path, f"must be at least {minimum:g}")
        return default
    return value


def _rules(data: object, path: Path_, attributes: tuple[str, ...], check: _Checker) -> tuple[Rule, ...]:
    if not isinstance(data, list):
        check.problem(path, "must be a list of rules ({attribute: ..., equals|pattern|range: ..., weight: ...})")
        return ()
    rules = []
    for index, item in enumerate(data):
        rule = _rule(item, (*path, index), attributes, check)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _rule(item: object, path: Path_, attributes: tuple[str, ...], check: _Checker) -> Rule | None:
    if not isinstance(item, dict):
        check.problem(path, "a rule is a mapping with attribute and one of equals, pattern, range")
        return None
    for key in item:
        if key not in {"attribute", "equals", "pattern", "range", "weight", "required", "exclude"}:
            check.problem((*path, key),
                          "unknown field; a rule has attribute, equals|pattern|range, weight, required, exclude")
    attribute = item.get("attribute")
    if attribute not in attributes:
        check.problem((*path, "attribute"), f"'{attribute}' is not one of {', '.join(attributes)}")
        return None
    constraints = [key for key in ("equals", "pattern", "range") if key in item]
    if len(constraints) != 1:
        check.problem(path, "needs exactly one of equals, pattern, range")
        return None
    equals = pattern = value_range = None
    if "equals" in item:
        raw = item["equals"]
        equals = tuple(raw) if isinstance(raw, list) else (raw,)
        if not equals or any(isinstance(v, (dict, list)) or v is None for v in equals):
            check.problem((*path, "equals"), "must be a value or a list of values")
        if attribute in BOOLEAN_ATTRIBUTES and not all(isinstance(v, bool) for v in equals):
            check.problem((*path, "equals"), "must be true or false")
    elif "pattern" in item:
        pattern = str(item["pattern"])
        try:
            re.compile(pattern)
        except re.error as error:
            check.problem((*path, "pattern"), f"not a valid regular expression ({error})")
    else:
        raw = item["range"]
        if (not isinstance(raw, list) or len(raw) != 2
                or any(v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))) for v in raw)
                or raw == [None, None]):
            check.problem((*path, "range"), "must be [low, high] (numbers; null for an open end)")
        else:
            value_range = (raw[0], raw[1])
    weight = _number(item, (*path, "weight"), check, default=1.0)
    flags = {}
    for flag in ("required", "exclude"):
        flags[flag] = item.get(flag, False)
        if not isinstance(flags[flag], bool):
            check.problem((*path, flag), "must be true or false")
    if flags["required"] is True and flags["exclude"] is True:
        check.problem(path, "a rule is either required or exclude, not both")
    return Rule(attribute, equals, pattern, value_range, float(weight or 0.0), flags["required"] is True,
                flags["exclude"] is True)


def _image_sets(data: object, check: _Checker) -> tuple[ImageSet, ...]:
    if not isinstance(data, dict):
        check.problem(("image_sets",), "must map names to image sets, e.g. {current: {}, prior: {prior: 1}}")
        return (ImageSet("current"),)
    result = [ImageSet("current")]
    for name, spec in data.items():
        path = ("image_sets", name)
        spec = spec or {}
        if not isinstance(spec, dict):
            check.problem(path, "must be a mapping (prior, within_days, match)")
            continue
        for key in spec:
            if key not in {"prior", "within_days", "match"}:
                check.problem((*path, key), "unknown field; an image set has prior, within_days, match")
        prior = spec.get("prior", 0)
        if prior == "oldest":
            prior = -1
        if isinstance(prior, bool) or not isinstance(prior, int) or prior < -1:
            check.problem((*path, "prior"), "must be 1 (most recent prior), 2, ... or 'oldest'")
            prior = 1
        if name == "current" and prior != 0:
            check.problem((*path, "prior"), "'current' is the current study; name a prior differently")
            continue
        if name != "current" and prior == 0:
            check.problem(path, "a second image set must be a prior (prior: 1, 2, ... or oldest)")
        within = _number(spec, (*path, "within_days"), check, default=None, minimum=0)
        rules = _rules(spec.get("match", []), (*path, "match"), STUDY_ATTRIBUTES, check)
        image_set = ImageSet(str(name), prior, within, rules)
        if name == "current":
            result[0] = image_set
        else:
            result.append(image_set)
    return tuple(result)


def _stages(data: object, image_set_names: set[str], screens: int, check: _Checker) -> tuple[Stage, ...]:
    if not isinstance(data, list) or not data:
        check.problem(("stages",), "is required: a list of stages, each with layout and boxes")
        return ()
    return tuple(stage for index, item in enumerate(data)
                 if (stage := _stage(item, ("stages", index), image_set_names, screens, check)) is not None)


def _stage(item: object, path: Path_, image_set_names: set[str], screens: int, check: _Checker) -> Stage | None:
    if not isinstance(item, dict):
        check.problem(path, "a stage is a mapping with name, layout (or layouts) and boxes")
        return None
    for key in item:
        if key not in {"name", "layout", "layouts", "boxes", "sync"}:
            check.problem((*path, key), "unknown field; a stage has name, layout|layouts, boxes, sync")
    layouts = item.get("layouts", [item["layout"]] if "layout" in item else None)
    if not isinstance(layouts, list) or not layouts:
        check.problem(path, "needs layout (one screen) or layouts (one per screen)")
        return None
    if len(layouts) != screens:
        check.problem((*path, "layouts"), f"gives {len(layouts)} layout(s) for {screens} screen(s)")
    cells = []
    for number, name in enumerate(layouts):
        try:
            cells.append(len(parse_layout(str(name))))
        except WorkstationError as error:
            check.problem((*path, "layouts" if "layouts" in item else "layout"), str(error))
            cells.append(0)
    raw_boxes = item.get("boxes")
    if not isinstance(raw_boxes, list) or not raw_boxes:
        check.problem((*path, "boxes"), "is required: a list of boxes")
        return None
    if len(raw_boxes) > MAX_BOXES_PER_STAGE:
        check.problem((*path, "boxes"), f"holds {len(raw_boxes)} boxes; at most {MAX_BOXES_PER_STAGE}")
    boxes = [box for index, raw in enumerate(raw_boxes)
             if (box := _box(raw, (*path, "boxes", index), image_set_names, screens, check)) is not None]
    for screen, count in enumerate(cells, start=1):
        on_screen = sum(1 for box in boxes if box.screen == screen)
        if count and on_screen > count:
            check.problem((*path, "boxes"), f"{on_screen} boxes on screen {screen} but its layout has {count} cells")
    sync = []
    for index, raw in enumerate(item.get("sync", []) or []):
        group_path = (*path, "sync", index)
        if not isinstance(raw, dict) or raw.get("type") not in SYNC_KINDS:
            check.problem(group_path, f"a sync group is {{type: {'|'.join(SYNC_KINDS)}, boxes: [0, 1, ...]}}")
            continue
        members = raw.get("boxes")
        if (not isinstance(members, list) or len(members) < 2
                or not all(isinstance(m, int) and 0 <= m < len(raw_boxes) for m in members)):
            check.problem((*group_path, "boxes"), f"must list two or more box numbers from 0 to {len(raw_boxes) - 1}")
            continue
        sync.append(SyncGroup(raw["type"], tuple(members)))
    return Stage(str(item.get("name", f"Stage {path[-1] + 1}")), tuple(str(n) for n in layouts), tuple(boxes),
                 tuple(sync))


def _box(item: object, path: Path_, image_set_names: set[str], screens: int, check: _Checker) -> Box | None:
    if not isinstance(item, dict):
        check.problem(path, "a box is a mapping with image_set and select")
        return None
    known = {"image_set", "label", "select", "sort", "view", "window", "zoom", "slice", "invert", "screen",
             "distinct"}
    for key in item:
        if key not in known:
            check.problem((*path, key), f"unknown field; a box has {', '.join(sorted(known))}")
    image_set = str(item.get("image_set", "current"))
    if image_set not in image_set_names:
        check.problem((*path, "image_set"), f"'{image_set}' is not defined under image_sets")
    rules = _rules(item.get("select", []), (*path, "select"), DISPLAY_SET_ATTRIBUTES, check)
    sort = item.get("sort", [])
    if not isinstance(sort, list) or any(str(key).lstrip("-") not in SORT_KEYS for key in sort):
        check.problem((*path, "sort"), f"must list keys from {', '.join(SORT_KEYS)} (a leading - for descending)")
        sort = []
    reformat = _reformat(item.get("view", "stack"), (*path, "view"), check)
    slice_position = item.get("slice")
    if slice_position is not None and slice_position not in SLICE_POSITIONS:
        check.problem((*path, "slice"), f"must be one of {', '.join(SLICE_POSITIONS)}")
    invert = item.get("invert", False)
    if not isinstance(invert, bool):
        check.problem((*path, "invert"), "must be true or false")
    zoom = _number(item, (*path, "zoom"), check, default=None, minimum=0.05)
    screen = _number(item, (*path, "screen"), check, default=1, integer=True, minimum=1)
    if screen is not None and screen > screens:
        check.problem((*path, "screen"), f"is {screen:g} but the protocol has {screens} screen(s)")
    distinct = item.get("distinct", False)
    if not isinstance(distinct, bool):
        check.problem((*path, "distinct"), "must be true or false")
    window = item.get("window")
    return Box(image_set, rules, tuple(str(key) for key in sort), reformat,
               None if window is None else str(window), zoom, slice_position, bool(invert), int(screen or 1),
               str(item.get("label", "")), distinct is True)


def _reformat(data: object, path: Path_, check: _Checker) -> Reformat:
    if isinstance(data, str):
        data = {"type": data}
    if not isinstance(data, dict) or data.get("type", "stack") not in VIEWS:
        check.problem(path, f"must be one of {', '.join(VIEWS)} or {{type: mpr, plane: coronal, slab: ...}}")
        return Reformat()
    for key in data:
        if key not in {"type", "plane", "slab", "preset"}:
            check.problem((*path, key), "unknown field; a view has type, plane, slab, preset")
    view = data.get("type", "stack")
    plane = data.get("plane")
    if plane is not None and plane not in PLANES:
        check.problem((*path, "plane"), f"must be one of {', '.join(PLANES)}")
    if view == "mpr" and plane is None:
        check.problem((*path, "plane"), "an MPR view needs a plane")
    slab = data.get("slab")
    thickness = mode = None
    if slab is not None:
        if not isinstance(slab, dict):
            check.problem((*path, "slab"), "must be {thickness: mm, mode: mip|minip|average}")
        else:
            thickness = _number(slab, (*path, "slab", "thickness"), check, default=None, minimum=0)
            mode = slab.get("mode", "mip")
            if mode not in SLAB_MODES:
                check.problem((*path, "slab", "mode"), f"must be one of {', '.join(SLAB_MODES)}")
            if thickness is None:
                check.problem((*path, "slab", "thickness"), "is required (mm)")
    preset = data.get("preset")
    if preset is not None and view != "3d":
        check.problem((*path, "preset"), "a rendering preset belongs to a 3d view")
    return Reformat(view, plane, thickness, mode, None if preset is None else str(preset))


# --- writing -------------------------------------------------------------------------------------------

def protocol_to_data(protocol: HangingProtocol) -> dict:
    """The protocol as plain data, in the file format (for saving a user's protocol)."""
    data: dict = {"id": protocol.id, "name": protocol.name}
    if protocol.description:
        data["description"] = protocol.description
    data["level"] = protocol.level
    if protocol.owner:
        data["owner"] = protocol.owner
    if protocol.screens != 1:
        data["screens"] = protocol.screens
    data["match"] = [_rule_data(rule) for rule in protocol.rules]
    data["image_sets"] = {s.name: _image_set_data(s) for s in protocol.image_sets}
    data["stages"] = [_stage_data(stage) for stage in protocol.stages]
    return data


def protocol_to_yaml(protocol: HangingProtocol) -> str:
    return yaml.safe_dump(protocol_to_data(protocol), sort_keys=False, allow_unicode=True, width=110)


def _rule_data(rule: Rule) -> dict:
    data: dict = {"attribute": rule.attribute}
    if rule.equals is not None:
        data["equals"] = rule.equals[0] if len(rule.equals) == 1 else list(rule.equals)
    elif rule.pattern is not None:
        data["pattern"] = rule.pattern
    else:
        data["range"] = list(rule.range)
    if rule.weight != 1.0:
        data["weight"] = rule.weight
    if rule.required:
        data["required"] = True
    if rule.exclude:
        data["exclude"] = True
    return data


def _image_set_data(image_set: ImageSet) -> dict:
    data: dict = {}
    if image_set.prior_number:
        data["prior"] = "oldest" if image_set.prior_number == -1 else image_set.prior_number
    if image_set.within_days is not None:
        data["within_days"] = image_set.within_days
    if image_set.rules:
        data["match"] = [_rule_data(rule) for rule in image_set.rules]
    return data


def _stage_data(stage: Stage) -> dict:
    data: dict = {"name": stage.name}
    if len(stage.layouts) == 1:
        data["layout"] = stage.layouts[0]
    else:
        data["layouts"] = list(stage.layouts)
    data["boxes"] = [_box_data(box) for box in stage.boxes]
    if stage.sync:
        data["sync"] = [{"type": group.kind, "boxes": list(group.boxes)} for group in stage.sync]
    return data


def _box_data(box: Box) -> dict:
    data: dict = {"image_set": box.image_set}
    if box.label:
        data["label"] = box.label
    data["select"] = [_rule_data(rule) for rule in box.rules]
    if box.sort:
        data["sort"] = list(box.sort)
    view = box.reformat
    if view != Reformat():
        spec: dict = {"type": view.view}
        if view.plane:
            spec["plane"] = view.plane
        if view.slab_thickness_mm is not None:
            spec["slab"] = {"thickness": view.slab_thickness_mm, "mode": view.slab_mode or "mip"}
        if view.volume_preset:
            spec["preset"] = view.volume_preset
        data["view"] = spec
    for key, value in (("window", box.window), ("zoom", box.zoom), ("slice", box.slice)):
        if value is not None:
            data[key] = value
    if box.invert:
        data["invert"] = True
    if box.screen != 1:
        data["screen"] = box.screen
    if box.distinct:
        data["distinct"] = True
    return data
