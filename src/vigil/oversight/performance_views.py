"""The performance page: five charts for supervisors and leadership, each followed by the table
it draws and a CSV of that table, filtered by period and team (``performance`` counts them)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from vigil.access.permissions import Capability, requires
from vigil.accounts.models import Team
from vigil.audit.access import log_access
from vigil.audit.actions import AuditAction
from vigil.oversight import performance as perf
from vigil.oversight.performance import OTHER, Period
from vigil.oversight.svgcharts import NO_DATA, Series, bar_chart, column_chart
from vigil.rules.clock import in_words, london_date
from vigil.ui.pages import bad_request

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y", "%d %B %Y", "%d %b %Y"]
ALL = "all"
LONGEST = dt.timedelta(days=731)  # two years of weeks at most


class PerformanceFilter(forms.Form):
    start = forms.DateField(
        label="From",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the start date as a real date, like 27/3/2026"},
    )
    end = forms.DateField(
        label="To",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the end date as a real date, like 27/3/2026"},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        error_messages={"invalid_choice": "Choose a team from the list"},
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.teams = {str(t.pk): t for t in Team.objects.order_by("name")}
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [(ALL, "All teams")] + [
            (pk, t.name + ("" if t.active else " (stopped)")) for pk, t in self.teams.items()
        ]

    def clean_team(self) -> Team | None:
        return self.teams.get(self.cleaned_data.get("team") or ALL)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        end = data.get("end") or self.today
        start = data.get("start") or perf.default_period(end)[0]
        if end > self.today:
            self.add_error("end", "The end date must be today or in the past")
        elif start > end:
            self.add_error("end", "The end date must be the same as or after the start date")
        elif end - start > LONGEST:
            self.add_error("start", "The period must be 2 years or shorter")
        data["start"], data["end"] = start, end
        return data


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    numeric_from: int = 1  # columns from this one on are numbers

    def html(self, table_id: str) -> SafeString:
        """The GOV.UK table, written here rather than in the template: a year of weeks by six
        rule groups is hundreds of cells, and the template engine spends far longer on each."""

        def cls(base: str, i: int) -> str:
            return f"{base} {base}--numeric" if i >= self.numeric_from else base

        head = "".join(
            f'<th scope="col" class="{cls("govuk-table__header", i)}">{escape(c)}</th>'
            for i, c in enumerate(self.columns)
        )
        body = []
        for row in self.rows:
            cells = [f'<th scope="row" class="govuk-table__header">{escape(row[0])}</th>']
            cells += [
                f'<td class="{cls("govuk-table__cell", i)}">{escape(v)}</td>'
                for i, v in enumerate(row[1:], start=1)
            ]
            body.append(f'<tr class="govuk-table__row">{"".join(cells)}</tr>')
        if not body:
            body.append(
                f'<tr class="govuk-table__row"><td class="govuk-table__cell" '
                f'colspan="{len(self.columns)}">{NO_DATA}</td></tr>'
            )
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<table class="govuk-table" id="{escape(table_id)}">'
            f'<caption class="govuk-table__caption govuk-table__caption--s">'
            f"{escape(self.caption)}</caption>"
            f'<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr></thead>'
            f'<tbody class="govuk-table__body">{"".join(body)}</tbody></table>'
        )


@dataclass
class Figure:
    slug: str
    heading: str
    about: str
    svg: str
    table: Table
    notes: list[str] = field(default_factory=list)
    table_html: str = ""


def _short(week: dt.date) -> str:
    return f"{week.day} {week:%b}"


def _week_label(week: dt.date) -> str:
    """A week in a table's first column, headed "Week beginning"."""
    return in_words(week)


def _peak(labels: list[str], values: list[float], what: str) -> str:
    if not values or not any(values):
        return ""
    top = max(range(len(values)), key=lambda i: values[i])
    return f" The most was {values[top]:g} {what} ({labels[top]})."


def alerts_raised_closed(period: Period, now: dt.datetime) -> list[Figure]:
    data = perf.alerts_per_week(period)
    short = [_short(w) for w in data.weeks]
    long = [_week_label(w) for w in data.weeks]
    out = []
    for slug, verb, counts in (
        ("raised", "raised", data.raised),
        ("closed", "closed", data.closed),
    ):
        totals = [sum(counts[g][i] for g in data.groups) for i in range(len(data.weeks))]
        summary = (
            f"{sum(totals)} alerts {verb} over {len(data.weeks)} weeks, stacked by rule."
            + _peak([f"week beginning {w}" for w in long], [float(t) for t in totals], "in a week")
        )
        series = [Series(g, tuple(float(v) for v in counts[g])) for g in data.groups]
        out.append(
            Figure(
                slug=f"alerts-{slug}",
                heading=f"Alerts {verb} each week, by rule",
                about=(
                    "When the rule found its condition held (an alert raised again after it "
                    "ended counts in its latest week)."
                    if slug == "raised"
                    else "When a member of staff closed the alert with a written reason."
                ),
                svg=column_chart(
                    f"chart-alerts-{slug}", f"Alerts {verb} each week", summary, short, series
                ),
                table=Table(
                    caption=f"Alerts {verb} each week, by rule",
                    columns=["Week beginning", *data.groups, "All rules"],
                    rows=[
                        [long[i], *(counts[g][i] for g in data.groups), totals[i]]
                        for i in range(len(data.weeks))
                    ],
                ),
                notes=[f"“{OTHER}” adds up the rules with fewer alerts."]
                if OTHER in data.groups
                else [],
            )
        )
    return out


