"""Issue 15 item 6: a review queue that can be worked — the most uncertain pairs first, pairs
already linked out of the way unless asked for, filters by person, score band and source system,
and one person's links reviewed on a page of their own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import person, record
from vigil.audit.models import AuditEntry
from vigil.identity import queue
from vigil.identity.models import LinkDecision, MentionLink, Person, ReviewPair
from vigil.identity.store import relink_all
from vigil.records.models import PersonMention

pytestmark = pytest.mark.django_db
REVIEWS = reverse("identity:reviews")
NAMES = [
    ("Amy", "Stone", "2012-04-01", "storm"),
    ("Amelia", "Stone", "2012-04-01", "niche"),
    ("Ben", "Carter", "2011-02-03", "storm"),
    ("Benjamin", "Carter", "2011-02-03", "niche"),
    ("Cara", "Dune", "2010-05-06", "storm"),
    ("Kara", "Doone", "2010-05-06", "storm"),
]


@pytest.fixture
def pairs(import_records: Callable[..., Any]) -> dict[str, ReviewPair]:
    """Six people, one record each (so six persons), and four pending pairs:
    'amy' (0.91, already one person), 'amy_ben' (0.55), 'ben' (0.99, already one person) and
    'cara' (0.75)."""
    import_records(
        [
            record(
                "call" if system == "storm" else "crime",
                f"R-{i}",
                [
                    person(
                        "p",
                        "child_present" if system == "storm" else "victim",
                        forename,
                        surname,
                        dob,
                        address=f"{i} Mill Lane, Leeds",
                        postcode="LS2 7AB",
                    )
                ],
                day=f"2025-0{i + 1}-10",
                source_system=system,
                **({"offence_group": "violence"} if system == "niche" else {}),
            )
            for i, (forename, surname, dob, system) in enumerate(NAMES)
        ]
    )
    relink_all(actor="test")
    ReviewPair.objects.all().delete()
    m = sorted(PersonMention.objects.all(), key=lambda x: x.pk)
    links = {link.mention_id: link for link in MentionLink.objects.all()}
    now = timezone.now()
    # Two pairs already one person (the model linked them); Cara and Kara two people.
    for first, second in ((0, 1), (2, 3)):
        MentionLink.objects.filter(mention=m[second]).update(person=links[m[first].pk].person)
    if links[m[4].pk].person_id == links[m[5].pk].person_id:
        kara = Person.objects.create(person_id="P-test-kara", created_at=now)
        MentionLink.objects.filter(mention=m[5]).update(person=kara)
    assert len(set(MentionLink.objects.values_list("person_id", flat=True))) == 4

    def make(a: int, b: int, p: float) -> ReviewPair:
        return ReviewPair.objects.create(
            mention_a=m[a],
            mention_b=m[b],
            match_probability=p,
            linked_by_model=p >= 0.9,
            raised_at=now,
        )

    return {
        "amy": make(0, 1, 0.91),
        "amy_ben": make(0, 2, 0.55),
        "ben": make(2, 3, 0.99),
        "cara": make(4, 5, 0.75),
    }


def shown(response: Any) -> list[int]:
    return [int(x) for x in re.findall(r'id="pair-(\d+)"', response.content.decode())]


def test_most_uncertain_first_and_linked_pairs_left_out(
    as_role: Any, pairs: dict[str, ReviewPair]
) -> None:
    client, _ = as_role("mash")
    response = client.get(REVIEWS)
    assert response.status_code == 200
    # 0.75 is nearer the link threshold (0.9) than 0.55; the linked 0.91 and 0.99 are left out.
    assert shown(response) == [pairs["cara"].pk, pairs["amy_ben"].pk]
    assert "2 pairs to review" in response.content.decode()
    everything = client.get(REVIEWS, {"linked": "on"})
    assert shown(everything) == [
        pairs["amy"].pk,  # 0.01 from the threshold
        pairs["ben"].pk,  # 0.09
        pairs["cara"].pk,  # 0.15
        pairs["amy_ben"].pk,  # 0.35
    ]


def test_a_pair_the_model_linked_below_the_threshold_stays(
    as_role: Any, pairs: dict[str, ReviewPair]
) -> None:
    """Already one person but scored under the link threshold (a person linked them through
    others): still uncertain, so still shown."""
    ReviewPair.objects.filter(pk=pairs["amy"].pk).update(match_probability=0.8)
    client, _ = as_role("mash")
    assert pairs["amy"].pk in shown(client.get(REVIEWS))


def test_filters_by_person_band_and_source(as_role: Any, pairs: dict[str, ReviewPair]) -> None:
    client, _ = as_role("mash")
    amy = MentionLink.objects.get(mention=pairs["amy"].mention_a).person
    by_name = client.get(REVIEWS, {"person": "amy  stone", "linked": "on"})
    assert set(shown(by_name)) == {pairs["amy"].pk, pairs["amy_ben"].pk}
    by_id = client.get(REVIEWS, {"person": amy.person_id})
    assert shown(by_id) == [pairs["amy_ben"].pk]
    by_surname = client.get(REVIEWS, {"person": "Doone"})
    assert shown(by_surname) == [pairs["cara"].pk]
    nobody = client.get(REVIEWS, {"person": "Zed Nobody"})
    assert shown(nobody) == [] and "No one held is called" in nobody.content.decode()

    assert shown(client.get(REVIEWS, {"band": "50-70"})) == [pairs["amy_ben"].pk]
    assert shown(client.get(REVIEWS, {"band": "70-90"})) == [pairs["cara"].pk]
    assert shown(client.get(REVIEWS, {"band": "90-100"})) == []
    assert shown(client.get(REVIEWS, {"band": "90-100", "linked": "on"})) == [
        pairs["amy"].pk,
        pairs["ben"].pk,
    ]
    queue.reset_source_systems()
    niche = client.get(REVIEWS, {"source": "niche", "linked": "on"})
    assert shown(niche) == [pairs["amy"].pk, pairs["ben"].pk]
    text = niche.content.decode()
    assert "Niche (crimes, intelligence and investigations)" in text
    entry = AuditEntry.objects.filter(action="identity.list_reviews").last()
    assert entry is not None and entry.detail["filters"] == {"source": "niche", "linked": True}


@pytest.mark.parametrize(
    "query",
    [
        {"band": "10-20"},
        {"source": "no-such-system"},
        {"person": "x" * 101},
        {"person": "a\x00b"},
        {"page": "two"},
    ],
)
def test_bad_filter_values_get_the_400_page(
    as_role: Any, pairs: dict[str, ReviewPair], query: dict[str, str]
) -> None:
    client, _ = as_role("mash")
    response = client.get(REVIEWS, query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and "The review queue cannot be shown" in text
    assert 'id="pair-' not in text


def test_pairs_are_in_words_not_ids(as_role: Any, pairs: dict[str, ReviewPair]) -> None:
    client, _ = as_role("mash")
    text = client.get(REVIEWS, {"linked": "on"}).content.decode()
    for pair in pairs.values():
        assert f"Pair {pair.pk}" not in text and f"pair {pair.pk}" not in text
    for p in Person.objects.all():
        assert f">{p.person_id}<" not in text and f"Person {p.person_id}" not in text
    assert "Amy Stone (call of 10 January 2025) and Amelia Stone (crime of 10 February 2025)" in (
        text
    ), re.findall(r'summary-card__title">([^<]*)<', text)
    assert "Amy Stone, born 1 April 2012" in text  # the person each record is linked to now


def test_the_queue_is_bounded_queries_whatever_its_length(
    as_role: Any, pairs: dict[str, ReviewPair], import_records: Callable[..., Any]
) -> None:
    """Over 5,000 pending pairs: the page costs the same queries as four pairs did, and reads
    one page of pairs."""
    client, _ = as_role("mash")
    client.get(REVIEWS)  # warm the session and the source systems
    with CaptureQueriesContext(connection) as few:
        client.get(REVIEWS)
    import_records(
        [
            record("call", f"MANY-{i}", [person("p", "child_present", f"Kid{i}", "Many")])
            for i in range(102)
        ]
    )
    many_ids = sorted(PersonMention.objects.filter(surname="Many").values_list("pk", flat=True))
    now = timezone.now()
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(
                mention_a_id=a,
                mention_b_id=b,
                match_probability=0.5 + (a * 7 + b) % 50 / 100,
                linked_by_model=False,
                raised_at=now,
            )
            for i, a in enumerate(many_ids)
            for b in many_ids[i + 1 :]
        ]
    )
    assert ReviewPair.objects.filter(status="pending").count() > 5000
    with CaptureQueriesContext(connection) as many:
        response = client.get(REVIEWS, {"linked": "on"})
    assert response.status_code == 200 and len(shown(response)) == 20
    assert len(many.captured_queries) <= len(few.captured_queries) + 2
    pair_reads = [
        q["sql"] for q in many.captured_queries if 'FROM "identity_reviewpair"' in q["sql"]
    ]
    # Counted once, one page of ids read (LIMIT), then that page's pairs by id.
    assert pair_reads and all(
        "LIMIT" in sql or "COUNT" in sql or '"id" IN (' in sql for sql in pair_reads
    )


def test_person_links_page_lists_their_pairs_and_decides_in_place(
    as_role: Any, pairs: dict[str, ReviewPair], django_capture_on_commit_callbacks: Any
) -> None:
    amy = MentionLink.objects.get(mention=pairs["amy"].mention_a).person
    url = reverse("identity:person-links", args=[amy.person_id])
    assert url == f"/identity/people/{amy.person_id}/links/"
    client, user = as_role("supervisor")
    page = client.get(url)
    assert page.status_code == 200
    # Every pending pair about Amy, the linked one included; none about others.
    assert shown(page) == [pairs["amy"].pk, pairs["amy_ben"].pk]
    text = page.content.decode()
    assert "Review this person" in text and "Amy Stone, born 1 April 2012" in text, text
    assert 'name="person" value="' + amy.person_id + '"' in text
    assert AuditEntry.objects.filter(
        actor=user.username, action="identity.list_person_links", target=amy.person_id
    ).exists()

    refused = client.post(
        reverse("identity:decide", args=[pairs["amy_ben"].pk]),
        {"decision": "different", "reason": "", "person": amy.person_id},
    )
    assert refused.status_code == 400
    assert "Review this person" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("identity:decide", args=[pairs["amy_ben"].pk]),
            {"decision": "different", "reason": "Different surnames", "person": amy.person_id},
        )
    assert done.status_code == 302 and done["Location"] == url
    assert LinkDecision.objects.get().decision == "different"


def test_person_links_page_needs_decide_identity(
    as_role: Any, pairs: dict[str, ReviewPair]
) -> None:
    amy = MentionLink.objects.get(mention=pairs["amy"].mention_a).person
    client, _ = as_role("response_officer")
    assert client.get(reverse("identity:person-links", args=[amy.person_id])).status_code == 403


def test_a_pair_not_yet_linked_is_never_hidden(as_role: Any, pairs: dict[str, ReviewPair]) -> None:
    """Mentions no run has linked yet (no person on either side) are not 'already linked',
    however high the score."""
    MentionLink.objects.filter(mention_id__in=[pairs["ben"].mention_a_id]).delete()
    MentionLink.objects.filter(mention_id__in=[pairs["ben"].mention_b_id]).delete()
    client, _ = as_role("mash")
    assert shown(client.get(REVIEWS))[0] == pairs["ben"].pk  # 0.99: 0.09 from the threshold


def test_every_decision_form_carries_its_csrf_token(
    as_role: Any, pairs: dict[str, ReviewPair]
) -> None:
    """The pair partial is included with ``only``: the token must be passed to it, or a real
    browser's decision is refused (403) though the test client, which skips CSRF, passes."""
    amy = MentionLink.objects.get(mention=pairs["amy"].mention_a).person
    client, _ = as_role("mash")
    for url in (
        REVIEWS + "?linked=on",
        reverse("identity:person-links", args=[amy.person_id]),
    ):
        text = client.get(url).content.decode()
        for form in re.findall(
            r'<form method="post" action="/identity/reviews/\d+/decide/".*?</form>', text, re.S
        ):
            assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', form), url
