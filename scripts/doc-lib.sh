# Shared by scripts/seeds-doc.sh and scripts/history-doc.sh: tables and trace excerpts from
# real runs of mmsim (MMSIM and tmp set by the caller). Nothing in them is typed by hand.

verdicts() {  # FILE... -> markdown rows: test | kernel | executions | verdict | expectations
  "$MMSIM" check "$@" --json > "$tmp/r.json" || true
  python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for t in doc["tests"]:
    v = ", ".join(f'{x["kind"]} ({x["executions"]})' for x in t["violations"]) or "pass"
    if t.get("observation"):
        o = t["observation"]
        v += f' — {o["outcome"]} {o["positive"]}/{o["positive"] + o["negative"]}'
    ok = {"passed": "holds", "failed": "FAILS", "inconclusive": "INCONCLUSIVE",
          "setup-error": "setup error"}.get(t.get("status", "passed"), t.get("status"))
    name = t["file"].split("/")[-1]
    print(f'| `{name}` | `{t["kernel"]}` | {t["executions"]} | {v} | {ok} |')
PY
}

trace_excerpt() {  # FILE -> the concurrent part of the first violating trace
  "$MMSIM" check "$1" --json > "$tmp/t.json" || true
  python3 - "$tmp/t.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["tests"][0]
lines = [l for l in t["trace"] if not l.startswith(("init", "finally", "exit"))]
for d in t["firstViolationDetails"][:2]:
    print("    " + d)
for l in lines[:24]:
    print("    " + l)
PY
}

