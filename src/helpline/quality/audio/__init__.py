"""Recordings (issue 5 §1): WAV/G.711 reading, voice activity per channel, holds, and the
findings of a call: pauses, dead air, hold returns, over-talk, talk/listen ratio and the
operator's response latency. Entry point: :func:`analyze_recording`."""

from helpline.quality.audio.analyze import AudioAnalysis, analyze_audio, analyze_recording
from helpline.quality.audio.findings import Finding, Thresholds

__all__ = ["AudioAnalysis", "Finding", "Thresholds", "analyze_audio", "analyze_recording"]
