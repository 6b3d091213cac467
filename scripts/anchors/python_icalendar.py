"""Anchor: the same feeds as `coursecal build`, produced with Python icalendar.

usage: python_icalendar.py EVENTS.json OUT_DIR [--per-course-only]
Writes OUT_DIR/courses/<id>.ics (one per course) and OUT_DIR/calendar.ics;
with --per-course-only, only the per-course feeds (no merged calendar).
This is how a team would typically produce feeds without coursecal.
"""
import json
import os
import sys
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar, Event

STAMP = datetime(2025, 1, 1, tzinfo=timezone.utc)


def event(course, ev, prefix):
    e = Event()
    e.add("uid", ev["uid"] + "@anchor")
    e.add("dtstamp", STAMP)
    e.add("last-modified", STAMP)
    e.add("sequence", 0)
    if "date" in ev:
        d = date.fromisoformat(ev["date"])
        e.add("dtstart", d)
        e.add("dtend", d + timedelta(days=1))
        e.add("transp", "TRANSPARENT")
    else:
        start = datetime.fromisoformat(ev["start_utc"].replace("Z", "+00:00"))
        e.add("dtstart", start)
        e.add("dtend", start + timedelta(minutes=ev["minutes"]))
        e.add("transp", "OPAQUE")
    label = {"release": "Available: ", "due": "Due: "}.get(ev["kind"], "")
    e.add("summary", prefix + label + ev["name"])
    e.add("description", ev["description"] + "\n\n" + course["title"])
    e.add("categories", [ev["kind"]])
    e.add("status", "CONFIRMED")
    e.add("url", "https://example.edu/" + course["id"] + "/")
    return e


def calendar(name, courses):
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//anchor//python icalendar//EN")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    several = len(courses) > 1
    for c in courses:
        prefix = "[" + c["id"] + "] " if several else ""
        for ev in c["events"]:
            cal.add_component(event(c, ev, prefix))
    return cal.to_ical()


def main():
    args = [a for a in sys.argv[1:] if a != "--per-course-only"]
    merged = len(args) == len(sys.argv) - 1
    data = json.load(open(args[0], encoding="utf-8"))
    out = args[1]
    os.makedirs(os.path.join(out, "courses"), exist_ok=True)
    for c in data:
        with open(os.path.join(out, "courses", c["id"] + ".ics"), "wb") as f:
            f.write(calendar(c["title"], [c]))
    if merged:
        with open(os.path.join(out, "calendar.ics"), "wb") as f:
            f.write(calendar("%d courses" % len(data), data))


if __name__ == "__main__":
    main()
