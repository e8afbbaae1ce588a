"""`flask zalo-check`: the channel's configuration, token and queue status, and the webhook URL to register.
`flask zalo-connect --commune SLUG --oa-id ID`: a commune's own Official Account (under the same Zalo app) is
routed to that commune, and its first token pair is stored, sealed."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.channels.zalo.settings import checks, webhook_url


def register(app: Flask) -> None:
    """Attach the commands."""
    register_connect(app)

    @app.cli.command("zalo-check")
    def zalo_check():
        """Check the Zalo OA settings and print the webhook URL to register in the Zalo developer console."""
        from gateway.channels.zalo.tokens import ZaloTokens
        from gateway.zalo_models import ZaloEvent
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
            state = ZaloTokens(settings, svc.db).state()
            line(
                "ok" if settings.zalo_provincial else "--",
                "ZALO_PROVINCIAL",
                "the primary OA is the province's: citizens say their commune first"
                if settings.zalo_provincial
                else "off: the primary OA's citizens are the default commune's",
            )
            if state.source == "missing" and not (settings.zalo_access_token or settings.zalo_refresh_token):
                problems += int(settings.zalo_enabled)
                line("!!" if settings.zalo_enabled else "--", "tokens", "none in the database nor in the environment")
            elif state.source == "missing":
                line("--", "tokens in the database", "none yet (seeded from the environment on the first send)")
            elif not state.readable:
                problems += int(settings.zalo_enabled)
                line(
                    "!!",
                    "tokens in the database",
                    "sealed under another key (SECRET_KEY or ZALO_TOKEN_KEY changed):"
                    " authorise the OA again and set a new ZALO_REFRESH_TOKEN",
                )
            else:
                expires = state.expires_at.isoformat() if state.expires_at else "unknown"
                updated = state.updated_at.isoformat() if state.updated_at else "?"
                line(
                    "ok",
                    "tokens in the database",
                    f"version {state.version}, updated {updated}, access token expires {expires}",
                )
            for info in svc.communes.all():  # communes with their own OA
                if info.zalo_oa_id:
                    own = ZaloTokens(settings, svc.db, oa_id=info.zalo_oa_id).state()
                    ok = own.source == "database" and own.readable
                    problems += int(settings.zalo_enabled and not ok)
                    line(
                        "ok" if ok else "!!",
                        f"OA {info.zalo_oa_id} ({info.slug})",
                        f"token version {own.version}"
                        if ok
                        else "no readable tokens: flask zalo-connect --commune {} --oa-id {} with a new refresh "
                        "token".format(info.slug, info.zalo_oa_id),
                    )
            with svc.db.session() as session:
                counts = dict(session.execute(select(ZaloEvent.status, func.count()).group_by(ZaloEvent.status)).all())
                deliveries = dict(
                    session.execute(
                        select(Message.delivery, func.count())
                        .join(Conversation)
                        .where(Conversation.channel == "zalo", Message.delivery.is_not(None))
                        .group_by(Message.delivery)
                    ).all()
                )
            click.echo(
                f"  queue: {counts.get('queued', 0)} events queued, {counts.get('processing', 0)} processing, "
                f"{counts.get('failed', 0)} failed; messages: {deliveries.get('pending', 0)} pending, "
                f"{deliveries.get('blocked', 0)} blocked (citizen must write first), "
                f"{deliveries.get('failed', 0)} failed"
            )
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


def register_connect(app: Flask) -> None:
    """Attach `flask zalo-connect`."""

    @app.cli.command("zalo-connect")
    @click.option("--commune", "slug", required=True, help="The commune (flask commune list).")
    @click.option("--oa-id", required=True, help="Its Official Account's id (digits, from the Zalo OA admin page).")
    @click.option(
        "--refresh-token",
        envvar="ZALO_OA_REFRESH_TOKEN",
        default="",
        show_envvar=True,
        help="The OA's refresh token from its authorisation (better from the environment than typed).",
    )
    @click.option(
        "--access-token",
        envvar="ZALO_OA_ACCESS_TOKEN",
        default="",
        show_envvar=True,
        help="Its access token, if you have one (else one is got with the refresh token).",
    )
    def zalo_connect(slug, oa_id, refresh_token, access_token):
        """Route a commune's own Zalo OA (under this installation's Zalo app: same app id, OA secret key and app
        secret) to that commune, and store its token pair sealed. Run again with a new refresh token after
        authorising the OA again."""
        from sqlalchemy import select

        from gateway.channels.zalo.tokens import ZaloTokens
        from gateway.models import Commune
        from gateway.services import audit

        svc = app.extensions["vneid"]
        oa_id, refresh_token, access_token = oa_id.strip(), refresh_token.strip(), access_token.strip()
        if not (oa_id.isascii() and oa_id.isdigit() and len(oa_id) <= 64):
            raise click.ClickException("--oa-id: the OA id is a string of digits")
        with svc.db.session() as session:
            row = session.scalar(select(Commune).where(Commune.slug == slug))
            if row is None:
                raise click.ClickException(f"no commune '{slug}' (flask commune list)")
            other = session.scalar(select(Commune).where(Commune.zalo_oa_id == oa_id, Commune.id != row.id))
            if other is not None:
                raise click.ClickException(f"OA {oa_id} is already commune '{other.slug}''s")
        tokens = ZaloTokens(svc.settings, svc.db, oa_id=oa_id)
        if not (refresh_token or access_token) and tokens.state().source == "missing":
            raise click.ClickException("the OA has no tokens yet: give --refresh-token (or ZALO_OA_REFRESH_TOKEN)")
        version = tokens.seed(access_token, refresh_token) if (refresh_token or access_token) else None
        with svc.db.session() as session:
            row = session.scalar(select(Commune).where(Commune.slug == slug))
            previous, row.zalo_oa_id = row.zalo_oa_id, oa_id
            audit.record(
                session,
                None,
                "zalo_connected",
                f"commune:{slug}",
                {"oa_id": oa_id, "previous_oa_id": previous, "tokens": "stored" if version else "kept"},
                commune_id=row.id,
            )
        svc.communes.changed()
        click.echo(
            f"commune '{slug}' now answers on Zalo OA {oa_id}"
            + (f"; its tokens are stored sealed (version {version})" if version else "; its tokens are kept")
        )
        click.echo("Its events come to the app's webhook like the other OAs' (flask zalo-check shows the URL).")
