"""Organisations, clusters, users, role grants and API tokens (SPEC §1–§2)."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uth.extensions import db
from uth.types import UTCDateTime


class Role(str, enum.Enum):
    """Roles of SPEC §1; a user holds several (role, scope) grants."""

    REPORTER = "reporter"
    RISK_MANAGER = "risk_manager"
    CENTRAL_RISK_MANAGER = "central_risk_manager"
    FORUM_MEMBER = "forum_member"
    ADMIN = "admin"


CASE_ROLES = (Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER)

SECTORS = ("hospital", "kommune", "almen_praksis", "psykiatri", "praehospital", "apotek", "privat", "region")


class Cluster(db.Model):
    """A patient-safety forum's area: a hospital, its kommuner and the practices around them."""

    __tablename__ = "clusters"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Organisation(db.Model):
    """A unit in the organisation tree; `path` ("/1/4/9/") makes subtree queries one LIKE."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)
    path: Mapped[str] = mapped_column(String(1000), index=True, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    cluster: Mapped[Cluster | None] = relationship()

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this organisation, read from the path."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class User(UserMixin, db.Model):
    """A signed-in person; reporters, risk managers, forum members and admins alike."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(2), default="da")
    primary_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    primary_org: Mapped[Organisation | None] = relationship()
    grants: Mapped[list[Grant]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def active_grants(self, *roles: Role) -> list[Grant]:
        """The user's active grants, optionally only those of the given roles."""
        wanted = {getattr(r, "value", r) for r in roles}
        return [g for g in self.grants if g.active and (not wanted or g.role in wanted)]

    def has_role(self, *roles: Role) -> bool:
        """True when the user holds any active grant of these roles."""
        return bool(self.active_grants(*roles))


class Grant(db.Model):
    """One (role, scope) grant; scope is an organisation, a cluster (forum) or none (admin)."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_id", "cluster_id", name="uq_grants_scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the unique constraint's index leads with it
    role: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="grants")
    org: Mapped[Organisation | None] = relationship()
    cluster: Mapped[Cluster | None] = relationship()


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in browser session, so sign-out and deactivation end it on the server: the cookie
    holds a random token whose SHA-256 is stored here; a copied cookie is worthless once `ended_at`
    is set or `expires_at` has passed."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

