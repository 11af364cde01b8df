"""The kiosk's web server: a small Starlette app built from plain functions.

Routes (nothing else is served, and no path taken from a request reaches the file
system: the page and its assets are package data read into memory at start-up,
take-home files are looked up by an unguessable token in the store's own index):

=========================  ==========================================================
``GET /``                  the page
``GET /static/NAME``       its bundled assets (kiosk.css, kiosk.js)
``GET /events``            the keyframe stream (Server-Sent Events)
``GET /healthz``           JSON: source state, newest sample age, keyframes per
                           second, clients, process RSS, uptime, source restarts
``POST /take-home``        save the current visitor's batik; JSON with its links
``GET /take-home/TOKEN``   the visitor's download page; ``.../TOKEN/FILE`` a file
=========================  ==========================================================
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import socket
import threading
import time
from importlib import resources
from typing import Any

from ..eeg.sources import clock
from ..errors import BatikWavesError, SourceError
from .session import Session, rss_bytes
from .store import FILES, TakeHomeStore, render_take_home

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "KioskServer",
    "bind",
    "create_app",
    "public_base",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Most event streams open at once (a kiosk has one page; a few for staff).
MAX_CLIENTS = 32
#: Most connections uvicorn accepts at once (beyond: 503).
MAX_CONNECTIONS = 64
#: Largest request body accepted (bytes): the take-home POST carries nothing.
MAX_BODY = 1024
#: Most take-homes being drawn at once (beyond: 503; the page says to try again).
MAX_SAVING = 2
#: Seconds between keep-alive comments on an idle event stream.
KEEPALIVE = 10.0
#: Assets the page may load, with their types.
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}
_ASSETS = ("index.html", "kiosk.css", "kiosk.js")
_SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'"
    ),
    "Cache-Control": "no-store",
}


def _load_assets() -> dict[str, bytes]:
    root = resources.files(__package__) / "static"
    return {name: (root / name).read_bytes() for name in _ASSETS}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def public_base(host: str, port: int) -> str | None:
    """The download URL base other devices on the network use, or None when the
    server binds loopback only (then no QR code is shown)."""
    if _is_loopback(host):
        return None
    addr = host
    if host in ("0.0.0.0", "::", ""):
        # the address of the interface that routes outwards (a UDP connect sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect(("10.255.255.255", 1))
                addr = s.getsockname()[0]
            except OSError:
                addr = "127.0.0.1"
    if ":" in addr:
        addr = f"[{addr}]"
    return f"http://{addr}:{port}"


def bind(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A listening socket on *host*:*port*, or SourceError saying the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        raise SourceError(
            f"cannot listen on {host}:{port}: {err.strerror or err}; is another kiosk "
            "running? choose another --port"
        ) from None
    sock.set_inheritable(True)
    return sock


def _qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, dark="#2b1d12", light="#f4ead8")


def create_app(
    session: Session,
    *,
    store: TakeHomeStore | None = None,
    public: str | None = None,
    max_clients: int = MAX_CLIENTS,
    max_body: int = MAX_BODY,
    manage_session: bool = False,
):
    """The kiosk's Starlette app.

    Parameters
    ----------
    session : Session
        The pipeline whose keyframes it serves (started by the caller, or by the
        app's lifespan with *manage_session*).
    store : TakeHomeStore, optional
        Where take-homes go; without one, ``/take-home`` answers 404.
    public : str, optional
        The base URL of downloads on the local network (:func:`public_base`); with
        it the take-home answer carries a QR code.
    max_clients : int
        Most event streams at once (beyond: 503).
    max_body : int
        Largest request body (bytes; beyond: 413).
    manage_session : bool
        Start the session at start-up and stop it at shutdown.
    """
    try:
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse, Response, StreamingResponse
        from starlette.routing import Route
    except ImportError as err:
        raise BatikWavesError(
            "the kiosk needs the kiosk extra (starlette is not installed): "
            "pip install 'batik-waves[kiosk]'"
        ) from err

    assets = _load_assets()
    page = assets["index.html"].replace(b"{{version}}", session.version.encode())
    started = clock()
    clients = {"n": 0}
    # visitor -> the take-home being saved (on the event loop only; at most MAX_SAVING)
    saving: dict[int, asyncio.Task] = {}
    lock = threading.Lock()

    def respond(body: bytes, media: str, status: int = 200, **headers: str) -> Response:
        return Response(body, status, media_type=media, headers={**_SECURITY, **headers})

    async def index(request):
        return respond(page, _TYPES[".html"])

    async def static(request):
        name = request.path_params["name"]
        body = assets.get(name) if name != "index.html" else None
        if body is None:
            return respond(b"not found", "text/plain", 404)
        return respond(body, _TYPES["." + name.rsplit(".", 1)[-1]])

    async def healthz(request):
        body = session.status()
        body.update(
            clients=clients["n"],
            rss_bytes=rss_bytes(),
            uptime_s=round(clock() - started, 1),
            errors=list(session.errors)[-3:],
        )
        return JSONResponse(body, headers=_SECURITY)

    async def events(request):
        with lock:
            if clients["n"] >= max_clients:
                return respond(b"too many clients", "text/plain", 503, **{"Retry-After": "5"})
            clients["n"] += 1

        async def stream():
            try:
                hello = f'{{"version":"{session.version}"}}'
                yield f"retry: 1000\nevent: hello\ndata: {hello}\n\n".encode()
                seq = 0
                while True:
                    kf = await session.ring.wait(seq, KEEPALIVE)
                    if kf is None:
                        yield b": keep-alive\n\n"
                        continue
                    seq = kf.seq
                    yield kf.message
                    session.sent(kf)  # timed once per keyframe, at its first client
            finally:
                with lock:
                    clients["n"] -= 1

        headers = {**_SECURITY, "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def save(snap):
        # drawn in the session's take-home process (never behind keyframes, not this
        # process's GIL), kept by a thread
        files = await asyncio.wrap_future(session.draw(render_take_home, snap))
        return await asyncio.to_thread(store.add, files)

    def saved(task: asyncio.Task, visitor: int) -> None:
        if saving.get(visitor) is task:
            del saving[visitor]
        if not task.cancelled():
            task.exception()  # read, even when every request waiting for it went away

    async def take_home(request):
        if store is None:
            return respond(b"not found", "text/plain", 404)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            return respond(b"request body too large", "text/plain", 413)
        got = 0
        async for part in request.stream():
            got += len(part)
            if got > max_body:
                return respond(b"request body too large", "text/plain", 413)
        snap = session.snapshot()
        if snap is None:
            return JSONResponse({"error": "nobody is wearing the headset yet"}, 409)
        # one take-home per visitor at a time: a retry (the page gives up after 30 s,
        # a second press, another tab) waits for the one being saved and gets its links
        task = saving.get(snap.visitor)
        if task is None or task.done():
            if sum(not t.done() for t in saving.values()) >= MAX_SAVING:
                return JSONResponse(
                    {"error": "another take-home is being saved"}, 503, {"Retry-After": "2"}
                )
            task = saving[snap.visitor] = asyncio.ensure_future(save(snap))
            task.add_done_callback(lambda t, v=snap.visitor: saved(t, v))
        # shielded: a client that goes away does not cancel the visitor's batik
        entry = await asyncio.shield(task)
        path = f"/take-home/{entry.token}"
        out: dict[str, Any] = {
            "token": entry.token,
            "page": path,
            "files": {name: f"{path}/{name}" for name in FILES},
        }
        if public:
            out["url"] = public + path
            out["qr_svg"] = _qr_svg(public + path)
        return JSONResponse(out, headers=_SECURITY)

    async def take_home_page(request):
        entry = store.get(request.path_params["token"]) if store is not None else None
        if entry is None:
            return respond(b"not found", "text/plain", 404)
        t = html.escape(entry.token)
        links = "".join(f'<li><a href="/take-home/{t}/{n}" download>{n}</a></li>' for n in FILES)
        body = (
            "<!doctype html><meta charset=utf-8><meta name=viewport "
            'content="width=device-width"><title>Your batik</title>'
            f"<h1>Your batik</h1><img src=\"/take-home/{t}/tile.png\" alt='' width=256>"
            f"<ul>{links}</ul>"
        )
        return respond(body.encode(), _TYPES[".html"])

    async def take_home_file(request):
        entry = store.get(request.path_params["token"]) if store is not None else None
        name = request.path_params["name"]
        if entry is None or name not in FILES:
            return respond(b"not found", "text/plain", 404)
        body = await asyncio.to_thread(store.read, entry, name)
        if body is None:
            return respond(b"not found", "text/plain", 404)
        disp = f'attachment; filename="batik-{entry.token[:8]}-{name}"'
        return respond(body, FILES[name], **{"Content-Disposition": disp})

    routes = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/static/{name}", static, methods=["GET", "HEAD"]),
        Route("/events", events, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/take-home", take_home, methods=["POST"]),
        Route("/take-home/{token}", take_home_page, methods=["GET"]),
        Route("/take-home/{token}/{name}", take_home_file, methods=["GET"]),
    ]

    lifespan = None
    if manage_session:
        import contextlib

        @contextlib.asynccontextmanager
        async def lifespan(app):
            session.start()
            try:
                yield
            finally:
                await asyncio.to_thread(session.stop)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False  # a path is served as written, or not at all
    app.state.session = session
    app.state.store = store
    app.state.clients = clients
    return app


class KioskServer:
    """Run the app with uvicorn on a bound socket, in this thread or a background one.

    Parameters
    ----------
    app
        From :func:`create_app`.
    sock : socket.socket
        From :func:`bind`.
    max_connections : int
        uvicorn's ``limit_concurrency`` (beyond: 503).
    """

    def __init__(self, app, sock: socket.socket, *, max_connections: int = MAX_CONNECTIONS):
        import uvicorn

        self.sock = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            limit_concurrency=max_connections,
            timeout_graceful_shutdown=2,
            h11_max_incomplete_event_size=16 * 1024,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until stopped (SIGINT/SIGTERM when run in the main thread)."""
        self.server.run(sockets=[self.sock])

    def start(self, timeout: float = 10.0) -> KioskServer:
        """Serve from a background thread; return once it accepts connections."""
        self.server.config.install_signal_handlers = False  # uvicorn < 0.29
        self._thread = threading.Thread(target=self.run, name="kiosk-server", daemon=True)
        self._thread.start()
        end = time.monotonic() + timeout
        while not self.server.started and time.monotonic() < end:
            if not self._thread.is_alive():
                break
            time.sleep(0.02)
        if not self.server.started:
            raise BatikWavesError("the kiosk server did not start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.sock.close()

    def __enter__(self) -> KioskServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
