"""Prepared queries give exactly what the ORM gives, in as many queries, and fall back to the ORM
whenever the SQL written once could not serve another call."""

import pytest
from django.db.models import Count, Prefetch

from assessments.models import DomainResponse, Evidence
from organisations.models import Organisation, RoleAssignment
from organisations.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def as_rows(objects):
    """Each object's fields and the fields of what was read with it."""
    rows = []
    for obj in objects:
        row = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
        row["related"] = {
            name: {k: v for k, v in vars(related).items() if not k.startswith("_")}
            for name, related in obj._state.fields_cache.items()
            if related is not None
        }
        rows.append(row)
    return rows


def responses(assessment_id, key):
    return (
        DomainResponse.objects.filter(assessment_id=assessment_id, domain__key=key)
        .select_related("domain__measure", "assignee", "carried_forward_from__domain")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
    )


def test_rows_related_objects_and_prefetches_are_the_orms(assessment, team, django_assert_num_queries):
    from assessments.services.evidence import evidence_add_link

    strategy = assessment.responses.get(domain__key="strategy")
    evidence_add_link(response_id=strategy.pk, url="https://example.org/a", title="A", actor=team["lead"])
    prepared = PreparedQuery(responses)
    assert prepared.is_prepared(assessment.pk, "strategy")
    for key in ("strategy", "infrastructure", "no-such-domain"):
        expected = list(responses(assessment.pk, key))
        with django_assert_num_queries(2 if expected else 1):
            got = prepared(assessment.pk, key)
        assert as_rows(got) == as_rows(expected)
        assert [[e.url for e in r.evidence.all()] for r in got] == [[e.url for e in r.evidence.all()] for r in expected]
    assert [e.url for e in prepared(assessment.pk, "strategy")[0].evidence.all()] == ["https://example.org/a"]


def test_values_annotations_and_one_or_none(world, team):
    def counted(ods_code):
        return (
            Organisation.objects.filter(ods_code=ods_code)
            .annotate(people=Count("role_assignments"))
            .values_list("ods_code", "name", "people")
        )

    prepared = PreparedQuery(counted)
    for organisation in (world.trust_a, world.trust_b, world.trust_c):
        assert prepared(organisation.ods_code) == list(counted(organisation.ods_code))
    assert prepared.is_prepared(world.trust_a.ods_code)
    one = PreparedQuery(lambda pk: Organisation.objects.filter(pk=pk))
    assert one.one_or_none(world.trust_a.pk) == world.trust_a and one.one_or_none(-1) is None
    with pytest.raises(Exception, match="not one"):
        PreparedQuery(lambda ics_id: Organisation.objects.filter(ics_id=ics_id)).one_or_none(world.ics_1.pk)


@pytest.mark.parametrize(
    "build, args",
    [
        (lambda text: Organisation.objects.filter(name__icontains=text), ("Trust",)),  # wrapped in %...%
        (lambda pk: Organisation.objects.all(), (1,)),  # the argument never reaches the SQL
        (lambda pk: Organisation.objects.filter(pk=pk), (None,)),  # None changes the SQL
        (lambda pks: Organisation.objects.filter(pk__in=pks), ([],)),  # nothing to match: no SQL
        (lambda pks: Organisation.objects.filter(pk__in=pks), ([1, 1],)),  # `__in` drops the repeat
        (lambda pks: Organisation.objects.filter(pk__in=pks), ({1, 2},)),  # a set has no order
        (lambda pks: Organisation.objects.filter(pk__in=pks), (list(range(1, 70)),)),  # too long to keep
        (lambda flag: Organisation.objects.filter(peer_suggestions=flag), (True,)),
    ],
    ids=["changed on the way", "unused", "None", "an empty list", "a repeat", "a set", "a long list", "a boolean"],
)
def test_what_cannot_be_prepared_still_runs_through_the_orm(world, build, args):
    prepared = PreparedQuery(build)
    assert not prepared.is_prepared(*args)
    assert prepared(*args) == list(build(*args))


def test_a_related_managers_queryset_is_not_prepared(assessment, world):
    # Its rows would be given the stand-in's instance as their assessment.
    prepared = PreparedQuery(lambda key: assessment.responses.filter(domain__key=key))
    assert not prepared.is_prepared("strategy")
    assert prepared("strategy")[0].assessment is assessment


