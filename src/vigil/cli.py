"""The ``vigil`` command (shared/contract/CLI.md).

With ``--json`` a command prints exactly the contract's shape on standard output and nothing
else there; progress and messages go to standard error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _setup_django(migrate: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        # Every command migrates what it needs, but a store already up to date skips the
        # migrate command's post-migrate work (content types, permissions): a one-record
        # import should not pay for it.
        from vigil.audit.dbroles import owner_alias
        from vigil.records import bulkload, locks

        # One command migrates at a time; another started with it waits, then finds nothing
        # left to do (two creating the tables at once, one died).
        with locks.exclusive(locks.MIGRATING):
            # A bulk load killed part-way left its indexes unbuilt: build them before
            # anything (a migration included) relies on them.
            bulkload.restore_abandoned()
            # Migrations run as the tables' owner (VIGIL_DATABASE_OWNER_URL, when set: the
            # application's own role may not change the schema; docs/operations.md).
            owner = owner_alias()
            executor = MigrationExecutor(connections[owner])
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                call_command("migrate", database=owner, verbosity=0, interactive=False)


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:{os.getuid()}"


# --- import and quarantine -----------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.records import locks

    # The whole command, linking and assessing included: a second import waits for it.
    with locks.exclusive(locks.IMPORTING):
        return _import(args)


def _import(args: argparse.Namespace) -> int:
    from vigil.records.actions import import_and_log

    paths = [Path(p) for p in args.paths]
    progress, finish = _import_progress(paths, enabled=sys.stderr.isatty() and not args.json)
    try:
        try:
            summary = import_and_log(paths, actor=_actor(), progress=progress)
        finally:
            finish()
    except Exception as exc:  # one line on standard error, never a traceback quoting a record
        print(f"vigil import: {_import_failure(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if not args.no_assess and summary.touched_record_ids:
        from vigil.alerts.engine import assess, assess_touched
        from vigil.identity.store import link_new
        from vigil.records.models import PersonMention

        touched = PersonMention.objects.filter(record_id__in=summary.touched_record_ids)
        linked = link_new(touched.values_list("pk", flat=True), actor=_actor())
        # Only new records with new mentions keep the incremental argument (docs/rules.md
        # 'Engine'): a relink can move any mention, and a replaced version may have dropped
        # people, addresses, objects or links the store no longer shows. Then assess everyone.
        if linked.mode == "full" or summary.replaced:
            assess(_now())
        else:
            assess_touched(summary.touched_record_ids, _now())
    if args.json:
        _print_json(summary.as_contract())
        # The summary holds these too; standard error is where a script's log picks them up.
        for problem in summary.unreadable_brief:
            print(f"vigil import: {problem}", file=sys.stderr)
    else:
        _print_import_summary(summary)
    return EXIT_USAGE if summary.unreadable else EXIT_OK


def _import_failure(exc: BaseException) -> str:
    """What stopped an import, in one line: the kind of failure and where, never the values."""
    from vigil.records.importer import describe_failure, failure_of

    failure = failure_of(exc)
    if failure is None:
        return f"failed before it began: {describe_failure(exc, None)}"
    batch, message = failure
    return (f"failed: {message}; import batch {batch} is marked failed (the batches before "
            "it are kept: import the same files again to carry on)")


def _import_progress(paths: Sequence[Path], enabled: bool) -> tuple[Any, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    total = sum(p.stat().st_size for p in paths if p.is_file())
    bar = Progress(
        TextColumn("importing"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TextColumn("{task.fields[counts]}"), TimeRemainingColumn(), transient=False,
    )
    bar.start()
    task = bar.add_task("import", total=total or None, counts="")
    started = dt.datetime.now(dt.UTC)

    def update(done: int, summary: Any) -> None:
        seconds = max((dt.datetime.now(dt.UTC) - started).total_seconds(), 1e-6)
        counts = (f"{summary.received:,} records ({summary.received / seconds:,.0f}/s), "
                  f"{summary.imported:,} new, {summary.quarantined:,} quarantined")
        bar.update(task, completed=done, counts=counts)

    return update, bar.stop


def _print_import_summary(summary: Any) -> None:
    print(f"{summary.files} file(s): {summary.received:,} records received, "
          f"{summary.imported:,} imported, {summary.unchanged:,} unchanged, "
          f"{summary.replaced:,} replaced, {summary.quarantined:,} quarantined")
    shown = summary.errors[:20]
    for error in shown:
        where = f"{error['file']}" + (f" line {error['line']}" if error["line"] else "")
        ident = f" ({error['source_id']})" if error.get("source_id") else ""
        print(f"  {where}{ident}: {'; '.join(error['reasons'])}")
    if len(summary.errors) > len(shown):
        print(f"  … and {len(summary.errors) - len(shown):,} more: see `vigil quarantine list`")


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.records.models import QuarantinedRecord

    entries = QuarantinedRecord.objects.order_by("file", "line")
    if not args.all:
        entries = entries.filter(resolved_by_batch__isnull=True)
    rows = [
        {"file": q.file, "line": q.line, "source_system": q.source_system or None,
         "source_id": q.source_id or None, "reasons": q.reasons,
         "resolved": q.resolved_by_batch_id is not None, "raw": q.raw}
        for q in entries.iterator(chunk_size=2000)
    ]
    if args.json:
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print("Quarantine is empty." if args.all else "No records are waiting in quarantine.")
    for row in rows:
        ident = f"{row['source_system'] or '?'}/{row['source_id'] or '?'}"
        state = " (resolved)" if row["resolved"] else ""
        print(f"{row['file']} line {row['line']} {ident}{state}")
        for reason in row["reasons"]:
            print(f"    {reason}")
    return EXIT_OK


# --- identity, rules and alerts -----------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def cmd_link(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.identity.store import relink_all, train_force_model

    try:
        model = train_force_model(actor=_actor()) if args.train else None
    except ValueError as exc:
        print(f"vigil link --train: {exc}; the model in use is unchanged", file=sys.stderr)
        return EXIT_USAGE
    summary = relink_all(actor=_actor(), model=model)
    _reassess()
    if args.json:
        _print_json(summary.as_json())
    else:
        print(f"Linked {summary.mentions:,} mentions into {summary.persons:,} persons "
              f"({summary.changed:,} links changed, {summary.review_pairs:,} pairs for review)")
    return EXIT_OK


def cmd_persons(args: argparse.Namespace) -> int:
    """CLI.md v1.1 `vigil persons`: one JSON object a line, every mention in exactly one."""
    _setup_django()
    from vigil.identity.store import persons

    def write(out: Any) -> None:
        for person in persons():
            out.write(orjson.dumps(person) + b"\n")

    if args.out:
        with Path(args.out).open("wb") as handle:
            write(handle)
    else:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return EXIT_OK


def _reassess() -> None:
    """Who is who changed, so what the rules find may have too."""
    from vigil.alerts.engine import assess

    assess(_now())


def _add_mention_pair(parser: argparse.ArgumentParser) -> None:
    """Two mentions, each as SYSTEM SOURCE_ID MENTION_ID: six positionals, one metavar each
    (argparse's help cannot print a tuple metavar for a positional: it crashed)."""
    for side in ("first", "second"):
        for part, metavar in (("system", "SYSTEM"), ("source_id", "SOURCE_ID"),
                              ("mention_id", "MENTION_ID")):
            parser.add_argument(f"{side}_{part}", metavar=metavar,
                                help=f"the {side} mention's {part.replace('_', ' ')}")


def _pair_args(args: argparse.Namespace) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    first, second = ((getattr(args, f"{side}_system"), getattr(args, f"{side}_source_id"),
                      getattr(args, f"{side}_mention_id")) for side in ("first", "second"))
    return first, second


def _mention_pair(args: argparse.Namespace) -> tuple[Any, Any]:
    from vigil.identity.actions import find_mention

    first, second = _pair_args(args)
    return find_mention(*first), find_mention(*second)


def cmd_explain(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.identity.actions import DecisionError
    from vigil.identity.store import explain

    try:
        a, b = _mention_pair(args)
    except DecisionError as exc:
        print(f"vigil explain: {exc}", file=sys.stderr)
        return EXIT_USAGE
    why = explain(a, b)
    result = {"probability": why.probability, "total_weight": why.total_weight,
              "prior_weight": why.prior_weight,
              "terms": [{"comparison": c, "level": level, "match_weight": w}
                        for c, level, w in why.terms],
              "capped": why.capped or None}
    if args.json:
        _print_json(result)
        return EXIT_OK
    print(f"Match probability {why.probability:.4f} (total weight {why.total_weight:+.2f} bits, "
          f"prior {why.prior_weight:+.2f})")
    for c, level, w in why.terms:
        print(f"  {c:24s} {level:40s} {w:+7.2f}")
    if why.capped:
        print(f"  Probability held at {why.probability:.4f}: {why.capped}")
    return EXIT_OK


def cmd_review_list(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.identity.models import ReviewPair

    pairs = ReviewPair.objects.filter(status=ReviewPair.Status.PENDING).select_related(
        "mention_a__record", "mention_b__record").order_by("-match_probability")
    rows: list[dict[str, Any]] = [{"review_id": p.pk, "match_probability": p.match_probability,
             "linked_by_model": p.linked_by_model,
             "a": [p.mention_a.record.source_system, p.mention_a.record.source_id, p.mention_a.mention_id],
             "b": [p.mention_b.record.source_system, p.mention_b.record.source_id, p.mention_b.mention_id]}
            for p in pairs]
    if args.json:
        _print_json(rows)
    elif not rows:
        print("No pairs wait for review.")
    for row in [] if args.json else rows:
        print(f"{row['review_id']:>6}  p={row['match_probability']:.3f}  {'/'.join(row['a'])}  ~  "
              f"{'/'.join(row['b'])}  (model: {'same' if row['linked_by_model'] else 'apart'})")
    return EXIT_OK


def cmd_review_decide(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.identity.actions import DecisionError, decide

    try:
        a, b = _mention_pair(args)
        made, summary = decide(a, b, args.decision, actor=_actor(), reason=args.reason)
    except DecisionError as exc:
        print(f"vigil review decide: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _reassess()
    print(f"Decision {made.pk} recorded ({made.decision}); relinked {summary.mentions:,} mentions "
          f"into {summary.persons:,} persons")
    return EXIT_OK


def cmd_review_undo(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.identity.actions import DecisionError, undo
    from vigil.identity.models import LinkDecision

    try:
        decision = LinkDecision.objects.get(pk=args.decision_id)
        undo(decision, actor=_actor(), reason=args.reason)
    except LinkDecision.DoesNotExist:
        print(f"vigil review undo: no decision {args.decision_id}", file=sys.stderr)
        return EXIT_USAGE
    except DecisionError as exc:
        print(f"vigil review undo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _reassess()
    print(f"Decision {decision.pk} undone")
    return EXIT_OK


def cmd_assess(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.alerts.engine import assess

    as_of = args.as_of or _now()
    findings, outcome = assess(as_of)
    counts = {"as_of": as_of.isoformat(), "findings": len(findings), "raised": outcome.raised,
              "updated": outcome.updated, "reopened": outcome.reopened,
              "resolved": outcome.resolved, "unchanged": outcome.unchanged}
    if args.json:
        _print_json(counts)
    else:
        print(f"As of {as_of:%d %B %Y %H:%M %Z}: {len(findings):,} findings; "
              f"{outcome.raised:,} alerts raised, {outcome.updated:,} updated, "
              f"{outcome.reopened:,} reopened, {outcome.resolved:,} resolved")
    return EXIT_OK


def cmd_alerts(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.alerts.engine import alerts_json, findings_at
    from vigil.rules import ALERT_CODES

    if args.code is not None and args.code not in ALERT_CODES:
        # A misspelt code would otherwise list nothing, which reads as "no alerts".
        print(f"vigil alerts: --code {args.code!r} is not an alert code of ALERTS.md", file=sys.stderr)
        return EXIT_USAGE
    as_of = args.as_of or _now()
    findings = findings_at(as_of)
    if args.code:
        findings = [f for f in findings if f.code == args.code]
    listed = alerts_json(findings, status=args.status)
    if args.json:
        _print_json(listed)
        return EXIT_OK
    if not listed:
        print(f"No alerts as of {as_of:%d %B %Y %H:%M %Z}.")
    for alert in listed:
        print(f"{alert['severity']:8s} {alert['code']:32s} {alert['status']:12s} {alert['alert_id']}")
        print(f"         {alert['explanation']}")
    return EXIT_OK


def cmd_person(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.alerts.profile import MentionNotFound, person_profile

    try:
        profile = person_profile(args.source_system, args.source_id, args.mention_id)
    except MentionNotFound as exc:
        print(f"vigil person: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(profile)
        return EXIT_OK
    print(f"Person {profile['person_id']}: {', '.join(profile['names']) or '(no name)'}")
    print(f"  dates of birth: {', '.join(profile['dates_of_birth']) or 'none recorded'}")
    print(f"  {len(profile['mentions'])} mention(s); chronology:")
    for entry in profile["chronology"]:
        print(f"    {entry['at'][:16]}  {entry['record_type']:20s} {entry['source_system']}/"
              f"{entry['source_id']}  {entry['summary'][:60]}")
    for alert in profile["alerts"]:
        print(f"  ALERT {alert['code']} ({alert['status']}): {alert['explanation']}")
    return EXIT_OK


# --- synthetic force ------------------------------------------------------------------------


def cmd_synth(args: argparse.Namespace) -> int:
    from vigil.synth import generate

    out = Path(args.out)
    show = sys.stderr.isatty()

    def progress(people: int) -> None:
        if show:
            print(f"\r{people:,} of {args.people:,} people", end="", file=sys.stderr)

    try:
        # Neither start nor end: a period ending now, so alerts are current when assessed now.
        end = args.end if args.end or args.start else dt.datetime.now(dt.UTC)
        summary = generate(out, people=args.people, seed=args.seed, start=args.start,
                           days=args.days, end=end, progress=progress)
    except ValueError as exc:
        print(f"vigil synth: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if show:
        print(file=sys.stderr)
    if args.json:
        _print_json(summary)
    else:
        records = sum(summary.get("records", {}).values()) if isinstance(summary.get("records"), dict) else summary.get("records")
        print(f"Wrote a synthetic force of {args.people:,} people ({records:,} records) to {out}")
    return EXIT_OK


# --- accounts and the web application --------------------------------------------------------


def cmd_user_add(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from vigil.accounts.actions import AccountError, add_user, user_summary

    password: str | None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        password = None
    try:
        user = add_user(args.username, args.role, password, actor=_actor(), full_name=args.name,
                        rank=args.rank, staff_number=args.staff_number, team=args.team)
    except AccountError as exc:
        print(f"vigil user add: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:
        print(f"vigil user add: password refused: {' '.join(exc.messages)}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(user_summary(user))
    else:
        print(f"Created {user.username} with role {user.role}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connection

    from vigil.audit import dbroles
    from vigil.web.server import serve

    if connection.vendor == "postgresql" and not dbroles.app_user():
        print("vigil serve: warning: VIGIL_DATABASE_OWNER_URL is not set, so the web application "
              "works as the tables' owner and could lift the access log's protection; see "
              "docs/operations.md 'Database roles'", file=sys.stderr)

    serve(args.host, args.port, workers=args.workers)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.web.demo import build_demo

    build_demo(people=args.people, seed=args.seed, out=Path(args.out) if args.out else None,
               end=args.end)
    return EXIT_OK


def cmd_audit_log_verify(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.audit.keys import AuditKeyError
    from vigil.audit.log import verify

    try:
        found = verify(checkpoint_file=Path(args.checkpoints) if args.checkpoints else None)
    except AuditKeyError as exc:
        print(f"vigil audit-log verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(found.as_json())
    elif found.breaks:
        print(f"The audit log is NOT intact: {len(found.breaks)} break(s) in {found.entries} "
              "entries", file=sys.stderr)
        for line in found.breaks:
            print(line)
    else:
        print(f"The audit log is intact: {found.entries} entries, every hash chained under key "
              f"{found.key_id}; {found.checkpoints} signed checkpoint(s) in "
              f"{found.checkpoint_file} match it")
        if found.unkeyed:
            print(f"  {found.unkeyed} entries are from before the chain was keyed (plain SHA-256), "
                  "sealed by the keyed entries after them")
    if found.other_stores and not args.json:
        print(f"Note: {found.checkpoint_file} also holds checkpoints of {found.other_stores} other "
              "store(s). With one database per data folder, that means this log is not the one "
              "they were written for (replaced, or rewritten from its first entry).",
              file=sys.stderr)
    if not found.breaks and found.entries:
        from vigil.audit import checkpoints

        checkpoints.write()  # verified up to here
    return EXIT_OK if not found.breaks else 1


def cmd_audit_log_checkpoint(args: argparse.Namespace) -> int:
    _setup_django()
    from vigil.audit import checkpoints

    point = checkpoints.write()
    if point is None:
        print("The audit log is empty: no checkpoint written")
    else:
        print(f"Checkpoint written to {checkpoints.path()}: {point.entries} entries up to entry "
              f"{point.last_id}, head {point.head[:16]}…")
    return EXIT_OK


def cmd_db_grant(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connections

    from vigil.audit import dbroles

    user = dbroles.app_user()
    if not user:
        print("vigil db grant: set VIGIL_DATABASE_OWNER_URL (the tables' owner) and "
              "VIGIL_DATABASE_URL (the application's role) on PostgreSQL", file=sys.stderr)
        return EXIT_USAGE
    try:
        dbroles.grant(connections[dbroles.owner_alias()], user)
    except RuntimeError as exc:
        print(f"vigil db grant: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Granted {user} what the application needs (the access log: read and add only)")
    return EXIT_OK


# --- argument parsing -------------------------------------------------------------------------


def _datetime_arg(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset")
    return value


def _end_arg(text: str) -> dt.date | dt.datetime:
    from vigil.synth.clock import parse_end

    try:
        return parse_end(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="import NDJSON record files")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-assess", action="store_true",
                   help="do not bring identity resolution and alerts up to date afterwards")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("link", help="re-run identity resolution over every mention")
    p.add_argument("--train", action="store_true",
                   help="first re-estimate the model, match prior included, on this store's own "
                        "mentions and keep it in this store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("persons", help="every person identity resolution holds, with every "
                                       "mention, one JSON object a line")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_persons)

    p = sub.add_parser("assess", help="re-evaluate every rule for everyone and store the alerts")
    p.add_argument("--as-of", type=_datetime_arg, metavar="DATETIME")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("alerts", help="the alerts evaluation finds at a moment")
    p.add_argument("--as-of", type=_datetime_arg, metavar="DATETIME")
    p.add_argument("--code")
    p.add_argument("--status", choices=["open", "acknowledged", "closed", "resolved"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("person", help="the person a mention resolves to, with their chronology")
    p.add_argument("source_system")
    p.add_argument("source_id")
    p.add_argument("mention_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_person)

    p = sub.add_parser("explain", help="why two mentions are (or are not) one person: match weights")
    _add_mention_pair(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("review", help="pairs of mentions the model was unsure of, and decisions")
    rsub = p.add_subparsers(dest="review_command", required=True)
    r = rsub.add_parser("list", help="pairs waiting for a person to decide")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_review_list)
    r = rsub.add_parser("decide", help="record that two mentions are, or are not, one person")
    _add_mention_pair(r)
    r.add_argument("--decision", required=True, choices=["same", "different"])
    r.add_argument("--reason", required=True)
    r.set_defaults(func=cmd_review_decide)
    r = rsub.add_parser("undo", help="withdraw a decision")
    r.add_argument("decision_id", type=int)
    r.add_argument("--reason", required=True)
    r.set_defaults(func=cmd_review_undo)

    p = sub.add_parser("quarantine", help="records that broke the contract")
    qsub = p.add_subparsers(dest="quarantine_command", required=True)
    q = qsub.add_parser("list", help="list quarantined records and why")
    q.add_argument("--all", action="store_true", help="include those since fixed and re-imported")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_quarantine_list)

    p = sub.add_parser("synth", help="write a synthetic force and its ground truth")
    p.add_argument("--people", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=_date_arg)
    p.add_argument("--days", type=int, help="length of the period (default 730)")
    p.add_argument("--end", type=_end_arg, metavar="DATE|DATETIME",
                   help="end of the period, as_of of the truth (default: now)")
    p.add_argument("--out", required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("user", help="accounts")
    usub = p.add_subparsers(dest="user_command", required=True)
    u = usub.add_parser("add", help="create an account")
    u.add_argument("username")
    u.add_argument("--role", required=True)
    u.add_argument("--password-stdin", action="store_true")
    u.add_argument("--name", default="", help="full name, as colleagues know them")
    u.add_argument("--rank", default="", help="rank or role title, e.g. DC or 'MASH researcher'")
    u.add_argument("--staff-number", default="", help="collar or staff number (letters, digits)")
    u.add_argument("--team", default="", help="a team in use, by name")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_user_add)

    p = sub.add_parser("audit-log", help="the keyed hash-chained access and change log")
    asub = p.add_subparsers(dest="audit_command", required=True)
    a = asub.add_parser("verify", help="check the keyed chain and the signed checkpoints; exit 1 "
                       "listing each break")
    a.add_argument("--json", action="store_true")
    a.add_argument("--checkpoints", metavar="FILE",
                   help="the signed checkpoints to check against (default: the data folder's)")
    a.set_defaults(func=cmd_audit_log_verify)
    a = asub.add_parser("checkpoint", help="write a signed checkpoint of the log now")
    a.set_defaults(func=cmd_audit_log_checkpoint)

    p = sub.add_parser("db", help="the database")
    dsub = p.add_subparsers(dest="db_command", required=True)
    d = dsub.add_parser("grant", help="as the tables' owner, grant the application's role")
    d.set_defaults(func=cmd_db_grant)

    p = sub.add_parser("serve", help="serve the web application")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="generate and import a demo force with demo accounts")
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", help="where to write the synthetic files (default: data folder)")
    p.add_argument("--end", type=_end_arg, metavar="DATE|DATETIME",
                   help="end of a newly generated force's period (default: now)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Piped into `head`, stop quietly like any Unix tool.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    if "django" in sys.modules:
        from django.apps import apps

        if apps.ready:
            from vigil.audit import checkpoints

            checkpoints.write_if_pending()  # what this command wrote, signed outside the table
    return result


if __name__ == "__main__":
    sys.exit(main())
