"""The API of the yearly assessment (under /api/v1/, wired in wgll/api_urls.py), one module per
subject: cycles, assessments, their answers (and the writes the answering pages allow), scores
and validation flags. Thin, as the pages are: every lookup goes through the scoped selectors
(another organisation's assessment is a plain 404), every decision through the access module,
every change through the service the page calls. Keyed on cycle slugs, ODS codes and domain
keys, never on row ids."""
