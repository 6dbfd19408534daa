"""Builders for the QA search tests: a handful of contacts whose every word is known."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from helpline.quality.search.contact_input import ContactTranscript
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.services import qa_search
from helpline.services.context import ServiceContext

MSK = ZoneInfo("Europe/Moscow")
A, C = Speaker.AGENT, Speaker.CUSTOMER


def contact(ref: str, lines: list[tuple[Speaker, str]], *, started_at: datetime,
            agent: str | None = None, queue: str | None = None,
            channel: str = "call") -> ContactTranscript:
    """Utterances 4 s long, one after another."""
    utterances = [Utterance(speaker, 4.0 * i, 4.0 * i + 3.5, text)
                  for i, (speaker, text) in enumerate(lines)]
    return ContactTranscript(ref, Transcript.of(utterances, channel=channel, contact_id=ref),
                             started_at, agent, queue)


def mask_digits(text: str) -> str:
    """A stand-in redactor: every run of digits (with inner spaces) becomes [номер]."""
    return re.sub(r"\d[\d ]*\d|\d", "[номер]", text)


CORPUS = [
    contact("c1", [
        (A, "Здравствуйте, компания «Связь», меня зовут Анна. Чем могу помочь?"),
        (C, "Хочу сменить тариф, нынешним тарифом я недоволен."),
        (A, "Могу предложить тарифы с безлимитным интернетом."),
        (C, "Ещё вопрос: интернет не работает со вчерашнего дня."),
    ], started_at=datetime(2026, 3, 2, 10, 0, tzinfo=MSK), agent="anna", queue="mobile"),
    contact("c2", [
        (C, "Интернет у меня не работает, а тариф я оплатил."),
        (A, "Проверю ваш тариф и линию."),
        (C, "Мой номер карты 4276 1234 5678 9012, спишите оплату за роуминг."),
        (C, "Опять не работает интернет дома."),
    ], started_at=datetime(2026, 3, 9, 12, 0, tzinfo=MSK), agent="boris", queue="home",
        channel="chat"),
    contact("c3", [
        (C, "Еще раз про роуминг: тариф в роуминге дорогой, очень дорогой роуминг."),
        (C, "Роуминг подключён, но тариф для поездки в Грузию мне так никто и не объяснил."),
        (A, "Роуминг, роуминг и ещё раз роуминг."),
        (C, "Я хотела бы уточнить у вас одну вещь про мой договор и про то, как будет "
            "списываться плата за роуминг, если я поеду летом в отпуск на море."),
    ], started_at=datetime(2026, 3, 16, 9, 30, tzinfo=MSK), agent="anna", queue="mobile"),
]


def load_corpus(ctx: ServiceContext) -> None:
    for item in CORPUS:
        qa_search.ingest(ctx, item, redact=mask_digits if item.contact_ref == "c2" else None)
