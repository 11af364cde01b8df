"""The gallery kiosk: live batik from a headset, for days, through dropouts and empty rooms.

:func:`serve` runs it (what ``batik-waves kiosk`` calls); :class:`Session` is the
live pipeline, :func:`create_app` the Starlette app, :class:`TakeHomeStore` the
visitors' take-home files. Needs the ``kiosk`` extra (starlette, uvicorn, segno).
"""

from __future__ import annotations

from .session import Session
from .store import TakeHomeStore

__all__ = ["Session", "TakeHomeStore", "create_app", "serve"]


def create_app(*args, **kw):
    """See :func:`batik_waves.kiosk.server.create_app`."""
    from .server import create_app as make

    return make(*args, **kw)


def serve(
    *,
    source: str = "replay:sample",
    host: str = "127.0.0.1",
    port: int = 8765,
    motif: str = "kawung",
    palette=None,
    mapping=None,
    store: str = "batik-kiosk-take-home",
    ready=None,
    **session_kw,
) -> str:
    """Run the kiosk until SIGINT/SIGTERM; bad input raises before the server starts.

    The port is bound and the source opened first (a port in use, an unknown
    source or motif raise :class:`~batik_waves.errors.BatikWavesError`), then
    uvicorn serves on the bound socket from this thread. *ready(url)* is called
    once it listens. Returns the URL it served.
    """
    from .server import KioskServer, bind, create_app, public_base

    session = Session(source, motif=motif, palette=palette, mapping=mapping, **session_kw)
    sock = bind(host, port)
    try:
        session.start()
    except BaseException:
        sock.close()
        raise
    try:
        app = create_app(
            session, store=TakeHomeStore(store), public=public_base(host, sock.getsockname()[1])
        )
        server = KioskServer(app, sock)
        if ready is not None:
            ready(f"http://{host}:{sock.getsockname()[1]}/")
        server.run()
    finally:
        session.stop()
        sock.close()
    return f"http://{host}:{port}/"
