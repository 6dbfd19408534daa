"""`helpline qa analyze RECORDING --transcript FILE`: the audio's findings and the
transcript's rules in one list, holds from --events for both (synthetic calls of
``_audio_synth`` with their known truth)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from helpline.quality.audio.cli import analyze_command, analyze_folder_command

from ._audio_synth import (  # noqa: F401
    DIALOG_AGENT,
    DIALOG_CUSTOMER,
    HOLD_AGENT,
    HOLD_CUSTOMER,
    PHRASES,
    Call,
    synth,
    transcript_of,
)

app = typer.Typer()
app.command("analyze")(analyze_command)
app.command("analyze-folder")(analyze_folder_command)
runner = CliRunner()


def by_rule(out: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for f in out["findings"]:  # type: ignore[attr-defined]
        found.setdefault(f["rule"], []).append(f)
    return found


def test_holds_from_events_reach_the_audio_and_the_rules(synth: dict[str, Call],  # noqa: F811
                                                         tmp_path: Path) -> None:
    call = synth["hold"]
    transcript = tmp_path / "hold.json"
    transcript.write_text(json.dumps(transcript_of(call, HOLD_AGENT, HOLD_CUSTOMER),
                                     ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(call.path), "--channels", "customer,agent",
                                 "--events", str(call.files["events"]), "--transcript",
                                 str(transcript), "--engine", "webrtc", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"silences", "holds", "overtalk", "findings", "timeline"} <= set(out)
    for f in out["findings"]:
        assert {"rule", "passed", "start", "end", "evidence", "source"} <= set(f)
        assert isinstance(f["evidence"], list)
    rules = by_rule(out)
    # the hold of 2:10 comes back late for an agent: decided by the audio, once
    [late] = rules["hold_return"]
    assert (late["source"], late["passed"]) == ("audio", False)
    assert abs(late["start"] - call.notes["hold_from"]) < 0.01
    # the same hold reached the rules engine: announced without asking consent, thanked
    [announce] = rules["hold_announcement"]
    assert announce["applicable"] and not announce["passed"]
    assert "consent" in announce["message"]
    assert announce["evidence"][0]["utterance"] == 0  # «…я уточню… не более минуты»
    [thanks] = rules["hold_thanks"]
    assert thanks["passed"] and thanks["evidence"][0]["matched"] == "Спасибо за ожидание"
    # the transcript's own timing rules give way to the audio
    assert not {f["kind"] for f in out["findings"] if f["source"] == "transcript"} & {
        "max_silence", "hold_duration"}
    assert "no_long_silence" not in rules and [f["passed"] for f in rules["dead_air"]] == [True]
    assert out["timeline"]["holds"] == [{"start": round(call.notes["hold_from"], 3),
                                         "end": round(call.notes["hold_to"], 3),
                                         "late": True}]
    starts = [f["start"] for f in out["findings"]]
    assert starts == sorted(starts)


def test_dialog_findings_merged_with_rules_and_table(synth: dict[str, Call],  # noqa: F811
                                                     tmp_path: Path) -> None:
    call = synth["dialog"]
    transcript = tmp_path / "dialog.json"
    transcript.write_text(json.dumps(transcript_of(call, DIALOG_AGENT, DIALOG_CUSTOMER),
                                     ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(call.path), "--transcript", str(transcript),
                                 "--engine", "webrtc", "--json"])
    assert result.exit_code == 0, result.output
    rules = by_rule(json.loads(result.stdout))
    [dead] = rules["dead_air"]
    assert not dead["passed"]
    assert abs(dead["start"] - call.notes["dead_from"]) < 0.35
    # the audio finding quotes the words around the silence
    quoted = [e["text"] for e in dead["evidence"] if e["speaker"] is not None]
    assert PHRASES["wait_ok"] in quoted and PHRASES["thanks"] in quoted
    assert [f["passed"] for f in rules["no_interruption"]] == [False]
    assert [f["passed"] for f in rules["greeting"]] == [True]
    assert [f["passed"] for f in rules["closing_offer"]] == [True]
    assert [f["passed"] for f in rules["name_used_twice"]] == [False]  # «Сергей» once
    assert rules["hold_announcement"][0]["applicable"] is False  # no hold events given
    table = runner.invoke(app, ["analyze", str(call.path), "--transcript", str(transcript),
                                "--engine", "webrtc"])
    assert table.exit_code == 0, table.output
    assert "name_used_twice" in table.stdout and "transcript" in table.stdout
    assert "failed" in table.stdout


def test_unknown_role_and_bad_transcript_exit_2(synth: dict[str, Call],  # noqa: F811
                                                 tmp_path: Path) -> None:
    call = synth["dialog"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"utterances": [{"speaker": "robot"}]}', encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(call.path), "--transcript", str(bad),
                                 "--engine", "webrtc"])
    assert result.exit_code == 2 and "transcript_invalid" in result.stderr
    good = tmp_path / "good.json"
    good.write_text(json.dumps(transcript_of(call, DIALOG_AGENT, DIALOG_CUSTOMER),
                               ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(call.path), "--transcript", str(good),
                                 "--role", "robot", "--engine", "webrtc"])
    assert result.exit_code == 2 and "qa_unknown_role" in result.stderr
    # a rulebook role the audio does not know returns from hold within the agent's limit
    result = runner.invoke(app, ["analyze", str(call.path), "--transcript", str(good),
                                 "--role", "paid_line", "--engine", "webrtc", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["role"] == "paid_line"


def test_folder_reads_transcripts_beside_recordings(synth: dict[str, Call],  # noqa: F811
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    call = synth["hold"]
    (folder / "hold.wav").write_bytes(call.path.read_bytes())
    (folder / "hold.events.json").write_bytes(call.files["events"].read_bytes())
    (folder / "hold.transcript.json").write_text(json.dumps(
        transcript_of(call, HOLD_AGENT, HOLD_CUSTOMER), ensure_ascii=False), encoding="utf-8")
    (folder / "broken.wav").write_bytes(b"RIFF")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["analyze-folder", str(folder), "--out", str(out),
                                 "--channels", "customer,agent", "--engine", "webrtc"])
    assert result.exit_code == 1
    lines = {Path(x["recording"]).name: x for x in map(json.loads, out.read_text().splitlines())}
    assert lines["broken.wav"]["ok"] is False
    rules = by_rule(lines["hold.wav"])
    assert rules["hold_thanks"][0]["passed"] and not rules["hold_return"][0]["passed"]
    nothing = runner.invoke(app, ["analyze-folder", str(folder)])
    assert nothing.exit_code == 2 and "--out, --store" in nothing.stderr
