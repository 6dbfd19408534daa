"""The transcript format: JSON, validation, chats from the platform's messages, holds, and
the speech-recognition adapter (Vosk replaced by a fake module: no model is downloaded)."""

from __future__ import annotations

import json
import sys
import types
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from helpline.quality.transcripts.errors import RecognizerUnavailable, TranscriptError
from helpline.quality.transcripts.holds import HoldInterval, parse_holds
from helpline.quality.transcripts.model import (
    ChatMessage,
    Speaker,
    Transcript,
    Utterance,
    loads_transcript,
    read_transcript,
    transcript_from_chat,
    write_transcript,
)
from helpline.quality.transcripts.recognizer import VoskRecognizer, read_pcm16_wav

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _doc(*utterances: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"format": "helpline.transcript/1", **extra,
                       "utterances": list(utterances)}, ensure_ascii=False)


def test_json_round_trip(tmp_path: Path) -> None:
    transcript = Transcript.of([
        Utterance(Speaker.CUSTOMER, 3.0, 5.5, "Меня зовут Анна."),
        Utterance(Speaker.AGENT, 0.0, 2.5, "Здравствуйте. Меня зовут Ольга."),
    ], contact_id="c-1")
    assert [u.start for u in transcript.utterances] == [0.0, 3.0]  # ordered by start
    path = tmp_path / "t.json"
    write_transcript(path, transcript)
    assert read_transcript(path) == transcript
    assert json.loads(path.read_text(encoding="utf-8"))["utterances"][0] == {
        "speaker": "agent", "start": 0.0, "end": 2.5, "text": "Здравствуйте. Меня зовут Ольга."}


