"""Pure domain: dataclasses and functions, no I/O. Version-neutral (OCPP 1.6 and 2.0.1)."""
