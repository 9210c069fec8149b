"""Dictation capture and storage, the report, signing and the outbound queue (sounddevice only here)."""
