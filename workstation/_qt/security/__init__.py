"""Who is at the station, in the window: login, idle lock screen, break the glass, keywords, the
clinicians' selector. ``controller.install_security(window)`` plugs them into the main window."""
