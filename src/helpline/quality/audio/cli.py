"""``helpline qa analyze`` and ``helpline qa analyze-folder`` (registered in ``cli_qa``).

``analyze`` prints a findings table, or with ``--json`` one object with at least
``silences``, ``holds``, ``overtalk`` and ``findings`` (see ``AudioAnalysis.to_dict``).
``analyze-folder`` analyses every ``*.wav`` / ``*.raw`` of a folder with a progress bar and
writes one JSON line per recording: the analysis with ``"ok": true``, or
``{"recording", "ok": false, "error_id", "error"}``; a bad file never stops the batch
(exit code 1 at the end when any file failed). Hold events for ``NAME.wav`` are read from
``NAME.events.json`` beside it when present.
"""

from __future__ import annotations

import json
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
from rich.table import Table

from helpline.domain.errors import HelplineError
from helpline.quality.audio.analyze import AudioAnalysis, analyze_recording
from helpline.quality.audio.errors import InvalidParameter
from helpline.quality.audio.findings import Thresholds

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
    "--start", help="Recording start (ISO 8601 with offset) for events given as ISO times.")]


def analyze_command(
    recording: Annotated[Path, typer.Argument(help="WAV (PCM 16-bit, µ-law, A-law; 8/16 kHz; "
                                                   "mono or stereo) or MixMonitor .raw.")],
    channels: ChannelsOpt = "agent,customer",
    events: Annotated[Path | None, typer.Option(
        "--events", help="Hold/Unhold events, JSON (see helpline.quality.audio.holds).")]
        = None,
    transcript: Annotated[Path | None, typer.Option(
        "--transcript", help="Transcript file (stored in the output for now).")] = None,
    role: RoleOpt = "agent",
    engine: EngineOpt = "silero",
    dead_air_seconds: DeadAirOpt = 10.0,
    pause_seconds: PauseOpt = 2.0,
    start: StartOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Silences, dead air, holds, over-talk, talk/listen ratio and response latency of a call
    recording."""
    try:
        analysis = analyze_recording(
            recording, channels=channels, events=events, role=role, engine=engine,
            thresholds=Thresholds(dead_air_s=dead_air_seconds, pause_s=pause_seconds),
            recording_start=_start(start), transcript=transcript)
    except HelplineError as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(analysis.to_dict(), ensure_ascii=False))
        return
    _print(analysis)


def analyze_folder_command(
    folder: Annotated[Path, typer.Argument(help="Folder of recordings (*.wav, *.raw).")],
    out: Annotated[Path, typer.Option("--out", help="JSON lines output, one per recording.")],
    channels: ChannelsOpt = "agent,customer",
    role: RoleOpt = "agent",
    engine: EngineOpt = "silero",
    dead_air_seconds: DeadAirOpt = 10.0,
    pause_seconds: PauseOpt = 2.0,
    recursive: Annotated[bool, typer.Option("--recursive", help="Include sub-folders.")]
        = False,
) -> None:
    """Analyse every recording of a folder; one JSON line each; bad files are reported."""
    if not folder.is_dir():
        typer.echo(f"invalid_audio_parameter: {folder} is not a folder", err=True)
        raise typer.Exit(2)
    try:
        thresholds = Thresholds(dead_air_s=dead_air_seconds, pause_s=pause_seconds)
    except InvalidParameter as error:
        typer.echo(f"{error.error_id}: {error.message}", err=True)
        raise typer.Exit(2) from error
    files = recordings_in(folder, recursive=recursive)
    console = Console(stderr=True)
    failed = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task("analysing", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            line = analyze_one(path, channels=channels, role=role, engine=engine,
                               thresholds=thresholds)
            if not line["ok"]:
                failed += 1
                progress.console.print(f"[red]{path}[/red]: {line['error_id']}: "
                                       f"{line['error']}")
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            sink.flush()
            progress.advance(task)
    console.print(f"{len(files) - failed} analysed, {failed} failed -> {out}")
    if failed:
        raise typer.Exit(1)


def recordings_in(folder: Path, *, recursive: bool = False) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def analyze_one(path: Path, *, channels: str, role: str, engine: str,
                thresholds: Thresholds) -> dict[str, Any]:
    """One JSON line of the batch: never raises for a bad recording."""
    sidecar = path.with_suffix(".events.json")
    try:
        analysis = analyze_recording(path, channels=channels, role=role, engine=engine,
                                     thresholds=thresholds,
                                     events=sidecar if sidecar.exists() else None)
    except HelplineError as error:
        return {"recording": str(path), "ok": False, "error_id": error.error_id,
                "error": error.message}
    except Exception as error:  # a batch must survive any single file
        return {"recording": str(path), "ok": False, "error_id": "internal_error",
                "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, **analysis.to_dict()}


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


def _print(analysis: AudioAnalysis) -> None:
    console = Console(soft_wrap=True)
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
    table = Table(title="Findings")
    for column in ("rule", "passed", "start", "end", "evidence"):
        table.add_column(column)
    for f in analysis.findings:
        table.add_row(f.rule, "[green]yes[/green]" if f.passed else "[red]no[/red]",
                      _t(f.start), _t(f.end), f.evidence)
    console.print(table)
    for note in (*analysis.limitations, *analysis.warnings, *analysis.holds.problems):
        console.print(f"[yellow]note:[/yellow] {note}")


def _t(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value // 60)}:{value % 60:06.3f}"
