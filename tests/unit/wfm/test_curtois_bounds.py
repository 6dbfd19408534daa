"""The counting lower bound of a Curtois & Qu instance: each count worked by hand on a
small instance whose optimum CP-SAT proves, and never above a published best-known
value (proven optimal for 1-4, 8, 9, 13, 14, 16-18) on the 24 benchmark instances."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.wfm.test_curtois import INSTANCES, needs_data, weekend_limit

from helpline.wfm.schedule.curtois.bounds import counting_bound, short_shift_types
from helpline.wfm.schedule.curtois.cpsat_model import solve
from helpline.wfm.schedule.curtois.lns import solve_lns
from helpline.wfm.schedule.curtois.ros_format import best_known_penalty, load_ros

# One employee over two weeks from Monday 1 January 2024: at most one weekend, one night
# shift and 960 minutes; a fixed day off on day 0. Wanted: an early shift every day
# (100 per missing one) and a night shift on days 1-3 (50 per missing one).
COUNTED = """<?xml version="1.0" encoding="UTF-8"?>
<SchedulingPeriod>
  <StartDate>2024-01-01</StartDate><EndDate>2024-01-14</EndDate>
  <ShiftTypes>
    <Shift ID="E"><StartTime>6:0</StartTime><Duration>480</Duration></Shift>
    <Shift ID="N"><StartTime>22:0</StartTime><Duration>600</Duration></Shift>
  </ShiftTypes>
  <Contracts>
    <Contract ID="Thin">
      <MaxTot label="one night" value="1" shift="N"/>
      <Workload><TimeUnits><Max><Count>960</Count></Max></TimeUnits></Workload>
      {weekends}
    </Contract>
  </Contracts>
  <Employees><Employee ID="A"><ContractID>Thin</ContractID></Employee></Employees>
  <FixedAssignments>
    <Employee><EmployeeID>A</EmployeeID><Assign><Shift>-</Shift><Day>0</Day></Assign></Employee>
  </FixedAssignments>
  <CoverRequirements>{cover}</CoverRequirements>
</SchedulingPeriod>
""".format(weekends=weekend_limit(1, "One weekend"), cover="".join(
    f'<DateSpecificCover><Day>{day}</Day><Cover><Shift>E</Shift><Min weight="100">1</Min>'
    "</Cover>" + ('<Cover><Shift>N</Shift><Min weight="50">1</Min></Cover>'
                  if day in (1, 2, 3) else "") + "</DateSpecificCover>"
    for day in range(14)))


def test_each_count_by_hand_and_below_the_proven_optimum(tmp_path: Path) -> None:
    path = tmp_path / "Counted.ros"
    path.write_text(COUNTED, encoding="utf-8")
    instance = load_ros(path)
    bound = counting_bound(instance)
    # E: 14 wanted, 13 days without the fixed day off; N: 3 wanted, at most 1
    assert bound.per_shift_type == (14 - 13) + (3 - 1)
    assert short_shift_types(instance) == {"E": 14 - 13, "N": 3 - 1}
    # two full weekends: 4 early shifts wanted, 2 days of the one weekend allowed
    assert bound.weekends == 4 - 2
    # day 0: 1 wanted, nobody; days 1-3: 2 wanted, 1 employee
    assert bound.per_day == 1 + 3 * 1
    # 14 x 480 + 3 x 600 = 8,520 minutes wanted, 960 allowed: 7,560 / 600 -> 13 shifts
    assert bound.workload == 13
    assert bound.weight == 50 and bound.missing_shifts == 13 and bound.penalty == 650
    # the optimum: two early shifts (960 minutes), 12 E x 100 + 3 N x 50 missing
    result = solve(instance, time_limit_seconds=20, workers=2)
    assert result.status == "OPTIMAL" and result.objective == 1350
    assert result.best_bound == 1350 >= bound.penalty


def test_the_lns_reports_the_counting_bound(tmp_path: Path) -> None:
    path = tmp_path / "Counted.ros"
    path.write_text(COUNTED, encoding="utf-8")
    instance = load_ros(path)
    result = solve_lns(instance, time_limit_seconds=3, workers=1, random_seed=1)
    assert result.best_bound == 650 and result.objective == 1350


@needs_data
@pytest.mark.parametrize("number", range(1, 25))
def test_never_above_the_best_known_value(number: int) -> None:
    instance = load_ros(INSTANCES / f"Instance{number}.ros")
    bound = counting_bound(instance)
    best = best_known_penalty(instance.name)
    assert best is not None and bound.penalty <= best
    if number == 15:  # night shifts: 104 + 94 wanted, MaxTot allows 84 + 78
        assert bound.per_shift_type == (104 - 84) + (94 - 78)
        assert short_shift_types(instance) == {"n1": 104 - 84, "n2": 94 - 78}
