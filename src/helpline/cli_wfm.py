"""`helpline wfm …`: workforce-management commands for planners and scripts.

Each command lives with its engine (``helpline.wfm.*``) and is registered here.
"""

from __future__ import annotations

import typer

from helpline.wfm.erlang_cli import erlang_command
from helpline.wfm.forecast_cli import forecast_command
from helpline.wfm.schedule.cli import schedule_command
from helpline.wfm.schedule.curtois.cli import roster_benchmark_command
from helpline.wfm.schedule.shift_design.cli import shift_design_command
from helpline.wfm.staffing_cli import staff_command
from helpline.wfm_publish_cli import publish_command

wfm_app = typer.Typer(help="Workforce management: Erlang staffing, forecasts, requirements, "
                           "schedules.",
                      no_args_is_help=True)

# Commands are registered below, one line each.
wfm_app.command("erlang")(erlang_command)
wfm_app.command("forecast")(forecast_command)
wfm_app.command("staff")(staff_command)
wfm_app.command("schedule")(schedule_command)
wfm_app.command("publish")(publish_command)
wfm_app.command("roster-benchmark")(roster_benchmark_command)
wfm_app.command("shift-design")(shift_design_command)
