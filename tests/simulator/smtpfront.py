"""SMTP front: one loopback server per (appliance, listener), STARTTLS with the committed certificate.

At each connection the listener, its HAT and its certificate are looked up in the appliance's
*committed* configuration, so a commit takes effect for the next connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl

from tests.simulator import hat as hatmod

log = logging.getLogger("simulator.smtp")
MAX_LINE = 4096
MAX_DATA = 10 * 1024 * 1024


def smtp_bindings(app) -> dict:
    """listener name -> (address, port), from the appliance's `smtp` map, else the listener's smtp_* fields."""
    out = {}
    for name, spec in (app.cfg.get("smtp") or {}).items():
        out[name] = (spec.get("address", "127.0.0.1"), int(spec["port"]))
    for L in app.store.effective_committed(app.hostname, "listeners") or []:
        if L["name"] not in out and L.get("smtp_port"):
            out[L["name"]] = (L.get("smtp_address") or "127.0.0.1", int(L["smtp_port"]))
    return out


def _profile(app, name: str) -> dict | None:
    profiles = app.store.effective_committed(app.hostname, "certificates") or []
    by_name = {p["name"]: p for p in profiles}
    return by_name.get(name) or by_name.get("Demo")


_ctx_cache: dict[str, ssl.SSLContext] = {}


def ssl_context(app, profile: dict) -> ssl.SSLContext:
    chain = profile["cert"].strip() + "\n" + "".join(c.strip() + "\n" for c in profile.get("intermediates", []))
    digest = hashlib.sha256((chain + profile["key"]).encode()).hexdigest()
    ctx = _ctx_cache.get(digest)
    if ctx is None:
        d = app.state_dir / "tls"
        d.mkdir(parents=True, exist_ok=True)
        cert_file, key_file = d / f"{digest[:24]}.crt", d / f"{digest[:24]}.key"
        cert_file.write_text(chain)
        key_file.write_text(profile["key"])
        key_file.chmod(0o600)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert_file), str(key_file))
        _ctx_cache[digest] = ctx
    return ctx


class SMTPHandler:
    def __init__(self, app, listener_name: str):
        self.app = app
        self.listener_name = listener_name

    def _listener(self):
        for L in self.app.store.effective_committed(self.app.hostname, "listeners") or []:
            if L["name"] == self.listener_name:
                return L
        return None

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            await asyncio.wait_for(self._session(reader, writer), timeout=300)
        except (asyncio.TimeoutError, ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        except Exception:  # noqa: BLE001
            log.exception("smtp session failed")
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def _session(self, reader, writer):
        L = self._listener()
        if L is None:
            writer.write(b"421 Service not available: listener not configured\r\n")
            await writer.drain()
            return
        peer = writer.get_extra_info("peername")[0]
        behavior, params = hatmod.policy_for_ip(L["hat"], peer)
        eff = hatmod.effective_params(L, params)
        name = L["hostname"]
        if behavior == "TCPREFUSE":
            return
        if behavior == "REJECT":
            writer.write(f"554 {name} Access denied\r\n".encode())
            await writer.drain()
            return
        tls_mode = eff.get("tls", "off")
        writer.write(f"220 {name} ESMTP\r\n".encode())
        await writer.drain()
        in_tls = False
        have_mail = False
        for _unused in range(1000):
            raw = await reader.readline()
            if not raw:
                return
            line = raw[:MAX_LINE].decode("latin-1").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                caps = [name, "8BITMIME", "SIZE " + str(hatmod.size_bytes(eff["max_message_size"]))]
                if tls_mode != "off" and not in_tls:
                    caps.append("STARTTLS")
                caps.append("ENHANCEDSTATUSCODES")
                writer.write("".join(f"250-{c}\r\n" for c in caps[:-1]).encode() + f"250 {caps[-1]}\r\n".encode())
            elif verb == "HELO":
                writer.write(f"250 {name}\r\n".encode())
            elif verb == "STARTTLS":
                if tls_mode == "off" or in_tls:
                    writer.write(b"503 5.5.1 STARTTLS not available\r\n")
                else:
                    writer.write(b"220 2.0.0 Go ahead with TLS\r\n")
                    await writer.drain()
                    ctx = ssl_context(self.app, _profile(self.app, L["certificate"]))
                    await writer.start_tls(ctx)
                    in_tls = True
                    have_mail = False
                    continue
            elif verb == "MAIL":
                if tls_mode.startswith("required") and not in_tls:
                    writer.write(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
                else:
                    have_mail = True
                    writer.write(b"250 2.1.0 Sender OK\r\n")
            elif verb == "RCPT":
                writer.write(b"250 2.1.5 Recipient OK\r\n" if have_mail else b"503 5.5.1 MAIL first\r\n")
            elif verb == "DATA":
                if not have_mail:
                    writer.write(b"503 5.5.1 MAIL first\r\n")
                else:
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    size = 0
                    while True:
                        d = await reader.readline()
                        if not d or d in (b".\r\n", b".\n"):
                            break
                        size += len(d)
                        if size > MAX_DATA:
                            return
                    have_mail = False
                    writer.write(b"250 2.0.0 Ok: queued\r\n")
            elif verb in ("RSET", "NOOP"):
                have_mail = have_mail and verb == "NOOP"
                writer.write(b"250 2.0.0 Ok\r\n")
            elif verb == "QUIT":
                writer.write(f"221 2.0.0 {name} closing connection\r\n".encode())
                await writer.drain()
                return
            else:
                writer.write(b"500 5.5.1 Unrecognized command\r\n")
            await writer.drain()


async def start(app):
    servers, info = [], {}
    for name, (addr, port) in smtp_bindings(app).items():
        srv = await asyncio.start_server(SMTPHandler(app, name), addr, port, reuse_address=True)
        servers.append(srv)
        info[name] = {"address": addr, "port": port}
    return servers, info
