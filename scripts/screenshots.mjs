#!/usr/bin/env node
// Screenshots of the course list and an agenda, desktop (1280 px) and
// phone (390 px) wide, into docs/screenshots/. The clock is set to
// 2017-10-15 so the shipped 2017 course shows past dates and "next up";
// the "Start on my own date" control is shot on today's clock; Google's
// "From URL" fallback on a desktop and on an Android phone.
//
//   cargo build && node scripts/screenshots.mjs [OUT_DIR]
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { ROOT, schedules, serve, browser } from '../tests/browser/lib.mjs';

const out = path.resolve(process.argv[2] || path.join(ROOT, 'docs/screenshots'));
mkdirSync(out, { recursive: true });
const { schedules: dir } = schedules();
const server = await serve(dir);
const b = await browser();
try {
  for (const [name, width, height] of [['desktop', 1280, 900], ['phone', 390, 844]]) {
    for (const scheme of ['light', 'dark']) {
      if (scheme === 'dark' && name === 'phone') continue;
      const context = await b.newContext({
        viewport: { width, height },
        deviceScaleFactor: name === 'phone' ? 2 : 1,
        timezoneId: 'Europe/Berlin',
        locale: 'en-GB',
        colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.clock.setFixedTime(new Date('2017-10-15T09:00:00Z'));
      const suffix = scheme === 'dark' ? '-dark' : '';
      await page.goto(server.url);
      await page.screenshot({ path: path.join(out, `index-${name}${suffix}.png`), fullPage: name === 'desktop' });
      await page.goto(server.url + 'courses/res-cms-154');
      if (name === 'phone') await page.evaluate(() => document.getElementById('dates-h').scrollIntoView());
      await page.screenshot({ path: path.join(out, `agenda-${name}${suffix}.png`), fullPage: name === 'desktop' });
      await context.close();
    }
  }
  // "Start on my own date", filled in, on today's clock (every 2017 date is
  // past, so the control stands out), and the agenda of that run.
  const context = await b.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(server.url + 'courses/res-cms-154?start=2026-12-01&alarm=1d');
  await page.locator('[data-personal-card]').screenshot({ path: path.join(out, 'own-dates-control.png') });
  await page.evaluate(() => document.getElementById('own-h').scrollIntoView());
  await page.screenshot({ path: path.join(out, 'own-dates-desktop.png') });
  await context.close();
  // Google's fallback: the subscribe card on a desktop, and an Android
  // phone after a tap on "Google Calendar" (the app cannot subscribe, so
  // the button leads to the web flow; the server sees the User-Agent).
  const desk = await b.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  const d = await desk.newPage();
  await d.goto(server.url + 'courses/res-cms-154');
  await d.locator('section:has(#sub-h)').screenshot({ path: path.join(out, 'google-fallback-desktop.png') });
  await desk.close();
  const phone = await b.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    reducedMotion: 'reduce', // jump to the fallback at once, not mid-scroll
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
  });
  const m = await phone.newPage();
  await m.goto(server.url + 'courses/res-cms-154');
  await m.locator('a[data-link="google"]').tap();
  await m.waitForURL(/#google-web-/);
  await m.screenshot({ path: path.join(out, 'google-fallback-phone.png') });
  await phone.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await b.close();
  server.stop();
}
