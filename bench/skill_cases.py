# ruff: noqa: RUF001 - the dev set holds Cyrillic and fullwidth punctuation on purpose
"""Writes the proofread and translate dev sets (``bench/cases/*.toml``) for ``chatwright eval skills``.

Cases come from templates x vocabulary (seeded), plus sentences written by hand; expected
weekday and month names in each target language come from Babel's CLDR data, not from lists.
Run: ``.venv/bin/python bench/skill_cases.py`` (rewrites both files).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from babel import Locale

OUT = Path(__file__).parent / "cases"
SEED = 25

# --- proofread ------------------------------------------------------------------------------

SINGULAR = ["girl", "teacher", "box", "manager", "dog", "report", "car", "student", "list", "bag"]
PLURAL = ["puppies", "books", "apples", "papers", "children", "keys", "tools", "photos", "shoes", "cups"]
AGREEMENT = [
    ("The {s} with the {p} {wrong} on the table.", "is", "are"),
    ("The {s} near the {p} {wrong} very old.", "was", "were"),
    ("The {s} with the black and white {p} {wrong} a ball.", "has", "have"),
    ("My {s} {wrong} not like the {p}.", "does", "do"),
]
PLURAL_SUBJECT = [
    ("The {p} on the shelf {wrong} dusty.", "are", "is"),
    ("The {p} in the kitchen {wrong} broken yesterday.", "were", "was"),
]
HOMOPHONES = [
    ("Its going to be a long day.", "It's going to be a long day."),
    ("Does the car need it's oil changed?", "Does the car need its oil changed?"),
    ("Your going to need a notebook.", "You're going to need a notebook."),
    ("Please bring you're passport.", "Please bring your passport."),
    ("There going to bring the suitcases.", "They're going to bring the suitcases."),
    ("They forgot they're keys at home.", "They forgot their keys at home."),
    ("Their is a problem with the printer.", "There is a problem with the printer."),
    ("This box is heavier then that one.", "This box is heavier than that one."),
    ("We ate lunch and than we went home.", "We ate lunch and then we went home."),
    ("Its raining again, so take an umbrella.", "It's raining again, so take an umbrella."),
    ("The company lost it's biggest customer.", "The company lost its biggest customer."),
    ("Your welcome to join us for dinner.", "You're welcome to join us for dinner."),
    ("I think there coming later tonight.", "I think they're coming later tonight."),
    ("The dog wagged it's tail.", "The dog wagged its tail."),
    ("Is this you're coat?", "Is this your coat?"),
    ("Their house is bigger then ours.", "Their house is bigger than ours."),
    ("Whose going to drive us to the airport?", "Who's going to drive us to the airport?"),
    ("I don't know who's bag this is.", "I don't know whose bag this is."),
    ("Its not my fault that the bus was late.", "It's not my fault that the bus was late."),
    ("Your late again, and the boss noticed.", "You're late again, and the boss noticed."),
    ("We should of left earlier.", "We should have left earlier."),
    ("There car is parked outside.", "Their car is parked outside."),
    ("I can't wait to see there new flat.", "I can't wait to see their new flat."),
    ("The cat hurt it's paw on the fence.", "The cat hurt its paw on the fence."),
    ("Tell me when your ready to leave.", "Tell me when you're ready to leave."),
]
MISSPELT = [
    ("libary", "library"),
    ("tomorow", "tomorrow"),
    ("recieve", "receive"),
    ("definately", "definitely"),
    ("seperate", "separate"),
    ("occured", "occurred"),
    ("untill", "until"),
    ("beleive", "believe"),
    ("goverment", "government"),
    ("wich", "which"),
    ("becuase", "because"),
    ("freind", "friend"),
    ("accomodation", "accommodation"),
    ("adress", "address"),
    ("buisness", "business"),
    ("calender", "calendar"),
]
SPELLING = [
    "I will go to the {w} after work.",
    "We hope to see you {w} morning.",
    "Did you {w} my message?",
    "I {w} agree with you.",
    "Please keep the two piles {w}.",
    "The accident {w} on Monday.",
    "Wait here {w} I come back.",
    "I {w} that she is right.",
    "The {w} announced new taxes.",
    "I don't know {w} one to choose.",
    "I stayed home {w} I was ill.",
    "My best {w} lives in Leeds.",
    "The {w} was clean and cheap.",
    "Send me your new {w}, please.",
    "His {w} is doing well.",
    "Write the date in your {w}.",
]
PUNCTUATION = [
    ("Where are you going.", "Where are you going?"),
    ("Can you help me with this.", "Can you help me with this?"),
    ("I dont like cold coffee.", "I don't like cold coffee."),
    ("She cant come to the party.", "She can't come to the party."),
    ("We wont be late, I promise.", "We won't be late, I promise."),
    ("He doesnt eat meat.", "He doesn't eat meat."),
    ("Whats the time, please?", "What's the time, please?"),
    ("i think the shop is closed.", "I think the shop is closed."),
    ("It isnt far from here.", "It isn't far from here."),
    ("Do you know where the station is.", "Do you know where the station is?"),
]
NON_NATIVE = [
    ("She go to school every day.", ["goes to school"], ["She go "]),
    ("He don't like coffee.", ["doesn't like"], ["don't like"]),
    ("The childrens was playing outside all day.", ["children were"], ["childrens", "children's"]),
    (
        "Their going to the libary tomorow, and me and him has lots of homework.",
        ["They're going", "library", "tomorrow", "have lots"],
        ["Their going", "has lots"],
    ),
    ("Yesterday I go to the market.", ["went to"], ["I go "]),
    ("My sister have two cats.", ["has two"], ["have two"]),
    ("I has finished my homework.", ["have finished"], ["has finished"]),
    ("The weather are very nice today.", ["weather is"], ["weather are"]),
    ("We was very tired after the trip.", ["were very"], ["was very"]),
    ("The product arrive broken and nobody answer my email.", ["arrived", "answered"], ["arrive broken"]),
    ("This pants is too small for me.", ["These pants are", "This pair of pants is"], ["This pants is"]),
    ("He have many informations about the project.", ["has"], ["He have"]),
    ("The news are good today.", ["news is"], ["news are"]),
    ("Everyone have a ticket for the show.", ["Everyone has"], ["Everyone have"]),
    ("She can sings very well.", ["can sing"], ["can sings"]),
]
CLEAN = [
    "The cat is sleeping on the sofa.",
    "We will send the invoice to your office by Friday.",
    "Could you tell me when the store opens tomorrow?",
    "Yesterday we walked to the river and had lunch there.",
    "The children are playing in the garden.",
    "If it rains tomorrow, we will stay at home.",
    "The results of the survey were published last month.",
    "I would like to book a table for four people.",
    "Our team has finished the first version of the report.",
    "It's too late to call them now.",
    "Their flat is smaller than ours.",
    "You're right about the timetable.",
    "The dog wagged its tail when it saw us.",
    "There are three apples in the bowl.",
    "Who's coming to the meeting on Monday?",
    "The list of items is on the desk.",
    "My brother and I have lots of homework.",
    "She doesn't know whose keys these are.",
    "We went to the library and then had coffee.",
    "They're going to bring their suitcases.",
    "Each of the students has a laptop.",
    "The box of books is heavy.",
    "Please call me when you arrive in Leeds.",
    "I haven't seen Anna since March.",
    "The girl with the black and white puppies has a ball.",
]


def proofread_cases(rng: random.Random) -> list[dict[str, object]]:
    """About 110 cases: agreement, homophones and apostrophes, spelling, punctuation, non-native, clean."""
    cases: list[dict[str, object]] = []

    def wrong(group: str, text: str, fixed: str) -> None:
        cases.append(_proofread(group, text, [{"field": "data.corrected", "equals": fixed}]))

    for template, right, bad in AGREEMENT * 3:
        s, p = rng.choice(SINGULAR), rng.choice(PLURAL)
        wrong("agreement", template.format(s=s, p=p, wrong=bad), template.format(s=s, p=p, wrong=right))
    for template, right, bad in PLURAL_SUBJECT * 4:
        p = rng.choice(PLURAL)
        wrong("agreement", template.format(p=p, wrong=bad), template.format(p=p, wrong=right))
    for text, fixed in HOMOPHONES:
        wrong("homophones", text, fixed)
    for template, (bad, right) in zip(SPELLING, MISSPELT, strict=True):
        wrong("spelling", template.format(w=bad), template.format(w=right))
    for text, fixed in PUNCTUATION:
        wrong("punctuation", text, fixed)
    for text, must, must_not in NON_NATIVE:
        checks: list[dict[str, object]] = [{"field": "data.corrected", "contains_any": [m]} for m in must]
        checks.append({"field": "data.corrected", "excludes": must_not})
        cases.append(_proofread("non-native", text, checks))
    for text in CLEAN:
        cases.append(_proofread("clean", text, [{"field": "text", "equals": "No errors found"}]))
    return _deduplicated(cases)


def _proofread(group: str, text: str, checks: list[dict[str, object]]) -> dict[str, object]:
    return {
        "skill": "proofread",
        "group": group,
        "name": text,
        "turns": [f"/proofread {text}"],
        "checks": checks,
    }


# --- translate ------------------------------------------------------------------------------

LANGUAGES = ["fr", "es", "de", "it", "pt", "pl", "ru", "ja", "zh", "nl"]
NAMES = ["Anna", "Marco", "Lena", "Tomas", "Sofia", "Oliver"]
TEMPLATES: dict[str, dict[str, str]] = {
    "closed": {
        "en": "Our office will be closed on {day}.",
        "fr": "Notre bureau sera fermé {day}.",
        "es": "Nuestra oficina estará cerrada el {day}.",
        "de": "Unser Büro ist am {day} geschlossen.",
        "it": "Il nostro ufficio sarà chiuso {day}.",
        "pt": "O nosso escritório estará fechado na {day}.",
        "pl": "Nasze biuro będzie zamknięte w {day}.",
        "ru": "Наш офис будет закрыт в {day}.",
        "ja": "私たちのオフィスは{day}は休業です。",
        "zh": "我们的办公室{day}关闭。",
        "nl": "Ons kantoor is op {day} gesloten.",
    },
    "meeting": {
        "en": "The meeting moves to {day} at {hour} pm.",
        "fr": "La réunion est déplacée à {day} à {hour24} h.",
        "es": "La reunión se traslada al {day} a las {hour24}:00.",
        "de": "Die Besprechung wird auf {day} um {hour24} Uhr verschoben.",
        "it": "La riunione è spostata a {day} alle {hour24}.",
        "pt": "A reunião passa para {day} às {hour24}h.",
        "pl": "Spotkanie zostaje przeniesione na {day} na godzinę {hour24}.",
        "ru": "Встреча переносится на {day} на {hour24}:00.",
        "ja": "会議は{day}の午後{hour}時に変更されます。",
        "zh": "会议改到{day}下午{hour}点。",
        "nl": "De vergadering wordt verplaatst naar {day} om {hour24} uur.",
    },
    "arrives": {
        "en": "{name} arrives on {month} {date}.",
        "fr": "{name} arrive le {date} {month}.",
        "es": "{name} llega el {date} de {month}.",
        "de": "{name} kommt am {date}. {month} an.",
        "it": "{name} arriva il {date} {month}.",
        "pt": "{name} chega no dia {date} de {month}.",
        "pl": "{name} przyjeżdża {date} {month}.",
        "ru": "{name} приезжает {date} {month}.",
        "ja": "{name}は{month}{date}日に到着します。",
        "zh": "{name}{month}{date}日到达。",
        "nl": "{name} komt aan op {date} {month}.",
    },
    "negation": {
        "en": "I do not work on {day}.",
        "fr": "Je ne travaille pas le {day}.",
        "es": "No trabajo los {day}.",
        "de": "Ich arbeite am {day} nicht.",
        "it": "Non lavoro il {day}.",
        "pt": "Eu não trabalho na {day}.",
        "pl": "Nie pracuję w {day}.",
        "ru": "Я не работаю в {day}.",
        "ja": "{day}は働きません。",
        "zh": "我{day}不工作。",
        "nl": "Ik werk niet op {day}.",
    },
    "price": {
        "en": "The tickets cost {n} euros each, and {name} has {k} of them.",
        "fr": "Les billets coûtent {n} euros chacun, et {name} en a {k}.",
        "es": "Las entradas cuestan {n} euros cada una, y {name} tiene {k}.",
        "de": "Die Karten kosten je {n} Euro, und {name} hat {k} davon.",
        "it": "I biglietti costano {n} euro ciascuno e {name} ne ha {k}.",
        "pt": "Os bilhetes custam {n} euros cada, e {name} tem {k}.",
        "pl": "Bilety kosztują po {n} euro, a {name} ma ich {k}.",
        "ru": "Билеты стоят по {n} евро, и у {name} их {k}.",
        "ja": "チケットは1枚{n}ユーロで、{name}は{k}枚持っています。",
        "zh": "每张票{n}欧元，{name}有{k}张。",
        "nl": "De kaartjes kosten {n} euro per stuk en {name} heeft er {k}.",
    },
    "call": {
        "en": "Please call {name} before {hour} pm, not after.",
        "fr": "Veuillez appeler {name} avant {hour24} h, pas après.",
        "es": "Por favor, llama a {name} antes de las {hour24}:00, no después.",
        "de": "Bitte rufen Sie {name} vor {hour24} Uhr an, nicht danach.",
        "it": "Per favore chiama {name} prima delle {hour24}, non dopo.",
        "pt": "Por favor, ligue para {name} antes das {hour24}h, não depois.",
        "pl": "Proszę zadzwonić do {name} przed {hour24}:00, nie później.",
        "ru": "Пожалуйста, позвоните {name} до {hour24}:00, не позже.",
        "ja": "午後{hour}時より前に{name}に電話してください。後ではなく。",
        "zh": "请在下午{hour}点之前给{name}打电话，不要之后。",
        "nl": "Bel {name} alsjeblieft vóór {hour24} uur, niet daarna.",
    },
}
NEGATION = {
    "fr": ["pas", "ne "],
    "es": ["no "],
    "de": ["nicht", "kein"],
    "it": ["non "],
    "pt": ["não"],
    "pl": ["nie "],
    "ru": ["не "],
    "ja": ["ません", "ない"],
    "zh": ["不", "没"],
    "nl": ["niet", "geen"],
}
NON_LATIN = frozenset({"ru", "ja", "zh"})
ISSUE_CASES = [
    (
        "issue: Monday stays Monday in French",
        "Please translate to French: Our office will be closed on Monday.",
        "fr",
        [{"contains": ["lundi"]}],
    ),
    (
        "issue: Monday stays Monday in Portuguese",
        "/translate to Portuguese: Our office will be closed on Monday.",
        "pt",
        [{"contains_any": ["segunda"]}, {"excludes": ["domingo", "oficina"]}],
    ),
    (
        "issue: thank you very much in Polish",
        "translate 'thank you very much' into Polish",
        "pl",
        [{"contains_any": ["dziękuję bardzo", "bardzo dziękuję", "dziękuję"]}, {"excludes": ["czemuś"]}],
    ),
    (
        "issue: Thursday 3 pm in German",
        "/translate to de: The meeting moves to Thursday at 3 pm.",
        "de",
        [
            {"contains": ["Donnerstag"]},
            {"contains_any": ["15", "3 Uhr nachmittags"]},
            {"excludes": ["April"]},
        ],
    ),
    (
        "issue: Thursday 3 pm in Japanese",
        "/translate to ja: The meeting moves to Thursday at 3 pm.",
        "ja",
        [{"contains": ["木曜"]}, {"contains_any": ["15", "午後3", "午後３"]}],
    ),
]


def translate_cases(rng: random.Random) -> list[dict[str, object]]:
    """Two cases per template and language (120), with CLDR names, numbers, names and negation checked."""
    cases: list[dict[str, object]] = []
    for name, turn, language, checks in ISSUE_CASES:
        field = f"data.translations.{language}"
        cases.append(
            {
                "skill": "translate",
                "group": "issue",
                "name": name,
                "turns": [turn],
                "checks": [{"field": field, **check} for check in checks],
            }
        )
    for language in LANGUAGES:
        locale, english = Locale.parse(language), Locale.parse("en")
        for kind, texts in TEMPLATES.items():
            for _ in range(2):
                day, month = rng.randrange(7), rng.randrange(1, 13)
                hour, date, n, k = (
                    rng.randrange(1, 7),
                    rng.randrange(2, 28),
                    rng.choice([12, 15, 18, 25, 40]),
                    rng.randrange(2, 9),
                )
                slots = {
                    "day": str(english.days["format"]["wide"][day]),
                    "month": str(english.months["format"]["wide"][month]),
                    "hour": str(hour),
                    "hour24": str(hour + 12),
                    "date": str(date),
                    "n": str(n),
                    "k": str(k),
                    "name": rng.choice(NAMES),
                }
                local = {
                    **slots,
                    "day": str(locale.days["format"]["wide"][day]),
                    "month": str(locale.months["format"]["wide"][month]),
                }
                source = texts["en"].format(**slots)
                field = f"data.translations.{language}"
                checks: list[dict[str, object]] = []
                if "{day}" in texts["en"]:
                    checks.append({"field": field, "contains_any": _forms(locale.days, day, language)})
                if "{month}" in texts["en"]:
                    checks.append({"field": field, "contains_any": _forms(locale.months, month, language)})
                for number in ("date", "n", "k"):
                    if "{" + number + "}" in texts["en"]:
                        checks.append({"field": field, "contains": [slots[number]]})
                if "{hour}" in texts["en"]:
                    checks.append({"field": field, "contains_any": [slots["hour24"], f"{hour}"]})
                if "{name}" in texts["en"] and language not in NON_LATIN:
                    checks.append({"field": field, "contains": [slots["name"]]})
                if kind in {"negation", "call"}:
                    checks.append({"field": field, "contains_any": NEGATION[language]})
                cases.append(
                    {
                        "skill": "translate",
                        "group": language,
                        "name": f"{language}: {source}",
                        "turns": [f"/translate to {english.languages[language]}: {source}"],
                        "checks": checks,
                        "reference": {"field": field, "text": texts[language].format(**local)},
                    }
                )
    return _deduplicated(cases)


def _forms(table: object, key: int, language: str) -> list[str]:
    """The CLDR names of one weekday or month, cut to a stem that inflected forms keep."""
    names = {str(table[c][w][key]) for c in ("format", "stand-alone") for w in ("wide", "abbreviated")}  # type: ignore[index]
    if language not in {"ja", "zh"}:
        names = {n for n in names if len(n.rstrip(".")) > 3}
        return sorted({n[: max(4, len(n) - 2)] for n in names})
    return sorted(names)


def _deduplicated(cases: list[dict[str, object]]) -> list[dict[str, object]]:
    seen: dict[str, dict[str, object]] = {}
    for case in cases:
        seen.setdefault(str(case["turns"]), case)
    return list(seen.values())


def to_toml(cases: list[dict[str, object]], header: str) -> str:
    """The cases as ``[[case]]`` tables (values as JSON, which TOML reads for strings and lists)."""
    lines = [header, ""]
    for case in cases:
        lines.append("[[case]]")
        for key in ("skill", "group", "name", "turns"):
            lines.append(f"{key} = {json.dumps(case[key], ensure_ascii=False)}")
        checks = ", ".join(_inline(check) for check in case["checks"])  # type: ignore[attr-defined]
        lines.append(f"checks = [{checks}]")
        if "reference" in case:
            lines.append(f"reference = {_inline(case['reference'])}")  # type: ignore[arg-type]
        lines.append("")
    return "\n".join(lines)


def _inline(table: dict[str, object]) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()) + " }"


def main() -> None:
    """Write both files."""
    rng = random.Random(SEED)
    proofread, translate = proofread_cases(rng), translate_cases(rng)
    note = "# Generated by bench/skill_cases.py (templates x vocabulary, seed {seed}); {n} cases. Edit that."
    (OUT / "proofread.toml").write_text(
        to_toml(proofread, note.format(seed=SEED, n=len(proofread))), encoding="utf-8"
    )
    (OUT / "translate.toml").write_text(
        to_toml(translate, note.format(seed=SEED, n=len(translate))), encoding="utf-8"
    )
    print(f"proofread: {len(proofread)} cases, translate: {len(translate)} cases")


if __name__ == "__main__":
    main()
