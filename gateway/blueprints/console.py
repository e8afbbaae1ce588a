"""The staff console (server-rendered, Vietnamese)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import login_required

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.get("/")
@login_required
def queue():
    """The queue of conversations waiting for a person."""
    return render_template("console/queue.html")


@bp.get("")
def root():
    return redirect(url_for("console.queue"))
