"""Figures tests record for the run's summary (e.g. page submissions per browser journey)."""

FIGURES: dict[str, str] = {}
