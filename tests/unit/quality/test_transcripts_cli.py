"""The command functions, through a Typer app the way ``helpline qa`` registers them."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from helpline.quality.transcripts.cli import check_transcript_command, redact_command
from helpline.quality.transcripts.model import read_transcript

app = typer.Typer()
app.command("rules")(check_transcript_command)
app.command("redact")(redact_command)
runner = CliRunner()

CALL = {
    "format": "helpline.transcript/1", "channel": "call", "language": "ru",
    "utterances": [
        {"speaker": "agent", "start": 0.0, "end": 3.5,
         "text": "Здравствуйте. Меня зовут Ольга. Чем я могу Вам помочь?"},
        {"speaker": "customer", "start": 4.0, "end": 9.0,
         "text": "Меня зовут Анна, мой номер +7 916 123-45-67."},
        {"speaker": "agent", "start": 9.5, "end": 16.0,
         "text": "Анна, я уточню информацию для Вас. Это займёт не более минуты. "
                 "Оставайтесь, пожалуйста, на линии. Хорошо?"},
        {"speaker": "agent", "start": 80.0, "end": 84.0, "text": "Спасибо за ожидание, Анна."},
        {"speaker": "agent", "start": 85.0, "end": 87.0, "text": "Чем ещё могу помочь?"},
    ],
}


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "call.json"
    path.write_text(json.dumps(CALL, ensure_ascii=False), encoding="utf-8")
    return path


def test_rules_json_with_pbx_hold_events(tmp_path: Path) -> None:
    holds = tmp_path / "holds.json"
    holds.write_text(json.dumps([{"event": "Hold", "time": 17.0},
                                 {"event": "Unhold", "time": 79.0}]), encoding="utf-8")
    result = runner.invoke(app, ["rules", str(_write(tmp_path)), "--holds", str(holds),
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["holds"] == [[17.0, 79.0]]
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert by_rule["greeting"]["passed"]
    assert by_rule["hold_announcement"]["passed"]
    assert by_rule["hold_thanks"]["passed"]
    assert by_rule["name_used_twice"]["passed"]
    assert by_rule["closing_offer"]["passed"]
    assert by_rule["greeting"]["evidence"][0]["start"] == 0.0


def test_rules_table_and_errors(tmp_path: Path) -> None:
    path = _write(tmp_path)
    result = runner.invoke(app, ["rules", str(path), "--role", "senior"])
    assert result.exit_code == 0, result.output
    assert "greeting" in result.output and "FAIL" in result.output
    bad = runner.invoke(app, ["rules", str(path), "--role", "boss"])
    assert bad.exit_code == 2
    assert "qa_unknown_role" in bad.output
    missing = runner.invoke(app, ["rules", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "transcript_invalid" in missing.output


def test_redact_writes_a_masked_transcript(tmp_path: Path) -> None:
    out = tmp_path / "redacted.json"
    result = runner.invoke(app, ["redact", str(_write(tmp_path)), str(out)])
    assert result.exit_code == 0, result.output
    assert "phone 1" in result.output
    texts = [u.text for u in read_transcript(out).utterances]
    assert texts[1] == "Меня зовут [name], мой номер [phone]."
    assert texts[3] == "Спасибо за ожидание, [name]."
