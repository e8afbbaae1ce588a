"""`flask zalo-check`: the channel's configuration, token and queue status, and the webhook URL to register."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.channels.zalo.settings import checks, webhook_url


def register(app: Flask) -> None:
    """Attach the command."""

    @app.cli.command("zalo-check")
    def zalo_check():
        """Check the Zalo OA settings and print the webhook URL to register in the Zalo developer console."""
        from gateway.channels.zalo.client import ZaloClient
        from gateway.channels.zalo.models import ZaloEvent
        from gateway.models import Conversation, Message

        svc = app.extensions["vneid"]
        settings = svc.settings
        click.echo(f"Zalo channel: {'ON' if settings.zalo_enabled else 'OFF (ZALO_OA_SECRET_KEY is not set)'}")
        problems = 0

        def line(mark: str, name: str, detail: str) -> None:
            click.echo(f"  {mark} {name:<40} {detail}")

        for check in checks(settings):
            required = settings.zalo_enabled and check.required
            line("ok" if check.ok else ("!!" if required else "--"), check.name, check.detail)
            problems += int(required and not check.ok)
        try:
            state = ZaloClient(settings, svc.db).state()
            if state.source == "missing" and not (settings.zalo_access_token or settings.zalo_refresh_token):
                problems += int(settings.zalo_enabled)
                line("!!" if settings.zalo_enabled else "--", "tokens", "none in the database nor in the environment")
            elif state.source == "missing":
                line("--", "tokens in the database", "none yet (seeded from the environment on the first send)")
            elif not state.readable:
                problems += int(settings.zalo_enabled)
                line("!!", "tokens in the database", "sealed under another key (SECRET_KEY or ZALO_TOKEN_KEY changed):"
                     " authorise the OA again and set a new ZALO_REFRESH_TOKEN")
            else:
                expires = state.expires_at.isoformat() if state.expires_at else "unknown"
                updated = state.updated_at.isoformat() if state.updated_at else "?"
                line("ok", "tokens in the database",
                     f"version {state.version}, updated {updated}, access token expires {expires}")
            with svc.db.session() as session:
                counts = dict(session.execute(select(ZaloEvent.status, func.count()).group_by(ZaloEvent.status)).all())
                deliveries = dict(session.execute(
                    select(Message.delivery, func.count()).join(Conversation)
                    .where(Conversation.channel == "zalo", Message.delivery.is_not(None))
                    .group_by(Message.delivery)).all())
            click.echo(f"  queue: {counts.get('queued', 0)} events queued, {counts.get('processing', 0)} processing, "
                       f"{counts.get('failed', 0)} failed; messages: {deliveries.get('pending', 0)} pending, "
                       f"{deliveries.get('blocked', 0)} blocked (citizen must write first), "
                       f"{deliveries.get('failed', 0)} failed")
        except SQLAlchemyError:
            problems += int(settings.zalo_enabled)
            line("!!" if settings.zalo_enabled else "--", "database", "Zalo tables missing: run `flask db-upgrade`")
        click.echo("")
        click.echo("Webhook URL to register (Zalo developer console → Webhook), with the events user_send_text,")
        click.echo("user_send_image and the other user_send_*, follow, unfollow and oa_send_*:")
        click.echo(f"  {webhook_url(settings)}")
        if settings.zalo_enabled:
            click.echo("The background worker (`python -m gateway.worker`) must run: it processes events and sends.")
        if problems:
            raise click.ClickException(f"{problems} required Zalo setting(s) to fix (see !! above)")
