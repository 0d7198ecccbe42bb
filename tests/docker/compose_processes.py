"""docker-compose.yml's services as processes on this machine, for the production rehearsal
(tests/docker/test_production_rehearsal.py). No Docker engine is needed: each service's
command, environment, env files, volumes, ports, healthcheck and `depends_on` are read from the
compose file (PyYAML resolves its anchors and merge keys; `${VAR:?…}` and `${VAR:-…}` are
interpolated here as compose does), and only what differs between a container and this
machine is translated:

- **hosts and ports**: a service's name as a host (``X_HOST``, a URL, the workspace file) is
  127.0.0.1, and each container port gets a port of this machine (``X_PORT`` beside its
  host, a command's ``-p``); PostgreSQL and Metabase are provided by the test (a throwaway
  server, the fake Metabase); servers listen on 127.0.0.1 instead of 0.0.0.0;
- **paths**: the image keeps everything of its own under ``/opt`` (Dockerfile), so a
  container path ``/opt/…`` is ``<root>/opt/…`` in one folder standing for the containers'
  file system: named volumes are folders there (shared by the services that mount them), bind
  mounts are links to the checkout's files, and the files the Dockerfile copies to an absolute
  path (Dagster's instance and workspace files) are copied there, their hosts and ports
  translated like the services';
- **the image**: the commands are the virtualenv's console scripts with the Dockerfile's
  ``PYTHONUNBUFFERED`` and a home of their own, run from the image's code: the files the
  Dockerfile copies into its ``WORKDIR``, copied to ``<root>/opt/cerebro/app`` and first on
  the path, with the dbt manifest its build step parses there (``Machine.build_image``). Not
  the checkout's: other tests of the same run parse the checkout's manifest for their own
  warehouse (on Spark some models are ephemeral, no asset), and a run of the stack reading
  that one found outputs its dbt step did not have.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cerebro.settings import PROJECT_ROOT, read_env_file
from tests.support.throwaway_postgres import PG_BINDIR

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
#: Where the image keeps its files (code, virtualenv, data, secrets, Dagster's home).
IMAGE_PREFIX = "/opt/"
LOOPBACK = "127.0.0.1"

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$\$")


class ComposeError(RuntimeError):
    """What `docker compose` would refuse, or a service that failed."""


def interpolate(value, variables: Mapping[str, str]):
    """Compose's interpolation over a loaded file: ``${V}``, ``${V:-default}`` (unset or empty),
    ``${V-default}`` (unset), ``${V:?message}`` / ``${V?message}`` (required), ``$$``."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        current = variables.get(name)
        missing = current is None or (
            operator is not None and operator.startswith(":") and not current
        )
        if operator in (":?", "?") and missing:
            raise ComposeError(f"required variable {name} is missing a value: {argument}")
        if operator in (":-", "-") and missing:
            return argument
        return current or ""

    return _VARIABLE.sub(replace, value)


def load_compose(variables: Mapping[str, str]) -> dict[str, dict]:
    """The compose file's services, interpolated with ``variables`` (and nothing else)."""
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return interpolate(raw["services"], variables)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def container_ports(service: dict) -> list[int]:
    """The ports a service listens on in its container (``expose`` and ``ports``)."""
    ports = [int(port) for port in service.get("expose", [])]
    ports += [int(str(mapping).rsplit(":", 1)[-1]) for mapping in service.get("ports", [])]
    return ports


def _dockerfile_lines() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def image_workdir() -> str:
    """The Dockerfile's ``WORKDIR``: where the image's code is."""
    (workdir,) = [line.split()[1] for line in _dockerfile_lines() if line.startswith("WORKDIR ")]
    return workdir


def code_copies() -> list[str]:
    """What the Dockerfile's ``COPY`` lines put into its ``WORKDIR`` (relative targets)."""
    return [
        source
        for words in (line.split() for line in _dockerfile_lines())
        if words[:1] == ["COPY"] and words[-1].startswith(".")
        for source in words[1:-1]
    ]


