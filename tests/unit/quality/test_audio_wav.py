"""WAV reading: G.711 tables against sox, formats, channel maps, clear errors."""

from __future__ import annotations

import shutil
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from helpline.quality.audio.errors import InvalidAudioFile, InvalidChannelMap, UnsupportedAudio
from helpline.quality.audio.wav import (
    alaw_table,
    mulaw_table,
    parse_channel_map,
    parse_wav,
    read_raw,
    read_recording,
    read_wav,
    split_channels,
)

from ._audio_synth import read_pcm, run, synth  # noqa: F401

needs_sox = pytest.mark.skipif(shutil.which("sox") is None,
                               reason="sox not installed (Debian package sox)")


def write_pcm(path: Path, samples: np.ndarray, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(samples.shape[0])
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.T.astype("<i2").tobytes())
    return path


# -- G.711: the tables from the definition against sox's decoder --------------------------
@needs_sox
@pytest.mark.parametrize(("encoding", "table"), [("mu-law", mulaw_table), ("a-law", alaw_table)])
def test_g711_tables_match_sox_for_all_256_codes(tmp_path: Path, encoding: str,
                                                 table: object) -> None:
    codes = tmp_path / "codes.raw"
    codes.write_bytes(bytes(range(256)))
    g711 = tmp_path / "codes.wav"
    run("sox", "-t", "raw", "-r", "8000", "-e", encoding, "-b", "8", "-c", "1", codes, g711)
    decoded_by_sox = tmp_path / "pcm.wav"
    run("sox", g711, "-e", "signed-integer", "-b", "16", decoded_by_sox)
    expected = read_pcm(decoded_by_sox)[0]
    ours = read_wav(g711)
    assert ours.encoding == ("mulaw" if encoding == "mu-law" else "alaw")
    np.testing.assert_array_equal(ours.samples[0], expected)
    np.testing.assert_array_equal(table()[np.arange(256)], expected)  # type: ignore[operator]


def test_g711_known_values_from_the_standard() -> None:
    # µ-law: 0xFF and 0x7F are the two zeros, 0x00 the most negative (-8031 * 4)
    mu = mulaw_table()
    assert (mu[0xFF], mu[0x7F], mu[0x00], mu[0x80]) == (0, 0, -32124, 32124)
    # A-law: 0xD5 is the smallest positive step (1 * 8), 0x55 its negative, 0xAA the largest
    a = alaw_table()
    assert (a[0xD5], a[0x55], a[0xAA], a[0x2A]) == (8, -8, 32256, -32256)
    assert len(set(mu.tolist())) == 255 and len(set(a.tolist())) == 256


# -- formats ------------------------------------------------------------------------------
def test_stereo_pcm_and_the_channel_map(tmp_path: Path) -> None:
    left = np.arange(800, dtype=np.int16)
    right = -left
    rec = read_wav(write_pcm(tmp_path / "s.wav", np.stack([left, right])))
    assert (rec.channels, rec.frames, rec.sample_rate, rec.duration_s) == (2, 800, 8000, 0.1)
    roles = split_channels(rec, "agent,customer")
    np.testing.assert_array_equal(roles["agent"], left)
    np.testing.assert_array_equal(roles["customer"], right)
    flipped = split_channels(rec, "asterisk-inbound")  # MixMonitor D on the caller's channel
    np.testing.assert_array_equal(flipped["customer"], left)
    mono = read_wav(write_pcm(tmp_path / "m.wav", left[None, :], rate=16000))
    assert mono.channels == 1 and mono.sample_rate == 16000
    assert list(split_channels(mono, "agent,customer")) == ["mixed"]


def test_mixmonitor_raw_is_interleaved_left_first(tmp_path: Path) -> None:
    frames = np.array([[1, 2, 3, 4], [-1, -2, -3, -4]], dtype=np.int16)
    path = tmp_path / "call.raw"
    path.write_bytes(frames.T.astype("<i2").tobytes() + b"\x00")  # a stray byte
    rec = read_recording(path)
    np.testing.assert_array_equal(rec.samples, frames)
    assert rec.encoding == "raw_s16" and rec.warnings
    assert read_raw(path, sample_rate=16000).sample_rate == 16000


