"""Accounts, roles and API tokens: who may read what and change what, and where.

Roles follow the departments of DESIGN.md: natural resources edit expropriation and standard land,
ecology and environment edit outfalls, civil affairs edit eldercare, administrators edit the reference
layers and accounts; viewers read everything; the public (no account) reads public attributes only.
A layer's department is declared in its ``LayerMeta`` (``department``); reference layers belong to the
administrators. Passwords are scrypt hashes and tokens SHA-256 digests: neither is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from layers.base import CodeList, Feature
from layers.system import Account as AccountRow
from layers.system import ApiToken, SignInAttempt, SignInSession
from registry import audit
from registry.api import Registry
from registry.errors import Forbidden, InvalidInput, NotFound, TooManyAttempts

ROLES = CodeList("角色", [
    ("auditor", "审计员(只读审计日志)", "Auditor (reads the audit log, changes nothing)"),
    ("admin", "系统管理员(参考图层与账户)", "Administrator (reference layers and accounts)"),
    ("natural_resources", "自然资源部门编辑", "Natural-resources editor"),
    ("ecology", "生态环境部门编辑", "Ecology and environment editor"),
    ("civil_affairs", "民政部门编辑", "Civil-affairs editor"),
    ("viewer", "只读用户", "Read-only viewer"),
])

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Account:
    """The signed-in user as every layer sees them."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    scope_code: str | None

    @property
    def label(self) -> str:
        """How the history names this person."""
        return f"{self.display_name} ({self.username})"

    def may_edit(self, model: type[Feature]) -> bool:
        return "admin" in self.roles or department(model) in self.roles

    def require_edit(self, model: type[Feature]) -> None:
        if not self.may_edit(model):
            meta = model.__layer__
            raise Forbidden(f"账户 {self.username} 无权修改“{meta.title_zh}”(属{department_label(model)}) / "
                            f"account {self.username} may not change {meta.name}")


def department(model: type[Feature]) -> str:
    """The role that edits ``model``, as its :class:`~layers.base.LayerMeta` declares."""
    return model.__layer__.department


def department_label(model: type[Feature]) -> str:
    return ROLES.label(department(model))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _verify(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account(row) -> Account:
    return Account(row.id, row.username, row.display_name, tuple(row.roles), row.scope_code)


def create_account(reg: Registry, username: str, display_name: str, *, roles: list[str],
                   password: str | None = None, scope_code: str | None = None) -> Account:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise InvalidInput(f"未知角色 {unknown} / unknown roles; use {', '.join(ROLES.values())}")
    if password is not None and len(password) < 10:
        raise InvalidInput("密码至少10位 / a password needs at least 10 characters")
    t = AccountRow.__table__
    with reg.engine.begin() as conn:
        if conn.scalar(select(t.c.id).where(t.c.username == username)) is not None:
            raise InvalidInput(f"账户 {username} 已存在 / account {username} exists")
        row = conn.execute(insert(t).values(
            username=username, display_name=display_name, roles=roles, scope_code=scope_code,
            password_hash=None if password is None else hash_password(password)).returning(*t.c)).one()
    return _account(row)


def authenticate(reg: Registry, username: str, password: str) -> Account | None:
    t = AccountRow.__table__
    with reg.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.username == username, t.c.active.is_(True))).first()
    if row is None:
        _verify(password, hash_password("timing-equaliser"))  # same work whether or not the user exists
        return None
    return _account(row) if _verify(password, row.password_hash) else None


def issue_token(reg: Registry, username: str, label: str = "") -> str:
    """A new API token for ``username``; returned once, only its digest is kept."""
    t = AccountRow.__table__
    token = "fj_" + secrets.token_urlsafe(32)
    with reg.engine.begin() as conn:
        account_id = conn.scalar(select(t.c.id).where(t.c.username == username))
        if account_id is None:
            raise NotFound(f"没有账户 {username} / no account {username}")
        conn.execute(insert(ApiToken.__table__).values(account_id=account_id, digest=_token_digest(token),
                                                       label=label))
    return token


def revoke_token(reg: Registry, token: str) -> None:
    t = ApiToken.__table__
    with reg.engine.begin() as conn:
        conn.execute(update(t).where(t.c.digest == _token_digest(token)).values(revoked=True))


def account_for_token(reg: Registry, token: str) -> Account | None:
    a, t = AccountRow.__table__, ApiToken.__table__
    stmt = (select(a).join(t, t.c.account_id == a.c.id)
            .where(t.c.digest == _token_digest(token), t.c.revoked.is_(False), a.c.active.is_(True)))
    with reg.engine.connect() as conn:
        row = conn.execute(stmt).first()
    return None if row is None else _account(row)


def account_by_id(reg: Registry, account_id: int) -> Account | None:
    t = AccountRow.__table__
    with reg.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == account_id, t.c.active.is_(True))).first()
    return None if row is None else _account(row)


# --------------------------------------------------------------------------- sign-in, throttle, sessions


