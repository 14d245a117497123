"""The audit hash chain (SPEC §21), pure: each entry's hash is SHA-256 over the previous entry's
hash and the entry's own canonical content, so a changed, removed or inserted entry breaks it.

The canonical form must never change: every stored hash depends on it."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

GENESIS = "0" * 64  # the "previous hash" of the first entry
# Every column but the id (assigned by the database at insert) and the hash itself.
CONTENT = ("at", "actor_id", "actor_label", "action", "object_type", "object_id", "case_id", "org_id",
           "detail", "ip", "purpose")


def _at(value: datetime) -> str:
    if value.tzinfo is None:  # the database gives naive UTC on some paths
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping) -> bytes:
    """The entry's content as stable bytes: sorted keys, UTC time to the microsecond, compact JSON."""
    content = {name: entry.get(name) for name in CONTENT}
    content["at"] = _at(content["at"])
    content["detail"] = content["detail"] or {}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(previous: str, entry: Mapping) -> str:
    """SHA-256 over the previous entry's hash and this entry's canonical content."""
    return hashlib.sha256(previous.encode() + b"\n" + canonical(entry)).hexdigest()


@dataclass
class Verdict:
    """What a walk over the chain found: how many entries matched, the head, the first bad entry."""
    verified: int = 0
    head: str = GENESIS
    last_id: int | None = None
    bad_id: int | None = None
    problem: str | None = None


def walk(entries: Iterable[Mapping], previous: str = GENESIS) -> Verdict:
    """Recompute the chain over entries in id order; stop at the first entry whose hash does not match."""
    verdict = Verdict(head=previous)
    for entry in entries:
        expected = entry_hash(verdict.head, entry)
        if entry.get("hash") != expected:
            verdict.bad_id = entry["id"]
            verdict.problem = ("has no hash (written past the application)" if not entry.get("hash") else
                               "does not match its content and the entry before it "
                               "(it, or an entry just before it, was changed, removed or inserted)")
            return verdict
        verdict.verified += 1
        verdict.head, verdict.last_id = expected, entry["id"]
    return verdict
