// Browser tests of coursecal's pages in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core). scripts/test.sh runs them
// after `cargo test` has built target/debug/coursecal:
//
//   node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, schedules, serve, run, httpServer, browser, axe, A11Y_PAGES, tempDir } from './lib.mjs';

const HERE = path.join(ROOT, 'tests/browser');
const XSS = readFileSync(path.join(HERE, 'xss-101.yaml'), 'utf8');
const XSS_TITLE = `<script>window.__xss=1</script> Tom & Jerry's "Quotes" <img src=x onerror=window.__xss=2>`;
const COURSES = {
  'res-cms-154': 'Launching Innovation in Schools',
  'res-cms-155': 'Design Thinking for Leading and Learning',
  'xss-101': XSS_TITLE,
};
const ALL_NAME = 'RES.CMS-154 + RES.CMS-155 + X&Y<b>1</b>';
const KINDS = ['release', 'due', 'live', 'milestone'];

let server;
let b;
before(async () => {
  const { schedules: dir } = schedules({ 'xss-101.yaml': XSS });
  server = await serve(dir);
  b = await browser();
});
after(async () => {
  await b?.close();
  server?.stop();
});

async function page(opts = {}) {
  const context = await b.newContext({ timezoneId: 'UTC', locale: 'en-GB', ...opts });
  const p = await context.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(String(e)));
  p.on('dialog', (d) => { p.errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  return p;
}

/// The exact links of one subscribe block, as the issue specifies them.
function expected(feedUrl, name, { tz, kinds } = {}) {
  const parts = [];
  if (tz) parts.push(`tz=${tz}`);
  if (kinds) parts.push(`kinds=${kinds.join(',')}`);
  const q = parts.length ? `?${parts.join('&')}` : '';
  const feed = feedUrl + q;
  const webcal = feed.replace(/^https?:\/\//, 'webcal://');
  const enc = encodeURIComponent;
  return {
    feed,
    webcal,
    google: `https://calendar.google.com/calendar/render?cid=${enc(feed)}`,
    googleWeb: 'https://calendar.google.com/calendar/r/settings/addbyurl',
    outlook: `https://outlook.live.com/calendar/0/addfromweb?url=${enc(feed)}&name=${enc(name)}`,
    office: `https://outlook.office.com/calendar/0/addfromweb?url=${enc(feed)}&name=${enc(name)}`,
    download: feedUrl + (parts.length ? `${q}&download=1` : '?download=1'),
  };
}

/// The links each subscribe block shows, resolved to absolute URLs.
async function blocks(p) {
  return p.$$eval('[data-subscribe]', (els) => els.map((el) => {
    // Absolute links as written (a.href would re-encode `'`), relative ones resolved.
    const link = (k) => {
      const raw = el.querySelector(`a[data-link="${k}"]`)?.getAttribute('href');
      return raw && (/^[a-z]+:/.test(raw) ? raw : new URL(raw, location.href).href);
    };
    return {
      feedAttr: el.dataset.feed,
      feed: el.querySelector('input[data-link="feed"]')?.value,
      webcal: link('webcal'),
      google: link('google'),
      googleWeb: link('google-web'),
      outlook: link('outlook'),
      office: link('office'),
      download: link('download'),
      qr: el.querySelector('img[data-qr]')?.src,
    };
  }));
}

function checkBlocks(list, opts) {
  const base = server.url;
  const want = [
    [`${base}calendar.ics`, ALL_NAME],
    ...Object.entries(COURSES).map(([id, title]) => [`${base}courses/${id}.ics`, title]),
  ];
  assert.equal(list.length, want.length);
  list.forEach((got, i) => {
    const [feedUrl, name] = want[i];
    const e = expected(feedUrl, name, opts);
    for (const k of ['feed', 'webcal', 'google', 'googleWeb', 'outlook', 'office', 'download']) {
      assert.equal(got[k], e[k], `${feedUrl}: ${k}`);
    }
    const qrPath = i === 0 ? 'qr.svg' : `courses/${Object.keys(COURSES)[i - 1]}/qr.svg`;
    assert.equal(got.qr, base + qrPath + e.feed.slice(feedUrl.length), `${feedUrl}: qr`);
  });
}

test('the index lists the shipped courses with their course pages and counts', async () => {
  const p = await page();
  const resp = await p.goto(server.url);
  assert.equal(resp.status(), 200);
  const csp = resp.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const cards = await p.$$eval('li.course', (els) => els.map((el) => ({
    title: el.querySelector('h3').textContent,
    page: el.querySelector('h3 a').getAttribute('href'),
    ocw: el.querySelector('a.external')?.href,
    count: el.querySelector('[data-upcoming]').textContent,
  })));
  assert.deepEqual(cards.map((c) => c.title), Object.values(COURSES));
  assert.equal(cards[0].page, './courses/res-cms-154');
  assert.equal(cards[0].ocw, 'https://ocw.mit.edu/courses/res-cms-154-launching-innovation-in-schools-spring-2019/');
  assert.equal(cards[1].ocw, 'https://ocw.mit.edu/courses/res-cms-155-design-thinking-for-leading-and-learning-spring-2019/');
  assert.equal(cards[0].count, '0 upcoming · 20 dates');
  assert.equal(cards[1].count, '0 upcoming · 0 dates');
  await p.context().close();
});

test('every subscribe link has the exact form, for each course and for all', async () => {
  const p = await page();
  await p.goto(server.url);
  // The browser's zone is UTC: links carry no tz=, no kinds= (defaults).
  assert.equal(await p.inputValue('#tz'), 'UTC');
  checkBlocks(await blocks(p));
  // Without JavaScript the server writes the same links.
  const nojs = await page({ javaScriptEnabled: false });
  await nojs.goto(server.url);
  checkBlocks(await blocks(nojs));
  // The course page's block equals the index's.
  await p.goto(server.url + 'courses/res-cms-154');
  const [one] = await blocks(p);
  const e = expected(`${server.url}courses/res-cms-154.ics`, COURSES['res-cms-154']);
  for (const k of ['feed', 'webcal', 'google', 'googleWeb', 'outlook', 'office', 'download']) assert.equal(one[k], e[k], k);
  assert.deepEqual(p.errors, []);
  await p.context().close();
  await nojs.context().close();
});

test('choosing Asia/Kolkata and unchecking due dates rewrites every link', async () => {
  const p = await page();
  await p.goto(server.url);
  await p.selectOption('#tz', 'Asia/Kolkata');
  checkBlocks(await blocks(p), { tz: 'Asia/Kolkata' });
  await p.getByLabel('Suggested due dates').uncheck();
  checkBlocks(await blocks(p), { tz: 'Asia/Kolkata', kinds: ['release', 'live', 'milestone'] });
  // Back to UTC: tz= disappears, kinds= stays.
  await p.selectOption('#tz', 'UTC');
  checkBlocks(await blocks(p), { kinds: ['release', 'live', 'milestone'] });
  // The last kind cannot be unchecked: a feed needs one.
  for (const label of ['Unit releases', 'Live events']) await p.getByLabel(label).uncheck();
  await p.getByLabel('Milestones').click();
  assert.equal(await p.getByLabel('Milestones').isChecked(), true);
  checkBlocks(await blocks(p), { kinds: ['milestone'] });
  for (const label of ['Unit releases', 'Live events']) await p.getByLabel(label).check();
  // The choice is remembered on the course page, whose event links follow.
  await p.getByLabel('Suggested due dates').check();
  await p.selectOption('#tz', 'Asia/Kolkata');
  await p.goto(server.url + 'courses/res-cms-154');
  assert.equal(await p.inputValue('#tz'), 'Asia/Kolkata');
  const events = await p.$$eval('a[data-event]', (as) => as.map((a) => a.href));
  assert.equal(events.length, 20);
  for (const href of events) assert.match(href, /\/courses\/res-cms-154\/events\/res-cms-154\.[a-z]+\.[a-z0-9.-]+@coursecal\.ics\?tz=Asia\/Kolkata$/);
  // Feeds behind the links exist, in that zone.
  const r = await p.request.get(events[0]);
  assert.equal(r.status(), 200);
  assert.match(r.headers()['content-type'], /^text\/calendar/);
  assert.equal((await r.text()).match(/BEGIN:VEVENT/g).length, 1);
  const sub = await blocks(p);
  const feed = await p.request.get(sub[0].feed);
  assert.match(await feed.text(), /X-WR-TIMEZONE:Asia\/Kolkata/);
  assert.doesNotMatch(await feed.text(), /CATEGORIES:Suggested/);
  await p.context().close();
});

async function welcome(p) {
  return p.$eval('li.ev[data-start="2017-09-29T18:00:00Z"]', (li) => ({
    day: li.querySelector('.d').textContent,
    time: li.querySelector('.t').textContent,
    title: li.querySelector('time').title,
    name: li.querySelector('.name').textContent,
    week: li.closest('section.week').querySelector('h3').textContent,
  }));
}

test('the agenda shows the Welcome Live Event at 18:00 UTC and 23:30 in Asia/Kolkata', async () => {
  const p = await page();
  await p.goto(server.url + 'courses/res-cms-154');
  let w = await welcome(p);
  assert.equal(w.name, 'Welcome Live Event with Course Staff');
  assert.equal(w.time, '18:00–19:00');
  assert.equal(w.day, 'Fri 29 Sep');
  assert.equal(w.title, '2017-09-29 18:00–19:00 UTC');
  await p.selectOption('#tz', 'Asia/Kolkata');
  w = await welcome(p);
  assert.equal(w.time, '23:30–00:30');
  assert.equal(w.title, '2017-09-29 18:00–19:00 UTC', 'hover shows UTC');
  assert.equal(await p.textContent('[data-zone-label]'), 'Asia/Kolkata');
  // Regrouped by week in the new zone; every date still there, in order.
  assert.equal(await p.locator('li.ev').count(), 20);
  // Pacific/Kiritimati (UTC+14) moves the event to the next day.
  await p.selectOption('#tz', 'Pacific/Kiritimati');
  w = await welcome(p);
  assert.equal(w.day, 'Sat 30 Sep');
  assert.equal(w.time, '08:00–09:00');
  await p.context().close();

  // A browser in India (Chromium reports the alias Asia/Calcutta).
  const india = await page({ timezoneId: 'Asia/Kolkata' });
  await india.goto(server.url + 'courses/res-cms-154');
  assert.match(await india.inputValue('#tz'), /^Asia\/(Calcutta|Kolkata)$/);
  assert.equal((await welcome(india)).time, '23:30–00:30');
  const [block] = await blocks(india);
  assert.match(block.webcal, /\?tz=Asia\/(Calcutta|Kolkata)$/);
  assert.equal((await india.request.get(block.feed)).status(), 200);
  await india.context().close();

  // Without JavaScript: the server renders the course zone (UTC), or ?tz=.
  const nojs = await page({ javaScriptEnabled: false, timezoneId: 'Asia/Kolkata' });
  await nojs.goto(server.url + 'courses/res-cms-154');
  assert.equal((await welcome(nojs)).time, '18:00–19:00');
  await nojs.goto(server.url + 'courses/res-cms-154?tz=Asia/Kolkata&kinds=live&kinds=milestone');
  assert.equal((await welcome(nojs)).time, '23:30–00:30');
  assert.equal(await nojs.locator('li.ev').count(), 6);
  const [b2] = await blocks(nojs);
  assert.equal(b2.webcal, `${server.url.replace('http://', 'webcal://')}courses/res-cms-154.ics?tz=Asia/Kolkata&kinds=live,milestone`);
  await nojs.context().close();
});

test('past dates are dimmed and the next one highlighted', async () => {
  const p = await page();
  await p.clock.setFixedTime(new Date('2017-10-15T12:00:00Z'));
  await p.goto(server.url + 'courses/res-cms-154');
  assert.equal(await p.locator('li.ev.past').count(), 6);
  assert.equal(await p.locator('li.ev.next').count(), 1);
  assert.equal(await p.textContent('li.ev.next .name'), 'Live Event: Unhangout');
  assert.equal(await p.isVisible('li.ev.next .next-badge'), true);
  await p.goto(server.url);
  assert.equal(await p.textContent('li.course [data-upcoming]'), '14 upcoming · 20 dates');
  await p.context().close();
});

test('the widget loads inside an iframe of another origin; other pages refuse to', async () => {
  const embed = `${server.url}courses/res-cms-154/embed`;
  const host = await httpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><title>Host</title><h1>Another site</h1>
      <iframe id="w" src="${embed}" title="dates" width="600" height="500"></iframe>
      <iframe id="page" src="${server.url}courses/res-cms-154" title="page" width="600" height="200"></iframe>`);
  });
  try {
    assert.notEqual(new URL(host.url).origin, new URL(server.url).origin);
    const p = await page();
    const r = await p.request.get(embed);
    assert.match(r.headers()['content-security-policy'], /frame-ancestors \*/);
    assert.equal(r.headers()['x-frame-options'], undefined);
    await p.goto(host.url);
    const frame = p.frameLocator('#w');
    await frame.locator('li.ev').first().waitFor();
    assert.equal(await frame.locator('li.ev').count(), 20);
    assert.equal(await frame.locator('h1').textContent(), 'Launching Innovation in Schools');
    assert.equal(
      await frame.locator('li.ev[data-start="2017-09-29T18:00:00Z"] .t').textContent(),
      '18:00–19:00',
    );
    const sub = await frame.locator('a[data-link="webcal"]').getAttribute('href');
    assert.equal(sub, `${server.url.replace('http://', 'webcal://')}courses/res-cms-154.ics`);
    // The full page is not frameable (frame-ancestors 'none').
    const blocked = await (await p.$('#page')).contentFrame();
    const shown = blocked ? await blocked.locator('section.agenda').count().catch(() => 0) : 0;
    assert.equal(shown, 0);
    // ?tz= works for the widget too.
    await p.goto(`${embed}?tz=Asia/Kolkata`);
    assert.equal(await p.textContent('li.ev[data-start="2017-09-29T18:00:00Z"] .t'), '23:30–00:30');
    assert.deepEqual(p.errors, []);
    await p.context().close();
  } finally {
    await host.close();
  }
});

test('text from schedule files is escaped everywhere; no script runs', async () => {
  const p = await page();
  const scripts = [];
  p.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
  for (const target of ['', 'courses/xss-101', 'courses/xss-101/embed', 'courses/xss-101?tz=Asia/Kolkata']) {
    const resp = await p.goto(server.url + target);
    assert.equal(resp.status(), 200, target);
    assert.match(resp.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/);
    assert.equal(await p.evaluate(() => window.__xss), undefined, target);
    assert.equal(await p.locator('script').count(), 1, target);
    assert.equal(await p.locator('main img[src="x"], main svg, main iframe, main i, main b').count(), 0, target);
  }
  await p.goto(server.url + 'courses/xss-101');
  assert.equal(await p.textContent('h1'), XSS_TITLE);
  assert.equal(await p.textContent('.number'), 'X&Y<b>1</b>');
  assert.equal(await p.textContent('.desc'), 'Desc with <i>tags</i> & "quotes"');
  const evil = p.locator('li.ev[data-kind="live"]');
  assert.equal(await evil.locator('.name').textContent(), `</script><script>window.__xss=4</script> "'&amp; done`);
  assert.equal(await evil.locator('.name a').getAttribute('href'), "https://example.edu/e?x=1&y='2'");
  assert.equal(await p.textContent('li.ev[data-kind="milestone"] .name'), '<svg onload=window.__xss=5>');
  // In attributes and links, too: the Outlook name is the title, encoded.
  const [block] = await blocks(p);
  assert.equal(block.outlook, expected(`${server.url}courses/xss-101.ics`, XSS_TITLE).outlook);
  assert.equal(await p.getAttribute('[data-subscribe]', 'data-name'), XSS_TITLE);
  assert.match(await p.inputValue('#embed-code'), /title="X&amp;Y&lt;b>1&lt;\/b> dates"/);
  assert.ok(scripts.every((u) => u.startsWith(server.url + 'assets/site.js')), scripts.join());
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

/// Serve `dir` with `python3 -m http.server`: a plain static file server.
function staticServer(dir) {
  const python = process.env.COURSECAL_PYTHON || 'python3';
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/port (\d+)/);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}/`, stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`http.server exited ${code}`)));
  });
}

/// Every same-origin link, stylesheet, script and image of the page loads.
async function checkLinks(p, origin) {
  const urls = await p.$$eval('a[href], link[href], script[src], img[src]', (els) => els.map((e) => e.href || e.src));
  const local = [...new Set(urls.filter((u) => u.startsWith(origin)).map((u) => u.split('#')[0]))];
  for (const u of local) {
    const r = await p.request.get(u);
    assert.equal(r.status(), 200, u);
  }
  return local;
}

test('the static export opens from a plain static file server', async () => {
  const dir = tempDir('coursecal-static-');
  const { schedules: sched } = schedules({ 'xss-101.yaml': XSS });
  const st = await staticServer(dir);
  try {
    // Hosted below a path, to prove every link is relative.
    const base = `${st.url}site/`;
    await run(['build', '--schedules', sched, '--out', path.join(dir, 'site'), '--base-url', base]);
    const p = await page();
    await p.clock.setFixedTime(new Date('2017-10-15T12:00:00Z'));
    const failed = [];
    p.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
    await p.goto(base);
    const titles = await p.$$eval('li.course h3', (els) => els.map((e) => e.textContent));
    assert.deepEqual(titles, Object.values(COURSES));
    assert.equal(await p.textContent('li.course [data-upcoming]'), '14 upcoming · 20 dates');
    // Static feeds are single files: links carry no query, and there are no kind boxes.
    const list = await blocks(p);
    assert.equal(list[1].webcal, `${base.replace('http://', 'webcal://')}courses/res-cms-154.ics`);
    assert.equal(list[1].google, `https://calendar.google.com/calendar/render?cid=${encodeURIComponent(`${base}courses/res-cms-154.ics`)}`);
    assert.equal(list[1].download, `${base}courses/res-cms-154.ics`);
    assert.equal(await p.locator('input[name="kinds"]').count(), 0);
    const linked = await checkLinks(p, st.url);
    assert.ok(linked.includes(`${base}calendar.ics`));
    const feed = await p.request.get(list[1].download);
    assert.match(await feed.text(), /^BEGIN:VCALENDAR\r\n/);
    assert.equal((await p.request.get(list[1].qr)).headers()['content-type'], 'image/svg+xml');

    await p.click('li.course h3 a >> nth=0');
    await p.waitForURL(`${base}courses/res-cms-154/`);
    assert.equal(await p.textContent('h1'), 'Launching Innovation in Schools');
    assert.equal((await welcome(p)).time, '18:00–19:00');
    await p.selectOption('#tz', 'Asia/Kolkata');
    assert.equal((await welcome(p)).time, '23:30–00:30');
    assert.equal(await p.textContent('li.ev.next .name'), 'Live Event: Unhangout');
    const events = await p.$$eval('a[data-event]', (as) => as.map((a) => a.href));
    assert.equal(events.length, 20);
    for (const e of events.slice(0, 3)) {
      const r = await p.request.get(e);
      assert.equal(r.status(), 200, e);
      assert.match(await r.text(), /BEGIN:VEVENT/);
    }
    await checkLinks(p, st.url);
    assert.match(await p.inputValue('#embed-code'), new RegExp(`src="${base}courses/res-cms-154/embed/"`));
    await p.goto(`${base}courses/res-cms-154/embed/`);
    assert.equal(await p.locator('li.ev').count(), 20);
    await checkLinks(p, st.url);
    await p.goto(`${base}courses/xss-101/`);
    assert.equal(await p.evaluate(() => window.__xss), undefined);
    assert.deepEqual(failed, []);
    assert.deepEqual(p.errors, []);
    await p.context().close();

    // Built without --base-url: the script makes links absolute from the location.
    await run(['build', '--schedules', sched, '--out', path.join(dir, 'rel')]);
    const q = await page();
    await q.goto(`${st.url}rel/courses/res-cms-154/`);
    const [blk] = await blocks(q);
    assert.equal(blk.webcal, `${st.url.replace('http://', 'webcal://')}rel/courses/res-cms-154.ics`);
    assert.equal(blk.qr, undefined, 'no QR code without an absolute URL');
    await q.context().close();
  } finally {
    st.stop();
  }
});

