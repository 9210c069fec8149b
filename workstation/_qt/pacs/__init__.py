"""The PACS inside the window: a query/retrieve page over ``workstation.net.service.PacsService``.

``install_pacs(window)`` (screen.py) starts the service, adds the page, its command (``pacs.show``) and
menu, and stops the service when the window closes. Worker-thread job reports reach the GUI thread
through ``job_bridge.JobBridge``.
"""
