"""Which OpenGL implementation draws a window: software (Mesa llvmpipe, ...) or a real GPU.

Ray casting on the GPU path of a software renderer takes seconds per frame, where VTK's CPU ray caster
takes a fraction of a second; the 3D view picks its mapper from this.
"""

from __future__ import annotations

import logging
import re

from vtkmodules.vtkRenderingCore import vtkRenderWindow

log = logging.getLogger(__name__)

_SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "gdi generic", "microsoft basic render")


def renderer_string(render_window: vtkRenderWindow) -> str:
    """The driver's "OpenGL renderer string"; the window gets its OpenGL context here (initialised, and
    rendered once if that is not enough). Empty if the driver does not say."""
    for make_context in (render_window.Initialize, render_window.Render):
        make_context()
        match = re.search(r"OpenGL renderer string:\s*(.+)", render_window.ReportCapabilities())
        if match:
            return match.group(1).strip()
    log.warning("the OpenGL driver did not report its renderer; volume rendering will use the CPU ray caster")
    return ""


def is_software_renderer(renderer: str) -> bool:
    """True for a CPU rasteriser; an unknown (empty) string counts as software, the safe choice."""
    name = renderer.lower()
    return not name or any(software in name for software in _SOFTWARE_RENDERERS)
