# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""The modules' /proc status files, as text and as key/value pairs."""

SCHEDULER = "/proc/ai_scheduler"
MEMORY = "/proc/ai_memory"


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _fields(text):
    out = {}
    for line in text.splitlines():
        key, sep, val = line.partition(":")
        if sep and key and not key[0].isspace():
            out[key.strip()] = val.strip()
    return out


def memory_status():
    """/proc/ai_memory as {"Total Pool Size": "256 MB", ...}."""
    return _fields(_read(MEMORY))


def scheduler_status():
    """/proc/ai_scheduler: its "Key: value" header lines as a dict, and
    its per-process table as a list of dicts (keys from the header row)."""
    text = _read(SCHEDULER)
    lines = text.splitlines()
    table, cols = [], None
    for line in lines:
        if line.startswith("PID "):
            cols = line.lower().split()
        elif cols and line[:1].isdigit():
            table.append(dict(zip(cols, line.split())))
    return {"fields": _fields(text), "tasks": table}
