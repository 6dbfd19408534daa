"""`helpline qa ingest` and `helpline qa search`: store transcripts, search them.

The query language is described in :mod:`helpline.quality.search.query`; in short::

    helpline qa search 'тариф'                     every form of «тариф»
    helpline qa search '"не работает интернет"'    the exact phrase (any word forms)
    helpline qa search 'тариф NEAR/5 роуминг'      at most 5 words apart, either order
    helpline qa search 'жалоба OR претензия -спам' --speaker customer --since 2026-03-01
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.text import Text

from helpline.cli_support import container_from_env
from helpline.domain.errors import HelplineError
from helpline.quality.search.contact_input import read_contact_transcript
from helpline.services import qa_search
from helpline.services.context import ServiceContext
from helpline.services.qa_search import Redact, SearchFilters, SearchResult, Stored

console = Console(soft_wrap=True)


def parse_when(text: str | None, option: str) -> date | datetime | None:
    """``2026-03-02`` (a day) or ``2026-03-02T10:00:00+03:00`` (an instant)."""
    try:
        return qa_search.parse_when(text, option)
    except HelplineError as error:
        raise typer.BadParameter(error.message, param_hint=option) from error


def default_redactor() -> Redact | None:
    """The redactor applied before anything is stored and indexed: cards, phones,
    passports (written or spoken) and names (:mod:`helpline.quality.transcripts.redaction`).
    ``None`` would store the texts as they come (the command then says so)."""
    from helpline.quality.transcripts.redaction import redact_text

    return redact_text


def transcript_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, and the ``*.json`` files inside the folders given (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            files.append(path)
    return files


def ingest_files(ctx: ServiceContext, files: list[Path], redact: Redact | None,
                 ) -> tuple[list[Stored], list[tuple[Path, HelplineError]]]:
    """Each file in its own transaction (a bad file does not stop the others)."""
    stored: list[Stored] = []
    failed: list[tuple[Path, HelplineError]] = []
    with Progress(console=console, transient=True, disable=len(files) < 2) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            try:
                stored.append(qa_search.ingest(ctx, read_contact_transcript(path),
                                               redact=redact))
            except HelplineError as error:
                failed.append((path, error))
            progress.advance(task)
    return stored, failed


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(
        help="transcript JSON files, or folders searched for *.json")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Store transcripts (replacing a contact's earlier one) and index them for search."""
    files = transcript_files(paths)
    if not files:
        raise typer.BadParameter("no transcript files found", param_hint="PATHS")
    redact = default_redactor()
    with container_from_env(console) as container:
        stored, failed = ingest_files(container.ctx, files, redact)
    if as_json:
        print(json.dumps({"stored": [s.to_json() for s in stored],
                          "failed": [{"path": str(p), "error_id": e.error_id,
                                      "message": e.message} for p, e in failed]},
                         ensure_ascii=False))
    else:
        for path, error in failed:
            console.print(f"[red]{escape(str(path))}: {error.error_id}: "
                          f"{escape(error.message)}[/red]")
        replaced = sum(1 for s in stored if s.replaced)
        console.print(f"stored {len(stored)} transcript(s) ({replaced} replaced), "
                      f"{sum(s.utterances for s in stored)} utterances; {len(failed)} failed")
        if redact is None and stored:
            console.print("[yellow]no redactor configured: texts stored and indexed as "
                          "given[/yellow]")
    if failed:
        raise typer.Exit(1)


def print_result(result: SearchResult) -> None:
    if not result.hits:
        console.print(f"no utterance matches {escape(result.parsed)}")
        return
    for hit in result.hits:
        line = Text()
        line.append(f"{hit.contact_ref}", style="bold")
        line.append(f"  #{hit.utterance} {hit.speaker} {hit.start_seconds:.1f}s  "
                    f"{hit.started_at.isoformat(timespec='minutes')}  "
                    f"{hit.agent_id or '-'} / {hit.queue_id or '-'} / {hit.channel}\n    ")
        at = 0
        for start, end in hit.snippet.highlights:
            line.append(hit.snippet.text[at:start])
            line.append(hit.snippet.text[start:end], style="bold yellow")
            at = end
        line.append(hit.snippet.text[at:])
        console.print(line)
    more = " (more: narrow the query or raise --limit)" if result.more else ""
    console.print(f"{len(result.hits)} hit(s) for {escape(result.parsed)}{more}")


def search_command(
    query: Annotated[str, typer.Argument(
        help='words (all forms), "exact phrase", a NEAR/5 b, -excluded, a OR b')],
    speaker: Annotated[str | None, typer.Option(help="agent or customer")] = None,
    agent: Annotated[str | None, typer.Option(help="the operator's id")] = None,
    queue: Annotated[str | None, typer.Option(help="queue id")] = None,
    channel: Annotated[str | None, typer.Option(help="call or chat")] = None,
    since: Annotated[str | None, typer.Option(
        help="first day (2026-03-01) or an ISO time with offset")] = None,
    until: Annotated[str | None, typer.Option(
        help="last day, included (or an ISO time, excluded)")] = None,
    limit: Annotated[int, typer.Option(help="hits to show (1-200)")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Search every stored transcript: word forms by lemma, phrases, proximity, filters."""
    filters = SearchFilters(speaker=speaker, agent_id=agent, queue_id=queue, channel=channel,
                            since=parse_when(since, "--since"),
                            until=parse_when(until, "--until"))
    with container_from_env(console, show_details=False) as container:
        result = qa_search.search(container.ctx, query, filters, limit)
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print_result(result)
