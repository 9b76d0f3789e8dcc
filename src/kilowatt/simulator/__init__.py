"""Simulated charging stations that speak real OCPP (through the ``ocpp`` library's client
side): for the demo, the tests and the benchmark."""
