"""Children in custody."""

from __future__ import annotations

from typing import Any

from tests.rules.builders import Case, iso

CUS = ("sys", "CUS-1")


def custody(case: Case, person: str = "amy", **fields: Any) -> None:
    base = {
        "arrived_at": iso("2014-03-06 14:00"),
        "detention_authorised_at": iso("2014-03-06 14:20"),
    }
    case.add("custody", "CUS-1", "2014-03-06 14:00", [(person, "detainee")], **(base | fields))


def test_aa_delay() -> None:
    case = Case()
    custody(
        case,
        appropriate_adult_arrived_at=iso("2014-03-06 16:21"),
        released_at=iso("2014-03-06 20:00"),
    )
    finding = case.one("2014-03-10 12:00", "CUSTODY_AA_DELAY", CUS)
    assert finding.explanation == (
        "Appropriate adult for a child whose detention was authorised 6 March 2014 at 14:20 "
        "arrived 6 March 2014 at 16:21, 2.0 hours after, 1 minute late (threshold 2 hours)."
    )
    waiting = Case()
    custody(waiting)
    assert waiting.subjects("2014-03-06 16:20", "CUSTODY_AA_DELAY") == set()
    assert "had not arrived" in waiting.one("2014-03-06 16:21", "CUSTODY_AA_DELAY", CUS).explanation


def test_aa_in_time_or_adult_detainee_does_not_fire() -> None:
    case = Case()
    custody(case, appropriate_adult_arrived_at=iso("2014-03-06 16:20"))
    assert case.subjects("2014-03-10 12:00", "CUSTODY_AA_DELAY") == set()
    adult = Case()
    custody(adult, person="cara")
    assert adult.subjects("2014-03-10 12:00", "CUSTODY_AA_DELAY") == set()
    released = Case()  # released within 2 hours without an appropriate adult
    custody(released, released_at=iso("2014-03-06 15:00"))
    assert released.subjects("2014-03-10 12:00", "CUSTODY_AA_DELAY") == set()


CHARGED = {"charged_at": iso("2014-03-06 18:00"), "bail_refused": True}


def test_no_transfer_and_no_certificate() -> None:
    case = Case()
    custody(case, **CHARGED)
    finding = case.one("2014-03-07 12:00", "CUSTODY_NO_TRANSFER", CUS)
    assert finding.explanation == (
        "Child charged 6 March 2014 at 18:00 and refused bail was not transferred to local "
        "authority accommodation: no local authority accommodation was requested."
    )
    certificate = case.one("2014-03-07 12:00", "CUSTODY_NO_CERTIFICATE", CUS)
    assert certificate.explanation == (
        "Child charged 6 March 2014 at 18:00, refused bail and not transferred, with no PACE "
        "s38(7) certificate explaining why."
    )


def test_no_transfer_not_when_escalated_or_transferred() -> None:
    escalated = Case()
    custody(
        escalated,
        **CHARGED,
        accommodation_requested_at=iso("2014-03-06 18:30"),
        accommodation_outcome="refused",
        accommodation_escalated_at=iso("2014-03-06 19:00"),
        detention_certificate_at=iso("2014-03-06 20:00"),
    )
    assert escalated.subjects("2014-03-07 12:00", "CUSTODY_NO_TRANSFER") == set()
    assert escalated.subjects("2014-03-07 12:00", "CUSTODY_NO_CERTIFICATE") == set()
    transferred = Case()
    custody(transferred, **CHARGED, transferred_at=iso("2014-03-06 22:00"))
    assert transferred.subjects("2014-03-07 12:00", "CUSTODY_NO_TRANSFER") == set()
    assert transferred.subjects("2014-03-07 12:00", "CUSTODY_NO_CERTIFICATE") == set()
    bailed = Case()
    custody(bailed, charged_at=iso("2014-03-06 18:00"), bail_refused=False)
    assert bailed.subjects("2014-03-07 12:00", "CUSTODY_NO_TRANSFER") == set()


def test_long_detention() -> None:
    case = Case()
    custody(case, released_at=iso("2014-03-07 14:00"))
    finding = case.one("2014-03-10 12:00", "CUSTODY_LONG_DETENTION", CUS)
    assert finding.explanation == (
        "Child held in custody for 24 hours from 6 March 2014 at 14:00 (threshold 24 hours)."
    )
    short = Case()
    custody(short, released_at=iso("2014-03-07 13:59"))
    assert short.subjects("2014-03-10 12:00", "CUSTODY_LONG_DETENTION") == set()
    assert Case().subjects("2014-03-10 12:00", "CUSTODY_LONG_DETENTION") == set()


def test_no_referral_overnight_or_vulnerable() -> None:
    case = Case()
    custody(case, released_at=iso("2014-03-07 01:00"))
    finding = case.one("2014-03-10 12:00", "CUSTODY_NO_REFERRAL", CUS)
    assert finding.explanation == (
        "Detained child held overnight (in custody at 7 March 2014 at 00:00) with no referral "
        "to children's social care recorded."
    )
    vulnerable = Case()
    vulnerable.add(
        "concern", "C-1", "2013-01-01 10:00", [("amy", "subject", {"flags": ["mental_health"]})]
    )
    custody(vulnerable, released_at=iso("2014-03-06 18:00"))
    assert (
        "vulnerable (mental health)"
        in vulnerable.one("2014-03-10 12:00", "CUSTODY_NO_REFERRAL", CUS).explanation
    )


def test_no_referral_not_for_daytime_or_referred() -> None:
    case = Case()
    custody(case, released_at=iso("2014-03-06 23:59"))
    assert case.subjects("2014-03-10 12:00", "CUSTODY_NO_REFERRAL") == set()
    referred = Case()
    custody(
        referred, released_at=iso("2014-03-07 09:00"), referral_to_csc_at=iso("2014-03-06 19:00")
    )
    assert referred.subjects("2014-03-10 12:00", "CUSTODY_NO_REFERRAL") == set()
    rso_only = Case()
    rso_only.add("concern", "C-1", "2013-01-01 10:00", [("amy", "subject", {"flags": ["rso"]})])
    custody(rso_only, released_at=iso("2014-03-06 18:00"))
    assert rso_only.subjects("2014-03-10 12:00", "CUSTODY_NO_REFERRAL") == set()
