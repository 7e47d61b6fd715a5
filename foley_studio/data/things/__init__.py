"""The objects of the procedural world, one class per sound class, keyed by class name."""
from __future__ import annotations

from foley_studio.data.things.ambience import Car, Grass, Insect, Water
from foley_studio.data.things.base import Box, Thing, Tint
from foley_studio.data.things.impacts import Ball, Drum, Walker
from foley_studio.data.things.tones import Bell, Bird, Clock

THINGS: dict[str, type[Thing]] = {cls.name: cls for cls in (
    Ball, Bell, Bird, Car, Clock, Drum, Grass, Insect, Walker, Water)}

__all__ = ["THINGS", "Box", "Thing", "Tint"]
