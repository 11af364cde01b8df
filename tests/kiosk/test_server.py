"""The app serves its page, its assets and take-homes, and nothing else."""

from __future__ import annotations

import http.client
import json

import pytest

from batik_waves.kiosk.server import KioskServer, bind, create_app
from batik_waves.kiosk.session import Session
from batik_waves.kiosk.store import TakeHomeStore


class Reply:
    def __init__(self, resp: http.client.HTTPResponse) -> None:
        self.status_code = resp.status
        self.headers = {k.lower(): v for k, v in resp.getheaders()}
        self.content = resp.read()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


class Client:
    """Plain http.client on loopback: request paths go out exactly as written."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, content: bytes | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=content)
            return Reply(conn.getresponse())
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, content=b""):
        return self.request("POST", path, content)

    def put(self, path):
        return self.request("PUT", path, b"")

    def delete(self, path):
        return self.request("DELETE", path)


def _serve(app):
    return KioskServer(app, bind("127.0.0.1", 0)).start()


@pytest.fixture
def client(tmp_path):
    # a session that is never started: the routes alone
    store = TakeHomeStore(tmp_path / "store", max_visitors=3)
    (tmp_path / "outside.txt").write_text("outside")
    server = _serve(create_app(Session("replay:sample"), store=store, max_body=64))
    c = Client(server.sock.getsockname()[1])
    c.store = store
    c.tmp = tmp_path
    yield c
    server.stop()


def test_page_and_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "{{version}}" not in r.text and "/static/kiosk.js" in r.text
    assert "http://" not in r.text and "https://" not in r.text  # nothing from the internet
    for name, kind in (("kiosk.css", "text/css"), ("kiosk.js", "text/javascript")):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        assert "http://" not in r.text and "https://" not in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/..%2fserver.py",
        "/static/%2e%2e%2fserver.py",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/etc/passwd",
        "/static/index.html",  # the page is served at / only, with its version
        "/static/",
        "/static/kiosk.css/",
        "/static/KIOSK.CSS",
        "/server.py",
        "/take-home/..%2f..%2fpyproject.toml/record.json",
        "/take-home/%2e%2e/record.json",
        "/take-home/" + "A" * 24,
        "/take-home/" + "A" * 24 + "/tile.png",
        "/__init__.py",
    ],
)
def test_no_request_path_reaches_the_file_system(client, path):
    r = client.get(path)
    assert r.status_code in (404, 405)
    assert b"import" not in r.content and b"root:" not in r.content


def test_symlinked_take_home_is_not_followed(client):
    entry = client.store.add({"tile.png": b"png", "record.json": b"{}"})
    link = client.store.root / entry.token / "tile.svg"
    link.symlink_to(client.tmp / "outside.txt")
    assert client.get(f"/take-home/{entry.token}/tile.png").content == b"png"
    r = client.get(f"/take-home/{entry.token}/tile.svg")
    assert r.status_code == 404 and b"outside" not in r.content
    # a planted folder that looks like a token is not in the index
    fake = client.store.root / ("B" * 24)
    fake.symlink_to(client.tmp, target_is_directory=True)
    assert client.get(f"/take-home/{'B' * 24}/record.json").status_code == 404


def test_take_home_download(client):
    entry = client.store.add({"tile.png": b"png", "record.json": b'{"a": 1}'})
    r = client.get(f"/take-home/{entry.token}/record.json")
    assert r.status_code == 200 and r.json() == {"a": 1}
    assert "attachment" in r.headers["content-disposition"]
    page = client.get(f"/take-home/{entry.token}")
    assert page.status_code == 200 and f"/take-home/{entry.token}/tile.png" in page.text


def test_bounded_bodies(client):
    r = client.post("/take-home", content=b"x" * 65)
    assert r.status_code == 413
    r = client.post("/take-home", content=b"x" * 10)
    assert r.status_code == 409  # nobody wears the headset: nothing to take home
    assert "nobody" in r.json()["error"]


def test_methods(client):
    assert client.post("/").status_code == 405
    assert client.delete("/take-home").status_code == 405
    assert client.put("/static/kiosk.js").status_code == 405


def test_healthz_reports(client):
    body = client.get("/healthz").json()
    for key in (
        "state",
        "source_state",
        "newest_age_s",
        "keyframes_per_s",
        "clients",
        "rss_bytes",
        "uptime_s",
        "source_restarts",
        "latency_ms",
        "latency_fresh_ms",
        "stages_ms",
        "superseded",
    ):
        assert key in body
    from batik_waves.kiosk.session import STAGES

    assert tuple(body["stages_ms"]) == STAGES
    assert body["state"] == "attract" and body["source_state"] == "closed"
    assert body["clients"] == 0 and body["rss_bytes"] > 10_000_000


def test_event_streams_are_bounded(tmp_path):
    server = _serve(create_app(Session("replay:sample"), max_clients=0))
    try:
        r = Client(server.sock.getsockname()[1]).get("/events")
        assert r.status_code == 503 and r.headers["retry-after"]
    finally:
        server.stop()


class _SlowTakeHomes(Session):
    """A session whose take-homes wait until the test lets them finish."""

    def __init__(self) -> None:
        super().__init__("replay:sample")
        import concurrent.futures as cf

        self.futures: list[cf.Future] = []
        self.hold = True
        self.visitor = None  # None: each press is another visitor's

    def snapshot(self):
        import types

        self.n = getattr(self, "n", 0) + 1
        return types.SimpleNamespace(visitor=self.n if self.visitor is None else self.visitor)

    def draw(self, fn, *args):
        import concurrent.futures as cf

        from batik_waves.kiosk.store import FILES

        fut: cf.Future = cf.Future()
        if self.hold:
            self.futures.append(fut)
        else:
            fut.set_result({name: b"x" for name in FILES})
        return fut


@pytest.fixture(name="slow")
def slow_fixture(tmp_path):
    """A kiosk whose take-homes wait for the test: (session, client, store folder).
    Whatever is still held is let go at the end."""
    from batik_waves.kiosk.store import FILES

    session = _SlowTakeHomes()
    store = TakeHomeStore(tmp_path / "store", max_visitors=5)
    server = _serve(create_app(session, store=store))
    yield session, Client(server.sock.getsockname()[1]), tmp_path / "store"
    for fut in session.futures:
        if not fut.done():
            fut.set_result({name: b"x" for name in FILES})
    server.stop()


def _press(client, n: int, gap: float = 0.0):
    """*n* take-home presses from threads, *gap* s apart: (threads, replies)."""
    import threading
    import time

    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(client.post("/take-home"))) for _ in range(n)
    ]
    for t in threads:
        t.start()
        time.sleep(gap)
    return threads, replies


def test_take_homes_being_drawn_are_bounded(slow):
    import time

    from batik_waves.kiosk.server import MAX_SAVING
    from batik_waves.kiosk.store import FILES

    session, client, _ = slow
    waiting, replies = _press(client, MAX_SAVING)
    end = time.monotonic() + 10
    while len(session.futures) < MAX_SAVING and time.monotonic() < end:
        time.sleep(0.01)
    over = client.post("/take-home")  # one more while MAX_SAVING are being drawn
    assert over.status_code == 503 and over.headers["retry-after"]
    session.hold = False
    for fut in session.futures:
        fut.set_result({name: b"x" for name in FILES})
    for t in waiting:
        t.join(10)
    assert [r.status_code for r in replies] == [200] * MAX_SAVING
    assert client.post("/take-home").status_code == 200  # room again


def test_a_retry_while_saving_gets_the_same_take_home(slow):
    # the page gives up after 30 s and the visitor presses again: one batik, not two
    import time

    from batik_waves.kiosk.store import FILES

    session, client, store = slow
    session.visitor = 7
    presses, replies = _press(client, 3, gap=0.2)
    end = time.monotonic() + 10  # until all three presses have been answered for
    while getattr(session, "n", 0) < 3 and time.monotonic() < end:
        time.sleep(0.01)
    time.sleep(0.1)
    assert len(session.futures) == 1, "each press started a take-home of its own"
    session.futures[0].set_result({name: b"x" for name in FILES})
    for t in presses:
        t.join(10)
    assert [r.status_code for r in replies] == [200] * 3
    tokens = {r.json()["token"] for r in replies}
    assert len(tokens) == 1
    assert len([p for p in store.iterdir() if p.is_dir()]) == 1
    # once saved, a new press is a new take-home (the visitor wore it longer)
    session.hold = False
    again = client.post("/take-home")
    assert again.status_code == 200 and again.json()["token"] not in tokens
