"""Minimum shift design: choose shifts (start, length) and workers per day for a week of
demand (Musliu, Schaerf & Slany 2004; Di Gaspero et al. 2007, Annals of OR 155:79-105).

A shift is a start slot-of-day and a length allowed by one shift type; the same shift
may be used on every day with its own number of workers per day, and it counts once in
the shift count if it has workers on any day. Shifts running past midnight continue on
the next day; the week is cyclic (the last day wraps to day 0). Two objectives:

``weighted`` (default; the MSD objective with the instance weights)::

    weightOverCover * over_minutes + weightUnderCover * under_minutes
    + weightShiftInstances * distinct_shifts + weightDutiesPerWeek * duty_deviation

over/under are worker-minutes summed over the week's slots (slot excess/shortage times
``interval``). ``duty_deviation`` is the distance of ``D = avgMinutes * duties /
worked_minutes`` (average duties per employee and week, employees = worked minutes /
``avgMinutes``) to ``[minDuties, maxDuties]``, 0 inside it and for an empty schedule.
The four criteria (excess, shortage, number of shifts, average duties per week) are
those of Musliu/Schaerf/Slany 2004 as we recall them; the paper penalises only the
distance *above* a threshold, and Di Gaspero et al. 2007 (MSD) drop the fourth
criterion. We also count a distance below ``minDuties``; no instance with a positive
duty weight can go below it (their ``minDuties = 3`` while ``D >= 2310 / 540 > 4.2``),
so both readings give the same numbers here. The exact published normalisation of the
duty term could not be checked (papers not reachable); this is the natural reading of
the ``.dzn`` fields.

``bounded`` (the TU Wien course variant of the instance repository
``Stieguu/Bounded-Minimum-Shift-Design-Constraint-Programming``, read from its
``main.py``/``main_milp.py``/``tabu_with_shifts.py``): full coverage is hard, the average
shift length is at least ``avgMinutes / maxDuties`` (i.e. ``D <= maxDuties``) and
``weightOverCover * over_minutes + weightShiftInstances * shifts`` is minimised. That
repository's CP-SAT/MILP scripts count a shift once per *day* it is used; its tabu search
and the MSD papers count distinct shifts, which we follow. They also truncate
``avgMinutes / maxDuties`` to whole minutes; we keep it exact. ``minDuties`` and
``weightUnderCover`` play no part (the toy instances have ``weightUnderCover = 0`` and are
meaningful only in this variant).

Modules: :mod:`dzn_format` (reader), :mod:`model` (CP-SAT), :mod:`bound` (our LP bound,
GLOP), :mod:`evaluate` (independent evaluator), :mod:`cli` (``helpline wfm
shift-design``).
"""