test('starting on my own date with a reminder rewrites every link and the agenda', async () => {
  const check = async (p) => {
    // Unit 1 released 9 days after Unit 0, so on 2026-12-10.
    const days = await p.$$eval('li.ev[data-kind="release"] .d', (ds) => ds.map((d) => d.textContent));
    assert.ok(days.includes('Thu 10 Dec'), days.join(', '));
    assert.equal(await p.locator('li.ev[data-kind="live"]').count(), 0, 'live events left out');
    assert.match(await p.textContent('#past-h'), /Past live sessions/);
    const [block] = await blocks(p);
    const q = 'start=2026-12-01&alarm=1d';
    assert.equal(block.feed, `${server.url}courses/res-cms-154.ics?${q}`);
    assert.equal(block.webcal, `${server.url.replace('http://', 'webcal://')}courses/res-cms-154.ics?${q}`);
    assert.equal(block.download, `${server.url}courses/res-cms-154.ics?${q}&download=1`);
    assert.equal(block.qr, `${server.url}courses/res-cms-154/qr.svg?${q}`);
    const events = await p.$$eval('a[data-event]', (as) => as.map((a) => a.href));
    assert.equal(events.length, 16);
    for (const href of events) assert.match(href, /\.s20261201@coursecal\.ics\?start=2026-12-01&alarm=1d$/);
    const one = await p.request.get(events[0]);
    assert.equal(one.status(), 200);
    assert.match(await one.text(), /TRIGGER:-P1D/);
    const feed = await (await p.request.get(block.feed)).text();
    assert.match(feed, /DTSTART;VALUE=DATE:20261210\r\n/);
    assert.equal(feed.match(/BEGIN:VALARM/g).length, 16);
  };
  for (const javaScriptEnabled of [true, false]) {
    const p = await page({ javaScriptEnabled });
    await p.goto(server.url + 'courses/res-cms-154');
    // Every 2017 date is past: the control stands out.
    assert.match(await p.getAttribute('[data-personal-card]', 'class'), /prominent/);
    if (javaScriptEnabled) {
      // The date field starts at today in the reader's zone.
      assert.match(await p.inputValue('#start'), /^\d{4}-\d{2}-\d{2}$/);
    }
    await p.fill('#start', '2026-12-01');
    await p.selectOption('#alarm', '1d');
    await Promise.all([p.waitForNavigation(), p.click('form[data-personal] button[type="submit"]')]);
    assert.match(p.url(), /start=2026-12-01/);
    await check(p);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
});

test('every page is valid HTML (Nu Html Checker)', async () => {
  const dir = tempDir('coursecal-vnu-');
  const files = [];
  const targets = ['', 'courses/res-cms-154?tz=Asia/Kolkata&kinds=due', 'courses/res-cms-154?start=2026-12-01&pace=2&alarm=1h,1d'];
  for (const id of Object.keys(COURSES)) targets.push(`courses/${id}`, `courses/${id}/embed`);
  for (const [i, t] of targets.entries()) {
    const r = await fetch(server.url + t);
    assert.equal(r.status, 200, t);
    const f = path.join(dir, `served-${i}.html`);
    writeFileSync(f, await r.text());
    files.push(f);
  }
  const { schedules: sched } = schedules({ 'xss-101.yaml': XSS });
  const out = path.join(dir, 'site');
  await run(['build', '--schedules', sched, '--out', out]);
  files.push(path.join(out, 'index.html'));
  for (const id of Object.keys(COURSES)) {
    files.push(path.join(out, 'courses', id, 'index.html'), path.join(out, 'courses', id, 'embed', 'index.html'));
  }
  files.push(path.join(ROOT, 'examples/course-page.html'));
  const jar = path.join(HERE, 'node_modules/vnu-jar/build/dist/vnu.jar');
  const r = spawnSync('java', ['-jar', jar, '--errors-only', '--format', 'text', ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, `vnu found errors:\n${r.stdout}${r.stderr}`);
});

// WCAG 2.2 AA as far as a machine can tell: axe-core's WCAG 2.0/2.1/2.2
// A and AA rules on the five pages, light and dark, on today's clock (every
// 2017 date past) and on 2017-10-15 (past, next and upcoming dates).
test('axe-core finds no WCAG 2.2 A/AA violation on any page, light or dark', async () => {
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const clock of [null, '2017-10-15T12:00:00Z']) {
      for (const [name, target] of Object.entries(A11Y_PAGES)) {
        const p = await page({ colorScheme });
        if (clock) await p.clock.setFixedTime(new Date(clock));
        await p.goto(server.url + target);
        for (const v of await axe(p)) {
          found.push(`${colorScheme} ${clock || 'today'} ${name}: ${v.id} (${v.help}) on ${v.nodes.length} nodes, e.g. ${v.nodes[0]}`);
        }
        assert.deepEqual(p.errors, []);
        await p.context().close();
      }
    }
  }
  assert.deepEqual(found, []);
});

