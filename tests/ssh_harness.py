"""A real SSH login on this machine, for the end-to-end test of officers sharing a database.

What it sets up (root only):

- two local test users in one group (left in place between runs: creating them again is
  a no-op; they have no password — ``*`` — and log in only with this run's keys, only
  through the private ``sshd`` below);
- a virtual environment built from Debian's ``/usr/bin/python3`` (the Python under /root
  is not usable by other users), with the project installed into it, cached under
  ``/var/tmp/triage-e2e/`` by a hash of the files that go into it;
- OpenSSH's ``sshd`` on 127.0.0.1, a free port, a throwaway host key, keys per run, run
  in the foreground so its PID is ours; stopped by the PID in its pid file;
- a private tmux server (its own socket, ``tmux -L``), so no one else's sessions are
  ever touched; sessions are 120x40 and kept on screen after their command ends.

Every process the harness starts is stopped by its PID; nothing is killed by name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")
VENV_CACHE = Path("/var/tmp/triage-e2e")
GROUP = "triage_e2e"
# What goes into the installed package (the packages whole, with their data files): the
# venv is rebuilt when any of these change.
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE*")
PACKAGE_DIRS = ("triage", "screens")
UTF8 = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


class HarnessError(Exception):
    """The machine could not be set up for the test (shown with what was tried)."""


def run(cmd: list[str], *, timeout: float = 120, check: bool = True, **kw) -> str:
    """Run a command to completion; its stdout, or HarnessError with its output."""
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw
    )
    if check and proc.returncode != 0:
        raise HarnessError(
            f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def find_sshd() -> str | None:
    for candidate in ("/usr/sbin/sshd", shutil.which("sshd")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate  # absolute: sshd re-executes itself by this path
    return None


def missing_tools() -> list[str]:
    missing = [] if find_sshd() else ["sshd"]
    missing += [t for t in ("ssh", "ssh-keygen", "tmux") if shutil.which(t) is None]
    return missing


def system_python_version() -> tuple[int, int] | None:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return None
    out = run([str(SYSTEM_PYTHON), "-c", "import sys; print(*sys.version_info[:2])"])
    major, minor = out.split()
    return int(major), int(minor)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the environment the test users run -------------------------------------------------


def _package_files() -> list[Path]:
    files: list[Path] = []
    for pattern in PACKAGE_FILES:
        files += sorted(PROJECT.glob(pattern))
    for folder in PACKAGE_DIRS:
        files += sorted(
            path
            for path in (PROJECT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        )
    return files


def package_hash() -> str:
    digest = hashlib.sha256()
    for path in _package_files():
        digest.update(str(path.relative_to(PROJECT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_venv() -> Path:
    """A venv that every user can run, with this project installed (not editable). Reused
    while the project's files are unchanged; built under a lock so two runs do not race.

    The project is copied to a staging folder first, so pip's build leaves nothing behind
    in the work tree."""
    VENV_CACHE.mkdir(mode=0o755, exist_ok=True)
    os.chmod(VENV_CACHE, 0o755)
    venv = VENV_CACHE / f"venv-{package_hash()}"
    ready = venv / ".ready"
    with open(VENV_CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return venv
        for old in VENV_CACHE.glob("venv-*"):
            shutil.rmtree(old)
        for old in VENV_CACHE.glob("staging-*"):
            shutil.rmtree(old)
        staging = VENV_CACHE / f"staging-{os.getpid()}"
        for path in _package_files():
            target = staging / path.relative_to(PROJECT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        try:
            run([str(SYSTEM_PYTHON), "-m", "venv", str(venv)])
            pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
            run([*pip, "install", "--quiet", str(staging)], timeout=600)
        except (HarnessError, subprocess.TimeoutExpired):
            shutil.rmtree(venv, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        run(["chmod", "-R", "a+rX", str(venv)])
        ready.touch()
    return venv


# --- users -------------------------------------------------------------------------------


def _admin(tool: str) -> str:
    """An administration command, found even when /usr/sbin is not on PATH."""
    return shutil.which(tool) or f"/usr/sbin/{tool}"


def _exists(database: str, name: str) -> bool:
    return subprocess.run(["getent", database, name], capture_output=True).returncode == 0


def ensure_users(names: tuple[str, ...], group: str = GROUP) -> None:
    """Local users for the test, in one group, able to log in by key only."""
    if not _exists("group", group):
        run([_admin("groupadd"), group])
    for name in names:
        if not _exists("passwd", name):
            run([_admin("useradd"), "-m", "-s", "/bin/sh", "-G", group, name])
        run([_admin("usermod"), "-a", "-G", group, name])
        run([_admin("usermod"), "-p", "*", name])  # unlocked for key login; no password works


# --- sshd --------------------------------------------------------------------------------


@dataclass
class Sshd:
    """A private sshd on 127.0.0.1, in the foreground so its PID is the one we started."""

    folder: Path
    users: tuple[str, ...]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    made_privsep_dir: bool = False

    @property
    def config(self) -> Path:
        return self.folder / "sshd_config"

    @property
    def pid_file(self) -> Path:
        return self.folder / "sshd.pid"

    @property
    def log(self) -> Path:
        return self.folder / "sshd.log"

    def client_key(self, user: str) -> Path:
        return self.folder / "client" / user

    def start(self) -> None:
        host_key = self.folder / "host_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)])
        # sshd reads authorized keys as the user: the folder must be theirs to traverse.
        keys = self.folder / "authorized"
        keys.mkdir(mode=0o755)
        (self.folder / "client").mkdir(mode=0o700)
        for user in self.users:
            key = self.client_key(user)
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", str(key)])
            (keys / user).write_text(Path(f"{key}.pub").read_text())
            os.chmod(keys / user, 0o644)
        self.config.write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {self.port}",
                    f"HostKey {host_key}",
                    f"PidFile {self.pid_file}",
                    f"AuthorizedKeysFile {keys}/%u",
                    f"AllowUsers {' '.join(self.users)}",
                    "PermitRootLogin no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "UsePAM no",
                    "StrictModes no",
                    "AcceptEnv TERM",
                    "X11Forwarding no",
                    "AllowTcpForwarding no",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )
        privsep = Path("/run/sshd")
        if not privsep.exists():
            privsep.mkdir(mode=0o755, parents=True)
            self.made_privsep_dir = True
        sshd = find_sshd()
        assert sshd is not None
        run([sshd, "-t", "-f", str(self.config)])
        self.process = subprocess.Popen(
            [sshd, "-D", "-f", str(self.config), "-E", str(self.log)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"sshd exited {self.process.returncode}:\n{self.log_text()}")
            if self.pid_file.exists() and self._accepts():
                return
            time.sleep(0.05)
        raise HarnessError(f"sshd did not listen on 127.0.0.1:{self.port}:\n{self.log_text()}")

    def _accepts(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
            return True
        return False

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Stop sshd by the PID in its pid file (the one we started)."""
        if self.process is None:
            return
        pid = self.pid()
        if pid != self.process.pid:  # never signal a PID we did not start
            note(f"sshd's pid file says {pid}; stopping the sshd we started, {self.process.pid}")
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.made_privsep_dir:
            with contextlib.suppress(OSError):
                Path("/run/sshd").rmdir()

    def ssh_command(self, user: str, remote: str) -> list[str]:
        return [
            "ssh",
            "-t",
            "-F",
            "/dev/null",
            "-p",
            str(self.port),
            "-i",
            str(self.client_key(user)),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            f"{user}@127.0.0.1",
            remote,
        ]


