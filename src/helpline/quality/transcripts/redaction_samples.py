"""A synthetic, reproducible set of Russian sentences for measuring redaction.

Each :class:`Sample` is a sentence with its truth: the **secrets** (card numbers with a
right Luhn digit, Russian and Belarusian phone numbers, passport series and numbers, and
people's names) with the character spans that must be masked, and the **distractors**
(amounts of money, dates, times, durations, tariff names, order and request numbers,
counts, data volumes, USSD codes, years, cities, the «Мой МТС» app) that must not be.

Numbers appear in digits, grouped with spaces, dashes or brackets, spoken in words (digit by
digit, by pairs and triples, «плюс семь…») and mixed. The words come from this module's own
tables, written independently of the detector's (:mod:`spoken_numbers`).

``generate_samples(count, seed)`` gives the same list for the same arguments.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from stdnum import luhn

_ONES = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_TEENS = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
          "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
         "восемьдесят", "девяносто"]
_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
             "восемьсот", "девятьсот"]
_THOUSANDS = {1: "одна тысяча", 2: "две тысячи", 3: "три тысячи", 4: "четыре тысячи",
              5: "пять тысяч", 6: "шесть тысяч", 7: "семь тысяч", 8: "восемь тысяч",
              9: "девять тысяч"}


def say_number(n: int) -> str:
    """A cardinal below 10 000 in Russian words, nominative («три тысячи двести»)."""
    if not 0 <= n < 10_000:
        raise ValueError(n)
    if n == 0:
        return "ноль"
    parts = []
    if n >= 1000:
        parts.append(_THOUSANDS[n // 1000])
        n %= 1000
    if n >= 100:
        parts.append(_HUNDREDS[n // 100])
        n %= 100
    if 10 <= n < 20:
        parts.append(_TEENS[n - 10])
        n = 0
    elif n >= 20:
        parts.append(_TENS[n // 10])
        n %= 10
    if n:
        parts.append(_ONES[n])
    return " ".join(parts)


def say_group(digits: str) -> str:
    """A group of digits the way it is dictated: leading zeros one by one, then the rest as
    one number («04» → «ноль четыре», «916» → «девятьсот шестнадцать»)."""
    words = []
    rest = digits
    while len(rest) > 1 and rest[0] == "0":
        words.append("ноль")
        rest = rest[1:]
    words.append(say_number(int(rest)))
    return " ".join(words)


def say_digits(digits: str) -> str:
    return " ".join(_ONES[int(d)] for d in digits)


def _split(digits: str, sizes: list[int]) -> list[str]:
    out, k = [], 0
    for size in sizes:
        out.append(digits[k:k + size])
        k += size
    return out


# -- the truth ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    kind: str  # card | phone | passport | name, or a distractor's label
    secret: bool
    form: str
    spans: tuple[tuple[int, int], ...]
    text: str


@dataclass(frozen=True)
class Sample:
    text: str
    items: tuple[Item, ...]

    @property
    def secrets(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.secret)

    @property
    def distractors(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.secret)


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def position(self) -> int:
        return sum(len(p) for p in self.parts)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def item(self, kind: str, secret: bool, form: str, pieces: list[tuple[str, bool]]) -> None:
        """``pieces``: (text, counts) — the counted pieces are the spans of the item."""
        spans = []
        start_all = self.position
        for text, counted in pieces:
            if counted:
                spans.append((self.position, self.position + len(text)))
            self.parts.append(text)
        self.items.append(Item(kind, secret, form, tuple(spans),
                               "".join(self.parts)[start_all:]))

    def build(self) -> Sample:
        return Sample("".join(self.parts), tuple(self.items))


# -- secrets ------------------------------------------------------------------------------
_CARD_PREFIXES = ["2200", "2202", "2204", "4276", "4279", "4377", "4817", "5469", "5536",
                  "5228", "5321", "6762", "6390"]
_RU_MOBILE = ["901", "903", "905", "909", "910", "912", "915", "916", "917", "919", "920",
              "925", "926", "950", "953", "960", "961", "964", "977", "980", "985", "987",
              "999"]
_RU_LANDLINE = ["495", "499", "812", "846", "383"]
_BY_MOBILE = ["29", "33", "44"]


def _random_digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _card(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    body = rng.choice(_CARD_PREFIXES) + _random_digits(rng, 11)
    number = body + luhn.calc_check_digit(body)
    groups = _split(number, [4, 4, 4, 4])
    form = rng.choice(["spaced", "dashed", "plain", "words_digits", "words_pairs", "mixed"])
    if form == "spaced":
        text = " ".join(groups)
    elif form == "dashed":
        text = "-".join(groups)
    elif form == "plain":
        text = number
    elif form == "words_digits":
        text = say_digits(number)
    elif form == "words_pairs":
        text = " ".join(say_group(p) for p in _split(number, [2] * 8))
    else:
        text = " ".join(groups[:2]) + " " + " ".join(say_group(g) for g in
                                                      _split("".join(groups[2:]), [2] * 4))
    return form, [(text, True)]


def _phone(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    country = rng.choice(["ru_mobile", "ru_mobile", "ru_landline", "by_mobile"])
    if country == "by_mobile":
        code = rng.choice(_BY_MOBILE)
        sub = str(rng.randint(1, 9)) + _random_digits(rng, 6)
        a, b, c = sub[:3], sub[3:5], sub[5:]
        form = rng.choice(["intl", "intl_brackets", "trunk", "plain", "words", "words_trunk"])
        if form == "intl":
            text = f"+375 {code} {a}-{b}-{c}"
        elif form == "intl_brackets":
            text = f"+375 ({code}) {a}-{b}-{c}"
        elif form == "trunk":
            text = f"8 0{code} {a} {b} {c}"
        elif form == "plain":
            text = f"80{code}{sub}"
        elif form == "words":
            text = "плюс триста семьдесят пять " + " ".join(say_group(g)
                                                             for g in (code, a, b, c))
        else:
            text = "восемь ноль " + " ".join(say_group(g) for g in (code, a, b, c))
        return f"by_{form}", [(text, True)]
    code = rng.choice(_RU_MOBILE if country == "ru_mobile" else _RU_LANDLINE)
    sub = str(rng.randint(1, 9)) + _random_digits(rng, 6)
    a, b, c = sub[:3], sub[3:5], sub[5:]
    form = rng.choice(["intl", "trunk_brackets", "plain", "intl_plain", "dashed", "spaced",
                       "words_triples", "words_plus", "words_digits", "mixed"])
    if form == "intl":
        text = f"+7 {code} {a}-{b}-{c}"
    elif form == "trunk_brackets":
        text = f"8 ({code}) {a}-{b}-{c}"
    elif form == "plain":
        text = f"8{code}{sub}"
    elif form == "intl_plain":
        text = f"+7{code}{sub}"
    elif form == "dashed":
        text = f"8-{code}-{a}-{b}-{c}"
    elif form == "spaced":
        text = f"8 {code} {a} {b} {c}"
    elif form == "words_triples":
        text = "восемь " + " ".join(say_group(g) for g in (code, a, b, c))
    elif form == "words_plus":
        text = "плюс семь " + ", ".join(say_group(g) for g in (code, a, b, c))
    elif form == "words_digits":
        text = "восемь " + say_digits(code + sub)
    else:
        text = f"восемь {code} {a} {b} {c}"
    return f"ru_{form}", [(text, True)]


def _passport(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    series = f"{rng.randint(1, 99):02d}{rng.choice([97, 98, 99, 0, 3, 4, 8, 12, 15, 19, 21]):02d}"
    number = f"{rng.randint(0, 999_999):06d}"
    s1, s2 = series[:2], series[2:]
    form = rng.choice(["series_number", "passport_10", "series_and_number", "words",
                       "words_digits", "labelled", "by"])
    if form == "series_number":
        return form, [("серия ", False), (f"{s1} {s2}", True), (" номер ", False),
                      (number, True)]
    if form == "passport_10":
        return form, [("паспорт ", False), (f"{series} {number}", True)]
    if form == "series_and_number":
        return form, [("серия и номер паспорта ", False), (f"{s1} {s2} {number}", True)]
    if form == "words":
        return form, [("серия ", False), (f"{say_group(s1)} {say_group(s2)}", True),
                      (", номер ", False),
                      (" ".join(say_group(g) for g in _split(number, [3, 3])), True)]
    if form == "words_digits":
        return form, [("паспорт: серия ", False), (say_digits(series), True),
                      (", номер ", False), (say_digits(number), True)]
    if form == "labelled":
        return form, [("серия паспорта ", False), (series, True), (", номер ", False),
                      (number, True)]
    letters = rng.choice(["MP", "MC", "AB", "HB", "KH", "BM"])
    return "by", [("паспорт ", False), (f"{letters}{rng.randint(1_000_000, 9_999_999)}", True)]


_FIRST_NAMES = ["Анна", "Ольга", "Мария", "Елена", "Татьяна", "Наталья", "Ирина",
                "Светлана", "Юлия", "Дарья", "Иван", "Сергей", "Алексей", "Дмитрий", "Андрей",
                "Михаил", "Николай", "Павел", "Олег", "Артём", "Екатерина", "Владимир"]
_SURNAMES_M = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
               "Козлов", "Новиков", "Морозов"]
_PATRONYMICS_M = ["Петрович", "Сергеевич", "Александрович", "Иванович", "Николаевич"]
_PATRONYMICS_F = ["Петровна", "Сергеевна", "Александровна", "Ивановна", "Николаевна"]
_FEMALE = {"Анна", "Ольга", "Мария", "Елена", "Татьяна", "Наталья", "Ирина", "Светлана",
           "Юлия", "Дарья", "Екатерина"}


def _name(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    first = rng.choice(_FIRST_NAMES)
    female = first in _FEMALE
    surname = rng.choice(_SURNAMES_M) + ("а" if female else "")
    patronymic = rng.choice(_PATRONYMICS_F if female else _PATRONYMICS_M)
    form = rng.choice(["first", "first_patronymic", "full", "surname_first"])
    if form == "first":
        return form, [(first, True)]
    if form == "first_patronymic":
        return form, [(f"{first} {patronymic}", True)]
    if form == "full":
        return form, [(f"{surname} {first} {patronymic}", True)]
    return form, [(f"{surname} {first}", True)]


# -- distractors --------------------------------------------------------------------------
_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"]
_ORDINALS = ["первого", "второго", "третьего", "пятого", "десятого", "пятнадцатого",
             "двадцать пятого", "тридцатого"]
_TARIFFS = ["тариф «Smart 500»", "тариф «Тарифище»", "тариф «Мой разговор»",
            "тариф «Безлимитище»", "услугу «Обнови пакет»", "тариф «Супер МТС»",
            "приложение «Мой МТС»", "тариф «Ultra»"]
_CITIES = ["в Самаре", "из Ульяновска", "в Новосибирске", "в Минске", "из Гомеля"]


def _distractor(rng: random.Random) -> tuple[str, str]:
    label = rng.choice(["amount", "amount_words", "amount_kopecks", "date", "date_words",
                        "time", "duration", "tariff", "count", "data", "ussd", "percent",
                        "order", "request", "year", "city", "hotline", "duration_words",
                        "words"])
    if label == "amount":
        return label, f"{rng.choice([50, 100, 300, 400, 650, 1500, 3200, 21000])} рублей"
    if label == "amount_words":
        return label, f"{say_number(rng.choice([300, 650, 3200, 1500, 2500, 9000]))} рублей"
    if label == "amount_kopecks":
        return label, f"{rng.randint(1, 999)},{rng.randint(0, 99):02d} руб."
    if label == "date":
        return label, f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2015, 2025)}"
    if label == "date_words":
        return label, f"{rng.choice(_ORDINALS)} {rng.choice(_MONTHS)}"
    if label == "time":
        return label, f"в {rng.randint(6, 22)}:{rng.choice(['00', '15', '30', '45'])}"
    if label == "duration":
        return label, f"{rng.randint(2, 59)} минут"
    if label == "duration_words":
        return label, f"{say_number(rng.randint(2, 20))} минут"
    if label == "tariff":
        return label, rng.choice(_TARIFFS)
    if label == "count":
        return label, f"{rng.randint(2, 12)} сим-карты"
    if label == "data":
        return label, f"{rng.choice([100, 500])} МБ и {rng.choice([10, 20, 30])} ГБ"
    if label == "ussd":
        return label, rng.choice(["*100#", "*111*21#", "*7777", "*152#"])
    if label == "percent":
        return label, f"{rng.randint(1, 99)}%"
    if label == "order":
        return label, f"заказ № {rng.randint(100_000, 999_999)}"
    if label == "request":
        return label, f"заявка {rng.randint(1_000_000, 9_999_999)}"
    if label == "year":
        return label, f"в {rng.randint(2010, 2025)} году"
    if label == "hotline":
        return label, rng.choice(["0890", "номер 0890", "короткий номер 0611"])
    if label == "words":  # ordinary words that look like names to a careless detector
        return label, rng.choice(["слава богу", "надежда есть", "вера в лучшее",
                                  "в мае", "в августе", "с любовью", "жалобную книгу",
                                  "роуминг включён", "в Самаре", "сим-карты"])
    return label, rng.choice(_CITIES)


_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "card": [("Номер карты ", ", списали {d}."), ("Спишите с карты ", ", {d}."),
             ("Моя карта ", " — и ещё {d}."), ("{d}, а оплачивал картой ", ".")],
    "phone": [("Мой номер ", ", {d}."), ("Перезвоните мне на ", ", {d}."),
              ("Запишите телефон ", " — {d}."), ("{d}, а связаться со мной можно по номеру ",
                                                  ".")],
    "passport": [("Мои данные: ", ", {d}."), ("Диктую ", ". Ещё {d}."),
                 ("{d}; уточняю: ", ".")],
    "name": [("Меня зовут ", ", {d}."), ("Это ", ", звоню насчёт {d}."),
             ("{d}, запишите: ", ".")],
}
_MAKERS: dict[str, Callable[[random.Random], tuple[str, list[tuple[str, bool]]]]] = {
    "card": _card, "phone": _phone, "passport": _passport, "name": _name,
}


_ASR_TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "card": [("номер карты ", " списали {d}"), ("карта ", " {d}")],
    "phone": [("мой номер ", " {d}"), ("перезвоните мне на ", " {d}"),
              ("{d} телефон ", "")],
    "passport": [("{d} диктую ", ""), ("мои данные ", " {d}")],
    "name": [("меня зовут ", " {d}"), ("это ", " звоню насчёт {d}")],
}


def _asr_card(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    body = rng.choice(_CARD_PREFIXES) + _random_digits(rng, 11)
    number = body + luhn.calc_check_digit(body)
    if rng.random() < 0.5:
        return "asr_digits", [(say_digits(number), True)]
    return "asr_pairs", [(" ".join(say_group(p) for p in _split(number, [2] * 8)), True)]


def _asr_phone(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    code = rng.choice(_RU_MOBILE)
    sub = str(rng.randint(1, 9)) + _random_digits(rng, 6)
    groups = [code, sub[:3], sub[3:5], sub[5:]]
    form = rng.choice(["asr_triples", "asr_digits", "asr_plus", "asr_mixed", "asr_by"])
    if form == "asr_triples":
        text = "восемь " + " ".join(say_group(g) for g in groups)
    elif form == "asr_digits":
        text = "восемь " + say_digits(code + sub)
    elif form == "asr_plus":
        text = "плюс семь " + " ".join(say_group(g) for g in groups)
    elif form == "asr_mixed":
        text = "восемь " + say_digits(code) + " " + " ".join(say_group(g) for g in groups[1:])
    else:
        by_code = rng.choice(_BY_MOBILE)
        text = "плюс триста семьдесят пять " + " ".join(say_group(g) for g in
                                                        [by_code, *groups[1:]])
    return form, [(text, True)]


def _asr_passport(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    series = f"{rng.randint(1, 99):02d}{rng.choice([97, 98, 99, 0, 3, 4, 8, 12, 15, 19, 21]):02d}"
    number = f"{rng.randint(0, 999_999):06d}"
    if rng.random() < 0.5:
        return "asr_words", [("паспорт серия ", False),
                             (f"{say_group(series[:2])} {say_group(series[2:])}", True),
                             (" номер ", False),
                             (" ".join(say_group(g) for g in _split(number, [3, 3])), True)]
    return "asr_digits", [("серия ", False), (say_digits(series), True), (" номер ", False),
                          (say_digits(number), True)]


def _asr_name(rng: random.Random) -> tuple[str, list[tuple[str, bool]]]:
    form, pieces = _name(rng)
    return "asr_" + form, [(text.lower(), counted) for text, counted in pieces]


def _asr_distractor(rng: random.Random) -> tuple[str, str]:
    label = rng.choice(["amount_words", "duration_words", "date_words", "count_words",
                        "tariff", "times_words"])
    if label == "amount_words":
        return label, f"{say_number(rng.choice([300, 400, 650, 1500, 3200, 9000]))} рублей"
    if label == "duration_words":
        return label, f"{say_number(rng.randint(2, 20))} минут"
    if label == "date_words":
        return label, f"{rng.choice(_ORDINALS)} {rng.choice(_MONTHS)}"
    if label == "count_words":
        return label, f"{rng.choice(['две', 'три', 'четыре'])} сим-карты"
    if label == "times_words":
        return label, f"{rng.choice(['два', 'три', 'пять'])} раза"
    return label, rng.choice(_TARIFFS).lower().replace("«", "").replace("»", "")


_ASR_MAKERS: dict[str, Callable[[random.Random], tuple[str, list[tuple[str, bool]]]]] = {
    "card": _asr_card, "phone": _asr_phone, "passport": _asr_passport, "name": _asr_name,
}


def _asr_sentence(rng: random.Random, kind: str) -> Sample:
    """Like a speech recogniser's output: lower case, no punctuation, numbers in words,
    and number words of the distractor right next to the secret."""
    builder = _Builder()
    before, after = rng.choice(_ASR_TEMPLATES[kind])

    def add(text: str) -> None:
        if "{d}" not in text:
            builder.add(text)
            return
        head, tail = text.split("{d}")
        builder.add(head)
        label, distractor = _asr_distractor(rng)
        builder.item(label, False, label, [(distractor, True)])
        builder.add(tail)

    add(before)
    form, pieces = _ASR_MAKERS[kind](rng)
    builder.item(kind, True, form, pieces)
    add(after)
    return builder.build()


def _sentence(rng: random.Random, kind: str) -> Sample:
    builder = _Builder()
    before, after = rng.choice(_TEMPLATES[kind])

    def add_with_distractor(text: str) -> None:
        if "{d}" not in text:
            builder.add(text)
            return
        head, tail = text.split("{d}")
        builder.add(head)
        label, distractor = _distractor(rng)
        builder.item(label, False, label, [(distractor, True)])
        builder.add(tail)

    add_with_distractor(before)
    form, pieces = _MAKERS[kind](rng)
    builder.item(kind, True, form, pieces)
    add_with_distractor(after)
    return builder.build()


def _distractors_only(rng: random.Random) -> Sample:
    builder = _Builder()
    builder.add(rng.choice(["Скажите, пожалуйста, ", "Вижу: ", "По договору "]))
    for k in range(3):
        if k:
            builder.add(rng.choice([", ", " и ", "; "]))
        label, text = _distractor(rng)
        builder.item(label, False, label, [(text, True)])
    builder.add(".")
    return builder.build()


def generate_samples(count: int = 1500, seed: int = 20240504) -> list[Sample]:
    """``count`` sentences: about 22% each card, phone and passport sentences, 14% name
    sentences, 20% with distractors only; every secret sentence carries a distractor too,
    and a third of the secret sentences are written as a recogniser would (lower case, no
    punctuation, numbers in words)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        roll = rng.random()
        if roll >= 0.80:
            samples.append(_distractors_only(rng))
            continue
        kind = ("card" if roll < 0.22 else "phone" if roll < 0.44
                else "passport" if roll < 0.66 else "name")
        if rng.random() < 1 / 3:
            samples.append(_asr_sentence(rng, kind))
        else:
            samples.append(_sentence(rng, kind))
    return samples
