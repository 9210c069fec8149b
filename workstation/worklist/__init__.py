"""The RIS reading worklist: sources of work (HL7 orders, DICOM MWL, PACS image counts), the reading state
machine with locks shared through a store (SQLite or PostgreSQL), "open next", and results to the RIS.

No Qt here: the panel in workstation/_qt/worklist/ is a view over ``WorklistStore``.
"""
