"""The ICS board pack: asked for, queued, rendered (in-process, eager) and ready; what the PDF
says, checked with pypdf against figures computed here from the scores; failure and retry;
the sweep; and who may ask for and download which pack."""

import datetime
import io
import statistics
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import Assessment, AssessmentScore, ValidationFlag
from assessments.rules.dates import long_datetime
from organisations.models import Organisation
from reports import packs
from reports.models import FigureSet, SystemPack
from reports.pack_data import pack_data
from tests import factories
from tests.reports.conftest import squashed

pytestmark = pytest.mark.django_db


# The country is built once for the module (country_data); each test's changes are rolled back.
@pytest.fixture
def world(country_data):
    return country_data[0]


@pytest.fixture
def country(country_data):
    return country_data[1]


def person(role, where=None):
    user = factories.UserFactory()
    factories.grant(user, role, where)
    return user


@pytest.fixture
def board(world):
    return person("ics_board_viewer", world.ics_1)


@pytest.fixture
def reviewer(world):
    return person("ics_reviewer", world.ics_1)


def request_and_render(django_capture_on_commit_callbacks, *, ics, cycle, actor, audience="board") -> SystemPack:
    """Ask for a pack as a page would; the queued render runs on commit, in-process (eager)."""
    with django_capture_on_commit_callbacks(execute=True):
        pack = packs.pack_request(ics=ics, cycle=cycle, actor=actor, audience=audience)
    assert pack.status == SystemPack.Status.QUEUED  # what the request itself leaves
    pack.refresh_from_db()
    return pack


def reader(pack) -> PdfReader:
    with pack.file.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def page_texts(pack) -> list[str]:
    return [page.extract_text() for page in reader(pack).pages]


