"""Per-thread CPU use of a running process over an interval: python3 threads.py PID SECONDS.
Prints each thread's share of one core (the main thread is the one whose id is the PID), busiest first."""
import os, sys, time
pid, dt = int(sys.argv[1]), float(sys.argv[2])
hz = os.sysconf("SC_CLK_TCK")
def snap():
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            s = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        out[tid] = (s[s.index("(") + 1:s.rindex(")")], int(fields[11]) + int(fields[12]))
    return out
a = snap(); time.sleep(dt); b = snap()
rows = sorted(((b[t][1] - a[t][1]) / hz / dt * 100, b[t][0] + (" [main]" if t == str(pid) else ""), t) for t in b if t in a)
for pct, name, tid in reversed(rows):
    if pct >= 2:
        print(f"{pct:6.1f}%  {name}  {tid}")
print(f"total {sum(r[0] for r in rows):.0f}% of one core over {dt}s, {len(rows)} threads")