def build_steps() -> list[str]:
    """The Dockerfile's ``RUN`` lines that run the project's code (after it is installed)."""
    return [line[len("RUN ") :] for line in _dockerfile_lines()
            if line.startswith("RUN ") and "from orchestration" in line]  # fmt: skip


def image_copies() -> list[tuple[list[str], str]]:
    """The Dockerfile's ``COPY`` lines to an absolute path: (sources in the checkout, target)."""
    return [
        (words[1:-1], words[-1])
        for words in (line.split() for line in _dockerfile_lines())
        if words[:1] == ["COPY"] and words[-1].startswith("/")
    ]


@dataclass
class Machine:
    """How containers' names, ports and paths read on this machine.

    ``ports`` maps (service, container port) to this machine's port; ``root`` stands for the
    containers' file system under ``/opt``."""

    root: Path
    services: dict[str, dict]
    ports: dict[tuple[str, int], int] = field(default_factory=dict)
    #: The image's code once ``build_image`` made it; the checkout until then.
    code: Path = PROJECT_ROOT

    # Names, ports, paths ------------------------------------------------------------------

    def path(self, value: str) -> str:
        if value.startswith(IMAGE_PREFIX):
            return str(self.root) + value
        return value

    def host(self, value: str) -> str:
        return LOOPBACK if value in self.services else value

    def port(self, service: str, port: int | str) -> int:
        return self.ports[(service, int(port))]

    def url(self, value: str) -> str:
        """``http://metabase:3000/x`` → ``http://127.0.0.1:<port>/x``."""
        match = re.fullmatch(r"(\w+://)([\w.-]+):(\d+)(.*)", value)
        if match is None or match.group(2) not in self.services:
            return value
        scheme, service, port, rest = match.groups()
        return f"{scheme}{LOOPBACK}:{self.port(service, port)}{rest}"

    def environment(self, service: dict) -> dict[str, str]:
        """The service's environment (its env files first, as compose reads them), translated:
        ``X_HOST`` naming a service is 127.0.0.1 and ``X_PORT`` beside it that service's port
        here; URLs to a service and ``/opt`` paths likewise."""
        environment = {}
        for env_file in service.get("env_file", []):
            environment.update(read_env_file((PROJECT_ROOT / env_file).resolve()))
        environment.update(
            {key: str(value) for key, value in service.get("environment", {}).items()}
        )
        translated = {}
        for key, value in environment.items():
            if key.endswith("_PORT"):
                host = environment.get(key[: -len("_PORT")] + "_HOST")
                if host in self.services:
                    value = str(self.port(host, value))
            if key.endswith("_HOST"):
                value = self.host(value)
            translated[key] = self.path(self.url(value))
        return translated

    def command(self, name: str, argv: list[str]) -> list[str]:
        """A command with its listening address on the loopback and its ports this machine's."""
        translated = []
        for index, word in enumerate(argv):
            flag = argv[index - 1] if index else ""
            if flag in ("-h", "--host") and word == "0.0.0.0":
                word = LOOPBACK
            elif flag in ("-p", "--port") and word.isdigit():
                word = str(self.port(name, word))
            elif ":" in word:  # a URL inside a healthcheck's Python line
                for port in container_ports(self.services[name]):
                    word = re.sub(
                        rf"(?<=(127\.0\.0\.1|localhost):){port}\b", str(self.port(name, port)), word
                    )
            translated.append(self.path(word))
        return translated

    # The containers' file system ------------------------------------------------------------

    def prepare_root(self) -> None:
        """Volumes, bind mounts and the image's copied files under ``root``."""
        for service in self.services.values():
            for volume in service.get("volumes", []):
                source, target = str(volume).split(":")[:2]
                place = Path(str(self.root) + target)
                if source.startswith((".", "/")):
                    if not place.exists():
                        place.parent.mkdir(parents=True, exist_ok=True)
                        place.symlink_to((PROJECT_ROOT / source).resolve())
                else:  # a named volume: one folder, shared by every service that mounts it
                    place.mkdir(parents=True, exist_ok=True)
        for sources, target in image_copies():
            folder = Path(str(self.root) + target)
            folder.mkdir(parents=True, exist_ok=True)
            for source in sources:
                shutil.copy(PROJECT_ROOT / source, folder)
                self._translate_file(folder / Path(source).name)

    def build_image(self, home: Path) -> None:
        """The image's code: what the Dockerfile copies into its ``WORKDIR``, then its build
        steps run there (the dbt manifest's parse) with the image's environment."""
        code = Path(str(self.root) + image_workdir())
        code.mkdir(parents=True, exist_ok=True)
        left_out = shutil.ignore_patterns("__pycache__", "*.pyc", "target", "logs", ".pytest_cache")
        for source in code_copies():
            origin = PROJECT_ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, code / source, ignore=left_out, dirs_exist_ok=True)
            else:
                shutil.copy(origin, code / source)
        self.code = code
        for step in build_steps():
            done = subprocess.run(
                ["sh", "-c", step], env=code_environment(home, code), cwd=code,
                capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise ComposeError(f"the image's build step failed: {step}\n{done.stderr[-2000:]}")

    def _translate_file(self, path: Path) -> None:
        """A Dagster workspace file's gRPC servers, as the services' hosts and ports."""
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or "load_from" not in document:
            return
        for location in document["load_from"]:
            server = location.get("grpc_server")
            if server is not None:
                server["port"] = self.port(server["host"], server["port"])
                server["host"] = self.host(server["host"])
        path.write_text(yaml.safe_dump(document), encoding="utf-8")


def base_environment(home: Path) -> dict[str, str]:
    """What the image's processes have besides the service's environment: the virtualenv's
    scripts first on PATH (the Dockerfile's ``PATH``), unbuffered output, a home folder, and
    the checkout on the path when the tests run with one (a worktree)."""
    scripts = str(Path(sys.executable).parent)
    environment = {
        "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "/usr/bin:/bin")]),
        "PYTHONUNBUFFERED": "1",
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return environment


def code_environment(home: Path, code: Path) -> dict[str, str]:
    """``base_environment`` with ``code`` first on the path (ahead of the editable install),
    when it is not the checkout."""
    environment = base_environment(home)
    if code != PROJECT_ROOT:
        paths = [str(code), str(code / "taps"), *filter(None, [environment.get("PYTHONPATH")])]
        environment["PYTHONPATH"] = os.pathsep.join(paths)
    return environment


def _group_alive(group: int) -> bool:
    """Whether a process of the group ``group`` still runs (its leader's id stays reserved for
    the group while one does, so signalling the group reaches only what the leader started)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # Field 5 is the process group; the name (field 2) may hold spaces, so split after it.
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == group:
                return True
    return False


@dataclass
class Process:
    """One service running as a process group of its own (its children go with it). Reaped
    with ``wait4``, which gives the CPU it used, with the children it waited for."""

    name: str
    #: Kept (never polled): a Popen dropped while its process runs is polled, and reaped, by
    #: the next Popen, which would leave nothing for wait4.
    popen: subprocess.Popen
    log: Path
    started: float
    returncode: int | None = None
    cpu_seconds: float | None = None

    def exit_code(self) -> int | None:
        if self.returncode is None:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.popen.returncode = os.waitstatus_to_exitcode(status)  # reaped here
                self.returncode = os.waitstatus_to_exitcode(status)
                self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return self.returncode

    def output(self, last: int = 6000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text[-last:]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, seconds: float = 20) -> None:
        """SIGTERM to the group (Dagster's processes shut down cleanly on it), SIGKILL to what
        is left after ``seconds``."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.exit_code() is None or _group_alive(self.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, sig)
            deadline = time.monotonic() + seconds
            while self.exit_code() is None and time.monotonic() < deadline:
                time.sleep(0.2)


class Stack:
    """The services started as compose would: each once its ``depends_on`` conditions hold
    (``service_started``, ``service_healthy``: its healthcheck passes, ``service_completed_
    successfully``); ``provided`` services (PostgreSQL, Metabase) are already healthy."""

    def __init__(self, machine: Machine, services: list[str], provided: list[str], logs: Path,
                 home: Path) -> None:  # fmt: skip
        self.machine = machine
        self.wanted = services
        self.provided = set(provided)
        self.logs = logs
        self.home = home
        self.processes: dict[str, Process] = {}
        self.healthy: set[str] = set(provided)
        self._last_check: dict[str, float] = {}
        self.timeline: list[tuple[float, str]] = []
        self._started = time.monotonic()

    def environment(self, name: str) -> dict[str, str]:
        """The environment of the service's container: the image's, then the service's own."""
        return {
            **code_environment(self.home, self.machine.code),
            **self.machine.environment(self.machine.services[name]),
        }

    def spec(self, name: str) -> tuple[list[str], dict[str, str]]:
        """The service's command and environment on this machine."""
        environment = self.environment(name)
        argv = self.machine.command(
            name, [str(word) for word in self.machine.services[name]["command"]]
        )
        executable = shutil.which(argv[0], path=environment["PATH"])
        if executable is None:
            raise ComposeError(f"{name}: {argv[0]} is not installed")
        return [executable, *argv[1:]], environment

    def start(self, name: str) -> Process:
        argv, environment = self.spec(name)
        log = self.logs / f"{name}.log"
        with log.open("w", encoding="utf-8") as output:
            popen = subprocess.Popen(
                argv, env=environment, cwd=self.machine.code, stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self.processes[name] = Process(name, popen, log, time.monotonic())
        self.note(f"{name} started")
        return self.processes[name]

    def note(self, event: str) -> None:
        self.timeline.append((round(time.monotonic() - self._started, 1), event))

    def is_healthy(self, name: str, every: float = 2.0) -> bool:
        """The service's compose healthcheck, run at most every ``every`` seconds once the
        service listens (a healthcheck imports Dagster: seconds of CPU each)."""
        if name in self.healthy:
            return True
        process = self.processes.get(name)
        if process is None or process.exit_code() is not None:
            return False
        if time.monotonic() - self._last_check.get(name, 0) < every:
            return False
        self._last_check[name] = time.monotonic()
        for port in container_ports(self.machine.services[name]):
            with socket.socket() as probe:
                if probe.connect_ex((LOOPBACK, self.machine.port(name, port))) != 0:
                    return False
        test = self.machine.services[name]["healthcheck"]["test"]
        if test[0] != "CMD":
            raise ComposeError(f"{name}: only exec healthchecks are run here, not {test[0]}")
        argv, environment = self.spec_of(name, test[1:])
        done = subprocess.run(argv, env=environment, cwd=self.machine.code, capture_output=True,
                              timeout=60, check=False)  # fmt: skip
        if done.returncode == 0:
            self.healthy.add(name)
            self.note(f"{name} healthy")
        return done.returncode == 0

    def spec_of(self, name: str, argv: list[str]) -> tuple[list[str], dict[str, str]]:
        """Another command in the service's container (its healthcheck)."""
        environment = self.environment(name)
        argv = self.machine.command(name, [str(word) for word in argv])
        return [shutil.which(argv[0], path=environment["PATH"]) or argv[0], *argv[1:]], environment

    def completed(self, name: str) -> bool:
        process = self.processes.get(name)
        code = None if process is None else process.exit_code()
        if code is not None and code != 0:
            raise ComposeError(f"{name} exited with {code}:\n{process.output()}")
        if code == 0 and f"{name} completed" not in {event for _, event in self.timeline}:
            self.note(f"{name} completed")
        return code == 0

    def _ready(self, name: str) -> bool:
        for dependency, condition in self.machine.services[name].get("depends_on", {}).items():
            condition = condition.get("condition", "service_started")
            if condition == "service_healthy" and not self.is_healthy(dependency):
                return False
            if condition == "service_completed_successfully" and not self.completed(dependency):
                return False
            if condition == "service_started" and not (
                dependency in self.provided or dependency in self.processes
            ):
                return False
        return True

    def up(self, timeout: float, until: Callable[[], bool]) -> None:
        """Start the services as their dependencies allow, until ``until()`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = [
                name for name in self.wanted if name not in self.provided | set(self.processes)
            ]
            for name in waiting:
                if self._ready(name):
                    self.start(name)
            self.check()
            if len(self.processes) + len(self.provided) == len(self.wanted) and until():
                return
            if time.monotonic() > deadline:
                raise ComposeError(
                    f"not up after {timeout:.0f} s; waiting for {waiting}; timeline {self.timeline}"
                )
            time.sleep(0.5)

    def check(self) -> None:
        """A service that ended: an error, unless a one-shot (``restart: "no"``) that succeeded."""
        for name, process in self.processes.items():
            code = process.exit_code()
            one_shot = self.machine.services[name].get("restart") == "no"
            if code is not None and (code != 0 or not one_shot):
                raise ComposeError(f"{name} exited with {code}:\n{process.output()}")

    def down(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()


def initialise_postgres(machine: Machine, server, name: str = "postgres") -> list[str]:
    """What the PostgreSQL image does on a new volume, on ``server`` (a running throwaway
    server, tests/support/throwaway_postgres.py): the scripts of the folder mounted at
    ``/docker-entrypoint-initdb.d``, in name order (``.sh`` with sh, ``.sql`` with psql), with the
    service's environment; its superuser is the server's. Then the service's ``-c`` settings,
    as settings of the databases the scripts created where a session may set them (the server
    is shared with other tests). Returns the databases created."""
    service = machine.services[name]
    environment = {
        **base_environment(machine.root),
        **machine.environment(service),
        "POSTGRES_USER": server.user,
        "POSTGRES_PASSWORD": server.password,
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "PGPASSWORD": server.password,
    }
    environment["PATH"] = os.pathsep.join([str(PG_BINDIR), environment["PATH"]])
    (folder,) = [
        Path(str(machine.root) + str(volume).split(":")[1])
        for volume in service["volumes"]
        if str(volume).split(":")[1] == "/docker-entrypoint-initdb.d"
    ]
    with server.connect() as connection:
        before = {row[0] for row in connection.execute("select datname from pg_database")}
    for script in sorted(folder.iterdir()):
        # The scripts name the image's paths (/opt/...): the same files under root here.
        text = script.read_text(encoding="utf-8").replace(
            IMAGE_PREFIX, f"{machine.root}{IMAGE_PREFIX}"
        )
        staged = machine.root / f"initdb-{script.name}"
        staged.write_text(text, encoding="utf-8")
        if script.suffix == ".sh":
            argv = ["sh", str(staged)]
        elif script.suffix == ".sql":
            argv = ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-d", "postgres", "-f", str(staged)]
        else:
            continue
        done = subprocess.run(argv, env=environment, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            raise ComposeError(f"{script.name} failed:\n{done.stdout}\n{done.stderr}")
    with server.connect(autocommit=True) as connection:
        created = sorted(
            {row[0] for row in connection.execute("select datname from pg_database")} - before
        )
        settings = [word.split("=", 1) for word in service.get("command", []) if "=" in str(word)]
        for setting, value in settings:
            (context,) = connection.execute(
                "select context from pg_settings where name = %s", (setting,)
            ).fetchone()
            if context in ("user", "superuser"):
                for database in created:
                    connection.execute(f"alter database \"{database}\" set {setting} = '{value}'")
    return created


@contextlib.contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    try:
        yield stack
    finally:
        stack.down()
