"""Read Atom feeds with feedparser; print what it understood as JSON.

Usage: parse_atom.py FILE  ->  {"bozo": bool, "error": str|null, "title": ...,
"entries": [{"id", "title", "updated", "content"}]}
"""
import json
import sys

import feedparser

d = feedparser.parse(sys.argv[1])
print(json.dumps({
    "bozo": bool(d.bozo),
    "error": str(d.get("bozo_exception")) if d.bozo else None,
    "title": d.feed.get("title"),
    "entries": [
        {
            "id": e.get("id"),
            "title": e.get("title"),
            "updated": e.get("updated"),
            "content": (e.get("content") or [{}])[0].get("value"),
        }
        for e in d.entries
    ],
}))
