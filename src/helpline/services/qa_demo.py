"""Demo data for the QA page: three analysed contacts written after seed 004's rulebook.

* ``demo-call-0001`` (Anna): the script followed — greeting of her role, the customer's
  name used, the hold announced (purpose, time, consent) and thanked, the app offered,
  «Чем ещё могу помочь?»;
* ``demo-call-0002`` (Boris): «Алло» instead of the greeting, a card number repeated
  aloud (masked in what is stored), a hold without announcement or thanks that lasts
  2:30, 14.5 s of silence without hold, no «Чем ещё могу помочь?»;
* ``demo-chat-0003`` (Ivan): a chat opened with «Добрый день» instead of the greeting.

Transcript-only analysis (no audio is generated: the seed stays fast and needs no
espeak-ng or sox). Times of day are yesterday's in the contact centre's zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from helpline.quality.contact_analysis import analyze_transcript
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.services import qa_results
from helpline.services.context import ServiceContext
from helpline.store.qa_tables import QaAnalysisRow
from helpline.store.tables import AgentRow

A, C = Speaker.AGENT, Speaker.CUSTOMER

Line = tuple[Speaker, float, float, str]

GOOD_CALL: list[Line] = [
    (A, 0.0, 4.5, "Здравствуйте. Меня зовут Анна. Чем я могу Вам помочь?"),
    (C, 5.0, 9.5, "Здравствуйте, меня зовут Ольга. У меня не работает мобильный интернет."),
    (A, 10.0, 14.0, "Ольга, я уточню информацию для Вас. Это займёт не более минуты. "
                    "Оставайтесь, пожалуйста, на линии. Хорошо?"),
    (C, 14.5, 15.5, "Хорошо."),
    (A, 71.0, 78.0, "Спасибо за ожидание, Ольга. Я перезапустила услугу, интернет уже "
                    "работает. Услугами удобно управлять в приложении «Мой МТС»."),
    (C, 78.5, 81.0, "Да, заработал, спасибо."),
    (A, 81.5, 83.5, "Чем ещё могу помочь?"),
    (C, 84.0, 86.0, "Больше ничем, до свидания."),
    (A, 86.5, 88.0, "Всего доброго, до свидания."),
]
GOOD_HOLDS = (HoldInterval(16.0, 70.0),)

BAD_CALL: list[Line] = [
    (A, 0.0, 1.5, "Алло, слушаю."),
    (C, 2.0, 8.0, "Здравствуйте. У меня два раза списали деньги с карты."),
    (A, 8.5, 10.0, "Карта 4276 1234 5678 9014? Минуточку."),
    (A, 161.0, 166.0, "Так, деньги вернутся в течение трёх дней."),
    (C, 180.5, 184.0, "А почему так долго?"),
    (A, 185.0, 189.0, "Так положено. Ещё вопросы есть?"),
    (C, 189.5, 191.0, "Нет."),
    (A, 191.5, 192.5, "До свидания."),
]
BAD_HOLDS = (HoldInterval(10.5, 160.5),)

CHAT: list[Line] = [
    (A, 0.0, 0.0, "Добрый день! Меня зовут Иван. Чем я могу Вам помочь?"),
    (C, 35.0, 35.0, "Здравствуйте, меня зовут Марина. Не работает домашний интернет."),
    (A, 80.0, 80.0, "Марина, проверю линию по вашему адресу. Это займёт минуту."),
    (A, 150.0, 150.0, "Марина, на линии авария, её устранят сегодня до 18:00."),
    (C, 190.0, 190.0, "Понятно, спасибо."),
    (A, 200.0, 200.0, "Чем ещё могу помочь?"),
    (C, 230.0, 230.0, "Ничем, спасибо."),
]


def _transcript(lines: list[Line], ref: str, channel: str = "call") -> Transcript:
    return Transcript.of((Utterance(s, a, b, text) for s, a, b, text in lines),
                         channel=channel, contact_id=ref)


#: contact, operator's username, queue, local time yesterday, lines, channel, holds
DEMO = [
    ("demo-call-0001", "anna", "mobile", time(10, 5), GOOD_CALL, "call", GOOD_HOLDS),
    ("demo-call-0002", "boris", "mobile", time(11, 40), BAD_CALL, "call", BAD_HOLDS),
    ("demo-chat-0003", "ivan", "home", time(14, 20), CHAT, "chat", ()),
]


def seed_qa(ctx: ServiceContext) -> bool:
    """Store the demo analyses unless some analysis is stored already."""
    with ctx.uow() as uow:
        if uow.session.scalars(select(QaAnalysisRow.id).limit(1)).first() is not None:
            return False
        agents = {username: agent_id for username, agent_id in uow.session.execute(
            select(AgentRow.username, AgentRow.id))}
    yesterday = ctx.now().astimezone(ctx.timezone).date() - timedelta(days=1)
    for ref, username, queue, at, lines, channel, holds in DEMO:
        transcript = _transcript(lines, ref, channel)
        analysis = analyze_transcript(transcript, holds=holds)
        qa_results.store(ctx, analysis, qa_results.ContactMeta(
            ref, started_at=datetime.combine(yesterday, at, tzinfo=ctx.timezone),
            agent_id=agents.get(username, username), queue_id=queue))
    return True
