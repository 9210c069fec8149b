"""The tool objects behind the session's tool names, and the fixed mouse-button roles.

The left button uses the active tool; the middle button always pans and the right button always zooms
(Weasis/OHIF habits), so a reader measuring can still move the image without switching tools.
"""

from __future__ import annotations

from workstation.tools.measuring import MeasuringTool
from workstation.tools.navigation import PanTool, ScrollTool, WindowLevelTool, ZoomTool
from workstation.tools.pointer import Button


class Toolbox:
    def __init__(self) -> None:
        self.tools = {
            "window_level": WindowLevelTool(),
            "pan": PanTool(),
            "zoom": ZoomTool(),
            "scroll": ScrollTool(),
            "length": MeasuringTool("length"),
            "angle": MeasuringTool("angle"),
            "ellipse_roi": MeasuringTool("ellipse"),
            "rectangle_roi": MeasuringTool("rectangle"),
        }

    def for_button(self, button: Button, active_tool: str):
        if button is Button.MIDDLE:
            return self.tools["pan"]
        if button is Button.RIGHT:
            return self.tools["zoom"]
        return self.tools[active_tool]

    def previews(self):
        """Measurements being drawn right now (for the widget to paint)."""
        return [t.preview for t in self.tools.values() if isinstance(t, MeasuringTool) and t.preview is not None]
