"""Parsing deskcheck's log lines (tracing-subscriber's default format:
RFC 3339 UTC timestamp, level, target, message, then key=value fields)."""

import re
from datetime import datetime

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\S+Z)\s+(?P<level>[A-Z]+)\s+(?P<target>[^:\s]+(?:::[^:\s]+)*):\s(?P<rest>.*)$")
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def parse_line(text):
    """Returns (timestamp as epoch seconds, message and fields text) or None."""
    match = LINE.match(ANSI.sub("", text.rstrip("\n")))
    if match is None:
        return None
    stamp = datetime.fromisoformat(match["ts"].replace("Z", "+00:00")).timestamp()
    return stamp, match["rest"]


def fields(rest):
    return {key: value.strip('"') for key, value in FIELD.findall(rest)}


def events(path):
    """Yields (epoch seconds, rest) for each parsable line of the log at `path`."""
    with open(path, errors="replace") as log:
        for text in log:
            parsed = parse_line(text)
            if parsed is not None:
                yield parsed
