#!/usr/bin/env python3
"""`make test-report-browser`: the report, opened in a real browser (headless Chromium) at 1400 px.

Trains two runs into a scratch tracking store, writes `possum report`, then
  1. takes a screenshot at 1400 px wide (SCRATCH/report.png; look at it),
  2. loads a copy of the page with a probe script appended, in Chromium's --dump-dom mode, and checks what
     the browser laid out: no horizontal overflow (document scrollWidth <= the 1400 px viewport), every
     table and chart inside the viewport, the LOO chart present with one vertex per alpha, the embedded
     pictures decoded (naturalWidth > 0), and a click on a metric header sorting the runs by it.

Usage: check_report_browser.py POSSUM DATA.csv SCRATCH [--png-out docs/report.png]
(--png-out: also a small screenshot of the page's top, the same 1400 px layout drawn at 0.6 scale.)
"""
import json
import os
import re
import shutil
import subprocess
import sys

WIDTH = 1400


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("no chromium on PATH (apt-get install chromium)")


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def browser(args, timeout=120):
    # A private profile: the check never touches a user's browser profile.
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + os.path.abspath(SCRATCH + "/chromium-profile"), "--no-first-run"]
    out = subprocess.run(base + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=timeout)
    return out.stdout.decode("utf-8", "replace")


# Runs after the page's own script (appended at the end of the body): measures the layout, then sorts by
# the first metric column twice and reads the order back.
PROBE = """
<script>
(function () {
  var result = {viewport: document.documentElement.clientWidth, scrollWidth: document.documentElement.scrollWidth,
                wide: [], polylinePoints: [], images: [], sorted: null};
  document.querySelectorAll("table, svg.chart, img, figure").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > result.viewport + 0.5) { result.wide.push(e.tagName + " right=" + Math.round(r.right)); }
  });
  document.querySelectorAll("polyline.series").forEach(function (p) { result.polylinePoints.push(p.points.numberOfItems); });
  document.querySelectorAll("figure.picture img").forEach(function (i) { result.images.push(i.naturalWidth); });
  var table = document.querySelector("table.runs");
  if (table) {
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells, column = -1;
    for (var k = 0; k < heads.length; k++) { if (heads[k].title.indexOf("loo_rmse") === 0) { column = k; break; } }
    if (column >= 0) {
      var read = function () { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return Number(r.cells[column].getAttribute("data-sort")); }); };
      heads[column].click(); var up = read(); heads[column].click(); var down = read();
      result.sorted = {column: heads[column].title, ascending: up, descending: down};
    }
  }
  var pre = document.createElement("pre"); pre.id = "possum-probe"; pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
</script>
"""


def main():
    global SCRATCH
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    possum, data, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
    png_out = sys.argv[sys.argv.index("--png-out") + 1] if "--png-out" in sys.argv else None
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    env = dict(os.environ, POSSUM_TRACKING_URI=os.path.abspath(SCRATCH + "/mlruns"))
    possum_columns = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]
    run([possum, "train", "--data", data, *possum_columns, "--run-name", "ridge simd (default grid)"],
        env=env, stdout=subprocess.DEVNULL)
    run([possum, "train", "--data", data, *possum_columns, "--solver", "openblas", "--alphas", "-2:3:40",
         "--run-name", "ridge openblas, wider grid -2:3:40", "--tag", "note=a long tag value " + "x" * 200],
        env=env, stdout=subprocess.DEVNULL)
    report = SCRATCH + "/report.html"
    run([possum, "report", "--out", report], env=env, stdout=subprocess.DEVNULL)

    png = os.path.abspath(SCRATCH + "/report.png")
    browser(["--window-size=%d,2200" % WIDTH, "--screenshot=" + png, "file://" + os.path.abspath(report)])
    if not os.path.getsize(png):
        sys.exit("no screenshot written")
    print("screenshot:", png)
    if png_out:
        browser(["--window-size=%d,1350" % WIDTH, "--force-device-scale-factor=0.6", "--screenshot=" + os.path.abspath(png_out),
                 "file://" + os.path.abspath(report)])
        print("small screenshot:", png_out)

    probed = SCRATCH + "/probe.html"
    with open(report, encoding="utf-8") as f:
        page = f.read()
    with open(probed, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", PROBE + "</body>"))
    dom = browser(["--window-size=%d,2200" % WIDTH, "--dump-dom", "file://" + os.path.abspath(probed)])
    found = re.search(r'<pre id="possum-probe">(.*?)</pre>', dom, re.S)
    if not found:
        sys.exit("the probe did not run (no result in the dumped DOM)")
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    print(json.dumps(result, indent=1))

    failures = []
    if result["viewport"] != WIDTH:
        failures.append("viewport is %s px, not %d" % (result["viewport"], WIDTH))
    if result["scrollWidth"] > result["viewport"]:
        failures.append("horizontal overflow: the page is %s px wide in a %s px window" % (result["scrollWidth"], result["viewport"]))
    if result["wide"]:
        failures.append("elements past the right edge: " + ", ".join(result["wide"]))
    if sorted(result["polylinePoints"])[-2:] != [30, 40]:
        failures.append("LOO curves should have 30 and 40 vertices (one per alpha): %s" % result["polylinePoints"])
    if len(result["images"]) != 2 or not all(w > 0 for w in result["images"]):
        failures.append("two decoded predicted-vs-true pictures expected: %s" % result["images"])
    s = result["sorted"]
    if not s or s["ascending"] != sorted(s["ascending"]) or s["descending"] != sorted(s["descending"], reverse=True):
        failures.append("clicking a metric header does not sort the runs: %s" % s)
    if failures:
        sys.exit("report check FAILED:\n  " + "\n  ".join(failures))
    print("report check passed: no horizontal overflow at %d px, curves, pictures and sorting work" % WIDTH)


if __name__ == "__main__":
    main()
