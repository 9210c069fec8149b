"""Application core without Qt or VTK: errors, logging, commands."""