@pytest.mark.parametrize("spec", ["agent,customer", "customer, agent", "AGENT,CUSTOMER",
                                  ("agent", "customer"), "asterisk-agent-leg"])
def test_channel_map_accepts(spec: str | tuple[str, str]) -> None:
    assert set(parse_channel_map(spec)) == {"agent", "customer"}


@pytest.mark.parametrize("spec", ["agent", "agent,agent", "agent,customer,x", "left,right", ""])
def test_channel_map_refuses(spec: str) -> None:
    with pytest.raises(InvalidChannelMap, match="agent,customer"):
        parse_channel_map(spec)


# -- bad files: clear errors --------------------------------------------------------------
def test_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is a transcript, not audio", encoding="utf-8")
    with pytest.raises(InvalidAudioFile, match="not a RIFF/WAVE"):
        read_wav(path)
    with pytest.raises(InvalidAudioFile, match="no such file"):
        read_wav(tmp_path / "missing.wav")
    with pytest.raises(InvalidAudioFile, match="too short"):
        parse_wav(b"RIFF")


def test_header_without_data_and_data_before_fmt() -> None:
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, 8000, 16000, 2, 16)
    with pytest.raises(InvalidAudioFile, match="no 'data' chunk"):
        parse_wav(b"RIFF" + struct.pack("<I", 4 + len(fmt)) + b"WAVE" + fmt)
    data = struct.pack("<4sI", b"data", 0)
    with pytest.raises(InvalidAudioFile, match="before 'fmt '"):
        parse_wav(b"RIFF\x00\x00\x00\x00WAVE" + data + fmt)
    with pytest.raises(InvalidAudioFile, match="no audio samples"):
        parse_wav(b"RIFF\x00\x00\x00\x00WAVE" + fmt + data)


def test_truncated_file_is_read_with_a_warning(tmp_path: Path) -> None:
    full = write_pcm(tmp_path / "full.wav", np.ones((2, 8000), dtype=np.int16)).read_bytes()
    cut = parse_wav(full[: len(full) // 2 + 1], source="cut.wav")
    assert cut.frames == (len(full) // 2 + 1 - 44) // 4
    assert any("truncated" in w for w in cut.warnings)


def test_unsupported_rate_and_channels(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudio, match=r"22050 Hz.*sox"):
        read_wav(write_pcm(tmp_path / "r.wav", np.zeros((1, 100), np.int16), rate=22050))
    with pytest.raises(UnsupportedAudio, match="3 channels"):
        read_wav(write_pcm(tmp_path / "c.wav", np.zeros((3, 100), np.int16)))


@needs_sox
@pytest.mark.parametrize(("args", "message"), [
    (("-e", "signed-integer", "-b", "24"), "24 bits"),
    (("-e", "unsigned-integer", "-b", "8"), "8 bits"),
    (("-e", "floating-point", "-b", "32"), "IEEE float"),
    (("-e", "gsm-full-rate"), "GSM 6.10"),
    (("-e", "ima-adpcm"), "IMA ADPCM"),
])
def test_other_codecs_are_refused_by_name(tmp_path: Path, args: tuple[str, ...],
                                          message: str) -> None:
    source = write_pcm(tmp_path / "in.wav", (np.sin(np.arange(8000) / 5) * 9000)
                       .astype(np.int16)[None, :])
    out = tmp_path / "out.wav"
    run("sox", source, *args, out)
    with pytest.raises(UnsupportedAudio, match=message) as caught:
        read_wav(out)
    assert caught.value.error_id == "unsupported_audio"


def test_synthetic_ulaw_call_decodes_like_sox(synth: dict) -> None:  # noqa: F811
    """The whole µ-law call: our decoder and sox give the same samples."""
    call = synth["dialog"]
    ours = read_wav(call.files["ulaw"])
    pcm = call.files["ulaw"].with_name("dialog_ulaw_by_sox.wav")
    run("sox", call.files["ulaw"], "-e", "signed-integer", "-b", "16", pcm)
    np.testing.assert_array_equal(ours.samples, read_pcm(pcm))
    assert ours.channels == 2 and ours.sample_rate == 8000
