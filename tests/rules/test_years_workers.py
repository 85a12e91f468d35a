"""validate --previous-dir over worker processes: the same matches and findings as in one process
(last year's index travels to the workers with each job)."""

from __future__ import annotations

from test_years import two_folders  # noqa: F401  (the fixture; test modules are imported by file name)

from pytoolkit.batch import check_files, previous_index


def _summary(results):
    return [(r.unit, r.previous.name if r.previous else None, r.carryover_ok,
             sorted((f.rule, f.message, str(f.location)) for f in r.findings)) for r in results]


def test_workers_give_the_same_cross_year_results(two_folders):  # noqa: F811
    this_dir, last_dir = two_folders
    index = previous_index(sorted(last_dir.glob("*.xlsx")))
    paths = sorted(this_dir.glob("*.xlsx"))
    one = _summary(check_files(paths, previous=index.by_unit))
    two = _summary(check_files(paths, previous=index.by_unit, workers=2))
    assert one == two
    assert [carry for _, _, carry, _ in one] == [False, True, None]
    assert any(rule == "Y.carryover_total" for rule, _, _ in one[0][3])
