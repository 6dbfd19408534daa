"""Synthetic calls with a known truth, made with Debian's ``espeak-ng`` and ``sox``.

Each phrase is spoken by ``espeak-ng -v ru`` and resampled to 8 kHz by sox; its speech
extent (first and last 10 ms frame above -50 dBFS) is measured here from the clip's own
samples (read with the standard library, independent of the code under test). Calls are
built only with sox: ``pad`` places every clip at an exact sample, clips of one side are
concatenated, white noise at about -55 dBFS is mixed in (``-m``), the two sides are merged
into stereo (``-M``) and converted (µ-law, A-law, mono, 16 kHz). The truth of every call
(speech per side, pauses, dead air, over-talk, holds) follows from where the clips were put.

The fixture ``synth`` is session-scoped and skips with the reason when a tool is missing.
Test modules import it (``from ._audio_synth import synth``); the files are built once per
session even when several modules import the fixture.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

RATE = 8000
TRUTH_DBFS = -50.0
NOISE_VOL = "0.003"  # sox whitenoise at about -55 dBFS RMS (at 8 kHz)

PHRASES = {
    "greet": "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?",
    "problem": "У меня не работает мобильный интернет уже второй день.",
    "ask_name": "Скажите, пожалуйста, как Вас зовут?",
    "name": "Меня зовут Сергей Петрович.",
    "hold_ask": "Сергей Петрович, я уточню информацию для Вас. Это займет не более минуты.",
    "wait_ok": "Хорошо, я подожду.",
    "thanks": "Спасибо за ожидание. Проблема решена, перезагрузите телефон.",
    "money": "Подождите, а почему деньги списали дважды?",
    "more": "Чем ещё могу помочь?",
    "bye": "Нет, спасибо, до свидания.",
}


@dataclass
class Clip:
    path: Path
    samples: int
    speech_from: int  # first sample of speech (10 ms resolution)
    speech_to: int  # one past the last sample of speech


@dataclass
class Call:
    """A built call and its truth (seconds)."""

    path: Path
    duration_s: float
    agent: list[tuple[float, float]] = field(default_factory=list)
    customer: list[tuple[float, float]] = field(default_factory=list)
    notes: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def run(*args: str | Path) -> None:
    """Run a tool; sox runs in repeatable mode (-R: fixed seeds for noise and dither)."""
    argv = [str(a) for a in args]
    if argv[0] == "sox":
        argv.insert(1, "-R")
    subprocess.run(argv, check=True, capture_output=True)


def read_pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as handle:
        assert handle.getsampwidth() == 2
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        return data.reshape(-1, handle.getnchannels()).T.copy()


def speech_extent(x: np.ndarray, rate: int = RATE) -> tuple[int, int]:
    hop = rate // 100
    n = x.size // hop
    frames = x[:n * hop].astype(np.float64).reshape(n, hop) / 32768.0
    level = 10 * np.log10((frames ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(level > TRUTH_DBFS)
    # no pause of 0.5 s or more inside a phrase (the VAD bridges shorter ones)
    assert loud.size and np.diff(loud).max(initial=0) < 50, "phrase with a long inner pause"
    return int(loud[0]) * hop, (int(loud[-1]) + 1) * hop


def make_clips(root: Path) -> dict[str, Clip]:
    clips = {}
    for key, text in PHRASES.items():
        raw = root / f"{key}_22k.wav"
        out = root / f"{key}.wav"
        run("espeak-ng", "-v", "ru", "-w", raw, text)
        run("sox", raw, "-r", str(RATE), "-c", "1", "-b", "16", out)
        x = read_pcm(out)[0]
        a, b = speech_extent(x)
        clips[key] = Clip(out, x.size, a, b)
    return clips


class Track:
    """One side of a call: clips placed so that their *speech* starts at given times."""

    def __init__(self, root: Path, name: str, clips: dict[str, Clip]) -> None:
        self.root, self.name, self.clips = root, name, clips
        self.parts: list[Path] = []
        self.cursor = 0  # samples written so far
        self.truth: list[tuple[float, float]] = []

    def say(self, key: str, speech_at_s: float) -> tuple[float, float]:
        clip = self.clips[key]
        start = round(speech_at_s * RATE) - clip.speech_from
        gap = start - self.cursor
        assert gap >= 0, f"{self.name}: {key} overlaps the previous clip"
        part = self.root / f"{self.name}_{len(self.parts)}.wav"
        run("sox", clip.path, part, "pad", f"{gap}s", "0s")
        self.parts.append(part)
        self.cursor = start + clip.samples
        span = ((start + clip.speech_from) / RATE, (start + clip.speech_to) / RATE)
        self.truth.append(span)
        return span

    def finish(self, total_samples: int) -> Path:
        tail = total_samples - self.cursor
        assert tail >= 0
        joined = self.root / f"{self.name}_speech.wav"
        run("sox", *self.parts, joined, "pad", "0s", f"{tail}s")
        noise = self.root / f"{self.name}_noise.wav"
        run("sox", "-r", str(RATE), "-c", "1", "-n", "-b", "16", noise, "synth",
            f"{total_samples}s", "whitenoise", "vol", NOISE_VOL)
        out = self.root / f"{self.name}.wav"
        run("sox", "-m", "-v", "1", joined, "-v", "1", noise, out)
        return out


def build_dialog(root: Path, clips: dict[str, Clip]) -> Call:
    """Stereo 8 kHz PCM, left = agent: responses, a 3 s pause, 12 s of dead air, the customer
    interrupting the agent (1.0 s) and the agent interrupting the customer (0.8 s)."""
    agent, customer = Track(root, "dlg_agent", clips), Track(root, "dlg_customer", clips)
    notes = {}
    _, e = agent.say("greet", 0.5)
    _, e = customer.say("problem", e + 1.0)
    _, e = agent.say("ask_name", e + 1.5)
    _, e = customer.say("name", e + 0.7)
    notes["pause_from"] = e
    s, e = agent.say("hold_ask", e + 3.0)
    notes["pause_to"] = s
    _, e = customer.say("wait_ok", e + 0.6)
    notes["dead_from"] = e
    s, e = agent.say("thanks", e + 12.0)
    notes["dead_to"] = s
    # the customer starts 1.0 s before the agent's end and goes on with a second phrase
    s, e2 = customer.say("money", e - 1.0)
    notes["cust_interrupts_at"], notes["cust_overlap_to"] = s, e
    _, e3 = customer.say("problem", e2 + 0.4)
    # the agent starts 0.8 s before the customer's end
    s, e4 = agent.say("more", e3 - 0.8)
    notes["agent_interrupts_at"], notes["agent_overlap_to"] = s, e3
    _, e4 = customer.say("bye", e4 + 1.0)
    total = round((e4 + 1.0) * RATE) + 4000
    left, right = agent.finish(total), customer.finish(total)
    path = root / "dialog.wav"
    run("sox", "-M", left, right, path)
    call = Call(path, total / RATE, agent.truth, customer.truth, notes)
    call.files["ulaw"] = root / "dialog_ulaw.wav"
    run("sox", path, "-e", "mu-law", "-b", "8", call.files["ulaw"])
    call.files["mono_alaw"] = root / "dialog_mono_alaw.wav"
    run("sox", "-m", left, right, "-c", "1", "-e", "a-law", "-b", "8", call.files["mono_alaw"])
    call.files["pcm16k"] = root / "dialog_16k.wav"
    run("sox", path, "-r", "16000", call.files["pcm16k"])
    return call


def build_hold(root: Path, clips: dict[str, Clip]) -> Call:
    """Stereo 8 kHz µ-law, left = customer (Asterisk MixMonitor D on the caller's channel):
    a hold of 2:10 with silence inside, announced before and thanked after."""
    agent, customer = Track(root, "hld_agent", clips), Track(root, "hld_customer", clips)
    _, e = agent.say("hold_ask", 0.5)
    _, e = customer.say("wait_ok", e + 0.6)
    hold_from = e + 1.0
    hold_to = hold_from + 130.0
    _, e = agent.say("thanks", hold_to + 0.5)
    _, e = customer.say("bye", e + 0.8)
    total = round((e + 1.5) * RATE)
    left, right = customer.finish(total), agent.finish(total)
    pcm = root / "hold_pcm.wav"
    run("sox", "-M", left, right, pcm)
    path = root / "hold_ulaw.wav"
    run("sox", pcm, "-e", "mu-law", "-b", "8", path)
    call = Call(path, total / RATE, agent.truth, customer.truth,
                {"hold_from": hold_from, "hold_to": hold_to})
    events = [{"event": "Hold", "time": round(hold_from, 3)},
              {"event": "Unhold", "time": round(hold_to, 3)},
              {"event": "Unhold", "time": round(hold_to + 5.0, 3)}]
    call.files["events"] = root / "hold_ulaw.events.json"
    call.files["events"].write_text(json.dumps(events), encoding="utf-8")
    return call


def transcript_of(call: Call, agent_keys: list[str], customer_keys: list[str],
                  **extra: object) -> dict[str, object]:
    """A call's transcript (helpline.transcript/1): each side's phrases at the times they
    were placed, in the order of ``agent_keys`` / ``customer_keys``."""
    utterances: list[dict[str, object]] = []
    for speaker, keys, spans in (("agent", agent_keys, call.agent),
                                 ("customer", customer_keys, call.customer)):
        utterances += [{"speaker": speaker, "start": round(a, 3), "end": round(b, 3),
                        "text": PHRASES[key]} for key, (a, b) in zip(keys, spans, strict=True)]
    utterances.sort(key=lambda u: float(str(u["start"])))
    return {"format": "helpline.transcript/1", "channel": "call", "utterances": utterances,
            **extra}


#: the phrases of each side of the synthetic calls, in order
DIALOG_AGENT = ["greet", "ask_name", "hold_ask", "thanks", "more"]
DIALOG_CUSTOMER = ["problem", "name", "wait_ok", "money", "problem", "bye"]
HOLD_AGENT = ["hold_ask", "thanks"]
HOLD_CUSTOMER = ["wait_ok", "bye"]

_BUILT: dict[str, dict[str, Call]] = {}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Call]:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian packages espeak-ng, sox): "
                    "the synthetic recordings cannot be made")
    if "calls" not in _BUILT:
        root = tmp_path_factory.mktemp("synthetic_calls")
        clips = make_clips(root)
        _BUILT["calls"] = {"dialog": build_dialog(root, clips), "hold": build_hold(root, clips)}
    return _BUILT["calls"]
