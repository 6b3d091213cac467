#!/usr/bin/env node
// Independent iCalendar reader for coursecal's integration tests (JS side).
//
// Usage: node parse_ics.mjs FILE.ics
//
// Parses FILE.ics with ical.js (2.2.1) and prints one JSON document describing
// the calendar and its VEVENTs (see README.md for the exact contract, which
// parse_ics.py implements identically with Python's icalendar).
//
// TZID-qualified times are resolved ONLY through the VTIMEZONE components
// embedded in the file: every VTIMEZONE is registered with
// ICAL.TimezoneService (after removing its built-in UTC/Z/GMT entries), and a
// TZID that has no VTIMEZONE in the file is an error. There is no fallback to
// the host's zone or to any time zone database.
//
// Any problem -- unreadable file, invalid UTF-8, a parse error, a floating
// date-time, a TZID without a VTIMEZONE -- prints a message to stderr and
// exits with status 1.

import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

class IcsError extends Error {}

const textType = ICAL.design.icalendar.value.text;

// Decoded (unescaped) value of the first `name` property, or null. ical.js
// types NAME, X-WR-CALNAME and X-WR-TIMEZONE as "unknown" and keeps their
// raw, still-escaped text; those are unescaped here with ical.js's own TEXT
// decoder. Properties it already typed as text are decoded by the parser.
function text(component, name) {
  const prop = component.getFirstProperty(name);
  if (!prop) return null;
  const value = prop.getFirstValue();
  if (value === null || value === undefined) return null;
  if (prop.type === 'unknown') return textType.fromICAL(String(value));
  return String(value);
}