test('Tab reaches every visible control in order, each named, with a visible focus', async () => {
  for (const [name, target] of Object.entries(A11Y_PAGES)) {
    for (const colorScheme of ['light', 'dark']) {
      const p = await page({ colorScheme });
      await p.goto(server.url + target);
      await axe(p); // for its accessible-name computation
      // Visible, focusable controls in document order.
      const want = await p.evaluate(() => {
        const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
        return [...document.querySelectorAll(sel)]
          .filter((el) => !el.disabled && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
          .filter((el) => el.tagName === 'SUMMARY' || !el.closest('details:not([open])'))
          .map((el, i) => { el.dataset.tabIndexTest = String(i); return i; });
      });
      assert.ok(want.length > 3, `${name}: ${want.length} controls`);
      const got = [];
      for (let i = 0; i <= want.length + 4; i++) {
        await p.keyboard.press('Tab');
        const f = await p.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          window.axe.setup(document);
          const label = window.axe.commons.text.accessibleText(el).trim();
          window.axe.teardown();
          const cs = getComputedStyle(el);
          const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
          return { i: el.dataset.tabIndexTest, tag: el.tagName, label, ring };
        });
        if (!f) break;
        // A date field takes one Tab per part (day, month, year).
        if (got.at(-1)?.i !== f.i) got.push(f);
      }
      assert.deepEqual(got.map((f) => Number(f.i)), want, `${name} (${colorScheme}): tab order`);
      for (const f of got) {
        assert.notEqual(f.label, '', `${name}: a ${f.tag} without an accessible name`);
        assert.ok(f.ring, `${name} (${colorScheme}): no visible focus on ${f.tag} "${f.label}"`);
      }
      await p.context().close();
    }
  }
});

