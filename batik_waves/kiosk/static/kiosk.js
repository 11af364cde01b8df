// The kiosk page: keyframes from /events, cross-faded at display rate, drifting slowly.
// Plain script, no build step, nothing from the internet.
(function () {
  "use strict";
  var VERSION = document.querySelector('meta[name="kiosk-version"]').content;
  var DRIFT = 9;          // px per second, down and to the right: the cloth moves slowly
  var FADE = 280;         // ms of cross-fade between keyframes
  var STALE = 8000;       // ms without any event before the stream is opened again
  var layers = [document.getElementById("cloth-a"), document.getElementById("cloth-b")];
  var front = 0;          // the layer fully shown
  var fadeStart = -1;     // ms; -1 when no fade runs
  var pending = null;     // the newest decoded keyframe not shown yet {url}
  var urls = [null, null];
  var tilePx = 0, cellW = 0, cellH = 0;
  var t0 = performance.now();
  var lastEvent = Date.now();
  var source = null;
  var state = "";
  var rafQueued = false;

  function tileSize() {
    // a little less than one repeat across the screen's short side, as in the video:
    // the motif's own flowers and bands are then a hand's width on a gallery screen
    var s = Math.min(window.innerWidth, window.innerHeight) / 1.2;
    return Math.max(96, Math.round(s));
  }

  function setState(s, quality) {
    if (s !== state) {
      document.body.className = s;
      document.getElementById("state").textContent = s === "attract" ? "menunggu · waiting" :
        s === "calibrating" ? "kalibrasi · calibrating" : "langsung · live";
      state = s;
    }
    var box = document.getElementById("sensors");
    var names = Object.keys(quality || {});
    if (box.childElementCount !== names.length) {
      box.textContent = "";
      names.forEach(function () { box.appendChild(document.createElement("i")); });
    }
    names.forEach(function (n, i) {
      var el = box.children[i];
      var q = quality[n];
      if (el.className !== q) { el.className = q === "good" ? "" : q; }
      el.title = n + ": " + q;
    });
  }

  function toBlobUrl(dataUrl) {
    var b64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return URL.createObjectURL(new Blob([bytes], { type: "image/jpeg" }));
  }

  function onFrame(ev) {
    lastEvent = Date.now();
    var msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (msg.version && msg.version !== VERSION) { location.reload(); return; }
    setState(msg.state, msg.quality);
    var url = toBlobUrl(msg.img);
    var img = new Image();
    img.onload = function () {
      cellW = img.naturalWidth; cellH = img.naturalHeight;
      if (pending) { URL.revokeObjectURL(pending.url); }  // a newer one won: drop the older
      pending = { url: url };
      kick();
    };
    img.onerror = function () { URL.revokeObjectURL(url); };
    img.src = url;
  }

  function place(el, now) {
    var scale = tilePx / Math.max(1, cellW);
    var w = tilePx, h = Math.round(cellH * scale);
    var d = (now - t0) / 1000 * DRIFT;
    el.style.backgroundSize = w + "px " + h + "px";
    el.style.backgroundPosition = (d % w).toFixed(1) + "px " + ((d * 0.6) % h).toFixed(1) + "px";
  }

  function kick() {
    // one animation frame queued at most: queued callbacks have crashed kiosk renderers
    if (!rafQueued) { rafQueued = true; requestAnimationFrame(tick); }
  }

  var lastTick = 0;
  function tick(now) {
    rafQueued = false;
    // throttle: a busy display drops to ~30 updates a second rather than falling behind
    if (now - lastTick < 30) { kick(); return; }
    lastTick = now;
    var back = 1 - front;
    if (fadeStart < 0 && pending) {
      if (urls[back]) { URL.revokeObjectURL(urls[back]); }
      urls[back] = pending.url;
      layers[back].style.backgroundImage = 'url("' + pending.url + '")';
      pending = null;
      fadeStart = now;
    }
    if (fadeStart >= 0) {
      var a = Math.min(1, (now - fadeStart) / FADE);
      layers[back].style.opacity = a.toFixed(3);
      if (a >= 1) {
        layers[front].style.opacity = "0";
        front = back;
        fadeStart = -1;
      }
    }
    place(layers[0], now);
    place(layers[1], now);
    kick();  // keep drifting
  }

  function connect() {
    if (source) { source.close(); }
    source = new EventSource("/events");
    source.addEventListener("hello", function (ev) {
      lastEvent = Date.now();
      var msg = JSON.parse(ev.data);
      if (msg.version !== VERSION) { location.reload(); }
    });
    source.addEventListener("frame", onFrame);
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { setTimeout(connect, 2000); }
    };
  }

  // a stream that went quiet (a proxy, a sleeping network) is opened again
  setInterval(function () {
    if (Date.now() - lastEvent > STALE) { lastEvent = Date.now(); connect(); }
  }, 2000);

  // take-home: the server saves this visitor's batik and answers with its links. The
  // box says at once that it is saving, then that it is saved (or why not); the button
  // waits until the answer has come, so one press makes one take-home.
  var gift = document.getElementById("gift");
  var box = document.getElementById("gift-box");
  var takeBtn = document.getElementById("take");
  var closeTimer = 0;
  var saving = false;
  var SAVE_TIMEOUT = 30000;  // ms: a take-home that takes longer is reported as failed
  var SAY = {
    saving: "Menyimpan batik Anda\u2026 \u00b7 saving your batik\u2026",
    saved: "Batik Anda tersimpan \u00b7 your batik is saved",
    scan: "Pindai untuk mengunduh \u00b7 scan to download",
    nobody: "Belum ada yang memakai headset \u00b7 nobody is wearing the headset yet",
    busy: "Sedang menyimpan batik lain, coba lagi sebentar \u00b7 " +
      "another batik is being saved, try again in a moment",
    failed: "Maaf, batik Anda belum tersimpan. Coba lagi. \u00b7 " +
      "Sorry, your batik was not saved. Please try again."
  };

  function showGift(kind, text, res) {
    var links = document.getElementById("links");
    var qr = document.getElementById("qr");
    box.className = kind;  // saving | saved | error (kiosk.css)
    document.getElementById("gift-text").textContent = text;
    links.textContent = ""; qr.textContent = "";
    if (res) {
      if (res.qr_svg) { qr.innerHTML = res.qr_svg; }
      Object.keys(res.files).forEach(function (n) {
        var a = document.createElement("a");
        a.href = res.files[n]; a.textContent = n; a.setAttribute("download", "");
        links.appendChild(a);
      });
    }
    gift.hidden = false;
    clearTimeout(closeTimer);
    if (kind !== "saving") {
      closeTimer = setTimeout(function () { gift.hidden = true; }, kind === "saved" ? 45000 : 8000);
    }
  }

  function doneSaving() { saving = false; takeBtn.disabled = false; }

  takeBtn.addEventListener("click", function () {
    if (saving) { return; }
    saving = true; takeBtn.disabled = true;
    showGift("saving", SAY.saving, null);
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) { ctrl.abort(); } }, SAVE_TIMEOUT);
    fetch("/take-home", { method: "POST", signal: ctrl ? ctrl.signal : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (res) {
          clearTimeout(timer);
          doneSaving();
          if (r.ok && res.files) { showGift("saved", res.url ? SAY.scan : SAY.saved, res); }
          else if (r.status === 409) { showGift("error", SAY.nobody, null); }
          else if (r.status === 503) { showGift("error", SAY.busy, null); }
          else { showGift("error", SAY.failed, null); }
        });
      })
      .catch(function () {  // the server is restarting, or it took too long
        clearTimeout(timer);
        doneSaving();
        showGift("error", SAY.failed, null);
      });
  });
  document.getElementById("gift-close").addEventListener("click", function () { gift.hidden = true; });

  window.addEventListener("resize", function () { tilePx = tileSize(); });
  tilePx = tileSize();
  setState("attract", {});
  connect();
  kick();
})();
