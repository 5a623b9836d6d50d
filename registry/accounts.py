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

from sqlalchemy import insert, select, update

from layers.base import CodeList, Feature
from layers.system import Account as AccountRow
from layers.system import ApiToken
from registry.api import Registry
from registry.errors import Forbidden, InvalidInput, NotFound

ROLES = CodeList("角色", [
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
