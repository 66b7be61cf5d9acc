"""Lower-case every stored e-mail address, so sign-in and uniqueness ignore case.

Refuses, naming them, when two accounts differ only in the case of their address: which one is
the real person is a decision for the service desk (merge or remove the other), not for a
migration.
"""

from django.db import migrations


def lower_case_emails(apps, schema_editor):
    User = apps.get_model("organisations", "User")
    users = list(User.objects.using(schema_editor.connection.alias).order_by("pk").values_list("pk", "email"))
    by_address: dict[str, list[str]] = {}
    for _, email in users:
        by_address.setdefault(email.strip().lower(), []).append(email)
    clashes = {address: emails for address, emails in by_address.items() if len(emails) > 1}
    if clashes:
        listed = "; ".join(f"{address}: {', '.join(emails)}" for address, emails in sorted(clashes.items()))
        raise RuntimeError(
            f"Cannot lower-case e-mail addresses: {len(clashes)} address(es) belong to more than one account "
            f"when case is ignored ({listed}). Merge or remove the extra accounts, then migrate again."
        )
    for pk, email in users:
        if email != email.strip().lower():
            User.objects.using(schema_editor.connection.alias).filter(pk=pk).update(email=email.strip().lower())


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]

    operations = [migrations.RunPython(lower_case_emails, migrations.RunPython.noop, elidable=False)]
