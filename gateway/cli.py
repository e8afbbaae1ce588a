"""Commands: `flask --app gateway <command>` (the bin/ scripts set FLASK_APP)."""

from __future__ import annotations

import getpass
import click
from flask import Flask

from gateway import commune_cli
from gateway.services import handoff, retention, staff_accounts


def register(app: Flask) -> None:
    """Attach the commands to the app."""

    def svc():
        return app.extensions["vneid"]

    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Apply the database migrations."""
        from gateway.migrate import upgrade

        upgrade(svc().settings.database_url)
        click.echo("database is up to date")

    @app.cli.command("create-admin")
    @click.option("--username", default=None, help="Asked for when omitted.")
    @click.option("--name", "display_name", default=None, help="Asked for when omitted.")
    @click.option("--password", default=None, help="Read from the prompt (or ADMIN_PASSWORD) when omitted.")
    @click.option("--commune", "slug", default=None, help="That commune's admin; without it, a province admin.")
    def create_admin(username, display_name, password, slug):
        """Create an admin account of one commune (--commune SLUG) or of the province (sees every commune); the
        prompts' words are content/staff.yml `cli`."""
        import os

        commune_id = None
        if slug is not None:
            info = svc().communes.by_slug(slug)
            if info is None:
                raise click.ClickException(f"no commune '{slug}' (flask commune list)")
            commune_id = info.id
        ask = svc().texts.staff("cli")
        username = username or click.prompt(ask["username"])
        display_name = display_name or click.prompt(ask["display_name"])
        password = (
            password
            or os.environ.get("ADMIN_PASSWORD")
            or getpass.getpass(ask.fill("password", min_chars=staff_accounts.MIN_PASSWORD))
        )
        try:
            with svc().db.session() as session:
                staff_accounts.create(session, username, display_name, password, role="admin", commune_id=commune_id)
        except staff_accounts.AccountError as exc:
            raise click.ClickException(svc().texts.explain(exc)) from exc
        click.echo(f"admin '{username}' created for " + (f"commune {slug}" if slug else "the province"))

    commune_cli.register(app, svc)

    @app.cli.command("rotate-secret-key")
    def rotate_secret_key():
        """A new SECRET_KEY in the var directory: every staff session ends now, and every cookie signed with the old
        key is refused once the gateway and its worker restart (gateway/services/key_rotation.py)."""
        from gateway.config import ConfigError
        from gateway.services import key_rotation

        try:
            done = key_rotation.rotate_secret_key(svc())
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(
            f"new SECRET_KEY in {done.path}; staff sessions ended: {done.sessions}; restart the gateway and its worker"
        )

    @app.cli.command("sweep")
    def sweep():
        """Offer call-backs in handoffs nobody claimed in time."""
        with svc().db.session() as session:
            click.echo(f"{handoff.sweep_timeouts(svc(), session)} call-back offers sent")

    @app.cli.command("purge")
    @click.option("--days", type=click.IntRange(min=0), default=None, help="Default: RETENTION_DAYS.")
    def purge(days):
        """Delete everything older than N days from every copy: the gateway's tables and Rasa's tracker store
        (gateway/services/retention.py)."""
        click.echo(retention.purge(svc(), days).summary())

    @app.cli.command("delete-conversation")
    @click.argument("conversation_id", type=int)
    def delete_conversation(conversation_id):
        """Delete one citizen's conversation from the gateway and Rasa's tracker store (as the citizen's own
        "xóa cuộc trò chuyện" does: gateway/services/erasure.py); the audit log keeps only the fact."""
        from gateway.services import erasure

        if erasure.erase_conversation(svc(), conversation_id, by="operator") is None:
            raise click.ClickException("no such conversation")
        click.echo(f"conversation {conversation_id} deleted")