# --- tmux --------------------------------------------------------------------------------


class ScreenTimeout(AssertionError):
    pass


@dataclass
class Tmux:
    """A tmux server of our own (its own socket), and the sessions we made on it."""

    folder: Path
    socket_name: str = field(default_factory=lambda: f"triage-e2e-{os.getpid()}")
    sessions: list[str] = field(default_factory=list)
    server_pids: set[int] = field(default_factory=set)  # every server we started

    def _tmux(self, *args: str, check: bool = True) -> str:
        env = {**os.environ, **UTF8}
        env.pop("TMUX", None)
        conf = self.folder / "tmux.conf"
        return run(["tmux", "-u", "-L", self.socket_name, "-f", str(conf), *args], env=env,
                   check=check, timeout=30)  # fmt: skip

    def new_session(self, name: str, command: list[str]) -> int:
        """Start ``command`` in a 120x40 session; returns its process's PID (the pane's)."""
        conf = self.folder / "tmux.conf"
        if not conf.exists():
            conf.write_text("set -g remain-on-exit on\nset -g history-limit 2000\n")
        self._tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", shlex.join(command))
        self.sessions.append(name)
        # The server goes when its last session does; a later session starts another.
        self.server_pids.add(int(self._tmux("display-message", "-p", "#{pid}").strip()))
        return self.pane_pid(name)

    def pane_pid(self, name: str) -> int:
        return int(self._tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def exit_status(self, name: str) -> int | str | None:
        """None while the pane's command runs; then its exit status, or "signal N".

        tmux may see the terminal close before it has reaped the process, and Debian's
        tmux (built with libutempter) can miss the SIGCHLD altogether, leaving a zombie
        (tmux/tmux#311): then our server is sent a SIGCHLD, by its PID, to reap it."""
        dead, status, sig, server = (
            self._tmux(
                "display-message",
                "-p",
                "-t",
                name,
                "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pid}",
            )
            .strip()
            .split("|")
        )
        if dead != "1":
            return None
        if status:
            return int(status)
        if sig:
            return f"signal {sig}"
        if int(server) in self.server_pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(server), signal.SIGCHLD)
        return None

    def send(self, name: str, *keys: str) -> None:
        """Keys by tmux's names (``c``, ``Escape``, ``Enter``), one call per key."""
        for key in keys:
            self._tmux("send-keys", "-t", name, key)

    def type(self, name: str, text: str) -> None:
        self._tmux("send-keys", "-t", name, "-l", text)

    def capture(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", name)

    def wait_for(
        self,
        name: str,
        want: str | Callable[[str], bool],
        timeout: float = 10.0,
        what: str | None = None,
    ) -> float:
        """Poll the screen every 0.1 s until it shows ``want`` (text, or a test on the
        whole screen); returns the seconds it took, or fails showing the last screen."""
        test = (lambda screen: want in screen) if isinstance(want, str) else want
        start = time.monotonic()
        screen = ""
        while True:
            screen = self.capture(name)
            if test(screen):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                label = getattr(want, "label", None) or repr(want)
                label = f"{what} ({label})" if what else label
                raise ScreenTimeout(
                    f"session {name!r} did not show {label} within {timeout:.1f} s; "
                    f"the screen was:\n{screen}"
                )
            time.sleep(0.1)

    def kill_session(self, name: str) -> None:
        if name in self.sessions:
            self._tmux("kill-session", "-t", name, check=False)
            self.sessions.remove(name)

    def stop(self) -> None:
        """Our sessions, then our server (by its PID), then its socket."""
        for name in list(self.sessions):
            self.kill_session(name)
        for pid in self.server_pids:
            if alive(pid) and _command_of(pid).startswith("tmux"):
                os.kill(pid, signal.SIGTERM)
                wait_gone(pid, 5)
        sock = Path(f"/tmp/tmux-{os.getuid()}/{self.socket_name}")
        with contextlib.suppress(OSError):
            sock.unlink()


# --- processes -----------------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def _command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def processes_of(user: str) -> dict[int, str]:
    """PID -> command line of every process running as ``user`` (read from /proc)."""
    import pwd

    uid = pwd.getpwnam(user).pw_uid
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid or not alive(int(entry.name)):
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = cmd.strip()
    return found


@contextlib.contextmanager
def temp_folder(prefix: str) -> Iterator[Path]:
    """A folder other users may traverse (0711) but not list, removed afterwards."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(path, 0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def note(message: str) -> None:
    """Progress for a person watching with ``-s``."""
    print(f"[ssh-e2e] {message}", file=sys.stderr, flush=True)
