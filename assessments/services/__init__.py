"""State changes of the yearly assessment, one module per subject.

Every function here is keyword-only, names the acting user where a person acts, checks the access
module, runs in one transaction and writes its audit event inside it. Services may import their
app's tasks (to queue work after commit); tasks import services only inside their bodies, so the
two never import each other at load time.
"""
