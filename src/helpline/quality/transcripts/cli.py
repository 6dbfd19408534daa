"""Commands: check a transcript against the rulebook (``helpline qa rules``) and redact a
transcript (``helpline qa redact``). Registered in ``helpline.cli_qa``; the engines live in
``rules`` and ``redaction``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from helpline.domain.errors import HelplineError
from helpline.quality.transcripts.holds import HoldInterval, parse_holds
from helpline.quality.transcripts.model import Transcript, read_transcript, write_transcript
from helpline.quality.transcripts.redaction import Redactor, redact_transcript
from helpline.quality.transcripts.rules import RulesReport, evaluate
from helpline.quality.transcripts.rules_config import default_rulebook, load_rulebook


def _fail(error: HelplineError) -> typer.Exit:
    typer.echo(f"{error.error_id}: {error.message}", err=True)
    return typer.Exit(2)


def _read_holds(path: Path, transcript: Transcript) -> tuple[HoldInterval, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise typer.BadParameter(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"{path} is not valid JSON: {error.msg}") from error
    return parse_holds(data, end_seconds=transcript.duration_seconds)


def _print_report(report: RulesReport) -> None:
    table = Table(title=f"Script rules — role {report.role}, {report.channel}")
    table.add_column("time, s", justify="right")
    table.add_column("rule")
    table.add_column("result")
    table.add_column("message")
    table.add_column("evidence")
    for f in report.findings:
        result = "n/a" if not f.applicable else ("pass" if f.passed else "FAIL")
        evidence = "\n".join(f"[{e.start:g}–{e.end:g}] {e.speaker}: {e.matched or e.text}"
                             for e in f.evidence[:3])
        table.add_row(f"{f.start:g}–{f.end:g}", f.rule, result, f.message, evidence)
    console = Console(soft_wrap=True)
    console.print(table)
    failed = len(report.failed)
    console.print(f"{len(report.findings)} findings, {failed} failed")


def check_transcript_command(
    transcript: Annotated[Path, typer.Argument(help="Transcript JSON (helpline.transcript/1).")],
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Rulebook TOML; default: the rulebook shipped for the transcript's "
                        "language.")] = None,
    role: Annotated[str, typer.Option(
        "--role", help="Operator role for the greeting and hold limits (agent, senior, "
                       "paid_line, supervisor, ookk in the default rulebook).")] = "agent",
    holds: Annotated[Path | None, typer.Option(
        "--holds", help="JSON: [[start, end], …] in seconds, or PBX Hold/Unhold events.")]
        = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a call or chat transcript against the script rules; findings with evidence."""
    try:
        parsed = read_transcript(transcript)
        rulebook = load_rulebook(rules) if rules else default_rulebook(parsed.language)
        hold_list = _read_holds(holds, parsed) if holds else ()
        report = evaluate(parsed, rulebook, role=role, holds=hold_list)
    except HelplineError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(json.dumps({"transcript": str(transcript), **report.to_dict()},
                              ensure_ascii=False))
        return
    _print_report(report)


def redact_command(
    transcript: Annotated[Path, typer.Argument(help="Transcript JSON to redact.")],
    out: Annotated[Path, typer.Argument(help="Where to write the redacted transcript.")],
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="A name to mask in every form (e.g. from the customer's profile); "
                       "repeatable.")] = None,
) -> None:
    """Mask card, phone and passport numbers (also spoken in words) and names."""
    try:
        parsed = read_transcript(transcript)
        redacted, redactions = redact_transcript(parsed, Redactor(names=tuple(name or ())))
    except HelplineError as error:
        raise _fail(error) from error
    write_transcript(out, redacted)
    counts: dict[str, int] = {}
    for redaction in redactions:
        for kind, count in redaction.counts().items():
            counts[kind] = counts.get(kind, 0) + count
    summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items())) or "nothing"
    typer.echo(f"masked: {summary}; written to {out}")
