"""The worklist panel docked beside the images (a view over workstation.worklist)."""
