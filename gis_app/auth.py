"""Who is asking: API tokens for scripts (``Authorization: Bearer …``), a signed session with CSRF
protection for people using the web pages, nobody (the public) otherwise.

The rules themselves (roles, departments, jurisdiction) live in ``registry.accounts`` and in the
database query of every write; this module only finds the account and refuses early with 401/403.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from gis_app.context import registry
from layers.base import Feature
from registry import audit
from registry.accounts import Account, account_for_token, end_session, session_account, sign_in, start_session
from registry.errors import Forbidden, RegistryError, TooManyAttempts

bp = Blueprint("auth", __name__)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_ROLES = {"viewer", "auditor"}


class Unauthorised(RegistryError):
    status = 401
    title = "需要登录 / Authentication required"


def csrf_token() -> str:
    """The session's CSRF token, made on first use (forms and scripts on our pages send it back)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def current_account() -> Account | None:
    """The account of this request, or None for the public; cached for the request."""
    if "account" not in g:
        g.account = _find_account()
    return g.account


def _find_account() -> Account | None:
    reg = registry()
    header = request.headers.get("Authorization", "")
    if header:
        if not header.startswith("Bearer "):
            raise Unauthorised("只支持 Bearer 令牌 / only Bearer tokens are accepted")
        account = account_for_token(reg, header.removeprefix("Bearer ").strip())
        if account is None:
            raise Unauthorised("令牌无效或已撤销 / the token is invalid or revoked")
        return account
    if "sid" not in session:
        return None
    account = session_account(reg, session["sid"])
    if account is None:  # signed out, idle too long or the password changed: the session has ended
        session.clear()
        return None
    if request.method in UNSAFE and not _csrf_ok(request.headers.get("X-CSRF-Token")
                                                 or request.form.get("csrf_token", "")):
        raise Forbidden("缺少或错误的CSRF令牌 / missing or wrong CSRF token")
    return account


def _csrf_ok(sent: str) -> bool:
    expected = session.get("csrf", "")
    return bool(sent and expected) and hmac.compare_digest(sent, expected)


def client_address() -> str:
    """The client's address (the reverse proxy's ``X-Forwarded-For`` is honoured only when trusted,
    see ``FUJIAN_TRUSTED_PROXIES``)."""
    return request.remote_addr or ""


def sees_private() -> bool:
    """Personal and enterprise identifiers are for signed-in accounts only, never for the public."""
    return current_account() is not None


def require_account() -> Account:
    account = current_account()
    if account is None:
        raise Unauthorised("请登录或提供API令牌 (Authorization: Bearer …) / sign in or send an API token")
    return account


def require_runner() -> Account:
    """The account, if it may start check runs: signed in with a role that works on records (a viewer or
    an auditor reads only; an anonymous run over 242,000 outfalls wrote 153 MB of findings)."""
    account = require_account()
    if not set(account.roles) - READ_ONLY_ROLES:
        raise Forbidden(f"只读账户 {account.username} 不能启动检查 / read-only account {account.username} may not "
                        "start check runs")
    return account


def require_edit(model: type[Feature]) -> Account:
    """The account, if it may change ``model``; its jurisdiction is then enforced by the write itself."""
    account = require_account()
    account.require_edit(model)
    return account



@bp.get("/login")
def login_form():
    return render_template("login.html", csrf=csrf_token(), error=None, next=request.args.get("next", "/"))


@bp.post("/login")
def login():
    if not _csrf_ok(request.form.get("csrf_token", "")):
        raise Forbidden("登录表单已过期,请刷新页面 / the login form expired: reload the page")
    reg, address = registry(), client_address()
    try:
        account = sign_in(reg, request.form.get("username", ""), request.form.get("password", ""), address)
    except TooManyAttempts as exc:
        page = render_template("login.html", csrf=csrf_token(), error=exc.detail.split(" / ")[0],
                               next=request.form.get("next", "/"))
        return page, 429, {"Retry-After": str(exc.extra["retry_after"])}
    if account is None:
        return render_template("login.html", csrf=csrf_token(), error="用户名或密码错误",
                               next=request.form.get("next", "/")), 401
    session.clear()
    session["sid"] = start_session(reg, account, address)
    session["csrf"] = secrets.token_urlsafe(32)
    target = request.form.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@bp.post("/logout")
def logout():
    account = current_account()  # checks the CSRF token of a signed-in session
    if account is not None:
        end_session(registry(), session["sid"])
        audit.record(registry(), actor=account.label, address=client_address(), action="sign_out", outcome="ok")
    session.clear()
    return redirect(url_for("features.landing", f="html"))
