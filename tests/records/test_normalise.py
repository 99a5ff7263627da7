"""Address normalisation: what identifies a dwelling (issue 11 item 21, ALERTS.md 'Address').

Before, an address was keyed by its text before the first comma, so without a postcode every
'Flat 4' in the force was one place.
"""

from __future__ import annotations

import pytest

from vigil.records.normalise import LOCATION_KEY_MAX, address_line, location_key


def test_flats_in_different_towns_without_a_postcode_are_different_places() -> None:
    henry = location_key("Flat 4, 1 Henry Avenue, Coventry", None)
    garner = location_key("Flat 4, 103 Garner Street, Birmingham", None)
    assert henry is not None and garner is not None and henry != garner
    assert henry == "|flat 4 1 henry avenue, coventry"


def test_the_same_street_in_two_towns_is_two_places_without_a_postcode() -> None:
    assert location_key("12 Oak Road, Coventry", None) != location_key(
        "12 Oak Road, Birmingham", None
    )


def test_flats_in_one_postcode_keep_their_street() -> None:
    """Two buildings in one postcode each with a flat 4."""
    assert location_key("Flat 4, 1 Henry Avenue, Coventry", "CV1 1AA") != location_key(
        "Flat 4, 3 Henry Avenue, Coventry", "CV1 1AA"
    )
    assert location_key("Flat 4, 1 Henry Avenue", "CV1 1AA") != location_key(
        "Flat 5, 1 Henry Avenue", "CV1 1AA"
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # abbreviations
        ("12 High St, Coventry", "12 High Street, Coventry"),
        ("3 Station Rd, Coventry", "3 Station Road, Coventry"),
        ("5 Elm Ave, Coventry", "5 Elm Avenue, Coventry"),
        ("7 Mill Ln, Coventry", "7 Mill Lane, Coventry"),
        ("9 Ash Cl, Coventry", "9 Ash Close, Coventry"),
        ("2 Park Cres, Coventry", "2 Park Crescent, Coventry"),
        ("4 Oak Gdns, Coventry", "4 Oak Gardens, Coventry"),
        ("12 St Mary's Rd, Coventry", "12 Saint Marys Road, Coventry"),
        ("1 St James St, Coventry", "1 Saint James Street, Coventry"),
        # case, punctuation and spacing
        ("FLAT 4, 1 HENRY AVENUE, COVENTRY", "flat 4, 1 henry avenue, coventry"),
        ("Flat 4,  1 Henry Avenue ,Coventry.", "Flat 4, 1 Henry Avenue, Coventry"),
        ("Flat 4 1 Henry Avenue, Coventry", "Flat 4, 1 Henry Avenue, Coventry"),
        # flat and house numbers written differently
        ("Apt. 4, 1 Henry Avenue, Coventry", "Flat 4, 1 Henry Avenue, Coventry"),
        ("Apartment 4, 1 Henry Avenue, Coventry", "Flat 4, 1 Henry Avenue, Coventry"),
        ("Flat No. 4, 1 Henry Avenue, Coventry", "Flat 4, 1 Henry Avenue, Coventry"),
        ("1 Henry Avenue, Flat 4, Coventry", "Flat 4, 1 Henry Avenue, Coventry"),
        ("No. 12 Oak Road, Coventry", "12 Oak Road, Coventry"),
        # the town with or without a comma, a county or country after it, a postcode in the text
        ("1 Henry Avenue Coventry", "1 Henry Avenue, Coventry"),
        ("1 Henry Avenue, Coventry, West Midlands", "1 Henry Avenue, Coventry"),
        ("1 Henry Avenue, Coventry, UK", "1 Henry Avenue, Coventry"),
        ("1 Henry Avenue, Coventry CV1 1AA", "1 Henry Avenue, Coventry"),
        ("Zoë Court, 1 Henry Avenue, Coventry", "Zoe Court, 1 Henry Avenue, Coventry"),
    ],
)
def test_one_dwelling_written_differently_is_one_place(one: str, other: str) -> None:
    assert location_key(one, None) == location_key(other, None) is not None
    assert location_key(one, "CV1 1AA") == location_key(other, "CV1 1AA") is not None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("12 Oak Road, Coventry", "14 Oak Road, Coventry"),
        ("12 Oak Road, Coventry", "12a Oak Road, Coventry"),
        ("12 Oak Road, Coventry", "12 Oak Street, Coventry"),
        ("12 Station Road North, Coventry", "12 Station Road South, Coventry"),
        ("Flat 1, 12 Oak Road, Coventry", "Flat 2, 12 Oak Road, Coventry"),
        ("Flat 1, 12 Oak Road, Coventry", "12 Oak Road, Coventry"),
    ],
)
def test_different_dwellings_stay_apart(one: str, other: str) -> None:
    assert location_key(one, None) != location_key(other, None)
    assert location_key(one, "CV1 1AA") != location_key(other, "CV1 1AA")


def test_with_a_postcode_the_town_does_not_count() -> None:
    """ALERTS.md: postcode plus the first line; the town adds nothing a postcode does not say."""
    assert (
        location_key("1 Henry Avenue, Coventry", "cv1 1aa")
        == location_key("1 Henry Avenue", "CV11AA")
        == "CV1 1AA|1 henry avenue"
    )
    # Present and absent postcodes are not matched to each other.
    assert location_key("1 Henry Avenue, Coventry", "CV1 1AA") != location_key(
        "1 Henry Avenue, Coventry", None
    )


def test_what_does_not_identify_a_dwelling_gives_no_key() -> None:
    assert location_key("1 Henry Avenue", None) is None  # no postcode, no town
    assert location_key("Flat 4", None) is None  # neither street nor town
    assert location_key("Flat 4, Coventry", None) is None  # no street or building
    assert location_key("12, Coventry", None) is None
    assert location_key(None, "CV1 1AA") is None  # a postcode alone
    assert location_key("Flat 4", "CV1 1AA") is None  # which building's flat 4?
    assert location_key("", None) is None
    assert location_key(", ,", "CV1 1AA") is None


def test_a_postcode_not_in_the_national_format_counts_as_none() -> None:
    """'N/A' is not a place: the town decides, as with no postcode."""
    assert location_key("12 Oak Road, Coventry", "N/A") == location_key(
        "12 Oak Road, Coventry", None
    )
    assert location_key("12 Oak Road, Coventry", "N/A") != location_key(
        "12 Oak Road, Walsall", "N/A"
    )


def test_named_buildings_and_places() -> None:
    assert location_key("Meadow House, 22 Station Road, Worcester", "WR1 3AA") == (
        "WR1 3AA|meadow house 22 station road"
    )
    assert (
        location_key("The Cottage, Mill Lane, Coventry", None) == "|the cottage mill lane, coventry"
    )
    assert location_key("Bus station, Walsall", None) == "|bus station, walsall"
    assert address_line("Flat 4, 1 Henry Ave, Coventry") == "flat 4 1 henry avenue"


def test_a_long_address_gives_a_key_that_fits_its_column() -> None:
    long = "Flat 4, " + "Very Long Building Name " * 30 + ", 1 Henry Avenue, Coventry"
    other = "Flat 5, " + "Very Long Building Name " * 30 + ", 1 Henry Avenue, Coventry"
    one, two = location_key(long, None), location_key(other, None)
    assert one is not None and two is not None
    assert len(one) <= LOCATION_KEY_MAX and len(two) <= LOCATION_KEY_MAX and one != two
