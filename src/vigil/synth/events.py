"""Background events: the ordinary, mostly unremarkable records a household generates.

Calls and non-crime concerns are the most common, then crimes and missing episodes; custody,
police protection and MARAC are rare. Records that belong together are written together and
linked (a domestic call and the crime or concern it led to; a referral and its strategy
discussion). These records are not planted: they may or may not raise alerts, as real data does.
"""

from __future__ import annotations

import math
import random
from typing import Any

from . import config as C
from .clock import DAY, HOUR, MINUTE, Clock
from .names import between, pick, scramble, unknown_mobile, vehicle_registration
from .output import Cast, Emitter, Ref
from .population import Household, Person, Population

# Evening-heavy hours of demand, as command-and-control data shows.
HOURS = (
    0,
    1,
    2,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    16,
    17,
    17,
    18,
    18,
    19,
    19,
    20,
    20,
    21,
    21,
    22,
    22,
    23,
)
GENERAL_CALLS = (
    ("assault", "Caller reports being assaulted outside the address."),
    ("public_order", "Group causing a disturbance in the street, shouting and threats."),
    ("other", "Concern for welfare of a neighbour, not seen for several days."),
    ("other", "Suspicious vehicle parked for hours with engine running."),
    ("public_order", "Neighbour dispute over parking escalating."),
    ("assault", "Fight outside takeaway, one male injured."),
    ("other", "Report of shoplifting, suspect detained by security."),
)
GENERAL_CRIMES = (
    ("Assault occasioning actual bodily harm", "violence"),
    ("Common assault", "violence"),
    ("Robbery of personal property", "robbery"),
    ("Criminal damage to a dwelling", "criminal_damage"),
    ("Theft from a motor vehicle", "other"),
    ("Burglary, dwelling", "other"),
    ("Possession of a controlled drug, class B", "drugs"),
    ("Harassment", "other"),
)
CHILD_CONCERNS = (
    ("child_at_risk", "School report child arriving hungry and in dirty clothes."),
    ("neglect", "Young children found home alone late at night."),
    ("mental_health", "Child expressing thoughts of self-harm to a teacher."),
    ("online_safety", "Child sent explicit images by an unknown adult online."),
    ("child_at_risk", "Child disclosed being hit by a parent's partner."),
    ("exploitation", "Child seen getting into cars with older males."),
)
PUBLIC_PLACES = (
    "Bull Ring",
    "New Street station",
    "Broadway Plaza",
    "Sutton Park",
    "Cannon Hill Park",
    "the canal towpath",
    "Star City",
    "the bus station",
)
DEMEANOURS = (
    "quiet and withdrawn",
    "upset, crying",
    "calm, playing with toys",
    "anxious",
    "clinging to mother",
    "watchful, did not want to talk",
    "settled, chatty",
)
VIEWS = (
    "Says they feel safe at home now.",
    "Wants dad to stop shouting.",
    "Does not want to talk about it.",
    "Wants to stay with nan.",
)


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: event counts per household are small, so this is cheap."""
    if lam <= 0:
        return 0
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Background:
    """Writes one household's background records."""

    def __init__(self, emit: Emitter, pop: Population, clock: Clock, rng: random.Random) -> None:
        self.e = emit
        self.pop = pop
        self.clock = clock
        self.rng = rng
        self.iso = clock.iso
        self.scale = clock.days / 730
        # Duties falling due before this instant were done on time (config.OPEN_FINDINGS_DAYS).
        self.horizon = clock.as_of - C.OPEN_FINDINGS_DAYS * DAY
        self.domestic_abuse = False  # has the household being written had a DA incident?

    # --- helpers -------------------------------------------------------------------------------
    def when(self) -> int:
        rng = self.rng
        day = int(rng.random() * self.clock.days)
        ts = (
            self.clock.start_ts
            + day * DAY
            + HOURS[int(rng.random() * len(HOURS))] * HOUR
            + int(rng.random() * 60) * MINUTE
        )
        # Whole days of 24 hours run an hour past midnight when the clocks went forward in the
        # period: never past an as_of early in its day.
        return ts if ts <= self.clock.as_of else self.clock.as_of

    def recent(self) -> int:
        """Like ``when`` but within the last OPEN_FINDINGS_DAYS: for a current record."""
        rng = self.rng
        span = min(self.clock.days, C.OPEN_FINDINGS_DAYS)
        day = self.clock.days - span + int(rng.random() * span)
        ts = (
            self.clock.start_ts
            + day * DAY
            + HOURS[int(rng.random() * len(HOURS))] * HOUR
            + int(rng.random() * 60) * MINUTE
        )
        return ts if ts <= self.clock.as_of else self.clock.as_of

    def opt(self, ts: int) -> str | None:
        """An instant, or None when it would lie after as_of (not happened yet at extraction)."""
        return self.iso(ts) if ts <= self.clock.as_of else None

    def lapses(self, ts: int) -> bool:
        """May a duty arising at ``ts`` be missed or late? Only in the recent past: a force
        running Vigil closed its older findings, so only recent lapses are still open."""
        return ts >= self.horizon

    def later(self, ts: int, lo_min: int, hi_min: int) -> int:
        return ts + (lo_min + int(self.rng.random() * (hi_min - lo_min))) * MINUTE

    def _fields(self, **fields: Any) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if v is not None}

    def stranger(self) -> Person | None:
        pool = self.pop.recent_adults
        return pool[int(self.rng.random() * len(pool))] if pool else None

    def teen(self) -> Person | None:
        pool = self.pop.recent_teens
        return pool[int(self.rng.random() * len(pool))] if pool else None

    def public_place(self) -> dict[str, str]:
        return {
            "address": f"{pick(self.rng, PUBLIC_PLACES)}, Birmingham",
            "premises_type": "public_place",
        }

    def objects(self, people: list[Person]) -> list[dict[str, str]] | None:
        rng = self.rng
        if rng.random() >= C.SHARE_WITH_OBJECTS:  # the common case, decided with one draw
            return None
        out = []
        if rng.random() < C.SHARE_WITH_VEHICLE:
            out.append(
                {
                    "object_type": "vehicle",
                    "identifier": vehicle_registration(self.pop.object_serial()),
                    "description": pick(
                        rng,
                        (
                            "silver Ford Focus",
                            "black Audi A3",
                            "white Transit van",
                            "blue Vauxhall Corsa",
                        ),
                    ),
                }
            )
        if rng.random() < C.SHARE_WITH_PHONE:
            phones = [p.phone for p in people if p.phone]
            out.append(
                {"object_type": "phone", "identifier": phones[0] if phones else unknown_mobile(rng)}
            )
        if rng.random() < C.SHARE_WITH_ACCOUNT:
            serial = scramble(self.pop.object_serial(), 10**8)
            handle = f"{pick(rng, self.pop.pools.surnames).lower().replace(chr(39), '')}{serial}"
            out.append(
                {
                    "object_type": "online_account",
                    "identifier": f"snapchat:{handle}",
                    "description": "Snapchat account",
                }
            )
        return out or None

    def children_at(self, hh: Household, ts: int) -> list[Person]:
        return [c for c in hh.children if c.born_by(ts) and c.is_child_on(ts)]

    def child_present(self, c: Person, ts: int) -> Cast:
        rng = self.rng
        extra: dict[str, Any] = {}
        r = rng.random() if self.lapses(ts) else rng.random() * 0.75
        # Most children are spoken to and described; some are not (what the inspectors found).
        if r < 0.75:
            extra["spoken_to"] = True
            extra["spoken_to_alone"] = rng.random() < 0.4
            extra["demeanour"] = pick(rng, DEMEANOURS)
            if rng.random() < 0.3:
                extra["views"] = pick(rng, VIEWS)
        elif r < 0.9:
            extra["spoken_to"] = False
            extra["demeanour"] = pick(rng, DEMEANOURS)
        return (c, "child_present", extra)

    def call_grades(self, ts: int, first: str) -> list[dict[str, Any]]:
        grades: list[dict[str, Any]] = [
            {"at": self.iso(ts), "grade": first, "reason": None, "welfare_check": None}
        ]
        if self.rng.random() < 0.1:
            checked = self.rng.random() < 0.8 or not self.lapses(ts)
            grades.append(
                {
                    "at": self.iso(self.later(ts, 10, 60)),
                    "grade": "scheduled",
                    "reason": "No ongoing threat; appointment made with caller.",
                    "welfare_check": checked,
                }
            )
        return grades

    # --- the household -------------------------------------------------------------------------
    def household(self, hh: Household) -> None:
        rng = self.rng
        self.domestic_abuse = False
        for p in hh.adults:  # registered offenders are managed whether or not they offend
            if "rso" in p.flags:
                self.rso(p)
        k = hh.intensity * self.scale
        if k <= 0:
            return
        for _ in range(poisson(rng, k * C.RATE_CALL_GENERAL)):
            self.general_call(hh)
        if hh.adults and (len(hh.adults) > 1 or hh.children) and not hh.in_care:
            for _ in range(poisson(rng, k * C.RATE_CALL_DOMESTIC)):
                self.domestic(hh)
        if hh.children:
            for _ in range(poisson(rng, k * C.RATE_CONCERN_CHILD)):
                self.child_concern(hh)
            if rng.random() < k * C.RATE_POLICE_PROTECTION:
                self.police_protection(hh)
        for _ in range(poisson(rng, k * C.RATE_CRIME_GENERAL)):
            self.general_crime(hh, None)
        start = self.clock.start
        for c in hh.children:
            age = c.age_on(start)
            if 10 <= age <= 17:
                rate = C.RATE_MISSING_CARE if hh.in_care else C.RATE_MISSING_TEEN
                for _ in range(poisson(rng, k * rate)):
                    self.missing(hh, c)
        offenders = [p for p in hh.people if p.pnc]
        if offenders:
            for _ in range(poisson(rng, k * C.RATE_CUSTODY)):
                self.custody(pick(rng, offenders))
            if rng.random() < k * C.RATE_INTELLIGENCE:
                self.intelligence(pick(rng, offenders))

    # --- event kinds ---------------------------------------------------------------------------
    def general_call(self, hh: Household) -> None:
        rng = self.rng
        ts = self.when()
        reporter = pick(rng, hh.adults) if hh.adults else hh.children[0]
        category, text = pick(rng, GENERAL_CALLS)
        cast: list[Cast] = [(reporter, "reporting_person")]
        other = self.stranger()
        if other is not None and other.household is not hh and rng.random() < 0.6:
            cast.append((other, "suspect" if category != "other" else "subject"))
        home = rng.random() < 0.5
        first = pick(
            rng, ("priority", "priority", "scheduled", "emergency", "resolution_without_deployment")
        )
        # Attended within an emergency's 60 or a priority's 240 minutes, unless a recent lapse.
        latest = 200 if self.lapses(ts) else 55
        attended = self.later(ts, 8, latest) if first != "resolution_without_deployment" else None
        ref = self.e.emit(
            "call",
            ts,
            cast,
            location=hh.address_at(ts) if home else self.public_place(),
            objects=self.objects([reporter]),
            summary=text,
            category=category,
            grade_history=self.call_grades(ts, first),
            **self._fields(
                attended_at=attended and self.opt(attended),
                closed_at=self.opt(self.later(ts, 120, 600)),
            ),
        )
        if category == "assault" and rng.random() < 0.5 and len(cast) > 1:
            self.general_crime(hh, ref, ts, victim=reporter, suspect=cast[1][0])

    def general_crime(
        self,
        hh: Household,
        call: Ref | None,
        ts: int | None = None,
        victim: Person | None = None,
        suspect: Person | None = None,
    ) -> None:
        rng = self.rng
        ts = self.later(ts, 30, 180) if ts is not None else self.when()
        people = [p for p in hh.people if p.born_by(ts)]
        victim = victim or pick(rng, people)
        offence, group = pick(rng, GENERAL_CRIMES)
        cast: list[Cast] = [(victim, "victim")]
        suspect = suspect or (self.stranger() if rng.random() < 0.5 else None)
        if suspect is not None and suspect is not victim:
            cast.append((suspect, "suspect"))
        if rng.random() < 0.2 and (w := self.stranger()) is not None and w not in (victim, suspect):
            cast.append((w, "witness"))
        status = "closed" if rng.random() < 0.6 else "open"
        ref = self.e.emit(
            "crime",
            ts,
            cast,
            location=hh.address_at(ts) if rng.random() < 0.6 else self.public_place(),
            links=[call] if call else None,
            objects=self.objects([victim]),
            summary=f"{offence} reported.",
            offence=offence,
            offence_group=group,
            flags=[],
            status=status,
            **self._fields(outcome="No further action" if status == "closed" else None),
        )
        if victim.is_child_on(ts) and rng.random() < C.SHARE_CRIME_INVESTIGATED:
            self.investigation(ts, cast, ref, group)

    def domestic(self, hh: Household) -> None:
        rng = self.rng
        ts = self.when()
        self.domestic_abuse = True
        women = [a for a in hh.adults if a.gender == "female"] or hh.adults
        victim = pick(rng, women)
        partners = [a for a in hh.adults if a is not victim]
        suspect = partners[0] if partners else self.stranger()
        cast: list[Cast] = [(victim, "victim")]
        if suspect is not None:
            cast.append((suspect, "suspect"))
        kids = self.children_at(hh, ts)
        cast += [self.child_present(c, ts) for c in kids]
        if rng.random() < 0.3 and (n := self.stranger()) is not None and n is not suspect:
            cast.append((n, "reporting_person"))
        home = hh.address_at(ts)
        first = "emergency" if rng.random() < 0.3 else "priority"
        lapses = self.lapses(ts)
        attended = self.later(
            ts, 5, (90 if lapses else 55) if first == "emergency" else (300 if lapses else 230)
        )
        call = self.e.emit(
            "call",
            ts,
            cast,
            location=home,
            category="domestic",
            summary="Reports of shouting and banging; partners arguing.",
            grade_history=self.call_grades(ts, first),
            **self._fields(
                attended_at=self.opt(attended), closed_at=self.opt(self.later(ts, 120, 400))
            ),
        )
        high = rng.random() < C.SHARE_DA_HIGH
        yes = between(rng, 14, 22) if high else between(rng, 0, 13)
        assessed = self.later(ts, 60, 240)
        risk = {
            "tool": pick(rng, ("DASH", "DASH", "DARA")),
            "level": "high" if high else pick(rng, ("standard", "standard", "medium")),
            "yes_count": yes,
            "assessed_at": self.iso(assessed),
        }
        follow = self.later(ts, 30, 200)
        if follow > self.clock.as_of:
            return
        if rng.random() < C.SHARE_DA_CRIME:
            self.e.emit(
                "crime",
                follow,
                cast[:2],
                location=home,
                links=[call],
                offence="Assault by beating",
                offence_group="domestic_abuse",
                flags=["domestic_abuse"],
                status="open",
                summary="Domestic assault; victim has visible injuries.",
            )
        ppn = self.e.emit(
            "concern",
            follow,
            cast,
            location=home,
            links=[call],
            concern_type="domestic_abuse_noncrime",
            risk_assessment=risk,
            referred_to=[{"agency": "school", "at": self.iso(follow + 12 * HOUR)}] if kids else [],
            summary="Public protection notice: domestic incident with children in the household."
            if kids
            else "Public protection notice: domestic incident.",
        )
        if kids and rng.random() < 0.4:
            self.referral(kids, follow, ppn, victim)
        if high and (rng.random() < 0.8 or not lapses):
            parties: list[Cast] = [(victim, "victim")]
            if suspect is not None:
                parties.append((suspect, "suspect"))
            parties += [(c, "household_member") for c in kids]
            # Referred once the risk is assessed: ALERTS.md v1.1 counts a MARAC from the
            # assessment's assessed_at to 14 days after it, not before.
            self.marac(max(follow, assessed), parties, ppn)

    def child_concern(self, hh: Household) -> None:
        rng = self.rng
        ts = self.when()
        kids = self.children_at(hh, ts)
        if not kids:
            return
        concern_type, text = pick(rng, CHILD_CONCERNS)
        cast: list[Cast] = [self.child_present(c, ts) for c in kids[:3]]
        cast += [(a, "parent_carer") for a in hh.adults[:2]]
        school = hh.school
        at_school = school is not None and rng.random() < 0.3
        referred = [{"agency": "childrens_social_care", "at": self.iso(self.later(ts, 60, 600))}]
        if rng.random() < 0.3:
            referred.append({"agency": "health", "at": self.iso(self.later(ts, 60, 900))})
        ref = self.e.emit(
            "concern",
            ts,
            cast,
            location=school if at_school else hh.address_at(ts),
            nhs=True,
            concern_type=concern_type,
            referred_to=referred,
            summary=text,
        )
        if rng.random() < C.SHARE_CHILD_CONCERN_REFERRED:
            self.referral(kids[:3], ts, ref, hh.adults[0] if hh.adults else None)

    def referral(self, kids: list[Person], ts: int, about: Ref, carer: Person | None) -> None:
        rng = self.rng
        sent = self.later(ts, 60, 1440)
        if sent > self.clock.as_of:
            return
        received = self.later(sent, 1, 90)
        decided = (
            self.later(received, 60, 1300) if rng.random() < 0.93 or not self.lapses(sent) else None
        )
        decision = pick(
            rng,
            (
                "no_further_action",
                "early_help",
                "section_17",
                "section_17",
                "section_47",
                "already_open",
            ),
        )
        cast: list[Cast] = [(c, "subject") for c in kids]
        if carer is not None:
            cast.append((carer, "parent_carer"))
        ref = self.e.emit(
            "referral",
            sent,
            cast,
            links=[about],
            nhs=True,
            from_unit="MASH police desk",
            to_agency=pick(rng, ("childrens_social_care", "childrens_social_care", "mash")),
            sent_at=self.iso(sent),
            **self._fields(
                received_at=self.opt(received),
                decision_at=decided and self.opt(decided),
                decision=decision if decided and decided <= self.clock.as_of else None,
            ),
        )
        if decided and decision == "section_47" and decided < self.clock.as_of:
            self.strategy(kids, decided, ref, carer)

    def strategy(self, kids: list[Person], ts: int, about: Ref, carer: Person | None) -> None:
        rng = self.rng
        held = self.later(ts, 120, 3 * 1440)
        if held > self.clock.as_of:
            return
        actions = [
            {
                "description": "Joint visit to see the children",
                "owner": "police",
                "due_at": self.iso(held + 2 * DAY),
                "done_at": self.opt(self.later(held, 600, 2800)),
            },
            {
                "description": "Health check and school liaison",
                "owner": "health",
                "due_at": self.iso(held + 7 * DAY),
                "done_at": self.opt(self.later(held, 1440, 9000)),
            },
        ]
        cast: list[Cast] = [(c, "subject") for c in kids]
        if carer is not None:
            cast.append((carer, "parent_carer"))
        self.e.emit(
            "strategy_discussion",
            held,
            cast,
            links=[about],
            nhs=True,
            held_at=self.iso(held),
            agencies=["police", "childrens_social_care", "health", "education"],
            decisions="Section 47 enquiries to proceed.",
            actions=actions,
        )
        if rng.random() < 0.45:
            started = held + 15 * DAY
            # A plan in a household with domestic abuse makes its DA risk assessments look too
            # low (DA_RISK_UNDERESTIMATED, for two years): a lapse, so only a recent one.
            if started < self.clock.as_of and (self.lapses(started) or not self.domestic_abuse):
                self.e.emit(
                    "cp_plan",
                    started,
                    [(c, "subject") for c in kids],
                    nhs=True,
                    started_at=self.iso(started),
                    category=pick(
                        rng, ("neglect", "physical", "emotional", "sexual", "multiple", "neglect")
                    ),
                )

    def marac(self, ts: int, cast: list[Cast], about: Ref) -> None:
        rng = self.rng
        meeting = ts + (10 + int(rng.random() * 20)) * DAY
        if ts > self.clock.as_of:
            return
        actions = [
            {
                "description": "Safety plan and target hardening",
                "owner": "IDVA",
                "due_at": self.iso(meeting + 14 * DAY),
                "done_at": self.opt(
                    meeting + int(rng.random() * (20 if self.lapses(meeting) else 14)) * DAY
                ),
            }
        ]
        self.e.emit(
            "marac",
            ts,
            cast,
            links=[about],
            referred_at=self.iso(ts),
            criteria=pick(rng, ("visible_high_risk", "professional_judgement")),
            information_shared_before=rng.random() < 0.9 or not self.lapses(meeting),
            **self._fields(
                meeting_at=self.opt(meeting),
                actions=actions if meeting <= self.clock.as_of else None,
            ),
        )

    def missing(self, hh: Household, child: Person) -> None:
        rng = self.rng
        ts = self.when()
        if not child.is_child_on(ts):
            return
        home = hh.address_at(ts)
        reporter: Person | None
        if hh.in_care:
            staff = self.pop.staff.get(home.line)
            reporter = pick(rng, staff) if staff else None
        else:
            reporter = hh.adults[0] if hh.adults else None
        cast: list[Cast] = [(child, "missing_person")]
        if reporter is not None:
            cast.append((reporter, "reporting_person"))
        found = self.later(ts, 120, 2880)
        risk = pick(rng, ("no_apparent", "low", "low", "medium", "medium", "high"))
        indicators = []
        if rng.random() < 0.12:
            indicators = rng.sample(
                (
                    "older_associates",
                    "unexplained_gifts",
                    "seen_in_vehicle",
                    "found_with_adult",
                    "drugs",
                    "hotel",
                    "out_of_area",
                ),
                2,
            )
        lapses = self.lapses(found)
        # Within the 72 hours (4,320 minutes) after being found, unless a recent lapse.
        interview = (
            self.later(found, 600, 6000 if lapses else 4000)
            if rng.random() < 0.85 or not lapses
            else None
        )
        self.e.emit(
            "missing",
            ts,
            cast,
            location=home,
            classification="absent" if risk == "no_apparent" else "missing",
            risk_level=risk,
            reported_at=self.iso(self.later(ts, 0, 90)),
            from_care=hh.in_care,
            exploitation_indicators=indicators,
            summary="Did not return home at the agreed time.",
            **self._fields(
                found_at=self.opt(found),
                found_location=self.public_place() if rng.random() < 0.5 else None,
                safe_and_well_at=self.opt(self.later(found, 30, 900)),
                return_interview_offered_at=self.opt(self.later(found, 60, 1440)),
                return_interview_completed_at=interview and self.opt(interview),
            ),
        )

    def custody(self, p: Person) -> None:
        rng = self.rng
        ts = self.when()
        if not p.born_by(ts - 10 * 365 * DAY):
            return
        child = p.is_child_on(ts)
        authorised = self.later(ts, 5, 40)
        released = self.later(ts, 180, 1400)
        fields: dict[str, Any] = {
            "grounds": pick(rng, ("offence", "offence", "offence", "breach", "warrant")),
            "offence": pick(rng, GENERAL_CRIMES)[0],
            "arrived_at": self.iso(ts),
            "detention_authorised_at": self.iso(authorised),
            "reviews": [self.iso(authorised + 6 * HOUR - 20 * MINUTE)]
            if released > authorised + 6 * HOUR
            else [],
            "healthcare_seen_at": self.opt(self.later(ts, 30, 180)),
            "released_at": self.opt(released),
        }
        if child:
            fields["appropriate_adult_requested_at"] = self.iso(self.later(authorised, 5, 30))
            fields["appropriate_adult_arrived_at"] = self.opt(
                self.later(authorised, 40, 180 if self.lapses(authorised) else 115)
            )
            fields["referral_to_csc_at"] = self.opt(self.later(ts, 60, 500))
        self.e.emit(
            "custody",
            ts,
            [(p, "detainee")],
            pnc=True,
            location={
                "address": pick(
                    rng,
                    (
                        "Perry Barr custody suite, Birmingham",
                        "Oldbury custody suite, Oldbury",
                        "Coventry central custody, Coventry",
                    ),
                ),
                "premises_type": "police_station",
            },
            **{k: v for k, v in fields.items() if v is not None},
        )

    def intelligence(self, p: Person) -> None:
        rng = self.rng
        ts = self.when()
        cast: list[Cast] = [(p, "subject")]
        topics = [pick(rng, ("other", "other", "county_lines", "cce", "online"))]
        assoc = self.teen() if topics[0] in ("county_lines", "cce") else self.stranger()
        if assoc is not None and assoc is not p:
            cast.append((assoc, "associate"))
        self.e.emit(
            "intelligence",
            ts,
            cast,
            objects=self.objects([p]),
            summary="Intelligence received.",
            grading=pick(rng, ("B2 1", "C3 1", "B3 2", "E4 1")),
            topics=topics,
            **self._fields(follow_up_at=self.opt(self.later(ts, 600, 8000))),
        )

    def investigation(self, ts: int, cast: list[Cast], crime: Ref, group: str) -> None:
        rng = self.rng
        opened = self.later(ts, 60, 2880)
        if opened > self.clock.as_of:
            return
        activity = []
        t = opened
        for _ in range(between(rng, 1, 6)):
            t += int(rng.random() * 20 * DAY)
            if t > self.clock.as_of:
                break
            activity.append(
                {
                    "at": self.iso(t),
                    "type": pick(
                        rng,
                        ("statement", "house_to_house", "cctv", "interview", "update_to_victim"),
                    ),
                    "note": "Enquiries ongoing.",
                }
            )
        closed = opened + int(rng.random() * 120 * DAY)
        self.e.emit(
            "investigation",
            opened,
            cast,
            links=[crime],
            opened_at=self.iso(opened),
            allocations=[
                {
                    "at": self.iso(self.later(opened, 30, 600)),
                    "officer_id": f"PC{between(rng, 1000, 9999)}",
                    "team": "CID",
                    "specialist": False,
                }
            ],
            activity=activity,
            supervisory_reviews=[
                {
                    "at": self.iso(min(opened + 14 * DAY, self.clock.as_of)),
                    "by": f"DS{between(rng, 100, 999)}",
                }
            ],
            offence_group=group,
            flags=[],
            **self._fields(
                closed_at=self.opt(closed),
                outcome="Evidential difficulties" if closed <= self.clock.as_of else None,
            ),
        )

    def police_protection(self, hh: Household) -> None:
        rng = self.rng
        ts = self.when()
        kids = self.children_at(hh, ts)
        if not kids:
            return
        ended = self.later(ts, 300, 4000)
        cast: list[Cast] = [(c, "subject") for c in kids[:2]]
        cast += [(a, "parent_carer") for a in hh.adults[:1]]
        self.e.emit(
            "police_protection",
            ts,
            cast,
            location=hh.address_at(ts),
            started_at=self.iso(ts),
            designated_officer=f"Insp {self.pop.pools.surnames[rng.randrange(100)]}",
            local_authority_informed_at=self.iso(self.later(ts, 10, 110)),
            parents_informed_at=self.iso(self.later(ts, 10, 200)),
            **self._fields(
                ended_at=self.opt(ended),
                end_reason="la_accommodation" if ended <= self.clock.as_of else None,
                protective_plan="Placed with foster carers pending strategy meeting.",
            ),
        )

    def rso(self, p: Person) -> None:
        rng = self.rng
        # The offender's management record as it stands, updated lately: an older latest record
        # would make its ARMS and visits overdue by years.
        ts = self.recent()
        registered = self.clock.start_ts - int(rng.random() * 3000) * DAY
        risk = pick(rng, ("low", "medium", "medium", "high", "very_high"))
        visits = sorted(ts - int(rng.random() * 300) * DAY for _ in range(between(rng, 1, 5)))
        if not self.lapses(visits[-1]):  # a visit missed long ago was made up since
            visits[-1] = ts - int(rng.random() * 60) * DAY
            visits.sort()
        self.e.emit(
            "rso",
            ts,
            [(p, "offender")],
            pnc=True,
            location=p.household.address_at(ts),
            registered_at=self.iso(registered),
            risk_level=risk,
            management="active",
            arms_assessed_at=self.iso(ts - int(rng.random() * 200) * DAY),
            visits=[self.iso(v) for v in visits],
            flagged_on=["crime", "command_and_control"] if rng.random() < 0.9 else ["crime"],
        )
