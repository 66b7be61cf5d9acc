"""The seven WGLL success measures. They are fixed by the national framework, so a definition
file may describe them but never invent, drop or reorder one."""

SUCCESS_MEASURES: dict[str, str] = {
    "well_led": "Well led",
    "smart_foundations": "Ensure smart foundations",
    "safe_practice": "Safe practice",
    "support_people": "Support people",
    "empower_citizens": "Empower citizens",
    "improve_care": "Improve care",
    "healthy_populations": "Healthy populations",
}
LEVELS = (1, 2, 3, 4, 5)
