"""Pure rules of the yearly assessment: plain data in, plain data out, no database, no request.

Scoring, validation flags, evidence file checks, carrying answers forward and how dates are
written. Selectors and services feed them; they import nothing of the rest of the app.
"""
