"""How a simulated car charges: power, energy, state of charge, voltage, current, heat.

Pure and deterministic given its random source, so that a test can predict a session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class ChargingSession:
    """A car on one connector. ``register_wh`` is the connector meter, kept across sessions."""

    max_power_w: float
    battery_wh: float = 60_000.0
    soc: float = 30.0
    voltage: float = 230.0
    phases: int = 3
    temperature: float = 25.0
    power_w: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def step(self, seconds: float) -> float:
        """Advance by ``seconds``; return the energy delivered (Wh) in that time."""
        taper = 1.0 if self.soc < 80 else max(0.1, (100.0 - self.soc) / 20.0)
        self.power_w = self.max_power_w * taper * self.rng.uniform(0.97, 1.0)
        if self.soc >= 100.0:
            self.power_w = 0.0
        energy = self.power_w * seconds / 3600.0
        self.soc = min(100.0, self.soc + energy / self.battery_wh * 100.0)
        self.voltage = 230.0 + self.rng.uniform(-3.0, 3.0)
        self.temperature = min(60.0, self.temperature + self.power_w / 200_000.0 * seconds)
        return energy

    @property
    def current_a(self) -> float:
        return self.power_w / (self.voltage * self.phases) if self.voltage else 0.0
