"""Figures tests record for the run's summary (e.g. page submissions per browser journey).

Tests write into FIGURES. Under pytest-xdist a test runs in a worker process, so each test's new
figures ride on its report (`figures_onto`) to the controller, which prints the summary
(`figures_from`); run in one process, the same steps leave FIGURES as the tests wrote it.
"""

FIGURES: dict[str, str] = {}
KEY = "wgll-figure"
_sent: dict[str, str] = {}


def figures_onto(report) -> None:
    """Attach the figures recorded since the last report to this one."""
    for name, value in FIGURES.items():
        if _sent.get(name) != value:
            report.user_properties.append((KEY, (name, value)))
            _sent[name] = value


def figures_from(report) -> None:
    for key, value in report.user_properties:
        if key == KEY:
            name, figure = value
            FIGURES[name] = figure
