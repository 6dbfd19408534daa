"""``helpline qa analyze`` and ``helpline qa analyze-folder`` (registered in ``cli_qa``).

``analyze`` prints a findings table, or with ``--json`` one object with at least
``silences``, ``holds``, ``overtalk`` and ``findings`` (see ``AudioAnalysis.to_dict``;
``findings`` is the merged list of :mod:`helpline.quality.contact_analysis`: the audio's
and, with ``--transcript``, the transcript rules', each with ``rule``, ``passed``,
``start``, ``end``, ``evidence``). ``--store`` keeps the transcript (redacted, indexed)
and the result in the database for the QA page. ``--contact-id ID`` takes the holds from
that contact's ``contact_held`` / ``contact_resumed`` events in the store (instead of
``--events FILE``: give one or the other), counted from ``--recording-start`` (alias
``--start``), by default the time the contact was first answered; the contact also names
the result (``--contact``), its operator and queue unless given.
``analyze-folder`` analyses every ``*.wav`` / ``*.raw`` of a folder with a progress bar and
writes one JSON line per recording: the analysis with ``"ok": true``, or
``{"recording", "ok": false, "error_id", "error"}``; a bad file never stops the batch
(exit code 1 at the end when any file failed); ``--store`` stores each result as it
comes. Hold events for ``NAME.wav`` are read from ``NAME.events.json`` beside it and its
transcript from ``NAME.transcript.json``, when present.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from helpline.cli_support import container_from_env
from helpline.domain.errors import HelplineError
from helpline.quality.audio.analyze import AudioAnalysis
from helpline.quality.audio.errors import InvalidParameter
from helpline.quality.audio.findings import Thresholds
from helpline.quality.audio.holds import ContactEvents
from helpline.quality.contact_analysis import ContactAnalysis
from helpline.quality.results_cli import (
    EVENTS_SUFFIX,
    TRANSCRIPT_SUFFIX,
    Analysed,
    analyze_file,
    print_findings,
    print_stored,
    sidecar,
    store,
)
from helpline.quality.results_cli import as_json as analysis_json
from helpline.quality.transcripts.rules_config import load_rulebook
from helpline.services import contact_holds
from helpline.services.context import ServiceContext

AUDIO_SUFFIXES = (".wav", ".raw")

ChannelsOpt = Annotated[str, typer.Option(
    "--channels", help="Roles of the left,right channels, e.g. agent,customer, or a preset: "
                       "asterisk-inbound (MixMonitor D on the caller's channel: left = "
                       "customer), asterisk-agent-leg.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="VAD: silero (default) or webrtc "
                                                         "(fast mode).")]
RoleOpt = Annotated[str, typer.Option("--role", help="Operator role: agent (hold return "
                                                     "within 2 min) or senior (3 min).")]
DeadAirOpt = Annotated[float, typer.Option("--dead-air-seconds",
                                           help="Both-silent limit outside holds, s.")]
PauseOpt = Annotated[float, typer.Option("--pause-seconds", help="List pauses from, s.")]
StartOpt = Annotated[str | None, typer.Option(
    "--start", "--recording-start",
    help="Recording start (ISO 8601 with offset) for events given as ISO times; with "
         "--contact-id default: when the contact was first answered.")]


def analyze_command(
    recording: Annotated[Path, typer.Argument(help="WAV (PCM 16-bit, µ-law, A-law; 8/16 kHz; "
                                                   "mono or stereo) or MixMonitor .raw.")],
    channels: ChannelsOpt = "agent,customer",
    events: Annotated[Path | None, typer.Option(
        "--events", help="Hold/Unhold events, JSON (see helpline.quality.audio.holds).")]
        = None,
    contact_id: Annotated[str | None, typer.Option(
        "--contact-id", help="Take the holds from this contact's events in the store "
                             "(HELPLINE_DATABASE_URL); not with --events.")] = None,
    transcript: Annotated[Path | None, typer.Option(
        "--transcript", help="Transcript JSON of the call: its script rules run too "
                             "(phrases from the transcript, silences from the audio).")]
        = None,
    role: RoleOpt = "agent",
    engine: EngineOpt = "silero",
    dead_air_seconds: DeadAirOpt = 10.0,
    pause_seconds: PauseOpt = 2.0,
    start: StartOpt = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Rulebook TOML (default: the one for the transcript's language).")]
        = None,
    store_result: Annotated[bool, typer.Option(
        "--store", help="Store the transcript (redacted) and the result for the QA page.")]
        = False,
    contact: Annotated[str | None, typer.Option(
        "--contact", help="Name of the contact (default: the transcript's contact_id, "
                          "else the recording's file name).")] = None,
    agent: Annotated[str | None, typer.Option(
        "--agent", help="The operator's id (default: the transcript's agent_id).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Silences, dead air, holds, over-talk, talk/listen ratio and response latency of a call
    recording; with --transcript its script rules as well, in one list of findings."""
    if events is not None and contact_id is not None:
        typer.echo("invalid_audio_parameter: give --events FILE or --contact-id ID, not both "
                   "(the holds come from one source)", err=True)
        raise typer.Exit(2)
    console = Console(stderr=True)
    with ExitStack() as stack:
        needs_store = store_result or contact_id is not None
        ctx = stack.enter_context(container_from_env(console)).ctx if needs_store else None
        try:
            recording_start = _start(start)
            holds: Path | ContactEvents | None = events
            queue_id = None
            if contact_id is not None:
                assert ctx is not None
                source = contact_holds.load(ctx, contact_id)
                recording_start = source.recording_start(recording_start)
                holds = source.for_recording(recording_start)
                contact = contact or source.contact_id
                agent = agent or source.agent_id
                queue_id = source.queue_id
            analysed = analyze_file(
                recording, channels=channels, events=holds, transcript=transcript, role=role,
                engine=engine,
                thresholds=Thresholds(dead_air_s=dead_air_seconds, pause_s=pause_seconds),
                recording_start=recording_start,
                rulebook=load_rulebook(rules) if rules else None,
                contact_ref=contact, agent_id=agent, queue_id=queue_id)
        except HelplineError as error:
            typer.echo(f"{error.error_id}: {error.message}", err=True)
            raise typer.Exit(2) from error
        stored = store(ctx, analysed) if store_result and ctx is not None else None
    if as_json:
        typer.echo(json.dumps(analysis_json(analysed.result, stored), ensure_ascii=False))
        return
    _print(analysed.result)
    if stored is not None:
        print_stored(stored, Console(soft_wrap=True))


