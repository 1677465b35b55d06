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


# A name and a city said in another script: (what the user says, the name, the city as said).
SAID_IN_SIX_SCRIPTS = {
    "Cyrillic": ("Меня зовут Ольга, я живу в Казани.", "Ольга", "Казани"),
    "Greek": ("Με λένε Νίκος και μένω στην Αθήνα.", "Νίκος", "Αθήνα"),
    "Arabic": ("اسمي ليلى وأسكن في القاهرة", "ليلى", "القاهرة"),
    "Devanagari": ("मेरा नाम प्रिया है और मैं दिल्ली में रहती हूँ।", "प्रिया", "दिल्ली"),
    "Japanese": ("私は田中です。東京に住んでいます。", "田中", "東京"),
    "Chinese": ("我叫李明。我住在北京。", "李明", "北京"),
}
