"""A possible exploitation network around a person, as EXPLOITATION_NETWORK sees it.

The network is the rule's own: the adults (named as suspect, offender, or intelligence subject
or associate) each associated, within the rule's window, with the policy's number of children
named in sexual or exploitation matters (``vigil.rules.hidden_risk.network_links``), and those
children. Around a person means: the adults whose network the person is in (as the adult, or
as one of the children). The records those networks rest on come from the store
(:meth:`Neighbourhood.network_support`), and the rule's own functions run on a casebook of them,
so the page finds what the rule found.

networkx analyses it (the graph, how many each node links to, a spring layout with a fixed
seed so the drawing is the same every time) and the page draws it as SVG on the server: no
script needed, and it prints. The problem-profile counts sit beside it: children identified in
the network against children flagged at risk of exploitation (``cse_risk``/``cce_risk``): the
inspectors' "280 children at risk, 32 flagged".
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
from django.urls import reverse
from django.utils import timezone

from vigil.access.disclosure import Viewer
from vigil.alerts.engine import current_policy
from vigil.alerts.neighbourhood import Neighbourhood
from vigil.identity.models import Person
from vigil.identity.summaries import PersonSummary
from vigil.people.around import (
    FLAG_TAGS,
    KINDS,
    Reason,
    address_words,
    describe_events,
    load_book,
    person_pks,
    record_refs,
)
from vigil.people.summaries import summarise
from vigil.rules.casebook import AssociationEvent
from vigil.rules.clock import in_words
from vigil.rules.definitions import EXPLOITATION_RISK_FLAGS
from vigil.rules.hidden_risk import matter_children, network_adults, network_links
from vigil.rules.view import View

CODE = "EXPLOITATION_NETWORK"
SEED = 20140601  # the layout's seed: the same network is drawn the same way every time
WIDTH, HEIGHT = 960, 640
# Room for a label (about 300 units at most) centred under a node at the edge.
MARGIN_X, MARGIN_Y = 160, 50


@dataclass
class Node:
    key: str  # the rules' person id
    name: str
    adult: bool
    summary: PersonSummary | None
    url: str | None
    flags: list[str] = field(default_factory=list)  # cse_risk/cce_risk in words
    degree: int = 0
    x: float = 0.0
    y: float = 0.0
    subject: bool = False  # the person the page is about

    @property
    def age(self) -> int | None:
        return self.summary.age if self.summary else None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def kind(self) -> str:
        return "Adult" if self.adult else "Child"

    @property
    def label(self) -> str:
        """'Kayleigh Moss, 14': name and age, as the drawing labels a node."""
        age = f", {self.age}" if self.age is not None else ""
        return f"{self.name}{age}"

    @property
    def description(self) -> str:
        """The node in words for the text alternative: 'Kayleigh Moss, child aged 14, flagged'."""
        age = f" aged {self.age}" if self.age is not None else ""
        flagged = ", flagged at risk of exploitation" if self.flagged else ""
        return f"{self.name}, {self.kind.lower()}{age}{flagged}"


@dataclass
class Link:
    a: Node
    b: Node
    reasons: list[Reason]

    @property
    def kinds(self) -> list[str]:
        found = {r.kind for r in self.reasons}
        return [KINDS[k] for k in KINDS if k in found]

    @property
    def since(self) -> str:
        return in_words(min(r.at for r in self.reasons))


@dataclass
class Network:
    person: Person
    subject: Node | None
    nodes: list[Node]
    links: list[Link]
    window_days: int
    threshold: int
    as_of: dt.datetime
    withheld: int = 0  # links resting only on records this viewer may not see

    @property
    def adults(self) -> list[Node]:
        return [n for n in self.nodes if n.adult]

    @property
    def children(self) -> list[Node]:
        return [n for n in self.nodes if not n.adult]

    @property
    def flagged_children(self) -> list[Node]:
        return [n for n in self.children if n.flagged]

    @property
    def unflagged_children(self) -> list[Node]:
        return [n for n in self.children if not n.flagged]

    @property
    def links_by_kind(self) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter(label for link in self.links for label in link.kinds)
        return [(label, counts[label]) for label in KINDS.values() if counts[label]]

    @property
    def text_alternative(self) -> str:
        """What the drawing shows, in words (its SVG description)."""
        if not self.nodes:
            return "No network to draw."
        adults = "; ".join(n.description for n in self.adults)
        children = "; ".join(n.description for n in self.children)
        return (
            f"A network of {len(self.adults)} adult{'s' if len(self.adults) != 1 else ''} and "
            f"{len(self.children)} child{'ren' if len(self.children) != 1 else ''}, "
            f"{len(self.flagged_children)} of the children flagged at risk of exploitation, "
            f"joined by {len(self.links)} link{'s' if len(self.links) != 1 else ''}. "
            f"Adults: {adults}. Children: {children}. Each link is listed in the table below."
        )

    @property
    def svg(self) -> str:
        return draw(self)


def network_around(person: Person, viewer: Viewer, *, as_of: dt.datetime | None = None) -> Network:
    """The exploitation network(s) the person is in, as the rule finds them now."""
    now = (as_of or timezone.now()).astimezone(dt.UTC)
    policy = current_policy()
    threshold = policy.int(CODE, "children")
    days = policy.int(CODE, "window_days")
    hood = Neighbourhood()
    book = load_book(hood.network_support(person.pk))
    view = View(book, policy, now)
    since = view.days_ago(days)
    me = person.person_id
    children = matter_children(view)
    candidates = network_adults(view)
    near = {me} | {other for other, _ in book.associations(me, now, since)}
    networks: dict[str, list[tuple[str, list[AssociationEvent]]]] = {}
    for adult in sorted(candidates & near):
        linked = network_links(view, adult, since, children)
        if len(linked) >= threshold and (adult == me or any(c == me for c, _ in linked)):
            networks[adult] = linked
    members = set(networks) | {c for linked in networks.values() for c, _ in linked}
    excluded = viewer.excluded_types()

    def shown(events: list[AssociationEvent]) -> list[AssociationEvent]:
        return [
            e
            for e in events
            if not any(
                (r := book.records.get(k)) is not None and r.record_type in excluded
                for k in e.evidence
            )
        ]

    # Every association between two members in the window (adult to child, and any other).
    pairs: dict[tuple[str, str], list[AssociationEvent]] = {}
    withheld = 0
    for member in sorted(members):
        for other, events in book.associations(member, now, since):
            if other in members and member < other:
                visible = shown(events)
                if visible:
                    pairs[(member, other)] = visible
                else:
                    withheld += 1
    pks = person_pks(members)
    summaries = summarise(pks.values(), viewer, with_alerts=False, today=timezone.localdate(now))
    flags: dict[str, list[str]] = {}
    for member in members:
        found = {
            flag
            for row in book.appearances(member, now)
            if row.record.record_type not in excluded
            for flag in EXPLOITATION_RISK_FLAGS.intersection(row.mention.flags)
        }
        flags[member] = [FLAG_TAGS[f] for f in sorted(found)]
    nodes: dict[str, Node] = {}
    for member in sorted(members):
        pk = pks.get(member)
        summary = summaries.get(pk) if pk is not None else None
        nodes[member] = Node(
            key=member,
            name=summary.best_name if summary else view.name_of(member),
            adult=member in networks,
            summary=summary,
            url=reverse("people:person", args=[member]) if pk is not None else None,
            flags=flags[member] if member not in networks else [],
            subject=member == me,
        )
    refs = record_refs(book, {k for events in pairs.values() for e in events for k in e.evidence})
    places = address_words({e.address for events in pairs.values() for e in events if e.address})
    links = [
        Link(
            nodes[a],
            nodes[b],
            describe_events(book, a, b, nodes[b].name, events, refs, places, nodes[a].name),
        )
        for (a, b), events in sorted(pairs.items())
    ]
    ordered = sorted(nodes.values(), key=lambda n: (not n.adult, n.name, n.key))
    layout(ordered, links)
    return Network(
        person=person,
        subject=nodes.get(me),
        nodes=ordered,
        links=links,
        window_days=days,
        threshold=threshold,
        as_of=now,
        withheld=withheld,
    )


def graph_of(nodes: list[Node], links: list[Link]) -> nx.Graph:
    graph = nx.Graph()
    for node in nodes:
        graph.add_node(node.key, adult=node.adult, flagged=node.flagged)
    for link in links:
        graph.add_edge(link.a.key, link.b.key, kinds=link.kinds)
    return graph


def layout(nodes: list[Node], links: list[Link]) -> None:
    """Each node's degree and its place in the drawing: networkx's spring layout, seeded so the
    same network is always drawn the same way, scaled into the drawing's margins."""
    if not nodes:
        return
    graph = graph_of(nodes, links)
    for node in nodes:
        node.degree = int(graph.degree[node.key])
    if len(nodes) == 1:
        positions = {nodes[0].key: (0.0, 0.0)}
    else:
        k = 1.6 / math.sqrt(len(nodes))
        positions = {
            key: (float(x), float(y))
            for key, (x, y) in nx.spring_layout(graph, seed=SEED, k=k, iterations=100).items()
        }
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    for node in nodes:
        x, y = positions[node.key]
        if len(nodes) == 1:
            node.x, node.y = WIDTH / 2, HEIGHT / 2
            continue
        node.x = MARGIN_X + (x - min(xs)) / span_x * (WIDTH - 2 * MARGIN_X)
        # The label sits below its node: keep 30 more units at the bottom for it.
        node.y = MARGIN_Y + (y - min(ys)) / span_y * (HEIGHT - 2 * MARGIN_Y - 30)


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def draw(network: Network) -> str:
    """The network as accessible SVG: role="img" with a title and a description (the text
    alternative); adults are squares and children circles, each labelled with name and age;
    a flagged child has a second, red ring and 'flagged' in its label (never colour alone)."""
    title = f"Possible exploitation network around {network.subject.name if network.subject else 'this person'}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="vigil-network" role="img" aria-labelledby="network-title network-desc" '
        f'focusable="false">',
        f'<title id="network-title">{_esc(title)}</title>',
        f'<desc id="network-desc">{_esc(network.text_alternative)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        '<g aria-hidden="true">',
    ]
    for link in network.links:
        dashed = "" if "Named on the same record" in link.kinds else ' stroke-dasharray="8 5"'
        out.append(
            f'<line x1="{link.a.x:.1f}" y1="{link.a.y:.1f}" x2="{link.b.x:.1f}" '
            f'y2="{link.b.y:.1f}" stroke="#505a5f" stroke-width="2"{dashed}/>'
        )
    ring = ' stroke="#ffdd00" stroke-width="4"'
    for node in network.nodes:
        x, y = node.x, node.y
        mark = ring if node.subject else ""
        if node.adult:
            fill = "#0b0c0c"
            out.append(
                f'<rect x="{x - 14:.1f}" y="{y - 14:.1f}" width="28" height="28" fill="{fill}"'
                f"{mark}/>"
            )
        else:
            if node.flagged:
                out.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="21" fill="none" stroke="#d4351c" '
                    f'stroke-width="4"/>'
                )
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="14" fill="#1d70b8"{mark}/>')
        label = node.label + (" (flagged)" if node.flagged else "")
        out.append(
            f'<text x="{x:.1f}" y="{y + 38:.1f}" text-anchor="middle" font-size="19" '
            f'font-family="Arial, sans-serif" fill="#0b0c0c" stroke="#ffffff" stroke-width="4" '
            f'paint-order="stroke">{_esc(label)}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
