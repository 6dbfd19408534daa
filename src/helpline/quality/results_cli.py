"""What ``helpline qa analyze`` / ``analyze-folder`` add to the audio analysis — the
transcript's rules and storing the result — and ``helpline qa analyze-chat``.

A recording's contact is named by ``--contact``, else by its transcript's ``contact_id``
(or ``recording`` when it has no ``/``), else by the recording's file name. The transcript
file is the format of :mod:`helpline.quality.search.contact_input` (a transcript plus,
optionally, ``agent_id``, ``queue``, ``started_at``); its ``started_at`` (else ``--start``,
else the time of storing) is when the contact started.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from helpline.cli_support import container_from_env
from helpline.quality.audio.analyze import analyze_recording
from helpline.quality.audio.findings import Thresholds
from helpline.quality.audio.holds import ContactEvents
from helpline.quality.contact_analysis import ContactAnalysis, audio_role, combine
from helpline.quality.search.contact_input import read_contact_transcript
from helpline.quality.transcripts.rules_config import Rulebook, load_rulebook
from helpline.services import qa_results
from helpline.services.context import ServiceContext
from helpline.services.qa_results import ContactMeta, StoredAnalysis

TRANSCRIPT_SUFFIX = ".transcript.json"
EVENTS_SUFFIX = ".events.json"


@dataclass(frozen=True)
class Analysed:
    result: ContactAnalysis
    meta: ContactMeta


def sidecar(recording: Path, suffix: str) -> Path | None:
    """``NAME.wav`` -> ``NAME<suffix>`` beside it, when it exists."""
    path = recording.with_suffix(suffix)
    return path if path.is_file() else None


def analyze_file(recording: Path, *, channels: str = "agent,customer",
                 events: Path | ContactEvents | None = None, transcript: Path | None = None,
                 role: str = "agent", engine: str = "silero",
                 thresholds: Thresholds | None = None,
                 recording_start: datetime | None = None, rulebook: Rulebook | None = None,
                 contact_ref: str | None = None, agent_id: str | None = None,
                 queue_id: str | None = None) -> Analysed:
    """The recording's analysis with its transcript's rules (holds from ``events`` — a
    PBX events file or a contact's events from the log — for both), and what the store
    needs to know about the contact."""
    contact = read_contact_transcript(transcript) if transcript is not None else None
    audio = analyze_recording(recording, channels=channels, events=events,
                              role=audio_role(role) if contact else role, engine=engine,
                              thresholds=thresholds, recording_start=recording_start,
                              transcript=transcript)
    result = combine(audio, contact.transcript if contact else None, role=role,
                     rulebook=rulebook)
    named = None
    if contact is not None and transcript is not None:
        if contact.transcript.contact_id:
            named = contact.transcript.contact_id
        elif contact.contact_ref != transcript.stem and "/" not in contact.contact_ref:
            named = contact.contact_ref  # the transcript's "recording"
    meta = ContactMeta(
        contact_ref=contact_ref or named or recording.name,
        started_at=(contact.started_at if contact else None) or recording_start,
        agent_id=agent_id or (contact.agent_id if contact else None),
        queue_id=queue_id or (contact.queue_id if contact else None),
        recording_path=str(recording.resolve()),
        transcript_source=str(transcript.resolve()) if transcript else None)
    return Analysed(result, meta)


def store(ctx: ServiceContext, analysed: Analysed) -> StoredAnalysis:
    return qa_results.store(ctx, analysed.result, analysed.meta)


def store_from_env(analysed: Analysed, console: Console) -> StoredAnalysis:
    with container_from_env(console) as container:
        return store(container.ctx, analysed)


def as_json(result: ContactAnalysis, stored: StoredAnalysis | None = None) -> dict[str, Any]:
    data = result.to_dict()
    if stored is not None:
        data["stored"] = stored.to_json()
    return data


def _t(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value // 60)}:{value % 60:06.3f}"


def print_findings(result: ContactAnalysis, console: Console) -> None:
    table = Table(title="Findings")
    for column in ("start", "end", "rule", "source", "result", "evidence"):
        table.add_column(column)
    for f in result.findings:
        state = ("[dim]n/a[/dim]" if not f.applicable else
                 "[green]pass[/green]" if f.passed else "[red]FAIL[/red]")
        quoted = [f"{e.speaker}: {e.matched or e.text}" for e in f.evidence
                  if e.speaker is not None][:2]
        table.add_row(_t(f.start), _t(f.end), f.rule, f.source, state,
                      escape("\n".join([f.message, *quoted])))
    console.print(table)
    console.print(f"{len(result.findings)} findings, {len(result.failed)} failed")


def print_stored(stored: StoredAnalysis, console: Console) -> None:
    console.print(f"stored as contact {escape(stored.contact_ref)} "
                  f"({'replaced' if stored.replaced else 'new'}; "
                  f"transcript {'linked' if stored.transcript_id else 'none'})")


def analyze_chat_command(
    contact_id: Annotated[str, typer.Argument(help="The chat contact's id on the platform.")],
    store_result: Annotated[bool, typer.Option(
        "--store", help="Store the transcript (redacted) and the result.")] = False,
    role: Annotated[str | None, typer.Option(
        "--role", help="Operator role for the greeting (default: from the operator's "
                       "account: senior, supervisor, else agent).")] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Rulebook TOML (default: the one for the chat's language).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a chat of the platform against the script rules (its stored messages become a
    transcript); with --store keep the result for the QA page."""
    console = Console(soft_wrap=True)
    with container_from_env(console) as container:
        rulebook = load_rulebook(rules) if rules else None
        result, stored = qa_results.analyze_chat(container.ctx, contact_id, role=role,
                                                 rulebook=rulebook, save=store_result)
    if json_out:
        typer.echo(json.dumps(as_json(result, stored), ensure_ascii=False))
        return
    print_findings(result, console)
    if stored is not None:
        print_stored(stored, console)
