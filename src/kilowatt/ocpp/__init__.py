"""The OCPP edge: WebSocket server, frame codec, router and per-version handlers.

Only this package (and the simulator) imports the ``ocpp`` library.
"""
