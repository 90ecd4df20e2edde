#!/usr/bin/env python3
"""Drives the search page of `saiga serve --http` in a real, headless Chromium through the DevTools protocol over a
pipe (--remote-debugging-pipe: no sockets, no packages), the way a user does, and prints what it saw as JSON.

    drive_search_page.py URL QUERY SCREENSHOT.png [--token T]

Steps: open URL; type QUERY into the search box and press Enter; read the hits (ids, titles, <mark> words), the
status line and the facets; click the first facet bucket and read again; page forward when there is a next page;
save a screenshot. Exit 0 with the JSON on stdout, or 1 with {"error": ...}.
"""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            raise RuntimeError("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
        self.profile = tempfile.mkdtemp(prefix="saiga-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire_pipes():
            # The DevTools pipe: the browser reads commands on fd 3 and writes answers on fd 4. Moved out of the
            # way first (either end may itself be 3 or 4); dup2 leaves the copies inheritable.
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
             "--user-data-dir=" + self.profile, "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire_pipes)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def close(self):
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def command(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self.buffer:
                if time.monotonic() > deadline:
                    raise RuntimeError("no answer to " + method)
                chunk = os.read(self.from_child, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def evaluate(self, expression):
        r = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("script failed: " + json.dumps(r["exceptionDetails"])[:500])
        return r["result"].get("value")

    def wait_for(self, expression, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for: " + expression)

    def key(self, name, code, key_code, text=None):
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": name, "code": code, "windowsVirtualKeyCode": key_code}
            if text and kind == "keyDown":
                params["text"] = text
            self.command("Input.dispatchKeyEvent", params)


READ_PAGE = """(() => ({
  state: document.body.dataset.state || "",
  docTitle: document.title,
  offset: Number(document.body.dataset.offset || 0),
  status: document.getElementById("status").textContent,
  total: Number(document.getElementById("status").dataset.total || -1),
  error: document.getElementById("error").textContent,
  hits: [...document.querySelectorAll(".hit")].map(h => ({
    id: h.dataset.id,
    title: h.querySelector(".title").textContent,
    marks: [...h.querySelectorAll("mark")].map(m => m.textContent),
    scripts: h.querySelectorAll("script").length,
  })),
  facets: [...document.querySelectorAll(".bucket")].map(b => ({
    label: b.querySelector(".label").textContent, count: Number(b.dataset.count), filter: b.dataset.filter })),
  chips: [...document.querySelectorAll(".chip")].map(c => c.textContent),
  nextEnabled: !document.getElementById("next").disabled,
}))()"""


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 64
    url, query, screenshot = argv[1], argv[2], argv[3]
    token = argv[argv.index("--token") + 1] if "--token" in argv else None
    browser = Browser()
    try:
        target = browser.command("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        browser.session = browser.command(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        browser.command("Page.enable")
        browser.command("Runtime.enable")
        browser.command("Page.navigate", {"url": url})
        browser.wait_for("document.readyState === 'complete' && !!document.getElementById('q')")
        if token:
            browser.evaluate(f"document.getElementById('token').value = {json.dumps(token)}")
        # Type as a user does: focus the box, insert the text, press Enter.
        browser.evaluate("document.getElementById('q').focus()")
        browser.command("Input.insertText", {"text": query})
        browser.key("Enter", "Enter", 13, "\r")
        browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
        result = {"typed": browser.evaluate("document.getElementById('q').value"), "first": browser.evaluate(READ_PAGE)}
        if result["first"]["facets"]:
            browser.evaluate("document.body.dataset.state = ''")
            browser.evaluate("document.querySelector('.bucket').click()")
            browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
            result["filtered"] = browser.evaluate(READ_PAGE)
            browser.evaluate("document.querySelector('.chip').click()")  # remove the filter again
            browser.wait_for("document.querySelectorAll('.chip').length === 0 && document.body.dataset.state === 'done'")
        if browser.evaluate("!document.getElementById('next').disabled"):
            browser.evaluate("document.body.dataset.state = ''")
            browser.evaluate("document.getElementById('next').click()")
            browser.wait_for("document.body.dataset.state === 'done'")
            result["next"] = browser.evaluate(READ_PAGE)
        shot = browser.command("Page.captureScreenshot", {"format": "png"})
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        output = json.dumps(result, ensure_ascii=False)
    except Exception as e:  # the test prints it
        print(json.dumps({"error": str(e)}))
        return 1
    finally:
        browser.close()
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
