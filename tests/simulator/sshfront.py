"""SSH front: asyncssh server per appliance, password / public-key login, one CLI shell per session."""

from __future__ import annotations

import asyncio
import hmac
import logging
from pathlib import Path

import asyncssh

from tests.simulator.session import Session
from tests.simulator.terminal import Dropped, IdleTimeout, SessionEnd, Terminal

log = logging.getLogger("simulator.ssh")


def host_key(state_dir: Path, hostname: str) -> asyncssh.SSHKey:
    """The appliance's host key: generated once into the state dir, reused after."""
    path = state_dir / "hostkeys" / f"{hostname}.key"
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path))
    key.write_public_key(str(path) + ".pub")
    path.chmod(0o600)
    return key


def user_keys(app, user: dict) -> list[asyncssh.SSHKey]:
    """Public keys a user may log in with: authorized_keys entries, files, and a generated key."""
    keys = []
    base = Path(app.data["_base"])
    for entry in user.get("authorized_keys", []) or []:
        keys.append(asyncssh.import_public_key(entry))
    for f in user.get("authorized_keys_files", []) or []:
        keys += list(asyncssh.read_public_key_list(str(base / f)))
    if user.get("generate_key"):
        path = app.state_dir / "client_keys" / f"{app.hostname}-{user['name']}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            k = asyncssh.generate_private_key("ssh-ed25519")
            k.write_private_key(str(path))
            k.write_public_key(str(path) + ".pub")
            path.chmod(0o600)
        keys.append(asyncssh.read_public_key(str(path) + ".pub"))
    return keys


class ApplianceServer(asyncssh.SSHServer):
    def __init__(self, app):
        self.app = app
        self.conn = None
        self.peer = "127.0.0.1"

    def connection_made(self, conn):
        self.conn = conn
        self.app.connections.add(conn)
        peer = conn.get_extra_info("peername")
        if peer:
            self.peer = peer[0]

    def connection_lost(self, exc):
        self.app.connections.discard(self.conn)

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        user = self.app.users.get(username)
        ok = (not self.app.fault("refuse_login") and user is not None and user.get("password") is not None
              and hmac.compare_digest(str(user["password"]).encode(), password.encode()))
        if not ok:
            self.app.count("login_failures")
            self.app.flush_stats()
        return ok

    def public_key_auth_supported(self):
        return True

    def validate_public_key(self, username, key):
        user = self.app.users.get(username)
        if user is None or self.app.fault("refuse_login"):
            return False
        data = key.public_data
        return any(k.public_data == data for k in user_keys(self.app, user))

    def auth_completed(self):
        self.app.count("logins")
        self.app.flush_stats()

    def session_requested(self):
        return ShellSession(self.app, self)


class ShellSession(asyncssh.SSHServerSession):
    def __init__(self, app, server: ApplianceServer):
        self.app = app
        self.server = server
        self.chan = None
        self.task = None
        self.size = (80, 24)   # the client's PTY (columns, rows) until it says otherwise
        self.term = Terminal(self._send, page_lines=lambda: app.page_lines(self.rows()),
                             idle_timeout=app.idle_timeout, delay=app.delay, on_step=app.on_step,
                             width=self.columns)

    def columns(self) -> int:
        return int(self.app.variant("terminal_width") or self.size[0] or 0) or 0

    def rows(self) -> int:
        return int(self.app.variant("terminal_height") or self.size[1] or 0) or 0

    def _send(self, text: str) -> None:
        if self.chan is not None and not self.chan.is_closing():
            self.app.count("bytes_out", len(text.encode()))
            self.chan.write(text)

    def connection_made(self, chan):
        self.chan = chan

    def pty_requested(self, term_type, term_size, term_modes):
        if term_size and term_size[0]:
            self.size = (term_size[0], term_size[1])
        return True

    def terminal_size_changed(self, width, height, pixwidth, pixheight):
        # An appliance with a fixed terminal size (variant terminal_width/height) ignores it.
        self.size = (width, height)

    def shell_requested(self):
        return True

    def exec_requested(self, command):
        return False

    def session_started(self):
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        app = self.app
        app.sessions_open += 1
        app.count("sessions")
        sess = Session(app, self.term, self.server.peer)
        try:
            await sess.run()
        except Dropped:
            log.info("%s: dropping the connection (fault)", app.hostname)
            self.server.conn.abort()
            return
        except IdleTimeout:
            app.count("idle_timeouts")
            try:
                self._send("\r\nSession timed out.\r\n")
            except Exception:  # noqa: BLE001
                pass
        except SessionEnd:
            try:
                await self.term.flush()
            except Exception:  # noqa: BLE001
                pass
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep the server alive, show it like the box would
            log.exception("%s: session crashed", app.hostname)
            self._send("\r\nTraceback (most recent call last): simulator error\r\n")
        finally:
            app.sessions_open -= 1
            app.flush_stats()
        try:
            self.chan.exit(0)
        except Exception:  # noqa: BLE001
            pass
        self.server.conn.close()

    def data_received(self, data, datatype):
        self.app.count("bytes_in", len(data.encode()))
        self.term.feed(data)

    def eof_received(self):
        self.term.feed_eof()
        return False

    def break_received(self, msec):
        return False

    def connection_lost(self, exc):
        self.term.feed_eof()
        if self.task is not None and not self.task.done():
            self.task.cancel()


async def start(app):
    key = host_key(app.state_dir, app.hostname)
    for u in app.users.values():
        user_keys(app, u)   # generate client keys up front
    server = await asyncssh.create_server(
        lambda: ApplianceServer(app), app.cfg["ssh_address"], int(app.cfg["ssh_port"]),
        server_host_keys=[key], line_editor=False, encoding="utf-8", keepalive_interval=0,
        login_timeout=30, allow_scp=False, agent_forwarding=False, x11_forwarding=False,
        server_version="SSH_Cisco_AsyncOS")
    return server