test('agenda items name their kind in text next to a <time> with the zone; the next one is aria-current', async () => {
  const p = await page();
  await p.clock.setFixedTime(new Date('2017-10-15T12:00:00Z'));
  await p.goto(server.url + 'courses/res-cms-154');
  const words = { release: 'Available', due: 'Due', live: 'Live session', milestone: 'Milestone' };
  const items = await p.$$eval('li.ev', (lis) => lis.map((li) => ({
    kind: li.dataset.kind,
    word: li.querySelector('.kind').textContent,
    datetime: li.querySelector('time[datetime]')?.getAttribute('datetime'),
    zone: li.querySelector('time .z')?.textContent,
    timed: li.dataset.start.length > 10,
    current: li.getAttribute('aria-current'),
    past: li.classList.contains('past'),
    pastText: !li.querySelector('.past-badge').hidden,
    text: li.textContent,
  })));
  assert.equal(items.length, 20);
  for (const it of items) {
    assert.equal(it.word, words[it.kind]);
    assert.ok(it.text.includes(it.word));
    assert.ok(it.datetime);
    if (it.timed) assert.equal(it.zone, 'UTC');
    assert.equal(it.past, it.pastText, 'past is said in text, not only shown');
  }
  assert.deepEqual(items.filter((i) => i.current === 'true').length, 1);
  assert.equal(await p.textContent('li.ev[aria-current="true"] .name'), 'Live Event: Unhangout');
  await p.selectOption('#tz', 'Asia/Kolkata');
  assert.equal(await p.textContent('li.ev[data-start="2017-09-29T18:00:00Z"] .z'), 'Asia/Kolkata');
  assert.equal(await p.locator('li.ev[aria-current="true"]').count(), 1);
  // Motion: none when the reader asks for less.
  await p.emulateMedia({ reducedMotion: 'reduce' });
  assert.equal(await p.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior), 'auto');
  await p.emulateMedia({ reducedMotion: 'no-preference' });
  assert.equal(await p.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior), 'smooth');
  // The embed snippet keeps its title.
  assert.match(await p.inputValue('#embed-code'), /<iframe [^>]*title="RES\.CMS-154 dates"/);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

