"""An ICS board pack requested in the portal is rendered by a real worker process via Redis."""

import time

import pytest

from reports.models import SystemPack
from reports.packs import pack_request
from tests import factories
from tests.assessments.conftest import frameworks  # noqa: F401  (fixture)
from tests.reports.conftest import squashed
from tests.reports.system_data import build_country
from tests.reports.test_system_pack import page_texts

pytestmark = [pytest.mark.needs_worker, pytest.mark.django_db(transaction=True)]


def test_a_requested_pack_is_rendered_by_a_worker(celery_workers, frameworks, world):  # noqa: F811
    country = build_country(world)
    board = factories.UserFactory()
    factories.grant(board, "ics_board_viewer", world.ics_1)
    celery_workers.start()

    pack = pack_request(ics=world.ics_1, cycle=country.this_year, actor=board, audience="board")

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pack.refresh_from_db()
        if pack.status in {SystemPack.Status.READY, SystemPack.Status.FAILED}:
            break
        time.sleep(0.3)
    assert pack.status == SystemPack.Status.READY, pack.error
    text = squashed("\n".join(page_texts(pack)))
    assert squashed(world.ics_1.name) in text
    for trust in country.trusts[world.ics_1.icb_ods_code]:
        assert squashed(f"Appendix: {trust.name}") in text