def alerts_by_rule_csv(period: Period, now: dt.datetime) -> Table:
    data = perf.alerts_per_week(period)
    return Table(
        caption="Alerts raised and closed each week, by rule",
        columns=["Week beginning", "Rule", "Raised", "Closed"],
        rows=[[_week_label(r["week"]), r["rule"], r["raised"], r["closed"]] for r in data.by_code],
        numeric_from=2,
    )


def open_by_team(period: Period, now: dt.datetime) -> list[Figure]:
    rows = perf.open_by_team(period, now)
    teams = [r["team"] for r in rows]
    open_ = sum(r["open"] for r in rows)
    overdue = sum(r["overdue"] for r in rows)
    summary = f"{open_} alerts open or acknowledged now, {overdue} of them overdue, by team." + (
        _peak(teams, [float(r["overdue"]) for r in rows], "overdue") if overdue else ""
    )
    svg = bar_chart(
        "chart-teams",
        "Open and overdue alerts by team",
        summary,
        teams,
        [
            Series("Open", tuple(float(r["open"]) for r in rows)),
            Series("Overdue", tuple(float(r["overdue"]) for r in rows)),
        ],
    )
    return [
        Figure(
            slug="teams",
            heading="Open and overdue alerts by team, now",
            about=(
                "Alerts open or acknowledged today, by the team whose tray or member holds "
                "them; overdue means past the time they were due. The period does not change "
                "this figure."
            ),
            svg=svg,
            table=Table(
                caption="Open and overdue alerts by team",
                columns=["Team", "Open", "Overdue"],
                rows=[[r["team"], r["open"], r["overdue"]] for r in rows],
            ),
        )
    ]


def time_to_close(period: Period, now: dt.datetime) -> list[Figure]:
    rows = perf.time_to_close(period)
    rules = [r["rule"] for r in rows]
    summary = "Days from raised to closed, median and 90th percentile, for each rule." + (
        _peak(rules, [float(r["p90"]) for r in rows], "days at the 90th percentile")
    )
    svg = bar_chart(
        "chart-close",
        "Time to close alerts, in days",
        summary,
        rules,
        [
            Series("Median", tuple(float(r["median"]) for r in rows)),
            Series("90th percentile", tuple(float(r["p90"]) for r in rows)),
        ],
    )
    return [
        Figure(
            slug="time-to-close",
            heading="Time to close, in days",
            about=(
                "For alerts a member of staff closed in the period: half were closed within "
                "the median, nine in ten within the 90th percentile."
            ),
            svg=svg,
            table=Table(
                caption="Days from raised to closed, by rule",
                columns=["Rule", "Alerts closed", "Median days", "90th percentile days"],
                rows=[[r["rule"], r["closed"], r["median"], r["p90"]] for r in rows],
            ),
        )
    ]


def referrals(period: Period, now: dt.datetime) -> list[Figure]:
    rows = perf.referral_decisions(period, now)
    short = [_short(r["week"]) for r in rows]
    long = [_week_label(r["week"]) for r in rows]
    labels = (
        ("in_time", "Decided in time"),
        ("late", "Decided late"),
        ("not_decided", "Not decided"),
        ("waiting", "Not yet due"),
    )
    in_time = sum(r["in_time"] for r in rows)
    total = sum(r["total"] for r in rows)
    due = total - sum(r["waiting"] for r in rows)
    summary = (
        f"{total} referrals received; {in_time} of the {due} already due were decided by the end of the first working day after receipt."
        + (f" That is {round(100 * in_time / due)} per cent." if due else "")
    )
    svg = column_chart(
        "chart-referrals",
        "Referrals decided within the first working day",
        summary,
        short,
        [Series(label, tuple(float(r[key]) for r in rows)) for key, label in labels],
    )
    return [
        Figure(
            slug="referrals",
            heading="Referrals decided within the first working day",
            about=(
                "Referrals to children's social care or the MASH, by the week they were "
                "received: decided by the end of the first working day after the day of "
                "receipt (weekends and bank holidays are not working days), decided later, or "
                "still with no decision. A decision recorded in Vigil counts. The team does not "
                "change this figure: referrals are not held by a team."
            ),
            svg=svg,
            table=Table(
                caption="Referrals by week received",
                columns=["Week beginning", *(label for _, label in labels), "All referrals"],
                rows=[
                    [long[i], *(r[k] for k, _ in labels), r["total"]] for i, r in enumerate(rows)
                ],
            ),
        )
    ]


