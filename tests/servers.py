"""Real servers for tests that must cross a process boundary: gunicorn serving the app, redis-server.

`uth_server(...)` runs `gunicorn wsgi:app` over the test database, as `make run` does, so two of them
are two application servers (separate processes, separate memory) sharing one database.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def uth_server(database_url: str, index_dir: Path, _extra_args: tuple[str, ...] = (), **settings: str):
    """gunicorn with one worker on a free port, started in the repository (so with its
    gunicorn.conf.py, as `make run` does); yields its base URL."""
    port = free_port()
    env = {**os.environ, "UTH_ENV": "production", "UTH_DATABASE_URL": database_url, "UTH_INDEX_DIR": str(index_dir),
           "UTH_SECRET_KEY": "two-servers-one-secret", "UTH_SECURE_COOKIES": "0", "UTH_SEARCH_APPLY": "inline",
           **settings}
    env.pop("UTH_TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", *_extra_args, "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


@contextmanager
def redis_server(directory: Path):
    """A throw-away redis-server on a free port; yields its URL."""
    port = free_port()
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


class Browser:
    """A cookie-keeping HTTP client for a real server (urllib)."""

    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect)

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def csrf_token(self, path: str) -> str:
        _, html = self.request("GET", path)
        match = self.CSRF.search(html)
        return match.group(1) or match.group(2)

    def post_form(self, path: str, fields: dict) -> int:
        from urllib.parse import urlencode

        body = urlencode({**fields, "csrf_token": self.csrf_token(path)}).encode()
        return self.request("POST", path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})[0]

    def post_json(self, path: str, body: dict) -> int:
        import json

        return self.request("POST", path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextmanager
def logged_uth_server(database_url: str, index_dir: Path, access_log: Path, **settings: str):
    """`uth_server` writing gunicorn's access log to a file, as `make run` writes it to stdout."""
    with uth_server(database_url, index_dir, _extra_args=("--access-logfile", str(access_log)), **settings) as base:
        yield base
