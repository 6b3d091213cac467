#!/usr/bin/env node
// axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the five pages, light and
// dark, against `coursecal serve` of the shipped schedules: one line per
// page and mode with the number of failing nodes. The browser tests assert
// zero; this prints the numbers (use COURSECAL_BIN for another build).
//
//   cargo build && node scripts/axe-report.mjs [--clock 2017-10-15T12:00:00Z] [--details]
import { schedules, serve, browser, axe, A11Y_PAGES } from '../tests/browser/lib.mjs';

const args = process.argv.slice(2);
const clock = args.includes('--clock') ? args[args.indexOf('--clock') + 1] : null;
const details = args.includes('--details');
const { schedules: dir } = schedules();
const server = await serve(dir);
const b = await browser();
let total = 0;
try {
  for (const scheme of ['light', 'dark']) {
    for (const [name, target] of Object.entries(A11Y_PAGES)) {
      const context = await b.newContext({ colorScheme: scheme, timezoneId: 'UTC', locale: 'en-GB' });
      const page = await context.newPage();
      if (clock) await page.clock.setFixedTime(new Date(clock));
      await page.goto(server.url + target);
      const v = await axe(page);
      const nodes = v.reduce((n, x) => n + x.nodes.length, 0);
      total += nodes;
      console.log(`${scheme}\t${name}\t${nodes} nodes\t${v.map((x) => `${x.id}:${x.nodes.length}`).join(' ')}`);
      if (details) for (const x of v) for (const n of x.nodes.slice(0, 5)) console.log(`    ${x.id} ${n}`);
      await context.close();
    }
  }
} finally {
  await b.close();
  server.stop();
}
process.exitCode = total ? 1 : 0;
