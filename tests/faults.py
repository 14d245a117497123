"""Storage faults made for real (the suite runs as root, as CI does): a directory remounted
read-only, a directory on a tiny filesystem that is full."""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


@contextmanager
def read_only(directory: Path):
    """The directory, as it is, becomes read-only (a bind mount of itself remounted ro)."""
    _run("mount", "--bind", str(directory), str(directory))
    try:
        _run("mount", "-o", "remount,bind,ro", str(directory))
        yield directory
    finally:
        _run("umount", "--lazy", str(directory))  # detached even while the app still holds files open


@contextmanager
def full_disk(directory: Path, size: str = "1m"):
    """A small tmpfs mounted over the directory and filled to the last byte."""
    directory.mkdir(parents=True, exist_ok=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory))
    try:
        filler = directory / "filler"
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        yield directory
    finally:
        _run("umount", "--lazy", str(directory))  # detached even while the app still holds files open


def can_mount() -> bool:
    return os.geteuid() == 0
