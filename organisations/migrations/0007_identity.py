import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0006_api_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='Identity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(choices=[('cis2', 'NHS Care Identity'), ('oidc', 'Other OpenID Connect provider')], max_length=10)),
                ('subject', models.CharField(max_length=255, verbose_name='subject identifier')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail address claimed')),
                ('claimed_ods_codes', models.JSONField(blank=True, default=list, verbose_name='organisations claimed (ODS codes)')),
                ('id_assurance_level', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='identity assurance level')),
                ('authentication_assurance_level', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='authentication assurance level')),
                ('first_signed_in_at', models.DateTimeField(verbose_name='first signed in')),
                ('last_signed_in_at', models.DateTimeField(verbose_name='last signed in')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='identities', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'identities',
                'ordering': ['user__email', 'provider'],
                'constraints': [models.UniqueConstraint(fields=('provider', 'subject'), name='unique_identity_subject'), models.UniqueConstraint(fields=('user', 'provider'), name='unique_identity_per_provider')],
            },
        ),
    ]
