"""Real browser journeys through the yearly assessment, in Debian's Chromium.

The first year: a contributor answers the domains assigned to them with evidence, the lead
completes the rest and marks the assessment ready, the approver signs off and submits, the ICS
reviewer returns it, the lead fixes it and it is signed off again, and the reviewer validates.
The next year: the same organisation starts from last year's answers. Every form submission is
counted; the re-assessment should need far fewer.
"""

import datetime
import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Assessment, Cycle, DomainResponse, Evidence
from assessments.services.cycles import cycle_open
from framework.models import FrameworkVersion
from tests.factories import UserFactory, grant, minimal_pdf_bytes
from tests.journal import FIGURES

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PDF = minimal_pdf_bytes()


class Journey:
    """One browser, several people; counts every form they submit."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base = base_url
        self.submissions = 0
        self.loads = 0
        self.sign_ins = 0
        self.page = None
        self.audited: dict[str, list[str]] = {}

    @classmethod
    def anonymous(cls, browser, base_url: str) -> "Journey":
        """Someone with no account, in a browser of their own (a colleague, a member of staff)."""
        journey = cls(browser, base_url)
        journey.page = browser.new_context().new_page()
        journey.page.set_default_timeout(15_000)
        return journey

    def sign_in(self, user):
        if self.page is not None:
            self.page.context.close()
        self.page = self.browser.new_context().new_page()
        self.page.set_default_timeout(15_000)
        self.go("/sign-in/")
        self.page.get_by_label("Email address").fill(user.email)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_load_state()
        self.sign_ins += 1
        assert "/sign-in/" not in self.page.url, self.page.content()[:2000]
        return self.page

    def go(self, path: str):
        self.loads += 1
        response = self.page.goto(self.base + path)
        assert response.status < 400, f"{path}: {response.status}"
        self.audit()

    def audit(self):
        """axe-core's WCAG 2.2 A/AA rules on each kind of page, once per page kind."""
        kind = re.sub(r"/domains/[^/]+/", "/domains/*/", self.page.url.split("?")[0].replace(self.base, ""))
        kind = re.sub(r"^/assessments/[^/]+/[^/]+/", "/assessments/*/", kind)
        if kind in self.audited:
            return
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
            " 'wcag22aa']}})"
        )
        self.audited[kind] = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]

    def submit(self, button: str):
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()
        self.submissions += 1
        self.loads += 1
        self.audit()

    def assert_accessible(self):
        problems = {kind: found for kind, found in self.audited.items() if found}
        assert not problems, problems

    def answer_domain(self, base_path: str, key: str, up_to_level: int, notes: str, evidence: bool = False):
        self.go(f"{base_path}domains/{key}/")
        if evidence:
            self.page.locator("input[type=file]").set_input_files(
                files=[{"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
            )
            self.submit("Add evidence")
            assert f"{key}.pdf" in self.page.content()
        for level in range(1, up_to_level + 1):
            # The level's own fieldset (the page wraps all levels in an outer one).
            fieldset = self.page.locator(f"fieldset:has(> legend:has-text('Level {level}:'))")
            for box in fieldset.locator("input[type=checkbox]").all():
                box.check()
        self.page.get_by_label("Notes (optional)").fill(notes)
        self.page.get_by_label("Yes, I've completed this domain").check()
        self.submit("Save and continue")
        assert "There is a problem" not in self.page.content(), self.page.content()[:3000]

    def sign_off(self, base_path: str, approver_name: str):
        self.go(base_path + "sign-off/")
        self.page.get_by_label("Name of the person who signed off for the board").fill(approver_name)
        self.page.get_by_label("Their role").fill("Chair of the Board")
        yesterday = datetime.date.today() - datetime.timedelta(days=1)
        self.page.locator("input[name=meeting_date_day]").fill(str(yesterday.day))
        self.page.locator("input[name=meeting_date_month]").fill(str(yesterday.month))
        self.page.locator("input[name=meeting_date_year]").fill(str(yesterday.year))
        self.page.get_by_label("Board minute reference").fill("TB/25/117")
        self.page.get_by_label("I confirm the board has approved this assessment").check()
        self.submit("Sign off and submit")
        assert "Assessment submitted" in self.page.content()

    def review(self, base_path: str, decision: str, comment: str):
        self.go(base_path + "review/")
        self.page.get_by_label(decision).check()
        self.page.get_by_label("Comment").fill(comment)
        self.submit("Record decision")

    def mark_ready(self, base_path: str):
        self.go(base_path + "check/")
        self.submit("Mark as ready for board sign-off")
        assert "There is a problem" not in self.page.content(), self.page.content()[:3000]


@pytest.fixture
def setup(world):
    call_command("load_framework", verbosity=0)
    people = {}
    for role in ("assessment_lead", "contributor", "approver"):
        people[role] = UserFactory(first_name=role.replace("_", " ").title(), last_name="Smith")
        grant(people[role], role, world.trust_a)
    people["ics_reviewer"] = UserFactory(first_name="Ics", last_name="Reviewer")
    grant(people["ics_reviewer"], "ics_reviewer", world.ics_1)
    return people


def open_cycle(name: str) -> Cycle:
    today = datetime.date.today()
    cycle = Cycle.objects.create(
        name=name, framework=FrameworkVersion.objects.get(version=name),
        opens_on=today - datetime.timedelta(days=10), closes_on=today + datetime.timedelta(days=60),
    )  # fmt: skip
    cycle_open(cycle=cycle)
    return cycle


def first_year_journey(browser, live_server, world, people, cycle_name="2024/25"):
    cycle = open_cycle(cycle_name)
    assessment = Assessment.objects.get(cycle=cycle, organisation=world.trust_a)
    base = f"/assessments/{cycle.slug}/{world.trust_a.ods_code}/"
    responses = list(assessment.responses.select_related("domain__measure"))
    foundations = [r.domain.key for r in responses if r.domain.measure.key == "smart_foundations"]
    others = [r.domain.key for r in responses if r.domain.measure.key != "smart_foundations"]
    journey = Journey(browser, live_server.url)

    # The lead delegates Smart foundations to the contributor.
    journey.sign_in(people["assessment_lead"])
    journey.go(base + "assign/")
    journey.page.locator("select[name=measure_smart_foundations]").select_option(value=str(people["contributor"].pk))
    journey.submit("Save assignments")

    # The contributor answers what is assigned, attaching evidence.
    journey.sign_in(people["contributor"])
    for index, key in enumerate(foundations):
        journey.answer_domain(base, key, up_to_level=3, notes=f"Foundations: {key}", evidence=index == 0)

    # The lead answers the rest and marks the assessment ready.
    journey.sign_in(people["assessment_lead"])
    for key in others:
        journey.answer_domain(base, key, up_to_level=2, notes=f"Lead: {key}")
    journey.mark_ready(base)

    journey.sign_in(people["approver"])
    journey.sign_off(base, people["approver"].get_full_name())

    journey.sign_in(people["ics_reviewer"])
    journey.review(base, "Return it to the organisation for changes", "Please add evidence for the strategy.")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.RETURNED

    journey.sign_in(people["assessment_lead"])
    journey.go(base)
    assert "Please add evidence for the strategy." in journey.page.content()
    journey.answer_domain(base, "digital_strategy", up_to_level=2, notes="Strategy approved", evidence=True)
    journey.mark_ready(base)

    journey.sign_in(people["approver"])
    journey.sign_off(base, people["approver"].get_full_name())

    journey.sign_in(people["ics_reviewer"])
    journey.review(base, "Validate the assessment", "Evidence checked.")
    return assessment, journey


def test_first_year_assessment_from_assignment_to_validation(browser, live_server, world, setup):
    assessment, journey = first_year_journey(browser, live_server, world, setup)

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.VALIDATED
    assert assessment.board_minute_reference == "TB/25/117"
    assert not assessment.responses.exclude(status=DomainResponse.Status.COMPLETED).exists()
    assert Evidence.objects.filter(response__assessment=assessment).count() == 2
    kinds = list(assessment.events.values_list("kind", flat=True))
    assert kinds.count("transition") == 6  # ready, submitted, returned, ready, submitted, validated
    journey.assert_accessible()
    FIGURES["Journey 1 pages checked with axe-core (WCAG 2.2 AA)"] = f"{len(journey.audited)} kinds, no violations"
    FIGURES["Journey 1 (first year) page submissions"] = (
        f"{journey.submissions} forms, {journey.loads} page loads ({assessment.responses.count()} domains) "
        f"+ {journey.sign_ins} sign-ins"
    )


def test_next_year_starts_from_last_years_answers(browser, live_server, world, setup):
    """Last year's assessment is built through the services; this year's runs in the browser."""
    from tests.assessments.conftest import complete_everything

    people = setup
    last_year = Assessment.objects.get(cycle=open_cycle("2024/25"), organisation=world.trust_a)
    complete_everything(last_year, people["assessment_lead"], level=2)
    this_cycle = open_cycle("2025/26")
    assessment = Assessment.objects.get(cycle=this_cycle, organisation=world.trust_a)
    carried = assessment.responses.filter(status=DomainResponse.Status.CARRIED_FORWARD).count()
    new = list(
        assessment.responses.filter(status=DomainResponse.Status.NOT_STARTED).values_list("domain__key", flat=True)
    )
    assert carried > 0 and "remote_monitoring" in new
    base = f"/assessments/{this_cycle.slug}/{world.trust_a.ods_code}/"
    journey = Journey(browser, live_server.url)

    journey.sign_in(people["assessment_lead"])
    journey.go(base)
    assert "Carried forward" in journey.page.content()
    journey.go(base + "changes/")
    assert "Infrastructure and hosting" in journey.page.content()  # the split is explained
    # One real change from last year, then confirm the rest in one step.
    journey.answer_domain(base, "cloud_hosting", up_to_level=3, notes="Moved to cloud this year")
    journey.go(base)
    journey.submit("Confirm all carried-forward answers")
    for key in new:
        journey.answer_domain(base, key, up_to_level=1, notes=f"New this year: {key}")
    journey.mark_ready(base)

    journey.sign_in(people["approver"])
    journey.sign_off(base, people["approver"].get_full_name())
    journey.sign_in(people["ics_reviewer"])
    journey.review(base, "Validate the assessment", "Consistent with last year.")

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.VALIDATED
    cloud = assessment.responses.get(domain__key="cloud_hosting")
    assert cloud.level >= 1 and cloud.notes == "Moved to cloud this year"
    assert assessment.events.filter(kind="answer_confirmed").count() == carried - 1
    journey.assert_accessible()
    # The burden target: a returning organisation needs at most 30% of a first year's forms. A
    # first year needs at least a form a domain plus ready, sign-off and review.
    first_year_minimum = assessment.responses.count() + 3
    assert journey.submissions <= 0.3 * first_year_minimum, (journey.submissions, first_year_minimum)
    FIGURES["Journey 2 (next year, pre-filled) page submissions"] = (
        f"{journey.submissions} forms, {journey.loads} page loads ({assessment.responses.count()} domains, "
        f"{carried} carried forward) + {journey.sign_ins} sign-ins; at most 30% of a first year's "
        f"{first_year_minimum} or more"
    )


@pytest.mark.needs_worker
def test_a_browser_submission_is_scored_by_a_real_worker(browser, live_server, world, setup, celery_workers):
    """Sign-off in the browser queues scoring on Redis; a worker process scores it; the
    assessment page then shows the scores."""
    from assessments.services.workflow import assessment_mark_ready
    from tests.assessments.conftest import complete_everything

    people = setup
    celery_workers.start()
    assessment = Assessment.objects.get(cycle=open_cycle("2025/26"), organisation=world.trust_a)
    complete_everything(assessment, people["assessment_lead"], level=2)
    assessment_mark_ready(assessment=assessment, actor=people["assessment_lead"])
    base = f"/assessments/{assessment.cycle.slug}/{world.trust_a.ods_code}/"
    journey = Journey(browser, live_server.url)

    journey.sign_in(people["approver"])
    journey.sign_off(base, people["approver"].get_full_name())

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        journey.go(base)
        if "Overall score" in journey.page.content():
            break
        time.sleep(0.5)
    page = journey.page.content()
    assert "Overall score" in page and "2.0" in page
    assert "Ensure smart foundations" in page


@pytest.mark.needs_worker
def test_a_board_report_requested_in_the_browser_is_rendered_by_a_worker(
    browser, live_server, world, setup, celery_workers
):
    """The page updates itself (no reload) when the worker has rendered the PDF; the downloaded
    file is a PDF with the assessment's content."""
    import io

    from pypdf import PdfReader

    from assessments.services.scoring import assessment_score
    from assessments.services.workflow import assessment_mark_ready, assessment_sign_off_and_submit
    from tests.assessments.conftest import complete_everything

    people = setup
    assessment = Assessment.objects.get(cycle=open_cycle("2025/26"), organisation=world.trust_a)
    complete_everything(assessment, people["assessment_lead"], level=2)
    assessment_mark_ready(assessment=assessment, actor=people["assessment_lead"])
    assessment_sign_off_and_submit(
        assessment=assessment, actor=people["approver"], name="Grace Okafor", role="Chair",
        meeting_date=datetime.date.today(), minute_reference="TB/25/117",
    )  # fmt: skip
    assessment_score(assessment_id=assessment.pk)
    celery_workers.start()
    journey = Journey(browser, live_server.url)
    journey.sign_in(people["assessment_lead"])
    journey.go(f"/reports/{assessment.cycle.slug}/{world.trust_a.ods_code}/")

    journey.submit("Create the board report")
    journey.page.evaluate("window.__stillTheSamePage = true")
    download_link = journey.page.locator("a", has_text="Download").first
    download_link.wait_for(timeout=60_000)
    assert journey.page.evaluate("window.__stillTheSamePage === true")  # updated in place, not reloaded
    with journey.page.expect_download() as download:
        download_link.click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert world.trust_a.name in text and "2025/26" in text and "TB/25/117" in text
    journey.assert_accessible()