def test_each_kind_of_argument_has_its_own_sql(world, team):
    prepared = PreparedQuery(lambda user: RoleAssignment.objects.filter(user=user).order_by("pk"))
    lead = team["lead"]
    assert prepared(lead.pk) == list(RoleAssignment.objects.filter(user=lead).order_by("pk"))
    assert prepared(str(lead.pk)) == list(RoleAssignment.objects.filter(user=lead).order_by("pk"))


def test_lists_for_in_are_prepared_by_their_length(world):
    def organisations(ics_ids, codes):
        return Organisation.objects.filter(ics_id__in=ics_ids, ods_code__in=codes).order_by("pk")

    prepared = PreparedQuery(organisations)
    everyone = [world.trust_a.ods_code, world.trust_b.ods_code, world.trust_c.ods_code]
    for ics_ids, codes in (
        ([world.ics_1.pk], everyone),
        ([world.ics_2.pk], everyone),
        ((world.ics_1.pk, world.ics_2.pk), everyone[:2]),
        ([world.ics_2.pk, world.ics_1.pk], everyone[1:]),
    ):
        assert prepared.is_prepared(ics_ids, codes)
        assert prepared(ics_ids, codes) == list(organisations(ics_ids, codes))
    assert {kinds for kinds, shape in prepared._shapes.items() if shape} == {((int, 1), (str, 3)), ((int, 2), (str, 2))}


def _the_portals_prepared_queries():
    from assessments import flag_inputs, peers, plan_selectors, selectors
    from organisations import access, backends, filters
    from reports import dashboards

    return {
        "roles": (access._role_rows, (1,)),
        "person": (backends._user_by_pk, (1,)),
        "assessment by cycle and code": (selectors._assessment_by_cycle_and_code, ("2025/26", "RAL")),
        "domain page answer": (selectors._response_by_key, (1, "strategy")),
        "last year's answers": (selectors._answers_by_keys, (1, ["strategy", "infra"])),
        "criterion keys": (selectors._criterion_keys, ([1, 2],)),
        "polls": (selectors._polls_of_response, (1,)),
        "last year's answers for draft flags": (flag_inputs._last_years_answers, ([1],)),
        "task list answers": (selectors._task_list_rows, (1,)),
        "home assessments": (selectors._assessments_with_progress, ([1, 2],)),
        "announced publications": (selectors._announced_publications, ()),
        "assessment list rows": (selectors._assessment_rows, (list(range(1, 51)),)),
        "flag list rows": (selectors._flag_rows, (list(range(1, 51)),)),
        "plan line": (plan_selectors._plan_with_target, (1, 1)),
        "recent published cycles": (peers._recent_published_cycles, ()),
        "peers' levels": (peers._peer_rows, (1, "trust", ["strategy"], ["2024/25", "2023/24"])),
        "ICS figure set": (dashboards._figure_set, (1,)),
        "ICS measures": (dashboards._measure_heads, (1,)),
        "ICS members": (dashboards._members, (1,)),
        "ICS assessments": (dashboards._member_assessments, (1, 1)),
        "ICS scores": (dashboards._member_scores, (1, 1)),
        "ICS measure scores": (dashboards._member_measures, (1, 1)),
        "ICS last year": (dashboards._previous_overalls, ([1, 2],)),
        "ICS groups": (dashboards._group_rows, (1, "QMJ")),
        "ICS trend": (dashboards._trend_rows, ("QMJ", "2025/26")),
        "cycles with results": (dashboards._cycles_with_results, ()),
        "cycles": (selectors.cycle_list, ()),
        "regions": (filters._regions, ()),
        "systems": (filters._systems, ()),
        "some systems": (filters._systems_with_ids, ([1, 2],)),
    }


@pytest.mark.parametrize("name", list(_the_portals_prepared_queries()))
def test_each_of_the_portals_prepared_queries_is_prepared(name):
    """A lookup that silently fell back to the ORM would still be right, only slow: this says so."""
    prepared, args = _the_portals_prepared_queries()[name]
    assert prepared.is_prepared(*args), f"{name} runs through the ORM every time"