function plain(component, name) {
  const prop = component.getFirstProperty(name);
  if (!prop) return null;
  const value = prop.getFirstValue();
  return value === null || value === undefined ? null : String(value);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

function timeValue(event, name, uid, tzids) {
  const prop = event.getFirstProperty(name);
  if (!prop) return null;
  const tzid = prop.getParameter('tzid');
  if (tzid !== undefined && tzid !== null && !tzids.has(tzid)) {
    throw new IcsError(
      `event ${JSON.stringify(uid)}: ${name.toUpperCase()} uses TZID=${tzid} ` +
        'but the file has no VTIMEZONE with that TZID');
  }
  if (prop.type !== 'date' && prop.type !== 'date-time') {
    throw new IcsError(
      `event ${JSON.stringify(uid)}: ${name.toUpperCase()} has value type ${prop.type}`);
  }
  const t = prop.getFirstValue();
  if (t.isDate) {
    return { date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}` };
  }
  const zone = t.zone;
  const resolved =
    zone === ICAL.Timezone.utcTimezone ||
    (tzid && zone instanceof ICAL.Timezone && zone !== ICAL.Timezone.localTimezone &&
      zone.tzid === tzid && zone.component);
  if (!resolved) {
    throw new IcsError(
      `event ${JSON.stringify(uid)}: ${name.toUpperCase()} is a floating date-time ` +
        `(${prop.toICALString()}): no 'Z' suffix and no resolvable TZID`);
  }
  const u = t.convertToZone(ICAL.Timezone.utcTimezone);
  const viaZone =
    `${pad(u.year, 4)}-${pad(u.month)}-${pad(u.day)}T` +
    `${pad(u.hour)}:${pad(u.minute)}:${pad(u.second)}Z`;
  const viaUnix = new Date(t.toUnixTime() * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (viaZone !== viaUnix) {
    throw new IcsError(
      `event ${JSON.stringify(uid)}: ${name.toUpperCase()}: ical.js disagrees with ` +
        `itself (convertToZone ${viaZone}, toUnixTime ${viaUnix})`);
  }
  return { utc: viaZone };
}

function categories(event) {
  return event.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
}

function sequence(event) {
  const prop = event.getFirstProperty('sequence');
  if (!prop) return null;
  const value = prop.getFirstValue();
  if (!Number.isInteger(value)) {
    throw new IcsError(`SEQUENCE is not an integer: ${value}`);
  }
  return value;
}

// Raw REFRESH-INTERVAL as written (ical.js's parser keeps a DURATION's text
// in the jCal; Duration#toString would re-serialise it, e.g. P1W -> P7D).
function refresh(cal) {
  const prop = cal.getFirstProperty('refresh-interval');
  if (!prop) return null;
  const raw = String(prop.toJSON()[3]);
  ICAL.Duration.fromString(raw); // validate; throws on a malformed value
  return raw;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort(codePointCompare)) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

// The output format; parse_ics.py produces byte-identical text.
const dump = (value) => JSON.stringify(sortKeys(value), null, 2);

// Compare strings by Unicode code point, as Python does (JS's default
// compares UTF-16 code units, which orders astral characters differently).
function codePointCompare(a, b) {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0) - y.value.codePointAt(0);
    if (d !== 0) return d;
  }
}

function convert(source) {
  const jcal = ICAL.parse(source);
  if (!Array.isArray(jcal) || jcal[0] !== 'vcalendar') {
    throw new IcsError('expected exactly one VCALENDAR');
  }
  const cal = new ICAL.Component(jcal);

  // Only the file's own VTIMEZONEs: drop the service's built-in UTC/Z/GMT.
  ICAL.TimezoneService.reset();
  for (const id of ['Z', 'UTC', 'GMT']) ICAL.TimezoneService.remove(id);
  const tzids = new Set();
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    const tzid = vtz.getFirstPropertyValue('tzid');
    if (!tzid) throw new IcsError('a VTIMEZONE has no TZID');
    tzids.add(tzid);
    ICAL.TimezoneService.register(vtz);
  }

  const events = cal.getAllSubcomponents('vevent').map((ev) => {
    const uid = plain(ev, 'uid');
    if (uid === null) throw new IcsError('a VEVENT has no UID');
    const start = timeValue(ev, 'dtstart', uid, tzids);
    if (start === null) throw new IcsError(`event ${JSON.stringify(uid)}: no DTSTART`);
    const alarms = ev.getAllSubcomponents('valarm').map((a) => ({
      action: plain(a, 'action'),
      trigger_seconds: a.getFirstPropertyValue('trigger').toSeconds(),
      description: text(a, 'description'),
    })).sort((x, y) => x.trigger_seconds - y.trigger_seconds);
    return {
      ...(alarms.length ? { alarms } : {}),
      uid,
      summary: text(ev, 'summary'),
      description: text(ev, 'description'),
      location: text(ev, 'location'),
      url: plain(ev, 'url'),
      status: plain(ev, 'status'),
      categories: categories(ev),
      sequence: sequence(ev),
      transp: plain(ev, 'transp'),
      start,
      // Read DTEND itself: ICAL.Event#endDate would synthesise one from
      // DURATION or DTSTART, but a missing DTEND must come out as null.
      end: timeValue(ev, 'dtend', uid, tzids),
    };
  });
  events.sort((a, b) => codePointCompare(a.uid, b.uid) || codePointCompare(dump(a), dump(b)));

  let name = text(cal, 'name');
  if (name === null) name = text(cal, 'x-wr-calname');
  return {
    calendar: { name, timezone: text(cal, 'x-wr-timezone'), refresh: refresh(cal) },
    events,
  };
}

function parseFile(path) {
  const bytes = readFileSync(path);
  let source;
  try {
    // Strict: a fold that splits a multi-byte character is an error.
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new IcsError('invalid UTF-8');
  }
  return convert(source);
}

// One file: its JSON document. Several (one process for many feeds, which
// keeps the test suite fast): a JSON array of documents, in order.
function main(argv) {
  if (argv.length < 1) {
    process.stderr.write('usage: parse_ics.mjs FILE.ics [FILE.ics ...]\n');
    return 1;
  }
  const results = [];
  for (const path of argv) {
    try {
      results.push(parseFile(path));
    } catch (err) {
      const kind = err instanceof IcsError ? 'IcsError' : (err && err.name) || 'Error';
      process.stderr.write(`parse_ics.mjs: ${path}: ${kind}: ${err && err.message}\n`);
      return 1;
    }
  }
  process.stdout.write(dump(results.length === 1 ? results[0] : results) + '\n');
  return 0;
}

process.exitCode = main(process.argv.slice(2));
