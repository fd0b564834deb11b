"""Helpers for tests that run real processes: a Celery worker, a gunicorn server, a fake upstream.

Only the remote alert APIs are ever replaced (by `FakeUpstream`, an HTTP server on 127.0.0.1 whose
responses a test sets); PostgreSQL, Redis and Celery are always the real ones.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from kyivguide.env import database_url

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused at once)."""
    return free_port()


def current_database_url() -> str:
    """DATABASE_URL of the database the tests use right now (pytest-django's test database)."""
    return database_url(connection.settings_dict)


def child_env(**overrides: str) -> dict[str, str]:
    """Environment for a child process that shares this test run's database, queue and Redis prefix."""
    env = dict(os.environ)
    # The browser tests' exemption from Django's async-safety check is theirs alone (see conftest.browser).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DATABASE_URL"] = current_database_url()
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(overrides)
    return env


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def http_get(
    url: str, *, timeout: float = 5.0, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 - 127.0.0.1 only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def run_python(program: list[str], env_overrides: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `python <program>` in the project root with this run's environment minus the production settings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def run_manage(env_overrides: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return run_python(["manage.py", "check"], env_overrides)


# Runs a Python program as `python <program>` would, then writes the process's own peak memory (VmHWM,
# the high-water mark of the memory of the program itself) to the file named by its first argument.
_MEASURED_BOOTSTRAP = """
import atexit, pathlib, runpy, sys
peak_file = sys.argv.pop(1)
def write_peak():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            pathlib.Path(peak_file).write_text(line.split()[1])
atexit.register(write_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_python_measured(program: list[str], *, env: Mapping[str, str]) -> tuple[int, str, float]:
    """(exit code, stdout and stderr together, peak memory in MB) of `python <program>` in the project root.

    The peak is the program's own (VmHWM, read by the program as it exits). Not the child's max RSS from
    os.wait4 or RUSAGE_CHILDREN: Linux carries the parent's resident size into a child it forks or
    vforks, so that figure is never below the size of the process that started it (a test runner of
    several hundred MB).
    """
    with tempfile.NamedTemporaryFile(prefix="kyivguide-peak-", suffix=".kb") as peak:
        completed = subprocess.run(
            [sys.executable, "-c", _MEASURED_BOOTSTRAP, peak.name, *program],
            cwd=ROOT,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        peak_kb = Path(peak.name).read_text().strip()
    return completed.returncode, completed.stdout.decode(), int(peak_kb) / 1024 if peak_kb else float("nan")


@dataclass
class ManagedProcess:
    """A child process whose output goes to a log file that is shown when something fails."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def worker_process(log_dir: Path, *, concurrency: int = 2, env: Mapping[str, str] | None = None) -> ManagedProcess:
    """A `celery worker` against the test database (not started yet)."""
    return ManagedProcess(
        args=[
            sys.executable,
            "-m",
            "celery",
            "--app",
            "kyivguide",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        env=child_env(**dict(env or {})),
        log_path=log_dir / "celery-worker.log",
    )


def start_worker(
    log_dir: Path, *, concurrency: int = 2, env: Mapping[str, str] | None = None, queue: str | None = None
) -> ManagedProcess:
    """Start `celery worker` against the test database; return once it answers.

    It consumes this run's queue, or `queue` (a worker with a configuration of its own must have a
    queue of its own, or it would take tasks meant for the shared worker).
    """
    from kyivguide.tasks import ping

    overrides = dict(env or {})
    if queue is not None:
        overrides["CELERY_QUEUE"] = queue
    worker = worker_process(log_dir, concurrency=concurrency, env=overrides).start()
    try:
        result = ping.apply_async(queue=queue) if queue else ping.apply_async()
        result.get(timeout=60)
    except Exception as exc:
        worker.stop()
        raise RuntimeError(f"the Celery worker did not start: {exc}\n{worker.log()}") from exc
    return worker


def start_beat(log_dir: Path, *, env: Mapping[str, str] | None = None, name: str = "celery-beat") -> ManagedProcess:
    """Start `celery beat` (the project's database scheduler) against the test database."""
    return ManagedProcess(
        args=[sys.executable, "-m", "celery", "--app", "kyivguide", "beat", "--loglevel", "INFO"],
        env=child_env(**dict(env or {})),
        log_path=log_dir / f"{name}.log",
    ).start()


def start_web(log_dir: Path, *, env: Mapping[str, str] | None = None, name: str = "web") -> tuple[ManagedProcess, str]:
    """Start gunicorn with the project's config on a free port; return it and its base URL once /healthz answers."""
    port = free_port()
    overrides = {"PORT": str(port), "HOST": "127.0.0.1", "ACCESS_LOG": "0", "WEB_CONCURRENCY": "1"}
    overrides.update(env or {})
    web = ManagedProcess(
        args=[sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "kyivguide.wsgi:application"],
        env=child_env(**overrides),
        log_path=log_dir / f"{name}.log",
    ).start()
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if not web.alive():
            raise RuntimeError(f"gunicorn exited:\n{web.log()}")
        try:
            return http_get(f"{base}/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    try:
        wait_until(up, timeout=30, what="gunicorn /healthz")
    except Exception:
        web.stop()
        raise
    return web, base


def start_edge(log_dir: Path, *, upstream_port: int, name: str = "edge") -> tuple[ManagedProcess, str, Path]:
    """Start nginx with deploy/nginx.conf on a free port in front of gunicorn on `upstream_port`.

    The configuration is rendered from this process's settings (a test changes EDGE_* or STATIC_ROOT
    with the `settings` fixture first) into a run folder of its own; returns nginx, its base URL and
    that folder (the cache is in its `cache/`).
    """
    from kyivguide.edge import NGINX, Edge

    if not Path(NGINX).exists():
        raise RuntimeError(f"{NGINX} is missing: `make test` installs Debian's nginx-light package")
    run_dir = log_dir / f"{name}-run"
    edge = Edge(port=free_port(), upstream_port=upstream_port, run_dir=run_dir)
    edge.write()
    nginx = ManagedProcess(args=edge.command(), env=child_env(), log_path=log_dir / f"{name}.log").start()
    base = f"http://127.0.0.1:{edge.port}"

    def up() -> bool:
        if not nginx.alive():
            raise RuntimeError(f"nginx exited:\n{nginx.log()}")
        try:
            with socket.create_connection(("127.0.0.1", edge.port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_until(up, timeout=15, what="nginx to listen")
    except Exception:
        nginx.stop()
        raise
    return nginx, base, run_dir


# --- A fake upstream alert API ---------------------------------------------------------------------


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # A body sent as it is produced, with no Content-Length (it ends when the connection closes).
    chunks: Callable[[], Iterable[bytes]] | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class FakeUpstream:
    """An HTTP server on 127.0.0.1 standing in for a remote alert API.

    A test sets the response per path (`set(path, FakeResponse(...))` or `set_json`); every request
    is recorded with its headers, so tests can assert on conditional requests and credentials.
    Unknown paths answer 404.
    """

    def __init__(self, port: int = 0) -> None:
        self.responses: dict[str, FakeResponse | Callable[[RecordedRequest], FakeResponse]] = {}
        self.requests: list[RecordedRequest] = []
        # The most requests it was answering at one moment (two polls of one feed overlapping: 2).
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if self.command != "GET" else b""
                recorded = RecordedRequest(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with upstream._lock:
                    upstream.requests.append(recorded)
                    # A path's response answers every method; "METHOD /path" answers that method alone.
                    path = self.path.split("?", 1)[0]
                    entry = upstream.responses.get(f"{self.command} {path}") or upstream.responses.get(path)
                    upstream._in_flight += 1
                    upstream.max_in_flight = max(upstream.max_in_flight, upstream._in_flight)
                try:
                    self._answer(entry(recorded) if callable(entry) else entry)
                finally:
                    with upstream._lock:
                        upstream._in_flight -= 1

            def _answer(self, response: FakeResponse | None) -> None:
                if response is None:
                    response = FakeResponse(404, b'{"message": "not found"}')
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    if response.chunks is None:
                        self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    for chunk in [response.body] if response.chunks is None else response.chunks():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            # Writes (registering a webhook): recorded with their body.
            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def set(self, path: str, response: FakeResponse | Callable[[RecordedRequest], FakeResponse]) -> None:
        with self._lock:
            self.responses[path] = response

    def set_json(
        self, path: str, body: bytes | str, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        raw = body.encode() if isinstance(body, str) else body
        self.set(path, FakeResponse(status, raw, {"Content-Type": "application/json", **dict(headers or {})}))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def start(self) -> FakeUpstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- A fake Web Push service ---------------------------------------------------------------------------


@dataclass
class PushMessage:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    # When its answer was written (None while the service is still holding it: see `delay`).
    answered_at: float | None = None


class _ManyConnectionsServer(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog: http.server's 5 drops the connections of a sender that opens hundreds at once
    # (each worker process has PUSH_SEND_CONCURRENCY POSTs in flight), and a dropped SYN waits 1 s, 3 s… to retry.
    request_queue_size = 1024


class FakePushService:
    """An RFC 8030 push service on 127.0.0.1: records every POST (headers and encrypted body).

    Each subscription is a path (`endpoint(name)`); it answers 201 unless `answer(name, ...)` set other
    answers: a list is answered in turn, its last one from then on (`[429 with Retry-After, 201]`).
    `default` answers every other subscription; a response's `delay` holds the answer that long after the
    message is recorded (a slow push service, so that a test can kill the sender mid-request).
    """

    def __init__(self, default: FakeResponse | None = None) -> None:
        self.default = default or FakeResponse(201)
        self.messages: list[PushMessage] = []
        self.answers: dict[str, list[FakeResponse]] = {}
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connections

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    self.close_connection = True
                    return  # the sender died mid-request: no message (a push service would not accept it)
                message = PushMessage(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with service._lock:
                    service.messages.append(message)
                    queue = service.answers.get(self.path)
                    response = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else service.default
                if response.delay:
                    time.sleep(response.delay)
                try:
                    self.send_response(response.status)
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    self.wfile.write(response.body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return  # the sender is gone (killed): never answered
                message.answered_at = time.time()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _ManyConnectionsServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def endpoint(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/push/{name}"

    def answer(self, name: str, *responses: FakeResponse) -> None:
        with self._lock:
            self.answers[f"/push/{name}"] = list(responses)

    def received(self, name: str) -> list[PushMessage]:
        with self._lock:
            return [m for m in self.messages if m.path == f"/push/{name}"]

    def start(self) -> FakePushService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Services a test stops and starts itself ------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of the test's own on a free port of 127.0.0.1, without persistence.

    Stopping it loses every key, as a Redis lost with its memory does; it restarts on the same port.
    """

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_until(self.answers, timeout=10, what="redis-server")
        return self

    def answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresCluster:
    """A PostgreSQL 15 cluster of the test's own: initdb in a temporary folder owned by `postgres`, a free port.

    The server runs as the `postgres` user (it refuses to run as root); clients connect over TCP as
    `postgres` with trust authentication, on 127.0.0.1 only. fsync is off: nothing here must survive a
    crash of the machine, and the tests wait for the server, not the disk.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kyivguide-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()

    def _as_postgres(self, *args: str) -> None:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}\n{self.log()}")

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def url(self, database: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> PostgresCluster:
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N",
                          "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip
        return self.start()

    def start(self) -> PostgresCluster:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c full_page_writes=off"
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-o", options, "-w", "-t", "30", "start")  # fmt: skip
        return self

    def stop(self) -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def verified_staff_client(user: Any, client: Any = None) -> Any:
    """A test client signed in as `user` with both factors: a confirmed TOTP device of the user's
    own, and a session that passed it (what the second step's form leaves behind)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = client or Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
