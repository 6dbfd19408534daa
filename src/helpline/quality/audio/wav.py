"""Call recordings: WAV (PCM 16-bit, G.711 µ-law or A-law) and headerless 16-bit raw.

The standard library's ``wave`` module reads PCM only, so the RIFF header is parsed here:
format tag 1 (PCM, 16 bits), 7 (µ-law, 8 bits), 6 (A-law, 8 bits), also inside
``WAVE_FORMAT_EXTENSIBLE`` (0xFFFE, sub-format GUID); 8 or 16 kHz; mono or stereo.
Anything else is refused with an :class:`UnsupportedAudio` that says how to convert it.

G.711 is decoded with two 256-entry tables built from the definition in ITU-T G.711
(segment/quantisation bits of the code word, see :func:`mulaw_table` and
:func:`alaw_table`); the tests check them against ``sox``'s own decoder for all 256 codes.

Channel maps
------------
A stereo recording carries one party per channel; which one depends on the source.
Asterisk's ``MixMonitor`` with the ``D`` option writes "the audio coming from the
channel" on the left and "the audio going to the channel" on the right (app_mixmonitor.c
interleaves ``read_buf`` then ``write_buf``); the file is headerless signed-linear, which
is why the documentation insists on the ``.raw`` extension. For an inbound call recorded
on the caller's channel the left is therefore the customer and the right the agent
(preset ``asterisk-inbound``); recorded on the agent's channel (for example an outbound
call started from the agent's phone) it is the other way round (``asterisk-agent-leg``).
The map is always configurable: ``"agent,customer"`` means left = agent, right = customer.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from helpline.quality.audio.errors import InvalidAudioFile, InvalidChannelMap, UnsupportedAudio

#: Sample rates the analysis accepts (the silero model's native rates).
SUPPORTED_RATES = (8000, 16000)
#: Roles a channel can carry. ``mixed`` is the single channel of a mono recording.
ROLES = ("agent", "customer")
MIXED = "mixed"
#: Named channel maps (left, right).
CHANNEL_PRESETS: dict[str, tuple[str, str]] = {
    "agent,customer": ("agent", "customer"),
    "customer,agent": ("customer", "agent"),
    "asterisk-inbound": ("customer", "agent"),
    "asterisk-agent-leg": ("agent", "customer"),
}

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_ALAW = 0x0006
WAVE_FORMAT_MULAW = 0x0007
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_FORMAT_NAMES = {
    0x0002: "Microsoft ADPCM", 0x0003: "IEEE float", 0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10", 0x0040: "G.721 ADPCM", 0x0055: "MPEG layer 3",
    0x0064: "G.726 ADPCM", 0x0161: "Windows Media Audio",
}
_CONVERT_HINT = "convert it first, e.g. `sox in.wav -r 8000 -e signed-integer -b 16 out.wav`"


@dataclass(frozen=True, eq=False)
class Recording:
    """Decoded audio: ``samples`` is int16 with shape (channels, frames)."""

    samples: NDArray[np.int16]
    sample_rate: int
    encoding: str  # "pcm_s16", "mulaw", "alaw", "raw_s16"
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


# -- G.711 ------------------------------------------------------------------------------
@cache
def mulaw_table() -> NDArray[np.int16]:
    """µ-law code word -> 16-bit linear sample, from G.711's definition.

    The code word is transmitted inverted; after inversion bit 7 is the sign (1 =
    negative), bits 6..4 the segment S and bits 3..0 the step Q. The decoded magnitude on
    G.711's 14-bit scale is ((2Q + 33) << S) - 33; times 4 for 16 bits.
    """
    codes = np.arange(256, dtype=np.int32)
    inverted = ~codes & 0xFF
    segment = (inverted >> 4) & 0x07
    step = inverted & 0x0F
    magnitude = (((2 * step + 33) << segment) - 33) * 4
    values = np.where(inverted & 0x80, -magnitude, magnitude)
    return values.astype(np.int16)


@cache
def alaw_table() -> NDArray[np.int16]:
    """A-law code word -> 16-bit linear sample, from G.711's definition.

    The even bits are inverted on the line (XOR 0x55); then bit 7 is the sign (1 =
    positive), bits 6..4 the segment S and bits 3..0 the step Q. On G.711's 13-bit scale
    the magnitude is 2Q + 1 in segment 0 and (2Q + 33) << (S - 1) above; times 8 for 16
    bits.
    """
    codes = np.arange(256, dtype=np.int32)
    line = codes ^ 0x55
    segment = (line >> 4) & 0x07
    step = line & 0x0F
    magnitude = np.where(segment == 0, 2 * step + 1,
                         (2 * step + 33) << np.maximum(segment - 1, 0)) * 8
    values = np.where(line & 0x80, magnitude, -magnitude)
    return values.astype(np.int16)


def decode_g711(codes: NDArray[np.uint8], law: str) -> NDArray[np.int16]:
    """Decode G.711 bytes (``law`` = "mulaw" or "alaw") by table lookup."""
    table = mulaw_table() if law == "mulaw" else alaw_table()
    result: NDArray[np.int16] = table[codes]
    return result


# -- readers ----------------------------------------------------------------------------
def read_recording(path: Path | str, *, raw_sample_rate: int = 8000,
                   raw_channels: int = 2) -> Recording:
    """Read ``path``: a WAV file, or headerless signed 16-bit little-endian audio when the
    name ends in ``.raw``/``.sln``/``.slin`` (Asterisk MixMonitor ``D``: stereo, 8 kHz
    unless the channel ran at a higher rate; give it as ``raw_sample_rate``)."""
    path = Path(path)
    if path.suffix.lower() in {".raw", ".sln", ".slin", ".sln16"}:
        return read_raw(path, sample_rate=raw_sample_rate, channels=raw_channels)
    return read_wav(path)


def read_raw(path: Path | str, *, sample_rate: int = 8000, channels: int = 2) -> Recording:
    """Headerless interleaved signed 16-bit little-endian samples."""
    path = Path(path)
    _check_layout(sample_rate, channels, str(path))
    data = _read_bytes(path)
    frame_bytes = 2 * channels
    warnings: list[str] = []
    if len(data) % frame_bytes:
        warnings.append(f"{len(data) % frame_bytes} trailing bytes ignored (not a whole frame)")
    frames = len(data) // frame_bytes
    if frames == 0:
        raise InvalidAudioFile(f"{path}: no audio samples", path=str(path))
    pcm = np.frombuffer(data, dtype="<i2", count=frames * channels)
    samples = pcm.reshape(frames, channels).T.astype(np.int16)
    return Recording(samples=np.ascontiguousarray(samples), sample_rate=sample_rate,
                     encoding="raw_s16", source=str(path), warnings=tuple(warnings))


def read_wav(path: Path | str) -> Recording:
    """Parse a RIFF/WAVE file; see the module docstring for what is accepted."""
    path = Path(path)
    return parse_wav(_read_bytes(path), source=str(path))


def parse_wav(data: bytes, *, source: str = "<bytes>") -> Recording:
    """Parse WAV bytes (pure; :func:`read_wav` reads the file)."""
    if len(data) < 12:
        raise InvalidAudioFile(f"{source}: too short to be a WAV file ({len(data)} bytes)",
                               path=source)
    riff, _riff_size, wave_id = struct.unpack_from("<4sI4s", data, 0)
    if riff == b"RF64":
        raise UnsupportedAudio(f"{source}: RF64 (WAV over 4 GiB) is not supported",
                               path=source)
    if riff != b"RIFF" or wave_id != b"WAVE":
        raise InvalidAudioFile(f"{source}: not a RIFF/WAVE file (starts with {data[:4]!r})",
                               path=source)
    fmt: tuple[int, int, int, int, int] | None = None
    pos = 12
    warnings: list[str] = []
    while pos + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body:body + size], source)
        elif chunk_id == b"data":
            if fmt is None:
                raise InvalidAudioFile(f"{source}: 'data' chunk before 'fmt ' chunk",
                                       path=source)
            available = len(data) - body
            if size > available:
                if size not in (0xFFFFFFFF, 0):
                    warnings.append(f"data chunk declares {size} bytes but only {available} "
                                    "are present (truncated file?); reading what is there")
                size = available
            elif size == 0 and available > 0:
                warnings.append("data chunk size 0 (recording not finalised?); "
                                "reading to the end of the file")
                size = available
            return _decode(data[body:body + size], fmt, source, warnings)
        pos = body + size + (size & 1)  # chunks are word aligned
    if fmt is None:
        raise InvalidAudioFile(f"{source}: no 'fmt ' chunk", path=source)
    raise InvalidAudioFile(f"{source}: no 'data' chunk", path=source)


def _parse_fmt(body: bytes, source: str) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise InvalidAudioFile(f"{source}: 'fmt ' chunk too short ({len(body)} bytes)",
                               path=source)
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", body, 0)
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise InvalidAudioFile(f"{source}: WAVE_FORMAT_EXTENSIBLE without sub-format",
                                   path=source)
        (tag,) = struct.unpack_from("<H", body, 24)  # first two bytes of the GUID
    return tag, channels, rate, block_align, bits


def _decode(payload: bytes, fmt: tuple[int, int, int, int, int], source: str,
            warnings: list[str]) -> Recording:
    tag, channels, rate, block_align, bits = fmt
    if tag == WAVE_FORMAT_PCM:
        if bits != 16:
            raise UnsupportedAudio(f"{source}: PCM with {bits} bits per sample; only 16-bit "
                                   f"PCM is analysed — {_CONVERT_HINT}", path=source)
        encoding, width = "pcm_s16", 2
    elif tag in (WAVE_FORMAT_MULAW, WAVE_FORMAT_ALAW):
        if bits != 8:
            raise UnsupportedAudio(f"{source}: G.711 with {bits} bits per sample (expected 8)",
                                   path=source)
        encoding, width = ("mulaw" if tag == WAVE_FORMAT_MULAW else "alaw"), 1
    else:
        name = _FORMAT_NAMES.get(tag, "unknown")
        raise UnsupportedAudio(f"{source}: WAV format tag {tag:#06x} ({name}) is not "
                               f"supported; PCM 16-bit, µ-law and A-law are — {_CONVERT_HINT}",
                               path=source, format_tag=tag)
    _check_layout(rate, channels, source)
    if block_align != width * channels:
        raise InvalidAudioFile(f"{source}: block align {block_align} does not match "
                               f"{channels} channel(s) of {width} byte(s)", path=source)
    if len(payload) % block_align:
        warnings.append(f"{len(payload) % block_align} trailing bytes ignored "
                        "(not a whole frame)")
    frames = len(payload) // block_align
    if frames == 0:
        raise InvalidAudioFile(f"{source}: no audio samples", path=source)
    if width == 2:
        flat = np.frombuffer(payload, dtype="<i2", count=frames * channels).astype(np.int16)
    else:
        codes = np.frombuffer(payload, dtype=np.uint8, count=frames * channels)
        flat = decode_g711(codes, encoding)
    samples = np.ascontiguousarray(flat.reshape(frames, channels).T)
    return Recording(samples=samples, sample_rate=rate, encoding=encoding, source=source,
                     warnings=tuple(warnings))


def _check_layout(rate: int, channels: int, source: str) -> None:
    if channels not in (1, 2):
        raise UnsupportedAudio(f"{source}: {channels} channels; mono or stereo (one party "
                               "per channel) are analysed", path=source, channels=channels)
    if rate not in SUPPORTED_RATES:
        raise UnsupportedAudio(f"{source}: sample rate {rate} Hz; 8000 or 16000 Hz are "
                               f"analysed — {_CONVERT_HINT}", path=source, sample_rate=rate)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise InvalidAudioFile(f"{path}: no such file", path=str(path)) from error
    except IsADirectoryError as error:
        raise InvalidAudioFile(f"{path}: is a directory", path=str(path)) from error
    except OSError as error:
        raise InvalidAudioFile(f"{path}: cannot read ({error.strerror})",
                               path=str(path)) from error


# -- channel map ------------------------------------------------------------------------
def parse_channel_map(spec: str | Sequence[str]) -> tuple[str, str]:
    """``"agent,customer"`` (left, right), a preset name, or a pair of roles."""
    if isinstance(spec, str):
        key = spec.strip().lower().replace(" ", "")
        if key in CHANNEL_PRESETS:
            return CHANNEL_PRESETS[key]
        parts: Sequence[str] = [p for p in key.split(",") if p]
    else:
        parts = [p.strip().lower() for p in spec]
    if len(parts) != 2 or set(parts) != set(ROLES):
        presets = ", ".join(k for k in CHANNEL_PRESETS if "," not in k)
        raise InvalidChannelMap(f"channel map {spec!r}: give the roles of the left and right "
                                f"channels, e.g. 'agent,customer', or a preset ({presets})",
                                spec=str(spec))
    return parts[0], parts[1]


def split_channels(recording: Recording,
                   channel_map: Sequence[str]) -> dict[str, NDArray[np.int16]]:
    """Samples per role; a mono recording gives ``{"mixed": ...}`` (the map is still
    checked)."""
    left, right = parse_channel_map(channel_map)
    if recording.channels == 1:
        return {MIXED: recording.samples[0]}
    return {left: recording.samples[0], right: recording.samples[1]}
