"""Classification terms loaded from taxonomy/*.csv by `uth init` (data, not migrations)."""
from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uth.extensions import db


class TaxonomyTerm(db.Model):
    """One term of one kind (event_type, transition_type, involved_role, reject_reason, ...)."""

    __tablename__ = "taxonomy_terms"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_taxonomy_terms_kind_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # the unique constraint's index leads with it
    code: Mapped[str] = mapped_column(String(80))
    parent: Mapped[str | None] = mapped_column(String(80))
    label_da: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
