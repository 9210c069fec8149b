"""Import and export of DICOM Hanging Protocol Storage instances (PS3.3 C.23, SOP class 1.2.840.10008.5.1.4.38.1).

The mapping: definition <- required modality/laterality study rules; image sets <- current (RELATIVE_TIME
0 days), priors (ABSTRACT_PRIOR n, or RELATIVE_TIME up to N days); each box <- one display set in the
presentation group of its stage, its cell as a spatial position, its required/exclude rules on header
attributes as filters (MEMBER_OF, NOT_MEMBER_OF, RANGE_INCL, RANGE_EXCL), reformatting, VOI type,
inversion; scroll groups <- synchronized scrolling; reference-line groups <- navigation indicators.
What the IOD cannot hold (weights, patterns, sort keys, zoom, initial slice, W/L or zoom sync, slab mode,
3D presets) is returned as a list of losses, never dropped silently.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, HangingProtocolStorage, generate_uid

from workstation.core.errors import WorkstationError
from workstation.hanging.protocol import Box, HangingProtocol, ImageSet, Reformat, Stage, SyncGroup
from workstation.hanging.rules import Rule
from workstation.viewer.layout import LAYOUT_NAMES, MAX_GRID, parse_layout

# our attribute -> (tag, VR, value keyword) for filters and selectors on header attributes
_FILTER_TAGS = {
    "modality": (0x00080060, "CS", "SelectorCSValue"),
    "series_description": (0x0008103E, "LO", "SelectorLOValue"),
    "laterality": (0x00200062, "CS", "SelectorCSValue"),
    "view_position": (0x00185101, "CS", "SelectorCSValue"),
    "body_part": (0x00180015, "CS", "SelectorCSValue"),
    "image_type": (0x00080008, "CS", "SelectorCSValue"),
    "slice_thickness": (0x00180050, "DS", "SelectorDSValue"),
    "series_number": (0x00200011, "IS", "SelectorISValue"),
}
_ATTRIBUTE_BY_TAG = {tag: name for name, (tag, _vr, _keyword) in _FILTER_TAGS.items()}
_CANDIDATE_LAYOUTS = sorted(
    {*LAYOUT_NAMES, *(f"{rows}x{columns}" for rows in range(1, MAX_GRID + 1) for columns in range(1, MAX_GRID + 1))},
    key=lambda name: (len(parse_layout(name)), name),
)
_PLANES = {"axial": "TRANSVERSE", "coronal": "CORONAL", "sagittal": "SAGITTAL"}
_VIEWS = {"mpr": "MPR", "3d": "3D_RENDERING"}


class HangingProtocolImportError(WorkstationError):
    """A Hanging Protocol instance that cannot become a protocol at all."""


# --- export ------------------------------------------------------------------------------------------

def export_protocol(protocol: HangingProtocol) -> tuple[Dataset, list[str]]:
    """A Hanging Protocol Storage dataset (with file meta) and what it could not carry."""
    losses: list[str] = []
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = HangingProtocolStorage
    ds.SOPClassUID = HangingProtocolStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if len(protocol.id) > 16:
        losses.append(f"protocol id '{protocol.id}' cut to 16 characters (Hanging Protocol Name is SH)")
    ds.HangingProtocolName = protocol.id[:16]
    description = f"{protocol.name}: {protocol.description}" if protocol.description else protocol.name
    if len(description) > 64:
        losses.append("name and description cut to 64 characters")
    ds.HangingProtocolDescription = description[:64]
    ds.HangingProtocolLevel = protocol.level
    ds.HangingProtocolCreator = (protocol.owner or "workstation")[:64]
    ds.HangingProtocolCreationDateTime = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    ds.HangingProtocolDefinitionSequence = _definition(protocol.rules, losses)
    ds.NumberOfPriorsReferenced = sum(1 for s in protocol.image_sets if s.is_prior)
    implied = _implied_selector(protocol.rules)
    ds.ImageSetsSequence = Sequence([_image_set_item(number, s, implied, losses)
                                     for number, s in enumerate(protocol.image_sets, start=1)])
    ds.NumberOfScreens = protocol.screens
    ds.NominalScreenDefinitionSequence = Sequence([_screen_item(n, protocol.screens) for n in range(protocol.screens)])
    image_set_numbers = {s.name: number for number, s in enumerate(protocol.image_sets, start=1)}
    items, scrolling, navigation = [], [], []
    for group, stage in enumerate(protocol.stages, start=1):
        first = len(items) + 1
        cells = [0] * protocol.screens
        for index, box in enumerate(stage.boxes):
            cell = cells[box.screen - 1]
            cells[box.screen - 1] += 1
            items.append(_display_set_item(len(items) + 1, group, stage, box, cell, protocol.screens,
                                           image_set_numbers[box.image_set], losses, f"{stage.name} box {index}"))
        for sync in stage.sync:
            numbers = [first + member for member in sync.boxes]
            if sync.kind == "scroll":
                item = Dataset()
                item.DisplaySetScrollingGroup = numbers
                scrolling.append(item)
            elif sync.kind == "reference_lines":
                item = Dataset()
                item.NavigationDisplaySet = numbers[0]
                item.ReferenceDisplaySets = numbers[1:]
                navigation.append(item)
            else:
                losses.append(f"{stage.name}: {sync.kind} synchronisation (the IOD only has scrolling)")
    ds.DisplaySetsSequence = Sequence(items)
    if scrolling:
        ds.SynchronizedScrollingSequence = Sequence(scrolling)
    if navigation:
        ds.NavigationIndicatorSequence = Sequence(navigation)
    return ds, losses


def _definition(rules: tuple[Rule, ...], losses: list[str]) -> Sequence:
    modalities: list[str] = []
    lateralities: list[str] = []
    for rule in rules:
        if rule.required and rule.equals is not None and rule.attribute in ("modality", "laterality"):
            (modalities if rule.attribute == "modality" else lateralities).extend(str(v) for v in rule.equals)
        else:
            losses.append(f"study rule '{rule.describe()}' (weight {rule.weight:g}): the definition only holds "
                          "required modality and laterality")
    items = []
    for modality in modalities or [""]:
        item = Dataset()
        if modality:
            item.Modality = modality
        if lateralities:
            item.Laterality = lateralities[0]
            if len(lateralities) > 1:
                losses.append("more than one study laterality")
        items.append(item)
    return Sequence(items)


def _implied_selector(study_rules: tuple[Rule, ...]) -> Rule | None:
    """The IOD needs at least one image set selector: an image set without rules gets the protocol's
    required modalities (which its studies have anyway); import drops it again."""
    return next((Rule("modality", rule.equals, required=True) for rule in study_rules
                 if rule.attribute == "modality" and rule.required and rule.equals), None)


def _image_set_item(number: int, image_set: ImageSet, implied: Rule | None, losses: list[str]) -> Dataset:
    item = Dataset()
    selectors = []
    for rule in image_set.rules:
        selector = _selector(rule, "image set " + image_set.name, losses)
        if selector is not None:
            selector.ImageSetSelectorUsageFlag = "NO_MATCH" if rule.exclude else "MATCH"
            selectors.append(selector)
    if not selectors and implied is not None:
        selector = _selector(implied, "image set " + image_set.name, losses)
        selector.ImageSetSelectorUsageFlag = "MATCH"
        selectors.append(selector)
    if not selectors:
        losses.append(f"image set {image_set.name}: no selector the IOD can hold (it requires one); left empty")
    item.ImageSetSelectorSequence = Sequence(selectors)
    timed = Dataset()
    timed.ImageSetNumber = number
    timed.ImageSetLabel = image_set.name[:64]
    if not image_set.is_prior:
        timed.ImageSetSelectorCategory = "RELATIVE_TIME"
        timed.RelativeTime = [0, 0]
        timed.RelativeTimeUnits = "DAYS"
    elif image_set.within_days is not None:
        timed.ImageSetSelectorCategory = "RELATIVE_TIME"
        timed.RelativeTime = [1, int(round(image_set.within_days))]
        timed.RelativeTimeUnits = "DAYS"
        if image_set.prior_number != 1:
            losses.append(f"image set {image_set.name}: prior number {image_set.prior_number} with a time limit")
    else:
        timed.ImageSetSelectorCategory = "ABSTRACT_PRIOR"
        timed.AbstractPriorValue = [image_set.prior_number, image_set.prior_number]
    item.TimeBasedImageSetsSequence = Sequence([timed])
    return item


def _selector(rule: Rule, where: str, losses: list[str]) -> Dataset | None:
    mapped = _FILTER_TAGS.get(rule.attribute)
    if mapped is None or rule.equals is None or not (rule.required or rule.exclude):
        losses.append(f"{where}: rule '{rule.describe()}'" + ("" if rule.required or rule.exclude else
                                                               f" (weight {rule.weight:g})"))
        return None
    tag, vr, keyword = mapped
    item = Dataset()
    item.SelectorAttribute = tag
    item.SelectorAttributeVR = vr
    item.SelectorValueNumber = 0
    setattr(item, keyword, [str(v) for v in rule.equals] if vr in ("CS", "LO") else list(rule.equals))
    return item


def _screen_item(number: int, screens: int) -> Dataset:
    item = Dataset()
    item.NumberOfVerticalPixels = 1080
    item.NumberOfHorizontalPixels = 1920
    item.DisplayEnvironmentSpatialPosition = [number / screens, 1.0, (number + 1) / screens, 0.0]
    return item


def _display_set_item(number: int, group: int, stage: Stage, box: Box, cell: int, screens: int,
                      image_set_number: int, losses: list[str], where: str) -> Dataset:
    item = Dataset()
    item.DisplaySetNumber = number
    item.DisplaySetLabel = (box.label or f"Box {number}")[:64]
    item.DisplaySetPresentationGroup = group
    item.DisplaySetPresentationGroupDescription = stage.name[:64]
    item.ImageSetNumber = image_set_number
    image_box = Dataset()
    image_box.ImageBoxNumber = 1
    image_box.DisplayEnvironmentSpatialPosition = _cell_rectangle(stage.layouts[box.screen - 1], cell,
                                                                  box.screen - 1, screens)
    image_box.ImageBoxLayoutType = "STACK"
    item.ImageBoxesSequence = Sequence([image_box])
    filters = []
    for rule in box.rules:
        if rule.attribute == "orientation" and rule.equals is not None and (rule.required or rule.exclude):
            filter_item = Dataset()
            filter_item.FilterByCategory = "IMAGE_PLANE"
            filter_item.SelectorAttributeVR = "CS"
            filter_item.SelectorCSValue = [_PLANES.get(str(v).lower(), str(v).upper()) for v in rule.equals]
            filter_item.FilterByOperator = "NOT_MEMBER_OF" if rule.exclude else "MEMBER_OF"
            filters.append(filter_item)
        elif rule.range is not None and rule.attribute in _FILTER_TAGS and (rule.required or rule.exclude):
            tag, vr, keyword = _FILTER_TAGS[rule.attribute]
            filter_item = Dataset()
            filter_item.SelectorAttribute = tag
            filter_item.SelectorAttributeVR = vr
            filter_item.SelectorValueNumber = 0
            low, high = rule.range
            setattr(filter_item, keyword, [low if low is not None else -1e9, high if high is not None else 1e9])
            filter_item.FilterByOperator = "RANGE_EXCL" if rule.exclude else "RANGE_INCL"
            filters.append(filter_item)
        else:
            filter_item = _selector(rule, where, losses)
            if filter_item is not None:
                filter_item.FilterByOperator = "NOT_MEMBER_OF" if rule.exclude else "MEMBER_OF"
                filters.append(filter_item)
    item.FilterOperationsSequence = Sequence(filters)
    view = box.reformat
    if view.view in _VIEWS:
        item.ReformattingOperationType = "SLAB" if view.slab_thickness_mm else _VIEWS[view.view]
        if view.plane:
            item.ReformattingOperationInitialViewDirection = _PLANES[view.plane]
        if view.slab_thickness_mm:
            item.ReformattingThickness = view.slab_thickness_mm
            if view.slab_mode != "mip":
                losses.append(f"{where}: slab mode {view.slab_mode} (read back as MIP)")
        if view.view == "3d":
            item.ThreeDRenderingType = ["VOLUME"]
            if view.volume_preset:
                losses.append(f"{where}: 3D preset {view.volume_preset}")
    if box.window:
        item.VOIType = box.window.upper().replace(" ", "_")[:16]
    item.ShowGrayscaleInverted = "YES" if box.invert else "NO"
    for name, value in (("sort", box.sort), ("zoom", box.zoom), ("slice", box.slice), ("distinct", box.distinct)):
        if value:
            losses.append(f"{where}: {name} {value}")
    return item


def _cell_rectangle(layout_name: str, cell: int, screen: int, screens: int) -> list[float]:
    layout = parse_layout(layout_name)
    place = layout.cells[cell]
    x0 = (screen + place.column / layout.columns) / screens
    x1 = (screen + (place.column + place.column_span) / layout.columns) / screens
    y1 = 1 - place.row / layout.rows
    y0 = 1 - (place.row + place.row_span) / layout.rows
    return [round(x0, 6), round(y1, 6), round(x1, 6), round(y0, 6)]


# --- import ------------------------------------------------------------------------------------------

def import_protocol(ds: Dataset, source: str = "") -> tuple[HangingProtocol, list[str]]:
    """A protocol from a Hanging Protocol instance, and what of it the workstation could not represent."""
    if str(ds.get("SOPClassUID", "")) != HangingProtocolStorage:
        raise HangingProtocolImportError(f"{source or 'The object'} is not a Hanging Protocol instance "
                                         f"(SOP class {ds.get('SOPClassUID', 'missing')}).")
    losses: list[str] = []
    level = str(ds.get("HangingProtocolLevel", "SITE")).upper()
    if level not in ("SITE", "GROUP", "USER"):
        losses.append(f"level {level} read as SITE")
        level = "SITE"
    description = str(ds.get("HangingProtocolDescription", ""))
    name, _, rest = description.partition(": ")
    identifier = str(ds.get("HangingProtocolName", "")) or "imported"
    rules = _definition_rules(ds, losses)
    image_sets, numbers = _image_sets(ds, _implied_selector(rules), losses)
    screens = int(ds.get("NumberOfScreens", 1) or 1)
    stages = _stages(ds, numbers, screens, losses)
    if not stages:
        raise HangingProtocolImportError(f"{source or 'The Hanging Protocol'} defines no display sets.")
    protocol = HangingProtocol(
        id="".join(c if c.isalnum() or c in "._-" else "-" for c in identifier), name=name or identifier,
        description=rest, stages=stages, image_sets=image_sets, rules=rules, level=level,
        owner=str(ds.get("HangingProtocolCreator", "")), screens=screens, source=source,
    )
    return protocol, losses


def _definition_rules(ds: Dataset, losses: list[str]) -> tuple[Rule, ...]:
    modalities, lateralities = [], []
    for item in ds.get("HangingProtocolDefinitionSequence", []):
        if item.get("Modality"):
            modalities.append(str(item.Modality))
        if item.get("Laterality"):
            lateralities.append(str(item.Laterality))
        for keyword in ("AnatomicRegionSequence", "ProcedureCodeSequence", "ReasonForRequestedProcedureCodeSequence"):
            if item.get(keyword):
                losses.append(f"definition {keyword} (coded criteria are not matched)")
    rules = []
    if modalities:
        rules.append(Rule("modality", tuple(dict.fromkeys(modalities)), required=True))
    if lateralities:
        rules.append(Rule("laterality", tuple(dict.fromkeys(lateralities)), required=True))
    return tuple(rules)


def _image_sets(ds: Dataset, implied: Rule | None, losses: list[str]) -> tuple[tuple[ImageSet, ...], dict[int, str]]:
    image_sets: list[ImageSet] = []
    numbers: dict[int, str] = {}
    for item in ds.get("ImageSetsSequence", []):
        rules = tuple(rule for selector in item.get("ImageSetSelectorSequence", [])
                      if (rule := _rule_from_selector(selector, "image set selector", losses)) is not None)
        if implied is not None and rules == (implied,):
            rules = ()
        for timed in item.get("TimeBasedImageSetsSequence", []):
            category = str(timed.get("ImageSetSelectorCategory", ""))
            label = str(timed.get("ImageSetLabel", "")) or f"set{timed.ImageSetNumber}"
            relative = [int(v) for v in (timed.get("RelativeTime") or [])] if "RelativeTime" in timed else []
            if category == "RELATIVE_TIME" and relative[:2] == [0, 0] and not any(not s.is_prior for s in image_sets):
                image_set = ImageSet("current", 0, None, rules)
            elif category == "RELATIVE_TIME" and len(relative) == 2:
                days = relative[1] * {"SECONDS": 1 / 86400, "MINUTES": 1 / 1440, "HOURS": 1 / 24, "DAYS": 1,
                                      "WEEKS": 7, "MONTHS": 30.44, "YEARS": 365.25}.get(
                    str(timed.get("RelativeTimeUnits", "DAYS")), 1)
                image_set = ImageSet(label, 1, round(days, 3), rules)
            elif category == "ABSTRACT_PRIOR" and timed.get("AbstractPriorValue"):
                first = int(timed.AbstractPriorValue[0])
                image_set = ImageSet(label, -1 if first < 0 else max(first, 1), None, rules)
            else:
                losses.append(f"image set {label}: selector category {category or 'missing'} read as the most recent prior")
                image_set = ImageSet(label, 1, None, rules)
            numbers[int(timed.ImageSetNumber)] = image_set.name
            image_sets.append(image_set)
    if not any(not s.is_prior for s in image_sets):
        image_sets.insert(0, ImageSet("current"))
    else:
        image_sets.sort(key=lambda s: s.is_prior)
    return tuple(image_sets), numbers


def _rule_from_selector(item: Dataset, where: str, losses: list[str], operator: str = "MEMBER_OF") -> Rule | None:
    exclude = item.get("ImageSetSelectorUsageFlag") == "NO_MATCH" or operator in ("NOT_MEMBER_OF", "RANGE_EXCL")
    if item.get("FilterByCategory") == "IMAGE_PLANE":
        planes = {value: name for name, value in _PLANES.items()}
        values = tuple(planes.get(str(v), str(v).lower()) for v in _values(item.get("SelectorCSValue")))
        return Rule("orientation", values, required=not exclude, exclude=exclude)
    if item.get("FilterByCategory"):
        losses.append(f"{where}: filter by category {item.FilterByCategory}")
        return None
    tag = int(item.get("SelectorAttribute", 0) or 0)
    attribute = _ATTRIBUTE_BY_TAG.get(tag)
    if attribute is None:
        losses.append(f"{where}: attribute ({tag >> 16:04X},{tag & 0xFFFF:04X}) is not one the workstation matches on")
        return None
    if item.get("SelectorSequencePointer"):
        losses.append(f"{where}: selector inside a sequence")
        return None
    keyword = _FILTER_TAGS[attribute][2]
    values = _values(item.get(keyword))
    if operator in ("RANGE_INCL", "RANGE_EXCL") and len(values) == 2:
        low, high = (float(v) for v in values)
        return Rule(attribute, range=(None if low <= -1e9 else low, None if high >= 1e9 else high),
                    required=not exclude, exclude=exclude)
    if operator not in ("MEMBER_OF", "NOT_MEMBER_OF"):
        losses.append(f"{where}: operator {operator} on {attribute}")
        return None
    converted = tuple(float(v) if attribute in ("slice_thickness", "series_number") else str(v) for v in values)
    return Rule(attribute, converted, required=not exclude, exclude=exclude)


def _values(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(
        value, (str, bytes)) else [value]


def _stages(ds: Dataset, numbers: dict[int, str], screens: int, losses: list[str]) -> tuple[Stage, ...]:
    groups: dict[int, list[Dataset]] = defaultdict(list)
    for item in ds.get("DisplaySetsSequence", []):
        groups[int(item.get("DisplaySetPresentationGroup", 1))].append(item)
    by_number: dict[int, tuple[int, int]] = {}  # display set number -> (stage index, box index)
    stages = []
    for stage_index, group in enumerate(sorted(groups)):
        items = groups[group]
        placed = []
        for item in items:
            rect = [float(v) for v in item.ImageBoxesSequence[0].DisplayEnvironmentSpatialPosition]
            screen = min(int(rect[0] * screens + 1e-6), screens - 1)
            placed.append((screen, rect, item))
        layouts, boxes = [], []
        for screen in range(screens):
            on_screen = [(rect, item) for s, rect, item in placed if s == screen]
            layout, ordered = _layout_for(on_screen, screen, screens, losses)
            layouts.append(layout)
            for item in ordered:
                by_number[int(item.DisplaySetNumber)] = (stage_index, len(boxes))
                boxes.append(_box_from_item(item, numbers, screen + 1, losses))
        description = str(items[0].get("DisplaySetPresentationGroupDescription", "")) or f"Stage {stage_index + 1}"
        stages.append([description, tuple(layouts), boxes, []])
    for item in ds.get("SynchronizedScrollingSequence", []):
        _add_sync(stages, by_number, "scroll", [int(v) for v in _values(item.DisplaySetScrollingGroup)], losses)
    for item in ds.get("NavigationIndicatorSequence", []):
        members = [int(item.get("NavigationDisplaySet", 0))] + [int(v) for v in _values(item.get("ReferenceDisplaySets"))]
        _add_sync(stages, by_number, "reference_lines", members, losses)
    return tuple(Stage(name, layouts, tuple(boxes), tuple(sync)) for name, layouts, boxes, sync in stages)


def _add_sync(stages: list, by_number: dict[int, tuple[int, int]], kind: str, members: list[int],
              losses: list[str]) -> None:
    places = [by_number[m] for m in members if m in by_number]
    if len(places) < 2 or len({stage for stage, _box in places}) != 1:
        losses.append(f"{kind} group {members} across stages or with unknown display sets")
        return
    stages[places[0][0]][3].append(SyncGroup(kind, tuple(box for _stage, box in places)))


def _layout_for(on_screen: list[tuple[list[float], Dataset]], screen: int, screens: int, losses: list[str]
                ) -> tuple[str, list[Dataset]]:
    """The first layout (by our list) whose cells hold exactly these rectangles; else a regular grid."""
    for name in _CANDIDATE_LAYOUTS:
        cells = [_cell_rectangle(name, cell, screen, screens) for cell in range(len(parse_layout(name)))]
        keyed = {tuple(round(v, 3) for v in rect): index for index, rect in enumerate(cells)}
        indexes = [keyed.get(tuple(round(v, 3) for v in rect)) for rect, _item in on_screen]
        if on_screen and None not in indexes and len(set(indexes)) == len(indexes):
            order = sorted(range(len(on_screen)), key=lambda i: indexes[i])
            return name, [on_screen[i][1] for i in order]
    count = max(len(on_screen), 1)
    columns = min(4, max(1, int(count ** 0.5 + 0.999)))
    rows = -(-count // columns)
    if on_screen:
        losses.append(f"screen {screen + 1}: image boxes at positions no layout has; shown as a {rows}x{columns} grid")
    ordered = sorted(on_screen, key=lambda entry: (-entry[0][1], entry[0][0]))
    return f"{rows}x{columns}", [item for _rect, item in ordered]


def _box_from_item(item: Dataset, numbers: dict[int, str], screen: int, losses: list[str]) -> Box:
    where = f"display set {item.DisplaySetNumber}"
    rules = tuple(rule for f in item.get("FilterOperationsSequence", [])
                  if (rule := _rule_from_selector(f, where, losses, str(f.get("FilterByOperator", "MEMBER_OF"))))
                  is not None)
    operation = str(item.get("ReformattingOperationType", ""))
    planes = {value: name for name, value in _PLANES.items()}
    plane = planes.get(str(item.get("ReformattingOperationInitialViewDirection", ""))) if operation else None
    if operation == "SLAB":
        reformat = Reformat("mpr", plane or "axial", float(item.get("ReformattingThickness", 0) or 0), "mip")
    elif operation == "MPR":
        reformat = Reformat("mpr", plane or "axial")
    elif operation == "3D_RENDERING":
        reformat = Reformat("3d", plane)
    else:
        if operation:
            losses.append(f"{where}: reformatting {operation}")
        reformat = Reformat()
    window = str(item.get("VOIType", "")).replace("_", " ").capitalize() or None
    image_set = numbers.get(int(item.get("ImageSetNumber", 1)), "current")
    return Box(image_set, rules, (), reformat, window, None, None, item.get("ShowGrayscaleInverted") == "YES",
               screen, str(item.get("DisplaySetLabel", "")))
