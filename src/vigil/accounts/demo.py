"""The demo force's staff: a synthetic structure of teams and the people in them, so the demo's
pages show work given to named officers and teams as a force's would.

Every name, rank and number here is invented. The eleven demo sign-ins (``demo-<role>``, one per
role) are among them; their colleagues have no password, so they cannot sign in, but they can be
given work and appear in the lists. Everything is made through ``vigil.accounts.actions``, so it
is in the access log like any other change, and making it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.access.roles import Role
from vigil.accounts import actions
from vigil.accounts.models import Team, User

TEAMS = (
    "CAIT North",  # child abuse investigation teams
    "CAIT South",
    "MASH",  # the multi-agency safeguarding hub's police desk
    "Response Team 2",
    "Force Control Room",
    "Children's Social Care Front Door",
    "Health Safeguarding Team",
    "Education Safeguarding Team",
    "Information Assurance",
    "Digital Services",
    "Inspectorate",  # inspectors from outside the force, invited to case audits
)


@dataclass(frozen=True)
class Person:
    username: str
    role: Role
    full_name: str
    rank: str
    staff_number: str
    team: str

    def describe(self) -> str:
        """How the demo's sign-in list introduces them."""
        return f"{self.rank} {self.full_name}, {self.team}"


def sign_in_name(role: Role) -> str:
    """The demo's sign-in for a role (the demo prints these with their passwords)."""
    return f"demo-{role.value.replace('_', '-')}"


# One sign-in for each role, first; then colleagues, so each team has people to give work to.
STAFF = (
    Person(
        sign_in_name(Role.CALL_HANDLER),
        Role.CALL_HANDLER,
        "Megan Price",
        "Call handler",
        "S7012",
        "Force Control Room",
    ),
    Person(
        sign_in_name(Role.RESPONSE_OFFICER),
        Role.RESPONSE_OFFICER,
        "Ryan Cole",
        "PC",
        "4127",
        "Response Team 2",
    ),
    Person(
        sign_in_name(Role.INVESTIGATOR), Role.INVESTIGATOR, "Priya Shah", "DC", "2291", "CAIT North"
    ),
    Person(sign_in_name(Role.MASH), Role.MASH, "Chloe Evans", "MASH researcher", "S4410", "MASH"),
    Person(sign_in_name(Role.SUPERVISOR), Role.SUPERVISOR, "Omar Khan", "DS", "1408", "CAIT North"),
    Person(
        sign_in_name(Role.PARTNER_CSC),
        Role.PARTNER_CSC,
        "Grace Adeyemi",
        "Social worker",
        "",
        "Children's Social Care Front Door",
    ),
    Person(
        sign_in_name(Role.PARTNER_HEALTH),
        Role.PARTNER_HEALTH,
        "Hannah Lewis",
        "Safeguarding nurse",
        "",
        "Health Safeguarding Team",
    ),
    Person(
        sign_in_name(Role.PARTNER_EDUCATION),
        Role.PARTNER_EDUCATION,
        "Daniel Frost",
        "Designated safeguarding lead",
        "",
        "Education Safeguarding Team",
    ),
    Person(
        sign_in_name(Role.AUDITOR),
        Role.AUDITOR,
        "Ruth Ellison",
        "Information assurance auditor",
        "S3120",
        "Information Assurance",
    ),
    Person(
        sign_in_name(Role.INSPECTOR),
        Role.INSPECTOR,
        "Martin Okafor",
        "Inspector",
        "",
        "Inspectorate",
    ),
    Person(
        sign_in_name(Role.ADMIN),
        Role.ADMIN,
        "Ken Osei",
        "Systems administrator",
        "S2205",
        "Digital Services",
    ),
    # Colleagues, with no sign-in.
    Person("dc-hale", Role.INVESTIGATOR, "Jordan Hale", "DC", "2317", "CAIT North"),
    Person("dc-rahman", Role.INVESTIGATOR, "Aisha Rahman", "DC", "2342", "CAIT North"),
    Person("ds-carter", Role.SUPERVISOR, "Helen Carter", "DS", "1366", "CAIT South"),
    Person("dc-walsh", Role.INVESTIGATOR, "Tom Walsh", "DC", "2405", "CAIT South"),
    Person("dc-morgan", Role.INVESTIGATOR, "Leah Morgan", "DC", "2418", "CAIT South"),
    Person("ds-doyle", Role.SUPERVISOR, "Karen Doyle", "DS", "1390", "MASH"),
    Person("dc-patel", Role.MASH, "Sam Patel", "DC", "2260", "MASH"),
    Person("sgt-hughes", Role.RESPONSE_OFFICER, "Dan Hughes", "Sgt", "3051", "Response Team 2"),
    Person("pc-shaw", Role.RESPONSE_OFFICER, "Ellie Shaw", "PC", "4188", "Response Team 2"),
)


def make_demo_staff(*, actor: str) -> dict[str, str]:
    """Make the teams and the staff (those already held are brought up to date, not made
    twice); returns each username with how the sign-in list introduces them."""
    teams = {team.name: team for team in Team.objects.filter(name__in=TEAMS)}
    for name in TEAMS:
        if name not in teams:
            teams[name] = actions.create_team(name, actor=actor)
        elif not teams[name].active:
            actions.set_team_active(teams[name], True, actor=actor)
    for person in STAFF:
        held = User.objects.filter(username=person.username).first()
        if held is None:
            actions.add_user(
                person.username,
                person.role,
                None,
                actor=actor,
                full_name=person.full_name,
                rank=person.rank,
                staff_number=person.staff_number,
                team=teams[person.team],
            )
        else:  # e.g. a demo made before accounts had names
            actions.change_user(
                held,
                full_name=person.full_name,
                rank=person.rank,
                staff_number=person.staff_number,
                team=teams[person.team],
                actor=actor,
            )
    return {person.username: person.describe() for person in STAFF}
