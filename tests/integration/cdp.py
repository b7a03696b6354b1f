#!/usr/bin/env python3
"""cdp.py CHROMIUM URL WAIT_MS OUT_HTML - load URL in headless Chromium, let it
run WAIT_MS (a live page: --dump-dom would take it at its load event), then
write its DOM to OUT_HTML and every console message and uncaught exception
to OUT_HTML.console (one per line). Talks the Chrome DevTools Protocol over
its WebSocket with the standard library only. Exit 0 when the DOM was read."""
import base64, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time


class WS:
    """A minimal RFC 6455 client: masked text frames out, whole frames in."""

    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise OSError("no handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("handshake refused: %r" % head[:80])

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                               bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                               bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise OSError("closed")
            buf += chunk
        return buf

    def recv(self):
        data = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(n)
            op = b0 & 0x0f
            if op == 8:
                raise OSError("closed by the browser")
            if op in (0, 1):
                data += payload
                if b0 & 0x80:
                    return json.loads(data)


def main():
    chromium, url, wait_ms, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    profile = tempfile.mkdtemp(prefix="osprey-cdp.")
    p = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    console = []
    try:
        ws_url, deadline = None, time.time() + 60
        while not ws_url and time.time() < deadline:
            line = p.stderr.readline()
            if not line:
                break
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            ws_url = m.group(1) if m else None
        if not ws_url:
            sys.exit("cdp: chromium did not start its DevTools endpoint")
        ws, ids, session = WS(ws_url), [0], None

        def call(method, params=None, sid=None):
            ids[0] += 1
            msg = {"id": ids[0], "method": method, "params": params or {}}
            if sid:
                msg["sessionId"] = sid
            ws.send(msg)
            while True:
                r = ws.recv()
                note(r)
                if r.get("id") == ids[0]:
                    if "error" in r:
                        sys.exit("cdp: %s: %s" % (method, r["error"]))
                    return r["result"]

        def note(r):
            if r.get("method") == "Runtime.consoleAPICalled":
                args = r["params"].get("args", [])
                console.append("console.%s: %s" % (r["params"]["type"], " ".join(str(a.get("value", a.get("description", ""))) for a in args)))
            elif r.get("method") == "Runtime.exceptionThrown":
                d = r["params"]["exceptionDetails"]
                console.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))

        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        call("Runtime.enable", sid=session)
        call("Page.enable", sid=session)
        call("Page.navigate", {"url": url}, sid=session)
        end = time.time() + wait_ms / 1000.0
        ws.s.settimeout(0.2)
        while time.time() < end:
            try:
                note(ws.recv())
            except socket.timeout:
                pass
        ws.s.settimeout(10)
        html = call("Runtime.evaluate", {"expression": "document.documentElement.outerHTML",
                                         "returnByValue": True}, sid=session)["result"]["value"]
        with open(out, "w") as f:
            f.write(html)
        with open(out + ".console", "w") as f:
            f.write("".join(c + "\n" for c in console))
    finally:
        p.kill()
        p.wait()
        shutil.rmtree(profile, ignore_errors=True)


main()