def analyze_folder_command(
    folder: Annotated[Path, typer.Argument(help="Folder of recordings (*.wav, *.raw).")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="JSON lines output, one per recording.")] = None,
    channels: ChannelsOpt = "agent,customer",
    role: RoleOpt = "agent",
    engine: EngineOpt = "silero",
    dead_air_seconds: DeadAirOpt = 10.0,
    pause_seconds: PauseOpt = 2.0,
    recursive: Annotated[bool, typer.Option("--recursive", help="Include sub-folders.")]
        = False,
    store_results: Annotated[bool, typer.Option(
        "--store", help="Store every result (and transcript) for the QA page.")] = False,
) -> None:
    """Analyse every recording of a folder (with NAME.transcript.json and NAME.events.json
    beside it when present); one JSON line each and/or stored; bad files are reported."""
    if not folder.is_dir():
        typer.echo(f"invalid_audio_parameter: {folder} is not a folder", err=True)
        raise typer.Exit(2)
    if out is None and not store_results:
        typer.echo("invalid_audio_parameter: give --out, --store or both", err=True)
        raise typer.Exit(2)
    try:
        thresholds = Thresholds(dead_air_s=dead_air_seconds, pause_s=pause_seconds)
    except InvalidParameter as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    files = recordings_in(folder, recursive=recursive)
    console = Console(stderr=True)
    failed = 0
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        sink = stack.enter_context(out.open("w", encoding="utf-8")) if out else None
        ctx = stack.enter_context(container_from_env(console)).ctx if store_results else None
        progress = stack.enter_context(Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeRemainingColumn(), console=console))
        task = progress.add_task("analysing", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            line, analysed = analyze_entry(path, channels=channels, role=role, engine=engine,
                                           thresholds=thresholds)
            if analysed is not None and ctx is not None:
                line = _stored_line(line, ctx, analysed)
            if not line["ok"]:
                failed += 1
                progress.console.print(f"[red]{path}[/red]: {line['error_id']}: "
                                       f"{line['error']}")
            if sink is not None:
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                sink.flush()
            progress.advance(task)
    where = f" -> {out}" if out else ""
    kept = " (stored)" if store_results else ""
    console.print(f"{len(files) - failed} analysed{kept}, {failed} failed{where}")
    if failed:
        raise typer.Exit(1)


def recordings_in(folder: Path, *, recursive: bool = False) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def analyze_entry(path: Path, *, channels: str, role: str, engine: str,
                  thresholds: Thresholds) -> tuple[dict[str, Any], Analysed | None]:
    """One JSON line of the batch and the analysis (None when it failed); never raises
    for a bad recording or transcript. Sidecars: NAME.events.json, NAME.transcript.json."""
    try:
        analysed = analyze_file(path, channels=channels, role=role, engine=engine,
                                thresholds=thresholds, events=sidecar(path, EVENTS_SUFFIX),
                                transcript=sidecar(path, TRANSCRIPT_SUFFIX))
    except HelplineError as error:
        return _error_line(path, error.error_id, error.message), None
    except Exception as error:  # a batch must survive any single file
        return _error_line(path, "internal_error", f"{type(error).__name__}: {error}"), None
    return {"ok": True, **analysed.result.to_dict()}, analysed


def _error_line(path: Path, error_id: str, message: str) -> dict[str, Any]:
    return {"recording": str(path), "ok": False, "error_id": error_id, "error": message}


def _stored_line(line: dict[str, Any], ctx: ServiceContext, analysed: Analysed
                 ) -> dict[str, Any]:
    """The line with ``stored``, or turned into an error line when storing failed."""
    try:
        return {**line, "stored": store(ctx, analysed).to_json()}
    except HelplineError as error:
        return _error_line(Path(line["recording"]), error.error_id, error.message)
    except Exception as error:  # the next file may store fine
        return _error_line(Path(line["recording"]), "internal_error",
                           f"{type(error).__name__}: {error}")


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidParameter(f"--start {text!r} is not an ISO 8601 time") from error
    if moment.tzinfo is None:
        raise InvalidParameter(f"--start {text!r} needs a UTC offset (e.g. +03:00)")
    return moment


def _print(result: ContactAnalysis) -> None:
    console = Console(soft_wrap=True)
    assert result.audio is not None
    analysis: AudioAnalysis = result.audio
    m = analysis.metrics
    head = (f"{analysis.recording}: {analysis.duration_s:.1f} s, {analysis.sample_rate} Hz "
            f"{analysis.encoding}, channels {','.join(analysis.channels)}, "
            f"VAD {analysis.engine}")
    console.print(head)
    if not analysis.mono:
        console.print(f"talk/listen {m.get('talk_listen_ratio')} (agent "
                      f"{m.get('agent_talk_s')} s, customer {m.get('customer_talk_s')} s); "
                      f"over-talk {m.get('overtalk_count')} ({m.get('overtalk_s')} s); "
                      f"median response {m.get('response_latency_median_s')} s")
    console.print(f"holds {len(analysis.holds.holds)} ({analysis.holds.total_s:.1f} s); "
                  f"pauses >= {analysis.thresholds.pause_s:g} s: "
                  f"{sum(1 for s in analysis.silences if s.channel in ('both', 'mixed'))}")
    print_findings(result, console)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
