"""The command functions the lead registers as ``helpline qa analyze`` / ``analyze-folder``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from helpline.quality.audio.cli import analyze_command, analyze_folder_command

from ._audio_synth import synth  # noqa: F401

app = typer.Typer()
app.command("analyze")(analyze_command)
app.command("analyze-folder")(analyze_folder_command)
runner = CliRunner()


def test_analyze_json(synth: dict, tmp_path: Path) -> None:  # noqa: F811
    call = synth["hold"]
    transcript = tmp_path / "t.json"
    transcript.write_text('{"utterances": []}', encoding="utf-8")  # its rules: no words
    result = runner.invoke(app, ["analyze", str(call.path), "--channels", "customer,agent",
                                 "--events", str(call.files["events"]), "--role", "senior",
                                 "--transcript", str(transcript), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"silences", "holds", "overtalk", "findings"} <= set(out)
    assert out["role"] == "senior" and out["transcript"] == str(transcript)
    assert [f["passed"] for f in out["findings"] if f["rule"] == "hold_return"] == [True]


def test_analyze_table_and_errors(synth: dict, tmp_path: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["analyze", str(synth["dialog"].path), "--engine", "webrtc"])
    assert result.exit_code == 0, result.output
    assert "dead_air" in result.stdout and "no_interruption" in result.stdout
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 2 and "invalid_audio_file" in result.stderr
    result = runner.invoke(app, ["analyze", str(synth["dialog"].path), "--channels", "a,b"])
    assert result.exit_code == 2 and "invalid_channel_map" in result.stderr


def test_folder_batch_reports_bad_files_and_goes_on(synth: dict, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(synth["dialog"].path, folder / "a_dialog.wav")
    shutil.copy(synth["hold"].path, folder / "c_hold.wav")
    shutil.copy(synth["hold"].files["events"], folder / "c_hold.events.json")
    (folder / "b_broken.wav").write_bytes(b"not audio at all")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    out = tmp_path / "out" / "results.jsonl"
    result = runner.invoke(app, ["analyze-folder", str(folder), "--out", str(out),
                                 "--engine", "webrtc"])
    assert result.exit_code == 1  # one file failed, the others were analysed
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(x["recording"]).name for x in lines] == ["a_dialog.wav", "b_broken.wav",
                                                          "c_hold.wav"]
    assert [x["ok"] for x in lines] == [True, False, True]
    assert lines[1]["error_id"] == "invalid_audio_file"
    assert lines[2]["holds"]["count"] == 1  # the sidecar events were used
    assert {"silences", "holds", "overtalk", "findings"} <= set(lines[0])