@pytest.mark.parametrize(("utterance", "field"), [
    ({"speaker": "bot", "start": 0, "end": 1, "text": "x"}, "utterances[0].speaker"),
    ({"speaker": "agent", "start": 2, "end": 1, "text": "x"}, "utterances[0].end"),
    ({"speaker": "agent", "start": -1, "end": 1, "text": "x"}, "utterances[0].start"),
    ({"speaker": "agent", "start": "0", "end": 1, "text": "x"}, "utterances[0].start"),
    ({"speaker": "agent", "start": 0, "end": 1}, "utterances[0].text"),
    ({"speaker": "agent", "start": 0, "end": 1, "text": 5}, "utterances[0].text"),
])
def test_validation_errors_name_the_field(utterance: dict[str, Any], field: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        loads_transcript(_doc(utterance))
    assert caught.value.details["field"] == field
    assert field in caught.value.message
    assert caught.value.error_id == "transcript_invalid"


def test_document_level_errors() -> None:
    with pytest.raises(TranscriptError, match="not valid JSON"):
        loads_transcript("{")
    with pytest.raises(TranscriptError, match="channel"):
        loads_transcript(_doc(channel="fax"))
    with pytest.raises(TranscriptError, match="unknown transcript format"):
        loads_transcript(json.dumps({"format": "other/2", "utterances": []}))
    with pytest.raises(TranscriptError, match="unknown field"):
        loads_transcript(json.dumps({"utterances": [], "speakers": 2}))


def test_chat_from_stored_rows_and_payloads() -> None:
    class Row:  # the shape of store.tables.MessageRow
        def __init__(self, sender: str, body: str, created_at: datetime) -> None:
            self.sender, self.body, self.created_at = sender, body, created_at

    messages: list[object] = [
        Row("customer", "Здравствуйте, не работает интернет", T0),
        Row("system", "Оператор подключился", T0 + timedelta(seconds=20)),
        # a service StoredMessage payload: time as ISO text under "at"
        {"sender": "agent", "body": "Здравствуйте. Меня зовут Ольга.",
         "at": (T0 + timedelta(seconds=35)).isoformat()},
        ChatMessage("customer", "Спасибо", T0 + timedelta(minutes=2)),
    ]
    transcript = transcript_from_chat(messages, contact_id="chat-9")
    assert transcript.channel == "chat"
    assert [(u.speaker.value, u.start, u.end) for u in transcript.utterances] == [
        ("customer", 0.0, 0.0), ("agent", 35.0, 35.0), ("customer", 120.0, 120.0)]


def test_chat_rejects_naive_times_and_unknown_senders() -> None:
    with pytest.raises(TranscriptError, match="timezone-aware"):
        transcript_from_chat([{"sender": "agent", "body": "x", "sent_at": datetime(2026, 1, 1)}])
    with pytest.raises(TranscriptError, match="unknown chat sender"):
        transcript_from_chat([ChatMessage("bot", "x", T0)])


def test_holds_from_pairs_objects_and_pbx_events() -> None:
    assert parse_holds([[80, 95], [12, 40.5]]) == (HoldInterval(12, 40.5), HoldInterval(80, 95))
    assert parse_holds([{"start": 1, "end": 2}]) == (HoldInterval(1, 2),)
    events = {"events": [{"event": "Hold", "time": 10}, {"event": "Newstate", "time": 11},
                         {"event": "Unhold", "time": 70}, {"event": "MusicOnHoldStart",
                                                           "time": 100}]}
    assert parse_holds(events, end_seconds=130) == (HoldInterval(10, 70), HoldInterval(100, 130))
    with pytest.raises(TranscriptError, match="no Unhold"):
        parse_holds([{"event": "Hold", "time": 5}])
    with pytest.raises(TranscriptError):
        parse_holds([[5, 1]])


# -- the recogniser -------------------------------------------------------------------------
def _fake_vosk(results: dict[int, list[dict[str, Any]]]) -> types.ModuleType:
    """A stand-in for the vosk module: the recogniser created n-th returns results[n]."""
    module = types.ModuleType("vosk")
    created: list[int] = []

    class Model:
        def __init__(self, path: str) -> None:
            self.path = path

    class KaldiRecognizer:
        def __init__(self, model: Model, rate: float) -> None:
            self.results = list(results[len(created)])
            created.append(int(rate))

        def SetWords(self, on: bool) -> None:
            assert on

        def AcceptWaveform(self, data: bytes) -> bool:
            return len(self.results) > 1

        def Result(self) -> str:
            return json.dumps(self.results.pop(0))

        def FinalResult(self) -> str:
            return json.dumps(self.results.pop(0) if self.results else {"text": ""})

    module.Model = Model  # type: ignore[attr-defined]
    module.KaldiRecognizer = KaldiRecognizer  # type: ignore[attr-defined]
    module.created = created  # type: ignore[attr-defined]
    return module


def _words(*items: tuple[str, float, float]) -> dict[str, Any]:
    return {"result": [{"word": w, "start": s, "end": e, "conf": 1.0} for w, s, e in items],
            "text": " ".join(w for w, _s, _e in items)}


def test_vosk_adapter_builds_the_transcript(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    fake = _fake_vosk({
        0: [_words(("здравствуйте", 0.3, 1.0), ("меня", 1.1, 1.3), ("зовут", 1.3, 1.6),
                   ("ольга", 1.6, 2.0)), {"text": ""}],
        1: [_words(("алло", 2.5, 2.9))],
    })
    monkeypatch.setitem(sys.modules, "vosk", fake)
    recognizer = VoskRecognizer(tmp_path)
    transcript = recognizer.transcribe({Speaker.AGENT: b"\0" * 32000,
                                        Speaker.CUSTOMER: b"\0" * 16000}, 8000)
    assert [(u.speaker, u.start, u.end, u.text) for u in transcript.utterances] == [
        (Speaker.AGENT, 0.3, 2.0, "здравствуйте меня зовут ольга"),
        (Speaker.CUSTOMER, 2.5, 2.9, "алло")]
    assert fake.created == [8000, 8000]  # type: ignore[attr-defined]


def test_vosk_missing_or_no_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    with pytest.raises(RecognizerUnavailable, match="does not exist"):
        VoskRecognizer(tmp_path / "no-model")
    monkeypatch.setitem(sys.modules, "vosk", None)  # import vosk -> ImportError
    with pytest.raises(RecognizerUnavailable, match="pip install vosk") as caught:
        VoskRecognizer(tmp_path)
    assert caught.value.error_id == "recognizer_unavailable"


def test_stereo_pcm_wav_is_split_per_channel(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        # frames: (left=1, right=-1), (left=2, right=-2)
        wav.writeframes((1).to_bytes(2, "little", signed=True)
                        + (-1).to_bytes(2, "little", signed=True)
                        + (2).to_bytes(2, "little", signed=True)
                        + (-2).to_bytes(2, "little", signed=True))
    (left, right), rate = read_pcm16_wav(path)
    assert rate == 8000
    assert left == b"\x01\x00\x02\x00"
    assert right == b"\xff\xff\xfe\xff"
