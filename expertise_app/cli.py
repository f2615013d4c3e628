"""Command-line tools: `flask --app wsgi create-user …`, `create-token EMAIL`, `seed-demo`, `seed-bulk N`,
`import-experts FILE`.

Each command commits once, when it is done (expertise_app/transaction.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app

from . import transaction
from .auth.accounts import AccountError, create_user, find_user_by_email
from .auth.models import Role
from .auth.tokens import TokenError, create_token
from .notifications.services import emails_off


@click.command("create-user")
@click.option("--email", required=True, help="Login email (unique, case-insensitive).")
@click.option("--password", required=True, help="At least 12 characters, and not easy to guess.")
@click.option("--role", required=True, type=click.Choice(Role.ALL), help="partner, expert or manager.")
@click.option("--name", default=None, help="Display name (default: the email's local part).")
@click.option("--organisation", default=None, help="Partner's organisation; created if it does not exist.")
@click.option("--country", default=None, help="The organisation's country, ISO 3166-1 alpha-2 (e.g. TN).")
def create_user_command(email, password, role, name, organisation, country):
    """Create an account (exit status 1, with a message, if it is a duplicate or invalid)."""
    try:
        user = create_user(email, password, role, name=name, organisation=organisation, country=country)
        transaction.commit()
    except AccountError as error:
        transaction.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    where = f" of {user.organisation.name}" if user.organisation else ""
    click.echo(f"Created {user.role} {user.email}{where}.")


@click.command("seed-demo")
@click.option("--allow-production", is_flag=True, help="Load the demo even with PASSERELLE_ENV=production.")
def seed_demo_command(allow_production):
    """Load the demo organisations, accounts and requests (once; running it again changes nothing)."""
    from .demo import DEMO_ACCOUNTS, seed_demo

    if current_app.config.get("ENV_NAME") == "production" and not allow_production:
        click.echo("Error: refusing to load demo accounts with published passwords into production.", err=True)
        sys.exit(1)

    with emails_off():  # the demo's history tells people in the app; it sends no email
        created = seed_demo()
        transaction.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo("Demo logins:")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.role:<8} {account.email:<32} {account.password}")


@click.command("seed-bulk")
@click.argument("count", type=click.IntRange(min=1), metavar="N")
@click.option("--seed", type=int, default=None, help="Seed of the random choices (default: a fixed one).")
@click.option("--allow-production", is_flag=True, help="Load the data even with PASSERELLE_ENV=production.")
def seed_bulk_command(count, seed, allow_production):
    """Load N realistic cases over ten years in bulk, for benchmarks and trying the app at scale.

    The first run also makes the roster (organisations, partners, experts, managers), which
    later runs reuse; each run appends N cases. Everything is committed at once, at the end.
    """
    from . import bulk

    if current_app.config.get("ENV_NAME") == "production" and not allow_production:
        click.echo("Error: refusing to load bulk accounts with a published password into production.", err=True)
        sys.exit(1)

    started = time.perf_counter()
    with click.progressbar(length=count, label="Loading cases") as bar:
        counts = bulk.seed_bulk(count, seed=bulk.SEED if seed is None else seed, progress=bar.update)
    transaction.commit()
    bulk.analyze()  # planner statistics for the tables just filled
    transaction.commit()
    elapsed = time.perf_counter() - started
    click.echo(
        f"Loaded {counts.requests:,} cases in {elapsed:.1f} s: {counts.events:,} events, "
        f"{counts.assignments:,} team assignments, {counts.missions:,} missions, "
        f"{counts.feedback:,} mission feedback, {counts.ratings:,} expert ratings."
    )
    roster = "made" if counts.roster_created else "reused"
    click.echo(f"Roster {roster}: {counts.organisations} organisations, {counts.experts} experts.")
    click.echo(
        f"Logins (password {bulk.PASSWORD}): partner0001@{bulk.DOMAIN}, expert0001@{bulk.DOMAIN}, "
        f"manager1@{bulk.DOMAIN}."
    )


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option("--days", type=int, default=None, help="Valid this many days (default: until revoked).")
def create_token_command(email, name, days):
    """Create an API token for EMAIL and print it (last line; it is not stored, only its hash)."""
    user = find_user_by_email(email)
    if user is None:
        click.echo(f"Error: no account with the email {email}.", err=True)
        sys.exit(1)
    try:
        token, secret = create_token(user, name, days)
    except TokenError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    transaction.commit()
    click.echo(f"Created the API token “{token.name}” for {user.email} ({user.role}). It is shown once:")
    click.echo(secret)


@click.command("import-experts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report, but save nothing.")
def import_experts_command(file: Path, dry_run: bool):
    """Create or update experts from a .csv or .xlsx roster (columns: see the README).

    Refused rows are named with their line number and reason; the others are imported.
    Exit status 1 if any row was refused or the file cannot be read.
    """
    from .experts.importer import RosterError, import_rows, read_rows

    try:
        report = import_rows(read_rows(file))
    except RosterError as error:
        transaction.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    for line, reason in report.refused:
        click.echo(f"line {line}: refused: {reason}", err=True)
    summary = (
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.refused)} refused."
    )
    if dry_run:
        transaction.rollback()
        click.echo(f"Dry run: {summary} Nothing was saved.")
    else:
        transaction.commit()
        click.echo(summary)
    if report.refused:
        sys.exit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Send what is queued, then stop.")
def worker_command(burst: bool):
    """Send the queued emails (RQ on REDIS_URL), retrying failures with back-off. Runs until stopped."""
    from .notifications import jobs

    connection = jobs.redis_connection()
    if connection is None:
        click.echo("Error: set REDIS_URL (for example redis://127.0.0.1:6379/0) to run a worker.", err=True)
        sys.exit(1)
    sent, failed = jobs.send_due()  # what was left pending while no worker ran
    click.echo(f"Sent {sent} waiting email(s); {failed} failed and will be retried.")
    jobs.worker(current_app._get_current_object(), connection).work(burst=burst, with_scheduler=not burst)


@click.command("send-mail")
def send_mail_command():
    """Send every email pending, or failed and due again (for a machine without a worker: run it from cron)."""
    from .notifications import jobs

    sent, failed = jobs.send_due()
    click.echo(f"Sent {sent} email(s); {failed} failed and will be retried later.")


@click.command("send-digests")
def send_digests_command():
    """Send the daily digest to those who chose it (run it once a day from cron)."""
    from .notifications.services import send_digests

    count = send_digests()
    transaction.commit()
    click.echo(f"Queued {count} digest(s).")


@click.command("remind-feedback")
def remind_feedback_command():
    """Remind partners of missions delivered 14 days ago or more that they have not rated (run it daily)."""
    from .notifications.services import remind_feedback

    count = remind_feedback()
    transaction.commit()
    click.echo(f"Reminded the partners of {count} request(s).")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(destination: Path):
    """Write a consistent copy of the SQLite database to DESTINATION, while the app runs."""
    from .backup import BackupError, backup

    try:
        size = backup(destination)
    except BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backed up to {destination} ({size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool):
    """Replace the SQLite database with the backup in SOURCE (checked first)."""
    from .backup import BackupError, check_backup, known_revisions, restore

    try:
        revision = check_backup(source)
        if not yes:
            click.confirm(
                f"Replace everything in the database with {source} (made at migration {revision})?", abort=True
            )
        restore(source)
    except BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Restored {source} (migration {revision}).")
    if revision != max(known_revisions()):
        click.echo("Run `flask --app wsgi db upgrade` to bring it to this version's schema.")


@click.command("rebuild-tallies")
def rebuild_tallies_command():
    """Make the overview's monthly tallies again from the requests, and mark again which places on teams
    are on open requests; say whether they differed.

    The write path keeps both; this is for data changed outside the app (by hand, or a partial restore).
    """
    from .cases import facts, tallies

    count, changed = tallies.made_again()
    places = facts.open_places_marked_again()
    transaction.commit()
    if changed:
        click.echo(f"{changed} of the overview's monthly tallies differed from the requests; all {count} made again.")
    else:
        click.echo(f"The overview's {count} monthly tallies agreed with the requests.")
    if places:
        click.echo(f"{places} places on teams were marked open or closed against their request's state; marked again.")


def init_commands(app: Flask) -> None:
    app.cli.add_command(rebuild_tallies_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(remind_feedback_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_bulk_command)
    app.cli.add_command(import_experts_command)
