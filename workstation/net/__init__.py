"""Talking to PACS nodes: DIMSE (C-ECHO, C-FIND, C-GET, C-MOVE, C-STORE) and DICOMweb (QIDO, WADO, STOW).

The only package that imports pynetdicom. Received instances go into the local archive as encoded
bytes, never decoded on the way.
"""