def one(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mix_adjusted_by_hand(country) -> Decimal:
    """The system's mix-adjusted overall score computed here from the scores in the database:
    each counted trust's overall score less the national median of its care setting (of all
    trusts when that group has fewer than 5), averaged, added to the national median."""
    scores = AssessmentScore.objects.filter(
        assessment__cycle=country.this_year,
        assessment__status__in=Assessment.SUBMITTED_OR_LATER,
        assessment__organisation__kind=Organisation.Kind.TRUST,
    ).select_related("assessment__organisation")
    by_setting: dict[str, list[Decimal]] = {}
    for score in scores:
        by_setting.setdefault(score.assessment.organisation.care_settings[0], []).append(score.overall)
    everyone = one(statistics.median([s.overall for s in scores]))
    differences = []
    for score in scores:
        if score.assessment.organisation.ics_id != country.ics_1.pk:
            continue
        peers = by_setting[score.assessment.organisation.care_settings[0]]
        differences.append(score.overall - (one(statistics.median(peers)) if len(peers) >= 5 else everyone))
    return everyone + one(sum(differences) / len(differences))


def test_a_requested_pack_is_queued_rendered_and_ready(country, board, django_capture_on_commit_callbacks):
    ics, cycle = country.ics_1, country.this_year
    pack = request_and_render(django_capture_on_commit_callbacks, ics=ics, cycle=cycle, actor=board)

    assert pack.status == SystemPack.Status.READY, pack.error
    assert pack.progress == 100 and pack.started_at and pack.finished_at and pack.requested_by == board
    computed_at = FigureSet.objects.get(cycle=cycle).computed_at
    assert pack.figures_computed_at == computed_at
    pages = page_texts(pack)
    assert pack.pages == len(pages)
    text = squashed("\n".join(pages))
    assert squashed(ics.name) in text
    assert squashed(f"Digital maturity board pack {cycle.name}") in text
    assert squashed(f"Figures computed {long_datetime(computed_at)}") in squashed(pages[0])
    assert "notaleaguetable" in text.lower()
    # The mix-adjusted score, as computed here from the scores, on the summary page beside its method.
    summary = squashed(pages[1])
    assert squashed(f"the mix-adjusted score is {mix_adjusted_by_hand(country)}") in summary
    assert squashed("compared with the national median of trusts with the same main care setting") in summary


def test_the_appendix_has_one_page_per_member_trust(country, board, django_capture_on_commit_callbacks):
    pack = request_and_render(
        django_capture_on_commit_callbacks, ics=country.ics_1, cycle=country.this_year, actor=board
    )
    pages = [squashed(text) for text in page_texts(pack)]
    trusts = sorted(country.trusts[country.ics_1.icb_ods_code], key=lambda o: o.name)
    titled = [
        index for index, page in enumerate(pages) if squashed("Appendix:") in page and "onepagepermember" not in page
    ]
    assert len(titled) == len(trusts)
    # Each trust's page is the one after the last one's, and the last page is the last trust's:
    # no member's page runs on to a second.
    assert titled == list(range(len(pages) - len(trusts), len(pages)))
    for index, trust in zip(titled, trusts, strict=True):
        assert squashed(f"Appendix: {trust.name}") in pages[index]
        assert squashed(f"Member trust {trusts.index(trust) + 1} of {len(trusts)}") in pages[index]
    # A trust still drafting has its page, saying it is not counted, with no scores.
    draft_page = pages[titled[trusts.index(country.draft)]]
    assert "Notyetsubmitted" in draft_page and "nosubmittedresults" in draft_page


def test_each_trusts_page_gives_its_scores_and_change_since_last_year(
    country, board, django_capture_on_commit_callbacks
):
    pack = request_and_render(
        django_capture_on_commit_callbacks, ics=country.ics_1, cycle=country.this_year, actor=board
    )
    pages = page_texts(pack)
    trust = next(
        t for t in sorted(country.trusts[country.ics_1.icb_ods_code], key=lambda o: o.name) if t.pk != country.draft.pk
    )
    page = squashed(next(p for p in pages if squashed(f"Appendix: {trust.name}") in squashed(p)))
    now = AssessmentScore.objects.get(assessment__cycle=country.this_year, assessment__organisation=trust)
    before = AssessmentScore.objects.get(assessment__cycle=country.last_year, assessment__organisation=trust)
    change = now.overall - before.overall
    signed = f"+{change}" if change > 0 else str(change)
    assert squashed(f"{now.overall} out of 5; {before.overall} in {country.last_year.name} ({signed})") in page
    for measure in now.measures.all():
        assert squashed(measure.value.__str__()) in page


def test_the_board_pack_shows_answer_flags_only_and_the_reviewers_pack_every_flag(
    country, board, reviewer, django_capture_on_commit_callbacks
):
    trust = next(
        t for t in country.trusts[country.ics_1.icb_ods_code] if t.pk not in {country.draft.pk, country.ready.pk}
    )
    assessment = Assessment.objects.get(cycle=country.this_year, organisation=trust)
    for kind in (ValidationFlag.Kind.HIGH_LEVEL_WITHOUT_EVIDENCE, ValidationFlag.Kind.COPIED_NOTES):
        ValidationFlag.objects.create(assessment=assessment, kind=kind, explanation="x", computed_at=timezone.now())
    ics, cycle = country.ics_1, country.this_year

    for_board = request_and_render(django_capture_on_commit_callbacks, ics=ics, cycle=cycle, actor=board)
    for_reviewers = request_and_render(
        django_capture_on_commit_callbacks, ics=ics, cycle=cycle, actor=reviewer, audience="reviewers"
    )

    def trust_page(pack):
        return squashed(next(p for p in page_texts(pack) if squashed(f"Appendix: {trust.name}") in squashed(p)))

    board_page, reviewers_page = trust_page(for_board), trust_page(for_reviewers)
    assert squashed("High level without real evidence") in board_page
    assert squashed("Notes copied between answers") not in board_page
    from assessments.rules.flags import ANSWER_KINDS

    open_flags = ValidationFlag.objects.filter(assessment=assessment, resolved_at__isnull=True)
    answer_flags = open_flags.filter(kind__in=ANSWER_KINDS).count()
    assert open_flags.count() > answer_flags >= 1
    assert squashed(f"{answer_flags} open flag{'s' if answer_flags > 1 else ''}:") in board_page
    assert squashed("Notes copied between answers (compares with other organisations)") in reviewers_page
    assert squashed(f"{open_flags.count()} open flags:") in reviewers_page
    # Work in progress: the board reads "not yet submitted", the reviewers the status itself.
    board_text, reviewers_text = (squashed("\n".join(page_texts(p))) for p in (for_board, for_reviewers))
    assert "Readyforsign-off" not in board_text and "Readyforsign-off" in reviewers_text
    assert squashed("For the ICS board") in board_text and squashed("For ICS reviewers") in reviewers_text


def test_a_board_viewer_cannot_ask_for_the_reviewers_pack(country, board):
    with pytest.raises(PermissionDenied):
        packs.pack_request(ics=country.ics_1, cycle=country.this_year, actor=board, audience="reviewers")
    with pytest.raises(PermissionDenied):
        packs.pack_request(ics=country.ics_2, cycle=country.this_year, actor=board, audience="board")
    assert not SystemPack.objects.exists()


def test_one_pack_at_a_time_and_none_that_would_add_nothing(country, board, django_capture_on_commit_callbacks):
    ics, cycle = country.ics_1, country.this_year
    packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")  # not rendered: the test never commits
    with pytest.raises(ValidationError, match="already being produced"):
        packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
    SystemPack.objects.all().delete()

    request_and_render(django_capture_on_commit_callbacks, ics=ics, cycle=cycle, actor=board)
    with pytest.raises(ValidationError, match="already shows the current figures"):
        packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
    # Recomputing the same figures changes nothing; a changed score does.
    from reports.refresh import cycle_figures_refresh

    cycle_figures_refresh(cycle_id=cycle.pk)
    with pytest.raises(ValidationError, match="already shows the current figures"):
        packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
    score = AssessmentScore.objects.filter(assessment__cycle=cycle, assessment__organisation__ics=ics).first()
    AssessmentScore.objects.filter(pk=score.pk).update(overall=Decimal("0.1") if score.overall > 1 else Decimal("4.9"))
    cycle_figures_refresh(cycle_id=cycle.pk)
    newer = request_and_render(django_capture_on_commit_callbacks, ics=ics, cycle=cycle, actor=board)
    assert newer.status == SystemPack.Status.READY
    assert SystemPack.objects.filter(status=SystemPack.Status.READY).count() == 2  # versions are kept


def test_a_person_may_ask_for_five_packs_an_hour(country, board, monkeypatch):
    monkeypatch.setattr(packs, "JOB", replace(packs.JOB, publish=lambda pack_id: True))
    ics, cycle = country.ics_1, country.this_year
    for _ in range(packs.REQUESTS_PER_PERSON):
        pack = packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
        SystemPack.objects.filter(pk=pack.pk).update(status=SystemPack.Status.FAILED)
    with pytest.raises(ValidationError, match="in the last hour"):
        packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
    assert SystemPack.objects.count() == packs.REQUESTS_PER_PERSON


def test_a_failed_render_is_recorded_shown_and_can_be_tried_again(
    client, country, board, monkeypatch, django_capture_on_commit_callbacks
):
    ics, cycle = country.ics_1, country.this_year

    def broken(data):
        raise RuntimeError("layout engine fell over")

    monkeypatch.setattr(packs, "pack_document", broken)
    client.force_login(board)
    args = [ics.icb_ods_code, cycle.slug]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("systems:pack-request", args=args), {"audience": "board"})
    assert response.status_code == 302
    pack = SystemPack.objects.get()
    assert pack.status == SystemPack.Status.FAILED and not pack.file
    assert f"quote pack number {pack.pk}" in pack.error and "layout engine" not in pack.error
    page = client.get(reverse("systems:pack", args=args)).content.decode()
    assert "Failed" in page and f"quote pack number {pack.pk}" in page and "Try again" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("systems:pack-retry", args=[*args, pack.pk]))
    assert response.status_code == 302
    pack.refresh_from_db()
    assert pack.status == SystemPack.Status.READY and pack.error == "" and SystemPack.objects.count() == 1
    download = client.get(reverse("systems:pack-download", args=[*args, pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # A pack that did not fail cannot be "tried again".
    with pytest.raises(ValidationError):
        packs.pack_retry(pack=pack, actor=board)


def test_a_pack_the_broker_never_took_is_handed_over_at_the_next_sweep(
    country, board, monkeypatch, django_capture_on_commit_callbacks
):
    # The broker is down.
    monkeypatch.setattr(packs, "JOB", replace(packs.JOB, publish=lambda pack_id: False))
    ics, cycle = country.ics_1, country.this_year
    with django_capture_on_commit_callbacks(execute=True):
        pack = packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
    pack.refresh_from_db()
    assert pack.status == SystemPack.Status.QUEUED and pack.queued_at is None
    with pytest.raises(ValidationError, match="already being produced"):  # it is on its way
        packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")

    handed: list[int] = []
    # Back.
    monkeypatch.setattr(packs, "JOB", replace(packs.JOB, publish=lambda pack_id: handed.append(pack_id) or True))
    with django_capture_on_commit_callbacks(execute=True):
        assert packs.packs_sweep() == 1  # the very next sweep, however recent the request
    with django_capture_on_commit_callbacks(execute=True):
        assert packs.packs_sweep() == 0  # handed over now: left alone
    pack.refresh_from_db()
    assert handed == [pack.pk] and pack.queued_at is not None


def test_a_pack_still_rendering_is_not_claimed_a_second_time(country, board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        pack = packs.pack_request(ics=country.ics_1, cycle=country.this_year, actor=board, audience="board")
    recently = timezone.now() - packs.JOB.claim_lost_after() + datetime.timedelta(seconds=5)
    SystemPack.objects.filter(pk=pack.pk).update(status=SystemPack.Status.RENDERING, started_at=recently)
    assert packs.pack_render(pack_id=pack.pk).status == SystemPack.Status.RENDERING  # a duplicate message
    assert packs.packs_sweep() == 0
    long_ago = timezone.now() - packs.JOB.claim_lost_after() - datetime.timedelta(seconds=1)
    SystemPack.objects.filter(pk=pack.pk).update(started_at=long_ago)  # its worker died
    assert packs.pack_render(pack_id=pack.pk).status == SystemPack.Status.READY


def test_the_sweep_re_drives_a_stuck_pack_exactly_once(country, board, monkeypatch, django_capture_on_commit_callbacks):
    queued: list[int] = []
    monkeypatch.setattr(packs, "JOB", replace(packs.JOB, publish=lambda pack_id: queued.append(pack_id) or True))
    ics, cycle = country.ics_1, country.this_year
    with django_capture_on_commit_callbacks(execute=True):  # each handed to the "broker"
        lost = packs.pack_request(ics=ics, cycle=cycle, actor=board, audience="board")
        died = packs.pack_request(ics=ics, cycle=cycle, actor=person("ics_reviewer", ics), audience="reviewers")
        fresh = packs.pack_request(ics=ics, cycle=country.last_year, actor=board, audience="board")
    fresh.refresh_from_db()
    long_ago = timezone.now() - packs.JOB.stuck_after() - datetime.timedelta(minutes=1)
    SystemPack.objects.filter(pk=lost.pk).update(queued_at=long_ago, requested_at=long_ago)
    SystemPack.objects.filter(pk=died.pk).update(
        status=SystemPack.Status.RENDERING, started_at=long_ago, queued_at=long_ago, progress=35
    )
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert packs.packs_sweep() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert packs.packs_sweep() == 0  # now queued again, recently: left alone

    assert sorted(queued) == sorted([lost.pk, died.pk])
    lost.refresh_from_db()
    died.refresh_from_db()
    assert lost.status == died.status == SystemPack.Status.QUEUED
    assert died.started_at is None and died.progress == 0
    assert lost.requested_at == long_ago and lost.queued_at > long_ago  # the person's request time stays
    assert SystemPack.objects.get(pk=fresh.pk).queued_at == fresh.queued_at

    # The re-driven render then completes as any other.
    assert packs.pack_render(pack_id=died.pk).status == SystemPack.Status.READY
    assert packs.pack_render(pack_id=died.pk).status == SystemPack.Status.READY  # idempotent: left as it is


def test_the_pack_sweep_is_on_the_beat_schedule():
    from django.conf import settings

    from wgll.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.sweep_system_packs" in tasks
    assert "reports.sweep_system_packs" in app.tasks and "reports.render_system_pack" in app.tasks


def test_reading_a_packs_figures_costs_the_same_queries_for_a_bigger_ics(country):
    def queries(ics) -> int:
        with CaptureQueriesContext(connection) as captured:
            pack_data(ics, country.this_year, "reviewers")
        return len(captured)

    small, big = country.ics_3, country.ics_1
    assert Organisation.objects.filter(ics=big).count() >= 2 * Organisation.objects.filter(ics=small).count()
    queries(small)  # warm the content-type and framework caches alike for both
    assert queries(big) == queries(small)


# Pages.


def test_the_dashboard_has_a_board_pack_section(client, country, board, django_capture_on_commit_callbacks):
    client.force_login(board)
    args = [country.ics_1.icb_ods_code, country.this_year.slug]
    page = client.get(reverse("systems:dashboard", args=args)).content.decode()
    assert 'id="board-pack"' in page and "Board pack" in page
    assert f'action="{reverse("systems:pack-request", args=args)}"' in page and "csrfmiddlewaretoken" in page
    assert 'name="audience" value="board"' in page and "Who is the pack for?" not in page  # one audience only
    assert "No board pack has been produced" in page

    packs.pack_request(ics=country.ics_1, cycle=country.this_year, actor=board, audience="board")  # left queued
    page = client.get(reverse("systems:dashboard", args=args)).content.decode()
    assert 'data-pending="true"' in page and "report-status.mjs" in page and "Queued" in page
    assert f'data-source="{reverse("systems:pack", args=args)}"' in page
    assert '<meta http-equiv="refresh"' not in page  # the dashboard itself never reloads


def test_the_pack_page_shows_progress_and_refreshes_itself_while_pending(client, country, board, reviewer):
    args = [country.ics_1.icb_ods_code, country.this_year.slug]
    pack = packs.pack_request(ics=country.ics_1, cycle=country.this_year, actor=board, audience="board")
    SystemPack.objects.filter(pk=pack.pk).update(status=SystemPack.Status.RENDERING, progress=35)
    client.force_login(board)
    page = client.get(reverse("systems:pack", args=args)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "report-status.mjs" in page
    assert 'value="35"' in page and "35% done: laying out the pages" in page and "Rendering" in page
    client.force_login(reviewer)
    page = client.get(reverse("systems:pack", args=args)).content.decode()
    assert "Who is the pack for?" in page and 'value="reviewers"' in page


def test_each_trusts_page_shows_its_improvement_plan_and_the_plan_moves_the_fingerprint(
    country, board, django_capture_on_commit_callbacks
):
    from assessments.models import ImprovementPlan, PlanAction, PlanTarget

    cycle = country.this_year
    trust = next(
        t for t in sorted(country.trusts[country.ics_1.icb_ods_code], key=lambda o: o.name) if t.pk != country.draft.pk
    )
    before = pack_data(country.ics_1, cycle, "board").fingerprint
    assessment = Assessment.objects.get(cycle=cycle, organisation=trust)
    plan = ImprovementPlan.objects.create(assessment=assessment, status="signed_off", signed_off_at=timezone.now())
    response = assessment.responses.select_related("domain").order_by("pk").first()
    when = datetime.date(cycle.closes_on.year + 1, 3, 31)
    target = PlanTarget.objects.create(
        plan=plan, domain=response.domain, domain_key=response.domain.key, current_level=response.level,
        target_level=5, target_date=when,
    )  # fmt: skip
    PlanAction.objects.create(target=target, description="Go", due_date=when, status="done")
    assert pack_data(country.ics_1, cycle, "board").fingerprint != before

    pack = request_and_render(django_capture_on_commit_callbacks, ics=country.ics_1, cycle=cycle, actor=board)
    pages = [squashed(text) for text in page_texts(pack)]
    page = next(p for p in pages if squashed(f"Appendix: {trust.name}") in p)
    assert squashed("Signed off plan: 1 target, 1 of 1 actions done.") in page
    assert squashed(f"{response.domain.name}") in page and squashed("Level 5 31 March") in page
    others = [p for p in pages if squashed("Appendix:") in p and squashed(trust.name) not in p]
    assert all(squashed("No improvement plan yet.") in p for p in others if "onepagepermember" not in p)
