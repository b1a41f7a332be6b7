"""Stories and republication: originals, copies in forms a-h, independent reports, edits.

The planner is fed one night (epoch) at a time in a fixed order, so the web after k
nights starts with exactly the same articles, text and pages as the web after k-1 nights.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from .model import Art, Credit, Outlet
from .real import RealDoc
from .text import Event, Writer, edit_words, make_event, slugify

FORMS = "abcdefgh"
REAL_PER_EVENT = 8  # independent real reports of one event on the web, at most
REAL_COPIED = 0.45  # share of real reports that are republished
EN_MONTHS = "January February March April May June July August September October November December"
CREDIT_EN = [
    "This post first appeared on {a}",
    "Source: {a}",
    "Originally published at {a}",
    "Republished with permission from {a}",
]
CREDIT_DE = ["Dieser Beitrag erschien zuerst bei {a}", "Quelle: {a}"]
CREDIT_RU = ["Источник: {a}", "Впервые опубликовано на сайте {a}"]
EXCERPT = {
    "en": "Read the full article at {a}",
    "de": "Den ganzen Artikel lesen bei {a}",
    "ru": "Читайте полностью на сайте {a}",
}


class Planner:
    """Accumulates articles night after night."""

    def __init__(self, seed: int, outlets: list[Outlet], t0: datetime) -> None:
        self.seed = seed
        self.outlets = outlets
        self.t0 = t0
        self.arts: list[Art] = []
        self.by_url: dict[str, Art] = {}
        self.grams: set[int] = set()  # eight-grams already used by some article
        self.next_id = 1000
        self.n_story = 0
        self.n_event = 0
        self.indep_groups: list[list[Art]] = []
        self.recent: dict[str, list[Art]] = {o.domain: [] for o in outlets}
        self.n_real_copies = 0

    # -- helpers ------------------------------------------------------------------------
    def _tz(self, o: Outlet) -> timezone:
        return timezone(timedelta(minutes=o.tz_minutes))

    def _event(self, rng: random.Random, lang: str) -> Event:
        self.n_event += 1
        return make_event(rng, f"ev{self.n_event}", lang, self.grams)

    def _url(
        self, o: Outlet, art_id: int, title: str, section: str, t: datetime, prefix: str
    ) -> str:
        lt = t.astimezone(self._tz(o))
        slug = slugify(title)
        if slug == "story":
            slug = f"story-{art_id}"
        path = o.url_style.format(
            id=art_id,
            slug=slug,
            section=section.lower(),
            yyyy=f"{lt.year}",
            mm=f"{lt.month:02d}",
            dd=f"{lt.day:02d}",
        )
        if prefix:
            path = prefix.rstrip("/") + "/" + slugify(title) + f"-{art_id}"
        url = f"http://{o.host}{path}"
        if url in self.by_url:
            url = url.rstrip("/") + f"-{art_id}"
        return url

    def _author(self, rng: random.Random, o: Outlet) -> str | None:
        return rng.choice(o.staff) if rng.random() < o.author_rate else None

    def _add(self, rng: random.Random, art: Art, listed: bool = True) -> Art:
        o = art.outlet
        if listed and not art.disallowed:
            pool = self.recent[o.domain][-12:]
            art.related = rng.sample(pool, min(len(pool), 5))
            self.recent[o.domain].append(art)
        self.arts.append(art)
        self.by_url[art.url] = art
        return art

    def _new(
        self,
        rng: random.Random,
        o: Outlet,
        ev: Event,
        story: str,
        form: str,
        t: datetime,
        paragraphs: list[str],
        title: str,
        dek: str,
        epoch: int,
        author: str | None,
        dated: bool = True,
        prefix: str = "",
    ) -> Art:
        self.next_id += rng.randint(1, 9)
        aid = self.next_id
        section = rng.choice(o.sections)
        lt = t.astimezone(self._tz(o))
        precision = None if not dated else "date" if o.date_only else "datetime"
        return Art(
            id=aid,
            outlet=o,
            url=self._url(o, aid, title, section, lt, prefix),
            story=story,
            event=ev,
            title=title,
            dek=dek,
            section=section,
            author=author,
            time=lt,
            published=lt if dated else None,
            precision=precision,
            lang=ev.lang,
            form=form,
            paragraphs=paragraphs,
            epoch=epoch,
            modified=epoch,
            tags=[ev.place, ev.country, ev.topic_n],
        )

    def _pick(self, rng: random.Random, cands: list[Outlet], attr: str) -> Outlet | None:
        if not cands:
            return None
        return rng.choices(cands, weights=[getattr(o, attr) for o in cands])[0]

    def _story_id(self) -> str:
        self.n_story += 1
        return f"s{self.n_story:05d}"

    # -- originals ----------------------------------------------------------------------
    def original(
        self,
        rng: random.Random,
        t: datetime,
        epoch: int,
        form: str = "original",
        outlet: Outlet | None = None,
        lang: str | None = None,
        listed: bool = True,
        dated: bool = True,
        prefix: str = "",
        ev: Event | None = None,
    ) -> Art:
        """A root article written by its outlet."""
        if outlet is None:
            pool = [o for o in self.outlets if lang is None or o.lang == lang]
            outlet = self._pick(rng, pool, "origin_weight")
            assert outlet is not None
        ev = ev or self._event(rng, outlet.lang if lang is None else lang)
        w = Writer(random.Random(rng.random()), ev, self.grams)
        title = w.title()
        dek = w.sentence()
        lt = t.astimezone(self._tz(outlet))
        when = f"{EN_MONTHS.split()[lt.month - 1]} {lt.day}" if ev.lang == "en" else ""
        paras = w.body(430, 980, when=when)
        story = self._story_id()
        art = self._new(
            rng,
            outlet,
            ev,
            story,
            form,
            t,
            paras,
            title,
            dek,
            epoch,
            self._author(rng, outlet),
            dated,
            prefix,
        )
        art.listed = listed
        if prefix:
            art.disallowed = True
            art.linked_only = True
        return self._add(rng, art, listed or bool(prefix))

    # -- copies -------------------------------------------------------------------------
    def _credit(self, rng: random.Random, src: Art, lang: str, excerpt: bool = False) -> Credit:
        so = src.outlet
        r = rng.random()
        if r < 0.6:
            href = src.url
        elif r < 0.75 and so.bare_redirect:
            href = src.url.replace(f"//{so.host}/", f"//{so.domain}/", 1)
        else:
            href = so.home
        if excerpt:
            text = EXCERPT[lang]
        else:
            text = rng.choice({"de": CREDIT_DE, "ru": CREDIT_RU}.get(lang, CREDIT_EN))
        return Credit(
            text=text, href=href, anchor=so.name, top=excerpt is False and rng.random() < 0.5
        )

    def copy(
        self,
        rng: random.Random,
        src: Art,
        form: str,
        epoch: int,
        now: datetime,
        taken: set[str],
        credited: bool | None = None,
    ) -> Art | None:
        """Republish ``src`` on another outlet in the given form."""
        cands = [o for o in self.outlets if src.lang in o.langs and o.domain not in taken]
        if form == "h":
            cands = [o for o in cands if "{yyyy}" not in o.url_style]
        o = self._pick(rng, cands, "copy_weight")
        if o is None:
            return None
        taken.add(o.domain)
        delay = timedelta(minutes=rng.randint(90, 60 * 24 * 4))
        t = src.time + delay
        if t > now - timedelta(minutes=5):
            t = src.time + timedelta(minutes=(now - src.time).total_seconds() // 120)
        paras = list(src.paragraphs)
        title, dek = src.title, src.dek
        kind = "full"
        if credited is None:
            credited = {"a": True, "b": True, "c": True, "e": False}.get(form, rng.random() < 0.5)
        if form == "c":
            k = 2
            while k < len(paras) and (
                k < 3 and rng.random() < 0.5 or sum(len(p.split()) for p in paras[:k]) < 50
            ):
                k += 1
            paras = paras[:k]
            kind = "partial"
        elif form == "d":
            w = Writer(random.Random(rng.random()), src.event, self.grams)
            title = w.title()
            intro = w.paragraph(3)
            w.commit()
            paras = [intro] + paras
        elif form == "g":
            drop = rng.randint(1, len(paras) - 1)
            paras = [
                edit_words(rng, p) if rng.random() < 0.4 else p
                for i, p in enumerate(paras)
                if i != drop
            ]
        if o.author_rate == 0:
            author = None
        else:
            r = rng.random()
            author = src.author if r < 0.5 else self._author(rng, o) if r < 0.75 else None
        art = self._new(
            rng,
            o,
            src.event,
            src.story,
            form,
            t,
            paras,
            title,
            dek,
            epoch,
            author,
            dated=form != "h",
        )
        art.source = src
        art.root = src.root or src
        art.kind = kind
        art.credited = credited
        if form == "b":
            art.meta_src["canonical"] = src.url
            if rng.random() < 0.5:
                art.meta_src["og:url"] = src.url
            if rng.random() < 0.4:
                art.meta_src["syndication-source"] = src.url
            if rng.random() < 0.3:
                art.meta_src["original-source"] = src.url
        elif credited:
            art.credit = self._credit(rng, src, src.lang, excerpt=form == "c")
        listed = not (form == "e" and rng.random() < 0.3)
        art.listed = listed
        return self._add(rng, art, listed)

    def story(
        self, rng: random.Random, t: datetime, epoch: int, now: datetime, first_form: str
    ) -> None:
        """A root article and one to four copies, the first in ``first_form``."""
        root = self.original(rng, t, epoch)
        taken = {root.outlet.domain}
        forms = [first_form] + [rng.choice(FORMS) for _ in range(rng.randint(0, 3))]
        for form in forms:
            if form == "f":  # laundering: B copies A uncredited, C copies B and credits B
                b = self.copy(rng, root, "f", epoch, now, taken, credited=False)
                if b is not None:
                    b.listed = True
                    self.copy(rng, b, "f", epoch, now, taken, credited=True)
            else:
                self.copy(rng, root, form, epoch, now, taken)

    def independent(self, rng: random.Random, t: datetime, epoch: int) -> None:
        """Two or three outlets report the same event on their own (not copies)."""
        lang = rng.choice(["en", "en", "en", "de"])
        pool = [o for o in self.outlets if o.lang == lang]
        n = min(len(pool), rng.randint(2, 3))
        outs = rng.sample(pool, n)
        ev = self._event(rng, lang)
        group = []
        for i, o in enumerate(outs):
            ti = t + timedelta(minutes=rng.randint(0, 600) + 30 * i)
            group.append(self.original(rng, ti, epoch, "independent", outlet=o, ev=ev))
        self.indep_groups.append(group)

    def real_event(
        self, rng: random.Random, docs: list[RealDoc], t: datetime, epoch: int, now: datetime
    ) -> None:
        """Real reports of one event (ECB+), each on its own outlet and its own story;
        some of them are republished in the forms a-h like generated originals."""
        ev = self._event(rng, "en")  # invented place and tags; the text is the real one
        ev.key = f"ecb:{docs[0].event}"
        pool = [o for o in self.outlets if "en" in o.langs]
        outs = rng.sample(pool, min(len(pool), len(docs)))
        group = []
        for doc, o in zip(docs[:REAL_PER_EVENT], outs, strict=False):
            ti = t + timedelta(minutes=rng.randint(0, 36 * 60))
            if ti > now - timedelta(hours=1):
                ti = now - timedelta(hours=rng.randint(1, 48))
            first = doc.paragraphs[0].split()
            dek = " ".join(first[:18]) + ("…" if len(first) > 18 else "")
            art = self._new(rng, o, ev, self._story_id(), "independent", ti,
                            list(doc.paragraphs), doc.title, dek, epoch,
                            self._author(rng, o))  # fmt: skip
            self._add(rng, art)
            group.append(art)
        self.indep_groups.append(group)
        for art in group:
            if rng.random() >= REAL_COPIED:
                continue
            self.n_real_copies += 1
            form = FORMS[self.n_real_copies % len(FORMS)]
            taken = {art.outlet.domain}
            if form == "f":
                b = self.copy(rng, art, "f", epoch, now, taken, credited=False)
                if b is not None:
                    self.copy(rng, b, "f", epoch, now, taken, credited=True)
            else:
                self.copy(rng, art, form, epoch, now, taken)

    def edit(self, rng: random.Random, art: Art, epoch: int) -> None:
        """Rewrite one paragraph of ``art`` (same URL, new bytes)."""
        w = Writer(random.Random(rng.random()), art.event, self.grams)
        i = rng.randrange(len(art.paragraphs))
        paras = list(art.paragraphs)
        paras[i] = w.paragraph()
        w.commit()
        art.paragraphs = paras
        art.modified = epoch

    # -- nights -------------------------------------------------------------------------
    def night(
        self,
        rng: random.Random,
        epoch: int,
        scale: int,
        start: datetime,
        end: datetime,
        real: dict[str, list[RealDoc]] | None = None,
    ) -> None:
        """Publish one batch: the initial archive (epoch 0, with the ``real`` events) or
        one night's news."""
        span = (end - start).total_seconds()

        def when() -> datetime:
            return start + timedelta(minutes=rng.randrange(int(span * 0.97) // 60))

        if epoch == 0:
            n_story, n_unique, n_indep = 80 * scale, 72 * scale, 8 * scale
        else:
            target = max(3, round(0.05 * len(self.arts)))
            n_story, n_unique, n_indep = target // 4, target // 5, max(1, target // 40)
            for art in rng.sample(self.editable(epoch), max(1, round(0.02 * len(self.arts)))):
                self.edit(rng, art, epoch)
        for i in range(n_story):
            self.story(rng, when(), epoch, end, FORMS[(i + epoch) % len(FORMS)])
        for _ in range(n_indep):
            self.independent(rng, when(), epoch)
        for i in range(n_unique):
            lang = "ru" if i % 15 == 7 else None
            self.original(
                rng, when(), epoch, "unique", lang=lang, listed=i % 25 != 3, dated=i % 20 != 11
            )
        if epoch == 0 and real:
            rrng = random.Random(f"real:{self.seed}")
            for docs in real.values():
                self.real_event(rrng, docs, start + timedelta(days=rrng.randrange(110)), 0, end)
        if epoch == 0:
            for o in self.outlets:
                if o.disallow:
                    for _ in range(2 * scale):
                        self.original(
                            rng, when(), 0, "unique", outlet=o, prefix=o.disallow, listed=False
                        )

    def editable(self, epoch: int) -> list[Art]:
        """Articles an outlet may revise: its own writing, published on an earlier night."""
        return [a for a in self.arts if a.epoch < epoch and a.source is None and a.published]
