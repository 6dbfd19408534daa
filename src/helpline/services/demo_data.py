"""Demo data: three queues, operators with skills and languages, a supervisor,
canned replies with the greeting and hold scripts of seed 004; subscribers and
billing (``billing_demo``); a published two-week schedule (``wfm_demo``); a QA specialist
and three analysed contacts for the QA page (``qa_demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from helpline.domain.agents import Role
from helpline.services import accounts
from helpline.services.billing_demo import seed_billing
from helpline.services.context import ServiceContext
from helpline.services.keys import document_key as derive_document_key
from helpline.services.qa_demo import seed_qa
from helpline.services.wfm_demo import seed_wfm
from helpline.settings import DEMO_SECRET_KEY
from helpline.store.tables import CannedReplyRow, QueueRow

DEMO_PASSWORD = "demo12345"

_ESCALATION = [
    {"after_seconds": 60, "min_level": 1},
    {"after_seconds": 120, "extra_skills": ["expert"]},
    {"after_seconds": 180, "any_language": True},
]

QUEUES = [
    ("mobile", "Mobile", "Мобильная связь", "mobile", 240),
    ("home", "Home internet & TV", "Домашний интернет и ТВ", "home", 300),
    ("bank", "Bank", "Банк", "bank", 300),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: Role
    skills: dict[str, int]
    languages: tuple[str, ...]
    ui_language: str = "ru"


USERS = [
    DemoUser("anna", "Анна Смирнова", Role.AGENT, {"mobile": 80, "home": 40}, ("ru", "en")),
    DemoUser("boris", "Борис Коваленко", Role.AGENT, {"mobile": 60, "bank": 70}, ("ru", "uk")),
    DemoUser("ivan", "Иван Петров", Role.AGENT, {"home": 70}, ("ru",)),
    DemoUser("maria", "Maria Novak", Role.AGENT, {"bank": 50, "mobile": 30}, ("en", "ru"), "en"),
    DemoUser("olga", "Ольга Иванова", Role.SENIOR,
             {"mobile": 90, "home": 90, "bank": 90, "expert": 100}, ("ru", "en", "uk")),
    DemoUser("sveta", "Светлана Орлова", Role.SUPERVISOR, {}, ("ru", "en")),
    DemoUser("vera", "Вера Соколова", Role.QA, {}, ("ru",)),
    DemoUser("admin", "Administrator", Role.ADMIN, {}, ("ru", "en"), "en"),
]

# Seed 004: greetings by role (no "Доброе утро/день/вечер": regions in many time
# zones), the silence phrase (never «Алло»), hold and thanks-for-waiting phrases.
CANNED = [
    ("greeting", "agent", "ru", "Приветствие специалиста",
     "Здравствуйте. Меня зовут [имя]. Чем я могу Вам помочь?"),
    ("greeting", "senior", "ru", "Приветствие старшего специалиста",
     "Здравствуйте, специалист экспертного направления, [имя]. Я буду рад(а) Вам помочь."),
    ("greeting", "supervisor", "ru", "Приветствие супервизора",
     "Здравствуйте. Меня зовут [имя]. Чем я могу Вам помочь?"),
    ("greeting", "agent", "en", "Agent greeting",
     "Hello. My name is [name]. How can I help you?"),
    ("greeting", "senior", "en", "Senior specialist greeting",
     "Hello, this is [name], expert line specialist. I will be glad to help you."),
    ("greeting", "supervisor", "en", "Supervisor greeting",
     "Hello. My name is [name]. How can I help you?"),
    ("silence", None, "ru", "Клиент молчит", "Вас не слышно, говорите, пожалуйста."),
    ("silence", None, "en", "Customer silent", "I cannot hear you, please go ahead."),
    ("hold", None, "ru", "Уточнение информации",
     "Я уточню информацию для Вас. Это займет не более минуты. Оставайтесь, пожалуйста, "
     "на линии. Хорошо?"),
    ("hold", None, "ru", "Смена тарифа / услуги",
     "Изменение тарифного плана/подключение услуги займет не больше минуты. Оставайтесь, "
     "пожалуйста, на линии. Вы согласны?"),
    ("hold", None, "en", "Checking information",
     "I will check this for you. It will take no more than a minute. Please stay on the "
     "line. Is that all right?"),
    ("reply", None, "ru", "Спасибо за ожидание", "Спасибо за ожидание."),
    ("reply", None, "ru", "Спасибо за длительное ожидание", "Спасибо за длительное ожидание."),
    ("reply", None, "ru", "Имя клиента", "Как я могу к Вам обращаться?"),
    ("reply", None, "en", "Thanks for waiting", "Thank you for waiting."),
    ("reply", None, "en", "Customer's name", "How may I address you?"),
]


def seed(ctx: ServiceContext, password: str = DEMO_PASSWORD,
         document_key: bytes | None = None) -> bool:
    """Insert the demo data unless it is already there. Returns True if seeded.
    Subscribers and billing are seeded on their own (also into an older demo DB)."""
    seed_billing(ctx, document_key or derive_document_key(DEMO_SECRET_KEY))
    with ctx.uow() as uow:
        seeded = uow.session.scalars(select(QueueRow).limit(1)).first() is not None
    if seeded:
        seed_wfm(ctx)  # an older demo database gets the schedule and QA contacts too
        seed_qa(ctx)
        return False
    with ctx.uow() as uow:
        for queue_id, name, name_ru, skill, aht in QUEUES:
            uow.queues.add(QueueRow(
                id=queue_id, name=name, name_ru=name_ru, skill=skill, min_level=30,
                require_language=True, sl_threshold_seconds={"chat": 30, "call": 180},
                offer_timeout_seconds=20, max_missed_offers=2, redo_after_seconds=60,
                escalation=_ESCALATION, business_hours=None, aht_seconds=aht))
        for kind, role, language, title, body in CANNED:
            uow.canned.add(CannedReplyRow(kind=kind, role=role, language=language,
                                          title=title, body=body))
        uow.commit()
    for user in USERS:
        accounts.create_user(ctx, username=user.username, password=password,
                             display_name=user.name, role=user.role, skills=user.skills,
                             languages=user.languages, ui_language=user.ui_language)
    seed_wfm(ctx)
    seed_qa(ctx)
    return True
