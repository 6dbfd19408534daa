"""`helpline qa score`, `helpline qa sample`, `helpline qa report`: scorecards from the
command line (the lead registers them under ``helpline qa``)::

    helpline qa score rec-001.wav                      fill the default checklist
    helpline qa score rec-001.wav --template my.toml   a checklist of your own (stored)
    helpline qa sample 2026-11 --per-operator 7        the month's sample per operator
    helpline qa report 2026-11 --agent anna --json     one operator's month
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from helpline.cli_support import container_from_env
from helpline.domain.errors import HelplineError
from helpline.quality.scorecards.template import DEFAULT_TEMPLATE
from helpline.services import qa_scorecards
from helpline.services.qa_scorecards import TemplateSource

console = Console(soft_wrap=True)

_MARK = {"passed": "[green]✓[/green]", "failed": "[red]✗[/red]",
         "not_applicable": "[dim]n/a[/dim]", None: "[yellow]?[/yellow]"}


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _template_file(value: str | None) -> TemplateSource | None:
    if value is None or not value.endswith(".toml"):
        return None
    path = Path(value)
    try:
        body = path.read_text(encoding="utf-8")
        return qa_scorecards.parse_template(body, source=path.name)
    except OSError as error:
        raise typer.BadParameter(f"cannot read {value}: {error}",
                                 param_hint="--template") from error
    except HelplineError as error:
        raise typer.BadParameter(error.message, param_hint="--template") from error


def print_scorecard(card: dict[str, Any]) -> None:
    template = card["template"]
    console.print(f"[bold]{escape(card['contact'])}[/bold]  operator "
                  f"{escape(card['agent_id'] or '-')}  {card['started_at']}  "
                  f"{escape(template['name'])} v{template['version']}")
    table = Table(show_edge=False)
    for column in ("item", "weight", "auto", "final", "why"):
        table.add_column(column)
    for item in card["items"]:
        name = escape(item["title"]) + (" [red](critical)[/red]" if item["critical"] else "")
        override = item["override"]
        why = (f"override: {override['comment']}" if override else item["auto_reason"])
        table.add_row(name, f"{item['weight']:g}", _MARK[item["auto"]], _MARK[item["final"]],
                      escape(why))
    console.print(table)
    score, auto = card["score"], card["auto_score"]
    pending = f"; pending: {', '.join(score['pending'])}" if score["pending"] else ""
    critical = (f"; critical failed: {', '.join(score['critical_failed'])}"
                if score["critical_failed"] else "")
    console.print(f"score {_percent(score['percent'])} (automatic {_percent(auto['percent'])})"
                  f"{critical}{pending}")


def score_command(
    contact: Annotated[str, typer.Argument(help="the contact (as stored: its analysis or "
                                                "transcript name)")],
    template: Annotated[str | None, typer.Option(
        help=f"template name (default {DEFAULT_TEMPLATE}) or a .toml file")] = None,
    version: Annotated[int | None, typer.Option(
        help="a stored version of the template", min=1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Fill the contact's scorecard from its stored findings (overrides are kept)."""
    custom = _template_file(template)
    with container_from_env(console, show_details=True) as container:
        view = qa_scorecards.score_contact(
            container.ctx, contact, template=None if custom else template, version=version,
            custom=custom)
    card = view.to_json()
    if as_json:
        print(json.dumps(card, ensure_ascii=False))
    else:
        print_scorecard(card)


def sample_command(
    month: Annotated[str, typer.Argument(help="the month, YYYY-MM (e.g. 2026-11)")],
    per_operator: Annotated[int, typer.Option(
        help="contacts per operator: ceil(N/2) from days 1-15, the rest after", min=1,
        max=100)] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Draw the month's sample per operator (reproducible; ended halves are kept)."""
    with container_from_env(console, show_details=True) as container:
        result = qa_scorecards.draw_sample(container.ctx, month, per_operator=per_operator)
    data = result.to_json()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    for operator in data["operators"]:
        short = (f"  [yellow]shortfall {operator['shortfall']}[/yellow]"
                 if operator["shortfall"] else "")
        console.print(f"[bold]{escape(operator['agent_id'])}[/bold]  "
                      f"{operator['drawn']}/{operator['requested']}{short}")
        for half in operator["halves"]:
            state = "" if half["final"] else " (half not over: provisional)"
            refs = ", ".join(c["contact"] for c in half["contacts"]) or "—"
            console.print(f"  {half['from']}..{half['to']}: {half['drawn']}/"
                          f"{half['requested']} of {half['available']}{state}: {escape(refs)}")
    totals = data["totals"]
    console.print(f"{totals['operators']} operator(s), {totals['drawn']} contact(s) drawn, "
                  f"shortfall {totals['shortfall']}")


def report_command(
    month: Annotated[str, typer.Argument(help="the month, YYYY-MM")],
    agent: Annotated[str | None, typer.Option(help="one operator's id")] = None,
    template: Annotated[str | None, typer.Option(
        help="only scorecards of this template (name)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Per operator: contacts sampled and scored, average score, items failed most,
    agreement between automatic and final values."""
    with container_from_env(console, show_details=True) as container:
        result = qa_scorecards.monthly_report(container.ctx, month, agent_id=agent,
                                              template=template)
    data = result.to_json()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    table = Table(show_edge=False)
    for column in ("operator", "sampled", "scored", "in sample", "avg score", "avg auto",
                   "agree", "kappa", "failed most"):
        table.add_column(column)
    for row in data["operators"]:
        overall = row["agreement"]["overall"]
        failed = ", ".join(f"{f['item']} ×{f['failed']}" for f in row["items_failed_most"][:3])
        table.add_row(escape(row["agent_id"]), str(row["sampled"]), str(row["scored"]),
                      str(row["scored_in_sample"]), _percent(row["average_score"]),
                      _percent(row["average_auto_score"]),
                      "—" if overall["share"] is None else f"{overall['share']:.0%}",
                      "—" if overall["kappa"] is None else f"{overall['kappa']:.2f}",
                      escape(failed or "—"))
    console.print(table)
    overall = data["agreement"]["overall"]
    console.print(f"{data['month']}: {len(data['operators'])} operator(s); agreement "
                  f"{overall['agreed']}/{overall['compared']} item(s), kappa "
                  f"{'—' if overall['kappa'] is None else format(overall['kappa'], '.2f')}")