test('on Android the Google button leads to the explained web flow, with or without JavaScript', async () => {
  const fallback = '#google-web-res-cms-154';
  const check = async (p, url) => {
    await p.goto(url);
    assert.equal(await p.getAttribute('a[data-link="google"]', 'href'), fallback);
    await p.click('a[data-link="google"]');
    assert.ok(p.url().endsWith(fallback), p.url());
    assert.match(await p.textContent(`${fallback} .android-note`), /Google Calendar app cannot subscribe/);
    assert.equal(await p.isVisible(`${fallback} input[data-link="feed"]`), true);
    assert.equal(await p.getAttribute(`${fallback} a[data-link="google-web"]`, 'href'), 'https://calendar.google.com/calendar/r/settings/addbyurl');
  };
  for (const javaScriptEnabled of [false, true]) {
    const p = await page({ userAgent: ANDROID_UA, javaScriptEnabled, viewport: { width: 390, height: 844 } });
    await check(p, server.url + 'courses/res-cms-154');
    if (javaScriptEnabled) assert.deepEqual(await axe(p), []);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  }
  // A static page cannot see the User-Agent: it prints the one-click link
  // and the web flow with the Android note; the script sends Android to the latter.
  const dir = tempDir('coursecal-android-');
  const { schedules: sched } = schedules();
  const st = await staticServer(dir);
  try {
    await run(['build', '--schedules', sched, '--out', dir, '--base-url', st.url]);
    const phone = await page({ userAgent: ANDROID_UA });
    await check(phone, `${st.url}courses/res-cms-154/`);
    await phone.context().close();
    const desk = await page({ javaScriptEnabled: false });
    await desk.goto(`${st.url}courses/res-cms-154/`);
    assert.match(await desk.getAttribute('a[data-link="google"]', 'href'), /^https:\/\/calendar\.google\.com\/calendar\/render\?cid=http/);
    assert.equal(await desk.isVisible(`${fallback} .android-note`), true);
    await desk.context().close();
  } finally {
    st.stop();
  }
});

test('copying the feed address is announced to screen readers', async () => {
  const p = await page({ permissions: ['clipboard-read', 'clipboard-write'] });
  await p.goto(server.url + 'courses/res-cms-154');
  const button = p.getByRole('button', { name: 'Copy address (RES.CMS-154)' });
  await button.focus();
  await p.keyboard.press('Enter');
  const status = p.locator('#google-web-res-cms-154 [role="status"]');
  await status.filter({ hasText: /./ }).waitFor();
  assert.equal(await status.getAttribute('aria-live'), 'polite');
  assert.equal(await status.textContent(), 'Copied.');
  assert.equal(await p.evaluate(() => navigator.clipboard.readText()), `${server.url}courses/res-cms-154.ics`);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
