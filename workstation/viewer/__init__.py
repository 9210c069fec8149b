"""The reading screen's model: layouts, viewports, what they show and how, sync groups (no Qt, no VTK)."""
