"""Demo people and three cycles of demo assessments, built through the real services.

`demo.people` (who signs in), `demo.model` (the seeded maturity model), `demo.anomalies` (who
games their scores), `demo.plans` (one organisation's year), `demo.history` (the cycles in turn)
and `demo.summary` (the figures printed at the end). Never run in production.
"""
