"""Hanging protocols: which images go where when an exam opens (modelled on the DICOM Hanging Protocol IOD).

No Qt here: ``hang_study`` turns an archived study, its priors and the protocol files into a
``HangingPlan`` (layout per stage, a display set or a reason for each box) that a view then applies.
"""
