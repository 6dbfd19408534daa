"""Transcripts of calls and chats: one format, morphology, the script rules engine and
personal-data redaction (issue 5, sections 2 and 3).

Everything here is pure and typed; nothing is loaded or built at import time (the
morphology analyser is built on first use and cached).
"""
