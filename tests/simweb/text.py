"""Deterministic news prose: events with named entities, headlines, paragraphs, comments.

A small template grammar over a large vocabulary. Most slots are filled with
event-specific entities or numbers, so two articles about different events almost never
share a run of eight words; articles about the same event avoid it with a shared n-gram
registry (see ``Writer.avoid``) in their own prose.

Real reporting is not like that, and neither is this: every report of an event quotes
some of the event's official statements word for word (15-80 words, in the quotation
marks of its outlet's language and house style, sometimes with a quote inside the
quote), half of them repeat the event's background sentences, wire-style reports open
with an agency dateline, and stock sentences ("did not immediately respond to a request
for comment") recur across unrelated stories. Those shared words are what the copy
detector must not take for copying.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

W = str.split

FIRST = W(
    "Anna Boris Clara Dmitri Elena Farid Greta Hassan Irina Jonas Karim Lena Marco Nadia "
    "Oskar Priya Rafael Sofia Tomas Ursula Viktor Wanda Yusuf Zara Aleksei Beatrix Cyrus "
    "Dagny Emil Fatima Gideon Hilde Ivo Jasmin Kasimir Leila Matteo Nora Orlando Petra "
    "Quentin Rosa Stefan Tamsin Umar Vera Wilhelm Xenia Yara Zoltan Agnes Bruno Celine "
    "Desmond Esther Felix Gloria Henrik Ingrid Julian Katya Lorenz Mirela Nikolai Olga Pavel "
    "Rhea Samir Teodor Valentina Wendell Adaeze Bogdan Chiara Dario Elif Fenna Gustav"
)
LAST = W(
    "Kovacs Brandt Okafor Petrov Lindqvist Haddad Moreau Santos Novak Weber Ivanova Kaur "
    "Fischer Duarte Jansen Morozov Castellan Abara Richter Solberg Vukovic Marchetti Oyelaran "
    "Halvorsen Demir Kowalczyk Eriksen Barzani Toivonen Laskaris Mendoza Okonkwo Varga "
    "Steiner Quispe Nakamura Aldana Brennan Carvalho Dobrev Esposito Falkner Grigoryan "
    "Hartmann Ilunga Jovanovic Karlsson Lemaire Mbeki Nordin Orlov Pacheco Rasmussen "
    "Sorensen Tanaka Ulyanov Vasquez Wojcik Yilmaz Zielinski Achterberg Bellweather Corriveau "
    "Dunmore Ekwueme Fairbrother Gallardo Hennessy Ishikawa Juncker Kalnins Lindgren Mateescu"
)
PLACES = W(
    "Varnsk Kestrava Port-Elsin Mirogorod Tallheim Ostravel Belgrast Duvna Ravensholm "
    "Sarkand Velmora Ashcombe Norvik Teregrad Lindau-Ost Castellmar Brevik Zolnitsa "
    "Harrowgate Pelmont Quarrow Istrela Morvane Sudbrook Gallowmere Ketterby Vostrava "
    "Marlinford Dravosk Westerholm Caldera Bryn-Ardan Solvast Tiverton-Reach Ambrosk"
)
COUNTRIES = W(
    "Veldoria Marovia Ostrelia Karvania Lusenia Tharsia Borovia Elgaria Quessland Nordmark "
    "Zavaria Istria Cordavia Montessa Pelagia Rusovia Dalmaris Servania Ulmstadt Kyrenia"
)
ORG_HEAD = W(
    "Energy Grain Maritime Border Health Water Rail Aviation Mining Customs Finance Defence "
    "Housing Port Telecom Forestry Fisheries Highway Pipeline Pension Election Veterans"
)
ORG_TAIL = W(
    "Authority Commission Consortium Council Directorate Agency Board Institute Ministry "
    "Tribunal Alliance Federation Union Office Bureau Inspectorate Fund Trust"
)
ROLES = [
    "Minister",
    "Deputy Minister",
    "Governor",
    "spokeswoman",
    "spokesman",
    "Senator",
    "Mayor",
    "General",
    "Ambassador",
    "Commissioner",
    "Chief Inspector",
    "Director",
    "Prosecutor",
    "Colonel",
    "Chairwoman",
    "Chairman",
]
EXPERTS = [
    "analyst",
    "economist",
    "researcher",
    "historian",
    "former diplomat",
    "union organiser",
    "lawyer",
    "retired officer",
    "shipping broker",
    "local councillor",
    "energy consultant",
    "professor",
]
TOPIC_N = W(
    "pipeline tariff ceasefire convoy reactor harbour airstrike refinery treaty referendum "
    "subsidy blockade corridor garrison audit dossier satellite tanker checkpoint embargo "
    "dam bridge mine railway airport election strike protest curfew loan bond grain "
    "vaccine hospital reservoir shipyard border smelter pension census budget landslide "
    "wildfire flood quarantine merger lawsuit inquiry contract lease quota levy"
)
TOPIC_A = W(
    "disputed delayed secret emergency cross-border offshore regional contested stalled "
    "controversial federal provisional joint northern southern coastal military municipal "
    "temporary multibillion overdue long-awaited unannounced botched revised leaked"
)
NOUNS = W(
    "officials investigators residents lawmakers regulators diplomats engineers auditors "
    "farmers contractors inspectors observers journalists prosecutors workers pensioners "
    "traders bankers commanders negotiators volunteers shareholders villagers dockworkers "
    "nurses teachers pilots miners fishermen students landlords tenants drivers judges "
    "monitors suppliers creditors insurers economists activists veterans ministers mayors"
)
THINGS = W(
    "documents figures records invoices satellite-images payments shipments permits "
    "contracts emails transcripts maps receipts ledgers photographs warnings estimates "
    "budgets schedules guarantees reserves deliveries inspections appeals complaints "
    "subsidies licences licences tenders loans bonds quotas assurances minutes logs"
)
ADJ = W(
    "sharp quiet sudden unusual broad careful bitter costly modest formal narrow public "
    "detailed vague urgent fragile lengthy rare serious heated cautious partial fresh "
    "growing renewed muted blunt explicit tentative sweeping routine unexpected limited "
    "confidential clumsy thorough hasty repeated conflicting troubling striking bold"
)
SAY = W(
    "said stated argued insisted warned claimed noted conceded suggested acknowledged "
    "maintained countered added explained cautioned confirmed predicted complained"
)
VERB = W(
    "blocked approved delayed rejected questioned reviewed expanded suspended challenged "
    "defended funded halted revived downplayed overturned scrutinised postponed ordered "
    "cancelled disclosed endorsed weakened tightened loosened audited contested examined "
    "renegotiated restructured publicised criticised welcomed extended paused accelerated"
)
ADV = W(
    "quietly openly repeatedly briefly formally privately abruptly reluctantly firmly "
    "sharply partly largely promptly again eventually initially gradually visibly"
)
WHEN = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "late last week",
    "earlier this month",
    "in recent days",
    "on Sunday evening",
    "overnight",
    "last autumn",
    "two years ago",
    "within hours",
    "by midnight",
    "this spring",
]
UNITS = [
    "million dollars",
    "tonnes",
    "kilometres",
    "per cent",
    "households",
    "workers",
    "barrels a day",
    "million euros",
    "hectares",
    "vehicles",
]
LINK = W(
    "However, Meanwhile, Still, Separately, Moreover, Yet Nonetheless, Instead, Later, "
    "Earlier, Privately, Publicly, Critics Supporters"
)

EN_SENT = [
    "{p} {say} {when} that the {ta} {tn} in {pl} was {verb} by the {org}.",
    "The {org} {adv} {verb} the {tn} after {n1} in {pl} raised {adj} {concern}.",
    "{acc} {p2}, {num} {unit} {hung} when the {tn} was {verb}.",
    "{link} {n1} from {co} {adv} {verb} the {adj} {things} tied to the {tn}.",
    "{p2} told {aud} that {n1} had {seen} {adj} {things} about the {tn}.",
    "In {pl}, {n1} and {n2} {adv} {verb} a {plan} costing {num} {unit}.",
    "{adj_c} {things} {suggest} that the {org} {verb} the {tn} {when}.",
    "{p} {say} the {org} would {refuse} the {adj} {things} from {pl}.",
    "It was the {ord} {occasion} {when2} that {n1} in {co} {verb} the {tn}.",
    "A {expert} in {pl}, {x}, {say} the {tn} looked {adj} and {adj2}.",
    "{x} {say} the {org} {adv} {verb} {num} {unit} without {adj} {things}.",
    "{link} {co} {gov} {adv} {verb} {adj} {things} sent by {n1}.",
    "No one at the {org} {verb} the {num} {unit} {cited} {p2} {when}.",
    "The {tn} {row} has {adv} {split} {n1} and {n2} across {co}.",
    "{n1_c} {say} the {ta} {tn} near {pl} left {num} {unit} {missing}.",
    "{p2}, who {verb} the {adj} {things} {when2}, {say} more {n2} {follow}.",
    "Asked if the {org} {verb} the {tn}, {p2} {say} {n1} were {adj}.",
    "{by} {num} {unit} were {verb} and {n2} in {pl} felt {adj}.",
    "{rec} {seen_by} {n1} show the {org} {verb} {num} {unit} {when2}.",
    "{link} {p2} {adv} {verb} the {adj} {things} as {adj2} and {adj3}.",
    "The {org} and {org2} {verb} {adj} {things} on the {tn} {when}.",
    "{n1_c} in {pl} {say} the {ta} {tn} {adv} {verb} their {things}.",
    "Why the {org} {verb} the {tn} {remains} {adj}, {n1} in {co} {say}.",
    "{x}, a {expert}, {say} {adj} {things} from {pl} were {adv} {verb}.",
]
ACC = ["According to", "In the words of", "As estimated by", "Citing", "Per"]
HUNG = W("hung-in-the-balance were-at-risk were-exposed were-involved were-at-stake were-frozen")
CONCERN = W("concerns objections doubts questions alarms complaints fears")
AUD = W("reporters journalists lawmakers investors colleagues broadcasters listeners")
SEEN = W("seen obtained reviewed read circulated leaked examined")
PLAN = W("plan scheme proposal programme package project deal")
SUGGEST = W("suggest indicate imply show hint confirm")
REFUSE = W("ignore dispute examine publish withhold release review")
OCCASION = W("time occasion instance")
GOV = W("government cabinet administration parliament regulator treasury")
CITED = ["cited by", "quoted by", "mentioned by", "flagged by", "listed by"]
ROW = W("dispute row controversy affair saga standoff")
SPLIT = W("split divided polarised united galvanised alienated")
MISSING = W("unaccounted-for unpaid stranded idle uninsured abandoned")
FOLLOW = ["would follow", "could follow", "were expected", "would testify", "might resign"]
BY = ["By midweek,", "By Friday,", "Within days,", "Since then,", "So far,", "By dawn,"]
REC = W("Records Ledgers Emails Minutes Invoices Memos Files")
SEEN_BY = ["seen by", "shared with", "obtained by", "leaked to", "reviewed by"]
REMAINS = W("remains seems looks appears stays")
TITLE = [
    "{co} {verbt} {ta} {tn} as {org} faces {adjt} questions",
    "{pn} {sayt} {tn} in {pl} was {verb}",
    "{org} {verbt} {tn} after {num} {unit} go missing",
    "Why the {ta} {tn} in {pl} matters for {co}",
    "{ta_t} {tn} deal {verbt} amid {adjt} protests in {pl}",
    "{pl} {tn}: what {n1} know so far",
    "{co} and the {tn}: {adjt} {things} raise doubts",
    "{pn} under pressure over {ta} {tn} in {pl}",
]
COMMENT = [
    "{adjc} piece. The {tn} story in {pl} is {adj} and nobody in {co} is asking why.",
    "I live near {pl} and the {n1} here are {adj}. The {org} never explains anything.",
    "So {num} {unit} just vanish and the {org} shrugs? {adjc}.",
    "Thanks for covering this. {n1} have {verb} the {tn} for years.",
    "Does anyone have a link to the {adj} {things}? I would like to read them.",
    "{adjc} reporting as always. Sharing this with my {n2}.",
    "Not convinced. {p2} has {verb} every {tn} since {year}.",
    "The comments about {pl} are spot on. {adjc} times for {co}.",
    "Where are the {things}? Show us the {adj} {things} or stop speculating.",
    "My cousin worked on the {tn} near {pl}. It was {adj} even then.",
]
ADJC = W("Excellent Solid Brilliant Worrying Strange Sad Interesting Great Depressing Telling")
SYN = {
    "said": "stated",
    "warned": "cautioned",
    "officials": "authorities",
    "residents": "locals",
    "documents": "papers",
    "sharp": "steep",
    "quietly": "discreetly",
    "approved": "backed",
    "rejected": "dismissed",
    "questioned": "queried",
    "unusual": "odd",
    "careful": "cautious",
    "costly": "expensive",
    "lawmakers": "legislators",
    "the": "the",
}
VERB_BASE = W(
    "accept review fund block approve delay reject question expand suspend challenge defend "
    "halt revive overturn scrutinise postpone cancel disclose endorse audit examine"
)
QUOTE_WHO = ["We", "This office", "The ministry", "Our team", "My department", "The cabinet"]
QUOTE_ADV = ["not", "never", "soon", "gladly", "only", "certainly", "not even", "swiftly"]
ORD = ["first", "second", "third", "fourth", "fifth"]
AGENCIES = ["Continental Press", "Wirepress", "Associated Newswire", "Euro Wire Service"]
# Sentences that newsrooms everywhere write about unrelated stories.
STOCK_EN = [
    "The ministry did not immediately respond to a request for comment.",
    "It was not immediately clear how many people were affected.",
    "Further details were not immediately available.",
    "The investigation is ongoing, officials said.",
    "Officials said more information would be released in the coming days.",
    "A spokesperson declined to comment on the matter when contacted by reporters.",
    "The company did not respond to several requests for comment on Tuesday.",
    "Police have appealed for witnesses to come forward.",
    "This is a developing story and will be updated as more information becomes available.",
    "Reporters were not allowed to enter the area on Wednesday.",
    "None of the claims could be independently verified.",
    "The figures could not be independently confirmed.",
    "Local media reported that the talks would resume later in the week.",
    "Analysts say the decision could have far-reaching consequences for the region.",
]
STOCK_DE = [
    "Eine Stellungnahme des Ministeriums lag zunächst nicht vor.",
    "Die Ermittlungen dauern an, teilte die Polizei mit.",
    "Weitere Einzelheiten waren zunächst nicht bekannt.",
]
STOCK_RU = [
    "В ведомстве пока не прокомментировали ситуацию.",
    "Подробности уточняются.",
]
# (open, close, inner open, inner close) quotation marks by language and house style.
QUOTE_MARKS = {
    "en": [("“", "”", "‘", "’"), ('"', '"', "'", "'"), ("‘", "’", "“", "”")],
    "de": [("„", "“", "‚", "‘"), ("»", "«", "›", "‹")],
    "ru": [("«", "»", "„", "“")],
}
ATTRIBUTION_EN = [
    "{o}{q},{c} {role} {name} said.",
    "{o}{q},{c} said {name}, the {role}.",
    "{name} told reporters: {o}{q}.{c}",
    "{o}{q},{c} {name} told {aud}.",
    "According to {name}, {o}{q}.{c}",
    "{name}, the {role}, said in a statement: {o}{q}.{c}",
]
ATTRIBUTION_DE = ["{o}{q}{c}, sagte {name}.", "{name} erklärte: {o}{q}.{c}"]
ATTRIBUTION_RU = ["{o}{q}{c}, — заявил {name}.", "Как сообщил {name}, {o}{q}{c}."]

DE_FIRST = W(
    "Jürgen Katrin Lukas Sabine Matthias Ulrike Florian Heike Tobias Anja Stefan Britta Jonas "
    "Miriam Henning Carola Bernd Svenja"
)
DE_LAST = W(
    "Müller Schneider Hoffmann Wagner Becker Schulz Krüger Neumann Schwarz Zimmermann "
    "Braun Hartmann Lange Werner Köhler Vogel Friedrich Scholz Möller Lehmann Krause Jäger "
    "Peters Busch Frank Albrecht Seidel Engel Sauer Pohl Ludwig Kraus Böhm Winkler Haas Roth "
    "Lorenz Brandl Voigt Kühn Thiele Fuchs"
)
DE_N = W(
    "Pipeline Brücke Talsperre Klinik Werft Schiene Haushalt Vertrag Grenzübergang Hafen "
    "Kraftwerk Deponie Umgehungsstraße Förderung Ausschreibung Reform"
)
DE_ADJ = W(
    "umstrittene geplante verzögerte teure neue marode geheime regionale vorläufige überarbeitete"
)
DE_PEOPLE = W(
    "Anwohner Abgeordnete Gutachter Landwirte Beamte Pendler Gewerkschafter Ärzte "
    "Unternehmer Kritiker Ermittler Rentner"
)
DE_VERB = W(
    "kritisierten begrüßten prüften blockierten forderten bestätigten bezweifelten "
    "verschoben genehmigten stoppten"
)
DE_SENT = [
    "{p} sagte am {tag}, die {adj} {tn} in {pl} sei vom {org} {part} worden.",
    "Nach Angaben von {p2} {stehen} {num} Millionen Euro für die {tn} {spiel}.",
    "Die {people} in {pl} {verb} die {adj} {tn} in einer {adj2} Sitzung.",
    "{p2} {erkl}, der {org} habe {num} Seiten {unterl} zur {tn} vorgelegt.",
    "Im Landkreis {pl} {verb} {people} und {people2} die {plaene} für die {tn}.",
    "Ein {sprecher} des {org} wollte die Zahlen von {p2} nicht {komm}.",
    "Bereits im {monat} hatten {people} aus {pl} vor der {adj} {tn} {gewarnt}.",
    "Ob die {tn} bis {jahr} {fertig}, ist nach {einsch} von {p2} offen.",
    "Laut {org} betreffen die {aend} rund {num} Haushalte in {pl}.",
    "{people} {verb} am {tag} {erneut}, dass der {org} zu {spaet} reagiert habe.",
    "Die {opp} in {co} spricht von einer {adj} {tn} ohne {klar} Finanzierung.",
    "Der {org} {verb} die {kritik} und verwies auf {num} neue {gutachten}.",
]
DE_STEHEN = ["stehen", "geht es um", "fehlen", "fließen"]
DE_SPIEL = ["auf dem Spiel", "im Raum", "zur Debatte", "in Rede"]
DE_ERKL = ["erklärte", "betonte", "kritisierte", "bestätigte", "räumte ein"]
DE_UNTERL = ["Unterlagen", "Akten", "Gutachten", "Protokolle", "Pläne"]
DE_PLAENE = ["Pläne", "Entwürfe", "Kosten", "Zeitpläne", "Verträge"]
DE_SPRECHER = ["Sprecher", "Vertreter", "Mitarbeiter", "Justiziar"]
DE_KOMM = ["kommentieren", "bestätigen", "bewerten", "erläutern"]
DE_GEWARNT = ["gewarnt", "gezittert", "protestiert", "demonstriert"]
DE_FERTIG = ["fertig wird", "eröffnet wird", "genehmigt wird", "finanziert ist"]
DE_EINSCH = ["Einschätzung", "Ansicht", "Aussage", "Meinung"]
DE_AEND = ["Änderungen", "Kürzungen", "Sperrungen", "Umbauten"]
DE_ERNEUT = ["erneut", "öffentlich", "vehement", "schriftlich"]
DE_SPAET = ["spät", "zögerlich", "halbherzig", "langsam"]
DE_OPP = ["Opposition", "Gewerkschaft", "Bürgerinitiative", "Handelskammer"]
DE_KLAR = ["klare", "solide", "gesicherte", "transparente"]
DE_KRITIK = ["Kritik", "Vorwürfe", "Einwände", "Bedenken"]
DE_GUTACHTEN = ["Gutachten", "Studien", "Messungen", "Prüfberichte"]
DE_TAG = W("Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag")
DE_MONAT = W("Januar Februar März April Mai Juni Juli August September Oktober November")
DE_PART = W("gestoppt genehmigt verschoben geprüft beschlossen blockiert")
DE_TITLE = [
    "{adj_t} {tn} in {pl}: {people} {verb} Pläne",
    "{p2} verteidigt {tn} in {pl}",
    "Streit um {tn}: {org} unter Druck",
]

RU_FIRST = W("Алексей Мария Сергей Ольга Дмитрий Наталья Игорь Екатерина Андрей Татьяна")
RU_LAST = W(
    "Иванов Смирнов Кузнецов Попов Соколов Лебедев Козлов Новиков Морозов Волков Зайцев "
    "Павлов Семёнов Голубев Виноградов Богданов Воробьёв Фёдоров Михайлов Беляев Тарасов "
    "Белов Комаров Орлов Киселёв Макаров Андреев Ковалёв Ильин Гусев"
)
RU_N = W("трубопровод мост порт завод бюджет договор аэропорт рудник водохранилище терминал")
RU_ADJ = W("спорный новый отложенный секретный региональный дорогой временный крупный")
RU_PEOPLE = W(
    "жители депутаты эксперты чиновники фермеры рабочие аналитики пенсионеры активисты "
    "юристы экологи предприниматели учителя врачи"
)
RU_VERB = W(
    "раскритиковали одобрили заблокировали проверили поддержали отложили оспорили "
    "обсудили осудили изучили отвергли"
)
RU_SENT = [
    "{p} заявил в {den}, что {adj} {tn} в городе {pl} {budet} к {god} году.",
    "По словам {p2}, {na_konu} {num} {mln} рублей.",
    "{people} города {pl} {verb} {reshenie} о проекте стоимостью {num} млн.",
    "Представители ведомства {org} {otkaz} данные {p2}.",
    "Ещё в {mes} {people} {predupr}, что {adj} {tn} {vyzovet} {spory}.",
    "Как {soobshil} {p2}, документы насчитывают {num} страниц.",
    "{people} и {people2} {verb} планы {vlast} на {zased} в {den}.",
    "В ведомстве {org} {zayavili}, что изменения затронут {num} семей в регионе {co}.",
    "{opp} называет {tn} в городе {pl} {primer} {besh}.",
    "{people} считают, что {adj} {tn} станет {glav} темой {sezon} в регионе {co}.",
]
RU_BUDET = ["будет достроен", "откроется", "заработает", "будет сдан", "будет готов"]
RU_NAKONU = ["на кону стоят", "речь идёт о", "в проект вложено", "уже потрачено"]
RU_MLN = ["миллионов", "миллиардов", "тысяч"]
RU_RESH = ["решение", "план", "постановление", "проект", "приказ"]
RU_OTKAZ = ["отказались комментировать", "не подтвердили", "оспорили", "проверяют"]
RU_PREDUPR = ["предупреждали", "говорили", "писали", "опасались", "утверждали"]
RU_VYZOVET = ["вызовет", "спровоцирует", "усилит", "породит"]
RU_SPORY = ["споры", "протесты", "скандал", "вопросы", "критику"]
RU_SOOBSH = ["сообщил", "рассказал", "уточнил", "пояснил", "подчеркнул"]
RU_VLAST = ["властей", "мэрии", "губернатора", "министерства", "подрядчика"]
RU_ZASED = ["заседании", "встрече", "слушаниях", "совещании", "митинге"]
RU_ZAYAV = ["заявили", "сообщили", "подтвердили", "уточнили"]
RU_OPP = ["Оппозиция", "Профсоюз", "Общественная палата", "Местная пресса"]
RU_PRIMER = ["примером", "символом", "образцом"]
RU_BESH = ["бесхозяйственности", "коррупции", "некомпетентности", "расточительства"]
RU_GLAV = ["главной", "острой", "ключевой", "болезненной"]
RU_SEZON = ["осени", "весны", "года", "сезона", "выборов"]
RU_DEN = W("понедельник вторник среду четверг пятницу субботу воскресенье")
RU_MES = W("январе феврале марте апреле мае июне июле августе сентябре октябре")
RU_TITLE = [
    "{adj_t} {tn} в городе {pl}: {people} {verb} решение",
    "{p2} прокомментировал ситуацию вокруг проекта в городе {pl}",
]


@dataclass
class Event:
    """A news event: what independent reports and copies share."""

    key: str
    lang: str
    topic_n: str
    topic_a: str
    place: str
    country: str
    people: list[tuple[str, str]]  # (role, full name)
    experts: list[tuple[str, str]]
    orgs: list[str]
    numbers: list[str]
    quote: str
    statements: list[tuple[str, str, str]] = field(default_factory=list)  # (role, name, words)
    background: list[str] = field(default_factory=list)  # facts every outlet may repeat
    agency: str = ""  # the wire agency whose dateline some reports carry
    extra: dict[str, str] = field(default_factory=dict)


def make_event(
    rng: random.Random, key: str, lang: str = "en", avoid: set[int] | None = None
) -> Event:
    """A fresh event with its own entities, numbers and one official quote."""
    if lang == "de":
        first, last = DE_FIRST, DE_LAST
        orgs = [f"Landesamt für {rng.choice(DE_N)}", f"Zweckverband {rng.choice(PLACES)}"]
        tn = rng.choice(DE_N)
    elif lang == "ru":
        first, last = RU_FIRST, RU_LAST
        orgs = [f"Росрегион-{rng.randint(2, 99)}", f"Агентство {rng.choice(RU_LAST)}а"]
        tn = rng.choice(RU_N)
    else:
        first, last = FIRST, LAST
        orgs = [
            f"{rng.choice(COUNTRIES)} {rng.choice(ORG_HEAD)} {rng.choice(ORG_TAIL)}",
            f"{rng.choice(ORG_HEAD)} {rng.choice(ORG_TAIL)} of {rng.choice(PLACES)}",
        ]
        tn = rng.choice(TOPIC_N)
    people = [(rng.choice(ROLES), f"{rng.choice(first)} {rng.choice(last)}") for _ in range(3)]
    experts = [(rng.choice(EXPERTS), f"{rng.choice(first)} {rng.choice(last)}") for _ in range(2)]
    numbers = [
        str(rng.randint(12, 980)),
        f"{rng.randint(2, 95)},{rng.randint(100, 999)}",
        f"{rng.randint(1, 40)}.{rng.randint(1, 9)}",
        str(rng.randint(1000, 9000)),
    ]
    role, name = people[0]
    for _ in range(30):
        quote = _quote(rng, lang, tn, role, name)
        g = _grams(words_of(quote))
        if avoid is None or avoid.isdisjoint(g):
            break
    if avoid is not None:
        avoid |= g
    ev = Event(
        key=key,
        lang=lang,
        topic_n=tn,
        topic_a=rng.choice(TOPIC_A)
        if lang == "en"
        else rng.choice(DE_ADJ if lang == "de" else RU_ADJ),
        place=rng.choice(PLACES),
        country=rng.choice(COUNTRIES),
        people=people,
        experts=experts,
        orgs=orgs,
        numbers=numbers,
        quote=quote,
        agency=rng.choice(AGENCIES),
    )
    # Statements and background are written with the event's own vocabulary, then
    # registered so that no other article's own prose repeats them by chance.
    w = Writer(random.Random(rng.random()), ev, avoid)
    speakers = people + experts
    for _ in range(rng.randint(3, 5)):
        role, name = rng.choice(speakers)
        words = ""
        while len(words.split()) < rng.randint(15, 60):
            words = (words + " " + w.sentence()).strip()
        ev.statements.append((role, name, words.rstrip(".")))
    ev.background = [w.sentence() for _ in range(2)]
    w.commit()
    return ev


def _quote(rng: random.Random, lang: str, tn: str, role: str, name: str) -> str:
    if lang == "en":
        return (
            f"“{rng.choice(QUOTE_WHO)} will {rng.choice(QUOTE_ADV)} {rng.choice(VERB_BASE)} "
            f"the {tn} {rng.choice(['without', 'before', 'until', 'after'])} a "
            f"{rng.choice(ADJ)} {rng.choice(['audit', 'inquiry', 'vote', 'review', 'hearing'])} "
            f"of the {rng.choice(ADJ)} "
            f"{rng.choice(THINGS)} in {rng.choice(PLACES)},” "
            f"{role} {name} said."
        )
    if lang == "de":
        who = rng.choice(["Wir", "Das Land", "Der Kreis", "Die Stadt", "Das Ministerium"])
        return (
            f"„{who} {rng.choice(['prüft', 'stoppt', 'finanziert', 'sichert'])} die {tn} in "
            f"{rng.choice(PLACES)} erst nach einer {rng.choice(DE_ADJ)} Prüfung“, sagte {name}."
        )
    who = rng.choice(["Мы", "Власти", "Министерство", "Правительство", "Мэрия", "Губернатор"])
    return (
        f"«{who} {rng.choice(['не допустит', 'обеспечит', 'гарантирует', 'проверит'])} "
        f"{rng.choice(['срыва сроков', 'качество работ', 'финансирование', 'безопасность'])} "
        f"в городе {rng.choice(PLACES)}, {rng.choice(RU_ADJ)} {tn} будет готов», — заявил {name}."
    )


def _grams(words: list[str], n: int = 8) -> set[int]:
    return {hash(tuple(words[i : i + n])) for i in range(len(words) - n + 1)}


HUNG = [h.replace("-", " ") for h in HUNG]
MISSING = [m.replace("-", " ") for m in MISSING]
SIMPLE_EN: dict[str, list[str]] = {
    "say": SAY,
    "when": WHEN,
    "when2": WHEN,
    "verb": VERB,
    "adv": ADV,
    "adjc": ADJC,
    "things": THINGS,
    "unit": UNITS,
    "link": LINK,
    "ord": ORD,
    "acc": ACC,
    "hung": HUNG,
    "concern": CONCERN,
    "aud": AUD,
    "seen": SEEN,
    "plan": PLAN,
    "suggest": SUGGEST,
    "refuse": REFUSE,
    "occasion": OCCASION,
    "gov": GOV,
    "cited": CITED,
    "row": ROW,
    "split": SPLIT,
    "missing": MISSING,
    "follow": FOLLOW,
    "by": BY,
    "rec": REC,
    "seen_by": SEEN_BY,
    "remains": REMAINS,
}


def words_of(text: str) -> list[str]:
    """Lower-cased word tokens, as used for the eight-word overlap rule."""
    return re.findall(r"\w+", text.lower())


class _Lazy(dict):
    """A format_map mapping that computes each slot on first use."""

    def __init__(self, fn: Callable[[dict[str, Any], str], Any]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> Any:
        value = self.fn(self, key)
        self[key] = value
        return value


class Writer:
    """Writes text about one event with its own random stream."""

    def __init__(self, rng: random.Random, ev: Event, avoid: set[int] | None = None) -> None:
        self.rng = rng
        self.ev = ev
        self.avoid = avoid  # eight-gram hashes used by other articles: stay clear of them
        self.local: set[int] = set()
        self.tail: list[str] = []  # last seven words written, for grams across sentences

    def commit(self) -> None:
        """Register this writer's eight-grams so later articles avoid them."""
        if self.avoid is not None:
            self.avoid |= self.local
        self.local = set()

    # -- slot filling -------------------------------------------------------------------
    def _slots(self) -> dict[str, str]:
        return _Lazy(self._slot_en)

    def _slot_en(self, d: dict[str, Any], key: str) -> Any:
        """One English slot value, drawn only when a template asks for it."""
        r, ev = self.rng, self.ev
        opts = SIMPLE_EN.get(key)
        if opts is not None:  # the common case, kept cheap
            return opts[int(r.random() * len(opts))]
        if key == "_person":
            return r.choice(ev.people)
        if key == "_expert":
            return r.choice(ev.experts)
        if key == "_adjs":
            return r.sample(ADJ, 3)
        if key == "_nouns":
            return r.sample(NOUNS, 2)
        role, name = d["_person"] if key in ("p", "p2", "pn") else ("", "")
        if key == "p":
            return f"{role} {name}" if r.random() < 0.5 else name
        if key == "p2":
            return name.split()[-1] if r.random() < 0.6 else name
        if key == "pn":
            return name.split()[-1]
        if key == "x":
            ename = d["_expert"][1]
            return ename if r.random() < 0.5 else ename.split()[-1]
        if key == "expert":
            return d["_expert"][0]
        if key in ("sayt", "verbt"):
            return r.choice(SAY if key == "sayt" else VERB).capitalize()
        if key in ("adj", "adj2", "adj3"):
            return d["_adjs"][{"adj": 0, "adj2": 1, "adj3": 2}[key]]
        if key in ("adjt", "adj_c"):
            return d["adj"].capitalize()
        if key in ("n1", "n2"):
            return d["_nouns"][key == "n2"]
        if key == "n1_c":
            return d["n1"].capitalize()
        if key == "org":
            return r.choice(ev.orgs)
        if key == "org2":
            return ev.orgs[0] if d["org"] == ev.orgs[1] else ev.orgs[1]
        if key == "pl":
            return ev.place if r.random() < 0.7 else r.choice(PLACES)
        if key == "num":
            return r.choice(ev.numbers) if r.random() < 0.7 else str(r.randint(3, 9999))
        if key == "year":
            return str(r.randint(2009, 2023))
        fixed = {"ta": ev.topic_a, "ta_t": ev.topic_a.capitalize(), "tn": ev.topic_n}
        return fixed.get(key, ev.country)

    def _slots_de(self) -> dict[str, str]:
        r, ev = self.rng, self.ev
        name = r.choice(ev.people)[1]
        p1, p2 = r.sample(DE_PEOPLE, 2)
        adj = r.choice(DE_ADJ)
        return {
            "p": name,
            "p2": name.split()[-1],
            "tn": ev.topic_n,
            "adj": adj,
            "adj2": r.choice(["langen", "hitzigen", "kurzen", "öffentlichen", "nächtlichen"]),
            "adj_t": adj.capitalize(),
            "pl": ev.place,
            "co": ev.country,
            "org": r.choice(ev.orgs),
            "people": p1,
            "people2": p2,
            "verb": r.choice(DE_VERB),
            "part": r.choice(DE_PART),
            "tag": r.choice(DE_TAG),
            "monat": r.choice(DE_MONAT),
            "jahr": str(r.randint(2026, 2031)),
            "stehen": r.choice(DE_STEHEN),
            "spiel": r.choice(DE_SPIEL),
            "erkl": r.choice(DE_ERKL),
            "unterl": r.choice(DE_UNTERL),
            "plaene": r.choice(DE_PLAENE),
            "sprecher": r.choice(DE_SPRECHER),
            "komm": r.choice(DE_KOMM),
            "gewarnt": r.choice(DE_GEWARNT),
            "fertig": r.choice(DE_FERTIG),
            "einsch": r.choice(DE_EINSCH),
            "aend": r.choice(DE_AEND),
            "erneut": r.choice(DE_ERNEUT),
            "spaet": r.choice(DE_SPAET),
            "opp": r.choice(DE_OPP),
            "klar": r.choice(DE_KLAR),
            "kritik": r.choice(DE_KRITIK),
            "gutachten": r.choice(DE_GUTACHTEN),
            "num": r.choice(ev.numbers) if r.random() < 0.6 else str(r.randint(3, 999)),
        }

    def _slots_ru(self) -> dict[str, str]:
        r, ev = self.rng, self.ev
        name = r.choice(ev.people)[1]
        p1, p2 = r.sample(RU_PEOPLE, 2)
        adj = r.choice(RU_ADJ)
        return {
            "p": name,
            "p2": name.split()[-1] + "а",
            "tn": ev.topic_n,
            "adj": adj,
            "adj_t": adj.capitalize(),
            "pl": ev.place,
            "co": ev.country,
            "org": r.choice(ev.orgs),
            "people": p1.capitalize(),
            "people2": p2,
            "verb": r.choice(RU_VERB),
            "den": r.choice(RU_DEN),
            "mes": r.choice(RU_MES),
            "god": str(r.randint(2026, 2031)),
            "budet": r.choice(RU_BUDET),
            "na_konu": r.choice(RU_NAKONU),
            "mln": r.choice(RU_MLN),
            "reshenie": r.choice(RU_RESH),
            "otkaz": r.choice(RU_OTKAZ),
            "predupr": r.choice(RU_PREDUPR),
            "vyzovet": r.choice(RU_VYZOVET),
            "spory": r.choice(RU_SPORY),
            "soobshil": r.choice(RU_SOOBSH),
            "vlast": r.choice(RU_VLAST),
            "zased": r.choice(RU_ZASED),
            "zayavili": r.choice(RU_ZAYAV),
            "opp": r.choice(RU_OPP),
            "primer": r.choice(RU_PRIMER),
            "besh": r.choice(RU_BESH),
            "glav": r.choice(RU_GLAV),
            "sezon": r.choice(RU_SEZON),
            "num": r.choice(ev.numbers) if r.random() < 0.6 else str(r.randint(3, 999)),
        }

    def _fill(self, templates: list[str]) -> str:
        lang = self.ev.lang
        slots = (
            self._slots_de()
            if lang == "de"
            else self._slots_ru()
            if lang == "ru"
            else self._slots()
        )
        s = templates[int(self.rng.random() * len(templates))].format_map(slots)
        return s[0].upper() + s[1:]

    # -- public -------------------------------------------------------------------------
    def sentence(self) -> str:
        """One sentence; redrawn if it would repeat eight words of another article."""
        lang = self.ev.lang
        tpl = DE_SENT if lang == "de" else RU_SENT if lang == "ru" else EN_SENT
        for _ in range(30 if lang == "en" else 120):
            s = self._fill(tpl)
            if self.avoid is None:
                return s
            w = words_of(s)
            g = _grams(self.tail + w)
            if self.avoid.isdisjoint(g):
                self.local |= g
                self.tail = (self.tail + w)[-7:]
                return s
        # Every draw clashed (the small German and Russian grammars saturate at large
        # scales): accept the last one rather than stall.
        self.local |= g
        self.tail = (self.tail + w)[-7:]
        return s

    def paragraph(self, n: int | None = None) -> str:
        """A paragraph of two to five sentences."""
        n = n or self.rng.randint(2, 5)
        out: list[str] = []
        for _ in range(n * 3):
            s = self.sentence()
            if s:
                out.append(s)
            if len(out) == n:
                break
        return " ".join(out)

    def body(self, min_words: int, max_words: int, quote: bool = True, when: str = "") -> list[str]:
        """Main-text paragraphs totalling between ``min_words`` and ``max_words`` words,
        with what reports of the same event share (``report``) unless ``quote`` is off."""
        target = self.rng.randint(min_words, max_words)
        paras: list[str] = []
        count = 0
        while count < target - 25:
            p = self.paragraph()
            if p:
                paras.append(p)
                count += len(p.split())
        if quote:
            paras = self.report(paras, when)
        self.commit()
        return paras

    def quotation(self, statement: tuple[str, str, str], nested: bool = False) -> str:
        """One of the event's statements, quoted word for word and attributed."""
        role, name, words = statement
        lang = self.ev.lang
        o, c, io, ic = self.rng.choice(QUOTE_MARKS.get(lang, QUOTE_MARKS["en"]))
        if nested and lang == "en":  # a quote inside the quote: the so-called 'plan'
            w = words.split()
            k = self.rng.randrange(1, max(2, len(w) - 3))
            words = " ".join([*w[:k], io + " ".join(w[k : k + 3]) + ic, *w[k + 3 :]])
        tpl = {"de": ATTRIBUTION_DE, "ru": ATTRIBUTION_RU}.get(lang, ATTRIBUTION_EN)
        aud = self.rng.choice(AUD)
        return self.rng.choice(tpl).format(o=o, c=c, q=words, role=role, name=name, aud=aud)

    def stock(self) -> str:
        """A stock sentence that unrelated stories carry too."""
        pool = {"de": STOCK_DE, "ru": STOCK_RU}.get(self.ev.lang, STOCK_EN)
        return self.rng.choice(pool)

    def dateline(self, when: str) -> str:
        """An agency dateline: 'VARNSK, March 3 (Wirepress) -'."""
        return f"{self.ev.place.upper()}, {when} ({self.ev.agency}) —"

    def report(self, paras: list[str], when: str = "") -> list[str]:
        """Add what same-event reports share to this report's own paragraphs: two to four
        quoted statements, the background facts (each half the time), a stock sentence
        and, one time in three, an agency dateline."""
        r, ev = self.rng, self.ev
        paras = list(paras)
        if ev.statements:
            k = min(len(ev.statements), r.randint(2, 4))
            for st in r.sample(ev.statements, k):
                i = r.randrange(len(paras))
                line = self.quotation(st, nested=r.random() < 0.2)
                if r.random() < 0.6:
                    paras[i] = paras[i] + " " + line
                else:  # a quote as a paragraph of its own
                    paras.insert(i + 1, line)
        for fact in ev.background:
            if r.random() < 0.5:
                i = r.randrange(len(paras))
                paras[i] = paras[i] + " " + fact
        if r.random() < 0.7:
            i = r.randrange(len(paras))
            paras[i] = paras[i] + " " + self.stock()
        if when and r.random() < 0.35:
            paras[0] = self.dateline(when) + " " + paras[0]
        return paras

    def title(self) -> str:
        """A headline for this event."""
        lang = self.ev.lang
        tpl = DE_TITLE if lang == "de" else RU_TITLE if lang == "ru" else TITLE
        s = self._fill(tpl)
        return s

    def comment(self) -> str:
        """A reader comment (English only; commenters everywhere write English)."""
        return self.rng.choice(COMMENT).format_map(self._slots())


def edit_words(rng: random.Random, text: str, k: int = 3) -> str:
    """Swap up to ``k`` words for synonyms (the small edits of form g)."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if w in SYN and SYN[w] != w]
    rng.shuffle(idx)
    for i in idx[:k]:
        words[i] = SYN[words[i]]
    if not idx and len(words) > 4:
        words.insert(rng.randint(1, len(words) - 2), "reportedly")
    return " ".join(words)


def handle(rng: random.Random) -> str:
    """A commenter's user name."""
    return (
        rng.choice(FIRST).lower()
        + rng.choice(["_", ".", "", "-"])
        + rng.choice(LAST).lower()[: rng.randint(3, 6)]
        + str(rng.randint(1, 99))
    )


def slugify(title: str) -> str:
    """ASCII URL slug of a headline (non-ASCII headlines fall back to 'story')."""
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return "-".join(s.split("-")[:9]) or "story"
