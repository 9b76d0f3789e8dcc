"""Fail fast, with a clear message, when a service the suite needs is not running."""

from __future__ import annotations

import socket
import sys

SERVICES = {
    "PostgreSQL": ("127.0.0.1", 5432),
    "Redis": ("127.0.0.1", 6379),
}


def main() -> int:
    missing = []
    for name, (host, port) in SERVICES.items():
        try:
            with socket.create_connection((host, port), timeout=3):
                pass
        except OSError as error:
            missing.append(f"{name} at {host}:{port} ({error})")
    if missing:
        print("the test suite needs: " + "; ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
