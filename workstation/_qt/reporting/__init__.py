"""The report editor beside the images, the dictation controls and the transcriptionist view."""
