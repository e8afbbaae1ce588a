"""`flask commune …`: the communes of a province installation (add one, import the province's, list them)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click
from flask import Flask

from gateway.services import audit, communes


def register(app: Flask, svc: Callable) -> None:
    """Attach the `commune` command group to the app."""

    @app.cli.group("commune")
    def commune():
        """The communes this installation serves (each sees only its own conversations)."""

    @commune.command("add")
    @click.argument("slug")
    @click.option("--name", required=True, help="Official name as written, its kind first.")
    @click.option("--kind", type=click.Choice(communes.KINDS), default=None, help="Default: from the name.")
    @click.option("--old-name", "old_names", multiple=True, help="A former unit merged into it (repeatable).")
    def add(slug, name, kind, old_names):
        """Create one commune: SLUG (lowercase letters, digits, hyphens) with its official name."""
        try:
            with svc().db.session() as session:
                row = communes.add(session, slug, name, kind, old_names)
                audit.record(
                    session, None, "commune_added", f"commune:{row.slug}", {"name": row.name}, commune_id=row.id
                )
        except communes.CommuneError as exc:
            raise click.ClickException(f"{exc.code}: {exc.fields or ''}") from exc
        svc().communes.changed()
        click.echo(
            f"commune '{slug}' ({name}) created; hotline and hours: not confirmed yet "
            "(its citizens are given the province's line until the commune fills them in)"
        )

    @commune.command("import")
    @click.option(
        "--file",
        "path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Default: content/communes/thanh-hoa.yml (derived offline by tools/build_communes.py).",
    )
    def import_(path):
        """Load every commune of the province from the data file shipped in the repository; existing communes
        keep their settings."""
        units = communes.read_units(path)
        with svc().db.session() as session:
            added, kept = communes.import_units(session, units)
            audit.record(session, None, "communes_imported", "communes", {"added": added, "kept": kept})
        svc().communes.changed()
        click.echo(
            f"{added} communes added, {kept} already there ({len(units)} in the file); hotlines and hours "
            "not confirmed yet until each commune fills them in"
        )

    @commune.command("list")
    def list_():
        """Slug, name, whether its hotline is confirmed."""
        for info in svc().communes.all():
            hotline = info.settings.get("hotline") or "-"
            click.echo(f"{info.slug}\t{info.name}\t{hotline}\t{'' if info.active else 'inactive'}")
