"""The pure counting rules of the national dashboard's progress and open-flag counts."""

import pytest

from reports.counts import FlagRow, ProgressRow, flag_counts, progress_counts, progress_stage


def test_a_draft_is_in_progress_only_once_an_answer_is_saved():
    assert progress_stage("draft", answered=False) == "not_started"
    assert progress_stage("draft", answered=True) == "in_progress"
    assert progress_stage("returned", answered=True) == "returned"
    with pytest.raises(ValueError, match="Unknown assessment status 'lost'"):
        progress_stage("lost", answered=False)


def test_progress_adds_up_from_systems_to_regions_to_england_with_every_stage_present():
    rows = [
        ProgressRow("R1", "Q1", "draft", False, 2),
        ProgressRow("R1", "Q1", "draft", True, 3),
        ProgressRow("R1", "Q2", "submitted", False, 4),
        ProgressRow("R2", "Q3", "validated", True, 1),
    ]
    counts = progress_counts(rows)
    assert counts[("ics", "Q1")]["not_started"] == 2 and counts[("ics", "Q1")]["in_progress"] == 3
    region = counts[("region", "R1")]
    assert {stage: n for stage, n in region.items() if n} == {"not_started": 2, "in_progress": 3, "submitted": 4}
    assert len(region) == 8  # every stage, zeros included
    assert sum(counts[("national", "")].values()) == 10
    assert counts[("national", "")]["published"] == 0
    assert progress_counts([]) == {("national", ""): dict.fromkeys(counts[("national", "")], 0)}


def test_flags_count_flags_and_organisations_per_kind():
    rows = [
        FlagRow("R1", "Q1", "copied_notes", open=3, organisations=2),
        FlagRow("R1", "Q2", "copied_notes", open=1, organisations=1),
        FlagRow("R2", "Q3", "peer_outlier", open=2, organisations=2),
    ]
    counts = flag_counts(rows)
    assert counts[("national", "")] == {
        "copied_notes": {"open": 4, "organisations": 3},
        "peer_outlier": {"open": 2, "organisations": 2},
    }
    assert counts[("region", "R1")] == {"copied_notes": {"open": 4, "organisations": 3}}
    assert counts[("ics", "Q3")] == {"peer_outlier": {"open": 2, "organisations": 2}}
    assert flag_counts([]) == {("national", ""): {}}
