"""The API of what reports make of the assessments (under /api/v1/, wired in wgll/api_urls.py):
the ICS and national comparison figures (read only from the precomputed rows the dashboards
read, with the disclosure module's suppressions), the national files, board reports and ICS
board packs. Thin, as the pages are: the same lookups, the same access rules, the same services."""
