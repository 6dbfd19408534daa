"""Errors of the recordings analysis; each has a stable ``error_id`` (see domain.errors)."""

from __future__ import annotations

from helpline.domain.errors import HelplineError


class AudioError(HelplineError):
    """Base of the audio analysis errors."""

    error_id = "audio_error"


class InvalidAudioFile(AudioError):
    """The file is not a readable WAV (or raw) recording: bad header, truncated, empty."""

    error_id = "invalid_audio_file"


class UnsupportedAudio(AudioError):
    """A well-formed recording in a format we do not analyse (codec, rate, channels)."""

    error_id = "unsupported_audio"


class InvalidChannelMap(AudioError):
    """The ``--channels`` map does not fit the recording or names unknown roles."""

    error_id = "invalid_channel_map"


class InvalidHoldEvents(AudioError):
    """The hold events file cannot be read (its format, not unmatched events)."""

    error_id = "invalid_hold_events"


class InvalidParameter(AudioError):
    """A threshold, role or engine name out of its domain."""

    error_id = "invalid_audio_parameter"
