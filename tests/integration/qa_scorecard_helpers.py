"""Builders for the scorecard tests: analysed calls whose findings are known, and plain
transcripts for the sampling plan."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from helpline.quality.contact_analysis import analyze_transcript
from helpline.quality.search.contact_input import ContactTranscript
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.services import qa_results, qa_search
from helpline.services.context import ServiceContext

MSK = ZoneInfo("Europe/Moscow")
GREETING = "Здравствуйте. Меня зовут Ольга. Чем я могу Вам помочь?"

#: every transcript rule of the checklist passes; no app offer (fails app_offer)
GOOD_CALL = [
    ("agent", 0, 4, GREETING),
    ("customer", 4.5, 7, "Хочу поменять тариф."),
    ("agent", 7.5, 9, "Скажите, пожалуйста, как Вас зовут?"),
    ("customer", 9.5, 10.5, "Меня зовут Анна."),
    ("agent", 11, 16, "Анна, я уточню информацию для Вас. Это займёт не более минуты. "
                      "Оставайтесь, пожалуйста, на линии. Хорошо?"),
    ("customer", 16.5, 17, "Хорошо."),
    ("agent", 60, 63, "Спасибо за ожидание, Анна. Тариф изменён."),
    ("agent", 64, 66, "Чем ещё могу помочь?"),
    ("customer", 66.5, 67, "Ничем, спасибо."),
]
GOOD_HOLDS = (HoldInterval(18, 59),)

#: no greeting (critical), «Алло», no name asked, no closing offer
BAD_CALL = [
    ("agent", 0, 2, "Алло, слушаю."),
    ("customer", 2.5, 5, "Хочу поменять тариф."),
    ("agent", 5.5, 8, "Тариф изменён."),
    ("customer", 8.5, 9, "Спасибо."),
    ("agent", 9.5, 10, "Всего доброго."),
]


def transcript(lines: list[tuple[str, float, float, str]], channel: str = "call") -> Transcript:
    return Transcript.of([Utterance(Speaker(s), a, b, t) for s, a, b, t in lines],
                         channel=channel, contact_id=None)


def analysed(ctx: ServiceContext, ref: str, *, agent: str, started_at: datetime,
             lines: list[tuple[str, float, float, str]] | None = None,
             holds: tuple[HoldInterval, ...] = GOOD_HOLDS) -> None:
    """Analyse a call known by its transcript and store the analysis (qa_results)."""
    analysis = analyze_transcript(transcript(lines or GOOD_CALL), holds=holds)
    qa_results.store(ctx, analysis, qa_results.ContactMeta(ref, started_at, agent))


def transcribed(ctx: ServiceContext, ref: str, *, agent: str, started_at: datetime) -> None:
    """A contact known only by a short transcript (no analysis)."""
    qa_search.ingest(ctx, ContactTranscript(
        ref, transcript([("agent", 0, 2, GREETING)]), started_at, agent, "mobile"))
