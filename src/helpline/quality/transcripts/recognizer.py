"""Speech recognition adapters: audio in, a :class:`Transcript` out.

:class:`Recognizer` is the interface: 16-bit little-endian PCM per speaker (one channel of
a stereo recording each, or a single mono channel under the speaker it is credited to) and
the sample rate. :class:`VoskRecognizer` implements it with Vosk (Kaldi), offline, from a
model folder the operator provides (e.g. ``vosk-model-small-ru-0.22`` unpacked): Helpline
never downloads a model, and Vosk is not one of its dependencies — it is imported only when
a recogniser is built, and a clear :class:`RecognizerUnavailable` says what is missing.

µ-law and A-law recordings are decoded to PCM by the audio package first; :func:`read_pcm16_wav`
reads plain 16-bit PCM WAV files.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from helpline.quality.transcripts.errors import RecognizerUnavailable
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance

#: bytes handed to the recogniser at a time (0.25 s at 16 kHz, 0.5 s at 8 kHz)
CHUNK_BYTES = 8000


class Recognizer(Protocol):
    def transcribe(self, channels: Mapping[Speaker, bytes], sample_rate: int, *,
                   language: str = "ru") -> Transcript:
        """Recognise each speaker's PCM (16-bit little-endian mono) and merge the
        utterances by start time."""
        ...


def read_pcm16_wav(path: Path) -> tuple[list[bytes], int]:
    """The channels of a 16-bit PCM WAV file (each as mono PCM bytes) and its sample rate."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, count, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise RecognizerUnavailable(f"{path}: not a 16-bit PCM WAV file ({error}); decode "
                                    "µ-law/A-law recordings to PCM first") from error
    if width != 2:
        raise RecognizerUnavailable(f"{path}: {8 * width}-bit samples; 16-bit PCM is needed")
    if count == 1:
        return [frames], rate
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, count)
    return [samples[:, c].tobytes() for c in range(count)], rate


def _vosk() -> Any:
    try:
        import vosk  # type: ignore[import-not-found]  # optional: the operator installs it
    except ImportError as error:
        raise RecognizerUnavailable(
            "speech recognition needs the 'vosk' package, which Helpline does not install: "
            "run 'pip install vosk' and give the folder of a Vosk model you downloaded "
            "(e.g. vosk-model-small-ru-0.22)") from error
    return vosk


def _utterances(results: list[dict[str, Any]], speaker: Speaker) -> list[Utterance]:
    utterances = []
    for result in results:
        words = [w for w in result.get("result", []) if str(w.get("word", "")).strip()]
        if not words:
            continue
        utterances.append(Utterance(speaker, float(words[0]["start"]),
                                    max(float(words[-1]["end"]), float(words[0]["start"])),
                                    " ".join(str(w["word"]) for w in words)))
    return utterances


class VoskRecognizer:
    """Vosk with a model folder the operator provides; one recogniser per channel."""

    def __init__(self, model_dir: Path) -> None:
        if not model_dir.is_dir():
            raise RecognizerUnavailable(f"Vosk model folder {model_dir} does not exist; "
                                        "unpack a Vosk model there (Helpline downloads none)")
        vosk = _vosk()
        if hasattr(vosk, "SetLogLevel"):
            vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as error:  # Vosk raises a bare Exception on a bad folder
            raise RecognizerUnavailable(f"Vosk cannot load the model in {model_dir}: "
                                        f"{error}") from error
        self._vosk = vosk

    def _results(self, pcm: bytes, sample_rate: int) -> list[dict[str, Any]]:
        recognizer = self._vosk.KaldiRecognizer(self._model, float(sample_rate))
        recognizer.SetWords(True)
        results = []
        for k in range(0, len(pcm), CHUNK_BYTES):
            if recognizer.AcceptWaveform(pcm[k:k + CHUNK_BYTES]):
                results.append(json.loads(recognizer.Result()))
        results.append(json.loads(recognizer.FinalResult()))
        return results

    def transcribe(self, channels: Mapping[Speaker, bytes], sample_rate: int, *,
                   language: str = "ru") -> Transcript:
        utterances: list[Utterance] = []
        for speaker, pcm in channels.items():
            utterances.extend(_utterances(self._results(pcm, sample_rate), speaker))
        return Transcript.of(utterances, channel="call", language=language)

    def transcribe_wav(self, path: Path, channel_map: Mapping[int, Speaker] | None = None, *,
                       language: str = "ru") -> Transcript:
        """A 16-bit PCM WAV file. ``channel_map``: channel index → speaker; by default a
        stereo file is agent on the left and customer on the right, a mono file all agent.
        Pass the map of your source (Asterisk MixMonitor's ``D`` option puts the recorded
        channel's own audio on the left, so the side depends on which channel records)."""
        channels, rate = read_pcm16_wav(path)
        mapping = channel_map or ({0: Speaker.AGENT, 1: Speaker.CUSTOMER} if len(channels) > 1
                                  else {0: Speaker.AGENT})
        for index in mapping:
            if not 0 <= index < len(channels):
                raise RecognizerUnavailable(f"{path} has no channel {index}")
        return self.transcribe({speaker: channels[index] for index, speaker in mapping.items()},
                               rate, language=language)
