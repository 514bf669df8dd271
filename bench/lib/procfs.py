"""Readers for /proc: private memory, CPU time and context switches of a
process and its descendants (WebKitGTK runs the web content and network
code in child processes)."""

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def read_status(pid):
    """Returns /proc/PID/status as a dict of the first field of each line."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    return fields


def read_smaps_rollup(pid):
    """Returns the kB fields of /proc/PID/smaps_rollup (Pss, Pss_Anon, ...)."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return fields


def cpu_ticks(pid):
    """Returns utime + stime of all threads of PID, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name may contain spaces, so split after its ')'.
        rest = stat.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of proc(5); `rest` starts at field 3.
    return int(rest[11]) + int(rest[12])


def context_switches(pid):
    """Returns {thread id: (voluntary, involuntary)} context switches of PID.

    /proc/PID/status counts the main thread only, so each thread's file
    under /proc/PID/task is read.
    """
    counts = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = read_status(f"{pid}/task/{tid}")
        except OSError:
            continue
        counts[tid] = (int(fields.get("voluntary_ctxt_switches", 0)), int(fields.get("nonvoluntary_ctxt_switches", 0)))
    return counts


def switches_between(first, last):
    """Returns the (voluntary, involuntary) switches from `first` to `last`.

    A thread started in between counts in full. The switches of a thread
    that exited in between are lost, so the result may be low, never negative.
    """
    voluntary = involuntary = 0
    for tid, (vol, invol) in last.items():
        vol_before, invol_before = first.get(tid, (0, 0))
        voluntary += vol - vol_before
        involuntary += invol - invol_before
    return voluntary, involuntary


def thread_count(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def descendants(pid):
    """Returns the PIDs of all descendants of PID, children first."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def process_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return "?"


def memory(pid):
    """Returns the private memory of PID and of PID with its descendants, in kB.

    `rss_anon` is RssAnon from /proc/PID/status and `pss` is Pss from
    smaps_rollup. Pss is additive, so the tree figure is a plain sum.
    """
    status = read_status(pid)
    rollup = read_smaps_rollup(pid)
    sample = {
        "rss_anon_kb": int(status["RssAnon"]),
        "pss_kb": rollup["Pss"],
        "pss_anon_kb": rollup.get("Pss_Anon"),
        "threads": thread_count(pid),
        "children": [],
    }
    tree_pss, tree_anon = sample["pss_kb"], sample["rss_anon_kb"]
    for child in descendants(pid):
        try:
            child_pss = read_smaps_rollup(child)["Pss"]
            child_anon = int(read_status(child)["RssAnon"])
        except (OSError, KeyError):
            continue
        sample["children"].append({"pid": child, "name": process_name(child), "pss_kb": child_pss})
        tree_pss += child_pss
        tree_anon += child_anon
    sample["tree_pss_kb"] = tree_pss
    sample["tree_rss_anon_kb"] = tree_anon
    return sample
