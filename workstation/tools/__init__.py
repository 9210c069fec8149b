"""Interactions on abstract pointer events: window/level, pan, zoom, scroll and the measurement tools."""
