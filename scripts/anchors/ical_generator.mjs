// Anchor: the same feeds as `coursecal build`, produced with ical-generator.
// usage: node ical_generator.mjs EVENTS.json OUT_DIR
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ical, { ICalCalendarMethod, ICalEventStatus, ICalEventTransparency } from 'ical-generator';

const STAMP = new Date(Date.UTC(2025, 0, 1));

function calendar(name, courses) {
  const cal = ical({ name, prodId: '//anchor//ical-generator//EN', method: ICalCalendarMethod.PUBLISH, ttl: 6 * 3600 });
  const several = courses.length > 1;
  for (const c of courses) {
    const prefix = several ? `[${c.id}] ` : '';
    for (const ev of c.events) {
      const label = { release: 'Available: ', due: 'Due: ' }[ev.kind] ?? '';
      const common = {
        id: `${ev.uid}@anchor`,
        stamp: STAMP,
        lastModified: STAMP,
        sequence: 0,
        summary: prefix + label + ev.name,
        description: `${ev.description}\n\n${c.title}`,
        categories: [{ name: ev.kind }],
        status: ICalEventStatus.CONFIRMED,
        url: `https://example.edu/${c.id}/`,
      };
      if (ev.date) {
        const start = new Date(`${ev.date}T00:00:00Z`);
        cal.createEvent({ ...common, start, end: new Date(start.getTime() + 86400000), allDay: true,
          transparency: ICalEventTransparency.TRANSPARENT });
      } else {
        const start = new Date(ev.start_utc);
        cal.createEvent({ ...common, start, end: new Date(start.getTime() + ev.minutes * 60000),
          transparency: ICalEventTransparency.OPAQUE });
      }
    }
  }
  return cal.toString();
}

const data = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = process.argv[3];
mkdirSync(join(out, 'courses'), { recursive: true });
for (const c of data) writeFileSync(join(out, 'courses', `${c.id}.ics`), calendar(c.title, [c]));
writeFileSync(join(out, 'calendar.ics'), calendar(`${data.length} courses`, data));
