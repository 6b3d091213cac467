#!/usr/bin/env python3
"""Independent iCalendar reader for coursecal's integration tests (Python side).

Usage: parse_ics.py FILE.ics

Parses FILE.ics with the PyPI ``icalendar`` package (7.x) and prints one JSON
document describing the calendar and its VEVENTs (see README.md for the exact
contract, which parse_ics.mjs implements identically with ical.js).

Any problem -- unreadable file, invalid UTF-8, a parse error, a floating
date-time, a TZID without a VTIMEZONE in the file -- prints a message to
stderr and exits with status 1.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone

from icalendar import Calendar
from icalendar.parser import Contentlines, unescape_backslash
from icalendar.prop import vDuration, vText


class IcsError(Exception):
    """A problem with the input that must make the script fail."""


def first(value):
    """icalendar returns a list when a property occurs more than once."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def decode_text(component, name: str) -> str | None:
    """Decoded (unescaped) TEXT value of the first `name` property, or None.

    icalendar 7.3 types NAME, X-WR-CALNAME and X-WR-TIMEZONE as vUnknown and
    keeps their raw, still-escaped text (vText.from_ical does not unescape
    either), so those are unescaped here with icalendar's own
    unescape_backslash. vText values were already unescaped by the parser.
    """
    value = first(component.get(name))
    if value is None:
        return None
    if isinstance(value, vText):
        return str(value)
    return unescape_backslash(str(value))


def plain_str(component, name: str) -> str | None:
    value = first(component.get(name))
    return None if value is None else str(value)


def raw_calendar_property(text: str, name: str) -> str | None:
    """Raw value (as written, after unfolding) of a VCALENDAR-level property.

    icalendar only gives back a re-serialised duration (PT90M -> PT1H30M,
    P1W -> P7D), so REFRESH-INTERVAL is read from the content lines instead.
    """
    depth = 0
    for line in Contentlines.from_ical(text):
        if not line:
            continue
        prop, _params, value = line.raw_parts()
        prop = prop.upper()
        if prop == "BEGIN":
            depth += 1
        elif prop == "END":
            depth -= 1
        elif depth == 1 and prop == name:
            return value
    return None


def utc_string(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_value(event, name: str, uid: str, tzids: set[str]) -> dict | None:
    prop = first(event.get(name))
    if prop is None:
        return None
    tzid = prop.params.get("TZID")
    if tzid is not None and tzid not in tzids:
        raise IcsError(
            f"event {uid!r}: {name} uses TZID={tzid} but the file has no "
            f"VTIMEZONE with that TZID"
        )
    value = event.decoded(name)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise IcsError(
                f"event {uid!r}: {name} is a floating date-time "
                f"({prop.to_ical().decode()}): no 'Z' suffix and no TZID"
            )
        return {"utc": utc_string(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    raise IcsError(f"event {uid!r}: {name} has unexpected value {value!r}")


def categories(event) -> list[str]:
    props = event.get("CATEGORIES")
    if props is None:
        return []
    if not isinstance(props, list):
        props = [props]
    return [str(cat) for prop in props for cat in prop.cats]


def sequence(event) -> int | None:
    value = first(event.get("SEQUENCE"))
    return None if value is None else int(value)


def convert(text: str) -> dict:
    cal = Calendar.from_ical(text)
    if cal.name != "VCALENDAR":
        raise IcsError(f"expected exactly one VCALENDAR, found {cal.name}")
    for component in cal.walk():
        if component.errors:
            raise IcsError(f"{component.name}: {component.errors}")

    tzids = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE") if "TZID" in tz}

    refresh = raw_calendar_property(text, "REFRESH-INTERVAL")
    if refresh is not None:
        vDuration.from_ical(refresh)  # validate; raises on a malformed value

    events = []
    for event in cal.walk("VEVENT"):
        uid = plain_str(event, "UID")
        if uid is None:
            raise IcsError("a VEVENT has no UID")
        events.append(
            {
                "uid": uid,
                "summary": decode_text(event, "SUMMARY"),
                "description": decode_text(event, "DESCRIPTION"),
                "location": decode_text(event, "LOCATION"),
                "url": plain_str(event, "URL"),
                "status": plain_str(event, "STATUS"),
                "categories": categories(event),
                "sequence": sequence(event),
                "transp": plain_str(event, "TRANSP"),
                "start": time_value(event, "DTSTART", uid, tzids),
                "end": time_value(event, "DTEND", uid, tzids),
            }
        )
    # Reminders only where there are any, so alarm-free output is unchanged.
    for event, out in zip(cal.walk("VEVENT"), events):
        alarms = [
            {
                "action": plain_str(a, "ACTION"),
                "trigger_seconds": int(a.decoded("TRIGGER").total_seconds()),
                "description": decode_text(a, "DESCRIPTION"),
            }
            for a in event.walk("VALARM")
        ]
        if alarms:
            out["alarms"] = sorted(alarms, key=lambda a: a["trigger_seconds"])
    if any(e["start"] is None for e in events):
        raise IcsError("a VEVENT has no DTSTART")

    # Sort by UID (code point order, as the JS side does); ties (recurrence
    # overrides sharing a UID) by the event's own JSON text, so order is total.
    events.sort(key=lambda e: (e["uid"], dump(e)))

    name = decode_text(cal, "NAME")
    if name is None:
        name = decode_text(cal, "X-WR-CALNAME")
    return {
        "calendar": {
            "name": name,
            "timezone": decode_text(cal, "X-WR-TIMEZONE"),
            "refresh": refresh,
        },
        "events": events,
    }


def dump(obj) -> str:
    """The output format; parse_ics.mjs produces byte-identical text."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)


def parse_file(path: str):
    with open(path, "rb") as f:
        data = f.read()
    try:
        # Strict: a fold that splits a multi-byte character is an error.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IcsError(f"invalid UTF-8 at byte {exc.start}: {exc.reason}") from exc
    return convert(text)


def main(argv: list[str]) -> int:
    """One file: its JSON document. Several (one process for many feeds,
    which keeps the test suite fast): a JSON array of documents, in order."""
    if len(argv) < 2:
        print("usage: parse_ics.py FILE.ics [FILE.ics ...]", file=sys.stderr)
        return 1
    results = []
    for path in argv[1:]:
        try:
            results.append(parse_file(path))
        except Exception as exc:  # noqa: BLE001 - any failure must exit 1
            print(f"parse_ics.py: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(dump(results[0] if len(results) == 1 else results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