@dataclass(frozen=True)
class SignInRules:
    """How sign-ins are throttled and sessions end; each figure is a ``FUJIAN_*`` setting."""

    delay_after: int = 5
    """Failures (per account name) after which each further try waits 1, 2, 4 … seconds."""
    lock_after: int = 10
    """Failures after which the name is locked for ``lock_minutes``."""
    lock_minutes: int = 15
    address_factor: int = 4
    """A client address (an office behind one gateway) gets this many times the failures of a name."""
    idle_hours: float = 8.0
    """A session unused this long has ended."""

    @classmethod
    def of(cls, reg: Registry) -> SignInRules:
        env = reg.settings.env
        return cls(**{name: type(default)(env[key]) for name, default in vars(cls()).items()
                      if (key := f"FUJIAN_SIGNIN_{name.upper()}") in env})

    def wait_s(self, failures: int, since_last_s: float, factor: int = 1) -> float:
        """Seconds still to wait after ``failures`` failures, the last ``since_last_s`` seconds ago."""
        if failures >= self.lock_after * factor:
            return max(0.0, self.lock_minutes * 60 - since_last_s)
        if failures >= self.delay_after * factor:
            return max(0.0, 2 ** (failures - self.delay_after * factor) - since_last_s)
        return 0.0


def sign_in(reg: Registry, username: str, password: str, address: str) -> Account | None:
    """The account if the password is right; None if not. Refused with :class:`TooManyAttempts` (naming
    when to try again) while the name or the address is throttled. Every attempt is recorded and audited."""
    rules = SignInRules.of(reg)
    a = SignInAttempt.__table__
    with reg.engine.begin() as conn:
        now = conn.scalar(select(func.now()))
        waits = []
        for column, value, factor in ((a.c.username, username, 1), (a.c.address, address, rules.address_factor)):
            last_ok = select(func.max(a.c.at)).where(column == value, a.c.ok).scalar_subquery()
            window = now - timedelta(minutes=rules.lock_minutes)
            failures, last = conn.execute(select(func.count(), func.max(a.c.at)).where(
                column == value, ~a.c.ok, a.c.at > func.greatest(last_ok, window))).one()
            if failures:
                waits.append(rules.wait_s(failures, (now - last).total_seconds(), factor))
    wait = max(waits, default=0.0)
    if wait > 0:
        audit.record(reg, actor=username, address=address, action="sign_in", outcome="throttled",
                     detail={"retry_after_s": round(wait)})
        seconds = int(wait) + 1
        raise TooManyAttempts(f"登录失败次数过多,请在 {seconds} 秒后重试 / too many failed sign-ins: try again in "
                              f"{seconds} s", retry_after=seconds)
    account = authenticate(reg, username, password)
    with reg.engine.begin() as conn:
        conn.execute(insert(a).values(username=username[:80], address=address[:64], ok=account is not None))
    audit.record(reg, actor=account.label if account else username, address=address, action="sign_in",
                 outcome="ok" if account else "wrong_password")
    return account


def start_session(reg: Registry, account: Account, address: str) -> str:
    """A new session for ``account``; the returned id goes into the cookie, only its digest is kept."""
    token = secrets.token_urlsafe(32)
    with reg.engine.begin() as conn:
        conn.execute(insert(SignInSession.__table__).values(digest=_token_digest(token), account_id=account.id,
                                                            address=address[:64]))
    return token


def session_account(reg: Registry, token: str) -> Account | None:
    """The account of a live session: not signed out, used within the idle time, begun after the account's
    last password change. Using it keeps it alive."""
    s, a = SignInSession.__table__, AccountRow.__table__
    idle = timedelta(hours=SignInRules.of(reg).idle_hours)
    with reg.engine.begin() as conn:
        row = conn.execute(
            update(s).where(s.c.digest == _token_digest(token), s.c.ended_at.is_(None),
                            s.c.last_seen > func.now() - idle, s.c.account_id == a.c.id, a.c.active.is_(True),
                            s.c.started_at >= a.c.password_changed_at)
            .values(last_seen=func.now()).returning(*a.c)).first()
    return None if row is None else _account(row)


def end_session(reg: Registry, token: str) -> None:
    s = SignInSession.__table__
    with reg.engine.begin() as conn:
        conn.execute(update(s).where(s.c.digest == _token_digest(token), s.c.ended_at.is_(None))
                     .values(ended_at=func.now()))


def set_password(reg: Registry, username: str, password: str) -> None:
    """A new password; every session begun before it ends."""
    if len(password) < 10:
        raise InvalidInput("密码至少10位 / a password needs at least 10 characters")
    t = AccountRow.__table__
    with reg.engine.begin() as conn:
        changed = conn.execute(update(t).where(t.c.username == username)
                               .values(password_hash=hash_password(password),
                                       password_changed_at=func.clock_timestamp())).rowcount
    if not changed:
        raise NotFound(f"没有账户 {username} / no account {username}")
