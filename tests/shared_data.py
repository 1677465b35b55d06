"""Test data more than one test module uses."""

from __future__ import annotations

HOBBIES = [
    "archery",
    "baking",
    "chess",
    "diving",
    "fencing",
    "gardening",
    "hiking",
    "juggling",
    "knitting",
    "painting",
    "rowing",
    "sailing",
    "skiing",
    "surfing",
    "tennis",
    "yoga",
]
"""Sixteen interests, one per concurrent chat of one user: every one must be kept."""