def missing(period: Period, now: dt.datetime) -> list[Figure]:
    rows, threshold, days = perf.repeat_missing(period)
    short = [_short(r["week"]) for r in rows]
    long = [_week_label(r["week"]) for r in rows]
    values = [float(r["children"]) for r in rows]
    summary = (
        f"Children missing or absent {threshold} or more times in the {days} days up to the "
        f"end of each week." + _peak([f"week beginning {w}" for w in long], values, "children")
    )
    svg = column_chart(
        "chart-missing",
        f"Children missing {threshold} or more times in {days} days",
        summary,
        short,
        [Series("Children", tuple(values))],
    )
    return [
        Figure(
            slug="missing",
            heading=f"Children missing {threshold} or more times in {days} days",
            about=(
                f"For each week, how many children had been reported missing or absent "
                f"{threshold} or more times in the {days} days up to its end. The team does not "
                f"change this figure."
            ),
            svg=svg,
            table=Table(
                caption=f"Children missing {threshold} or more times in {days} days",
                columns=["Week beginning", "Children"],
                rows=[[long[i], r["children"]] for i, r in enumerate(rows)],
            ),
        )
    ]


BUILDERS: list[Callable[[Period, dt.datetime], list[Figure]]] = [
    alerts_raised_closed,
    open_by_team,
    time_to_close,
    referrals,
    missing,
]
# What each CSV holds: a figure's table, or (for alerts by rule) the full breakdown.
CSV_TABLES: dict[str, Callable[[Period, dt.datetime], Table]] = {
    "alerts-by-rule": alerts_by_rule_csv,
}
CSV_FIGURES: dict[str, Callable[[Period, dt.datetime], list[Figure]]] = {
    "alerts-raised": alerts_raised_closed,
    "alerts-closed": alerts_raised_closed,
    "teams": open_by_team,
    "time-to-close": time_to_close,
    "referrals": referrals,
    "missing": missing,
}


def _day(day: dt.date) -> str:
    """A date as the form's hint writes one: 27/3/2026."""
    return f"{day.day}/{day.month}/{day.year}"


def _filters(request: HttpRequest) -> tuple[PerformanceFilter, Period | None]:
    today = london_date(timezone.now())
    form = PerformanceFilter(request.GET or None, today=today)
    if not request.GET:
        start, end = perf.default_period(today)
        form = PerformanceFilter({"start": _day(start), "end": _day(end)}, today=today)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Period(data["start"], data["end"], data["team"])


def _used(period: Period) -> dict[str, Any]:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "team": period.team.name if period.team else "",
    }


@requires(Capability.SUPERVISE)
@require_GET
def performance_page(request: HttpRequest) -> HttpResponse:
    form, period = _filters(request)
    if period is None:
        return render(request, "oversight/performance.html", {"form": form}, status=400)
    now = timezone.now()
    figures = [f for build in BUILDERS for f in build(period, now)]
    for f in figures:
        f.svg = mark_safe(f.svg)  # noqa: S308 - built by svgcharts, every text escaped
        f.table_html = f.table.html(f"{f.slug}-table")
    query = request.GET.urlencode() if request.GET else ""
    log_access(
        request,
        AuditAction.SUPERVISOR_VIEW_PERFORMANCE,
        "supervisor:performance",
        detail={"filters": _used(period)},
    )
    return render(
        request,
        "oversight/performance.html",
        {
            "form": form,
            "period": period,
            "period_words": f"{in_words(period.start)} to {in_words(period.end)}",
            "figures": figures,
            "query": query,
            "csv_url": reverse("oversight:performance-csv", args=["alerts-by-rule"]),
        },
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula: text starting with = + - @, a tab or a
    carriage return (or those after leading spaces, which spreadsheets skip) gets a leading
    apostrophe (OWASP's CSV injection advice). Numbers are written as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS or text.lstrip(" ")[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


@requires(Capability.SUPERVISE)
@require_GET
def performance_csv(request: HttpRequest, figure: str) -> HttpResponse:
    if figure not in CSV_TABLES and figure not in CSV_FIGURES:
        raise Http404("No such table")
    form, period = _filters(request)
    if period is None:
        return bad_request(
            request, form, "The filters are not valid", back=reverse("oversight:performance")
        )
    now = timezone.now()
    if figure in CSV_TABLES:
        table = CSV_TABLES[figure](period, now)
    else:
        table = next(f.table for f in CSV_FIGURES[figure](period, now) if f.slug == figure)
    log_access(
        request,
        AuditAction.SUPERVISOR_EXPORT_PERFORMANCE,
        f"supervisor:performance:{figure}",
        detail={"filters": _used(period), "rows": len(table.rows), "format": "csv"},
    )
    response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    name = f"vigil-{figure}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
