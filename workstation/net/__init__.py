"""Talking to PACS nodes: DIMSE (C-ECHO, C-FIND, C-GET, C-MOVE, C-STORE) and DICOMweb (QIDO, WADO, STOW).

The only package that imports pynetdicom. Received instances go into the local archive as encoded
bytes, never decoded on the way. Where to start:

- ``service.PacsService``: what the app runs while open (storage SCP, per-node queues, outbox sender).
- ``retrieve.retrieve``: fetch a study or series into the archive; a retry fetches only what is missing.
- ``job_queue.RetrieveQueues``: one worker per node, CURRENT before PRIOR, cancel, progress listeners.
- ``priors.find_priors`` / ``prefetch_priors``; ``query.query_studies``; ``find`` (C-FIND levels);
  ``dicomweb`` (QIDO-RS); ``echo.c_echo``; ``outbox.Outbox`` (C-STORE / STOW-RS, never twice).
- ``dimse_retrieve.c_get`` / ``c_move`` and ``storage_scp.StorageSCP`` run on our own lean DICOM upper layer
  (``upper_layer``, ``dimse_command``, ``store_receiver``, ``next_file``): one thread reads the PDUs and
  writes each instance to an archive file as it arrives (pynetdicom's reactor held C-GET to ~0.25x DCMTK);
  pynetdicom does the queries, echo and store, and encodes the association negotiation.
- ``orthanc_server.OrthancServer``: a loopback Orthanc for tests, benchmarks and the demo PACS
  (``demo_pacs``).
"""
