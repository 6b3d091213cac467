// coursecal pages, improved: times re-rendered in the reader's zone and
// every feed link rebuilt for the chosen zone and kinds. Pages work
// without this file; it never inserts markup, only text and attributes.
(() => {
  'use strict';
  const KINDS = ['release', 'due', 'live', 'milestone'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const UTC_NAMES = ['utc', 'etc/utc', 'etc/uct', 'uct', 'universal', 'etc/universal', 'zulu', 'etc/zulu'];
  // Only a coursecal server honours ?tz= and ?kinds=; static feeds are UTC.
  const serve = document.documentElement.dataset.mode === 'serve';
  const params = new URLSearchParams(location.search);
  const store = {
    get(k) { try { return localStorage.getItem(k); } catch { return null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch { /* private mode */ } },
  };

  const isUtc = (z) => UTC_NAMES.includes(z.toLowerCase());
  // Same encoding as the server (src/site/links.rs): `/` and `,` kept.
  const qv = (v) => encodeURIComponent(v).replace(/%2F/g, '/').replace(/%2C/g, ',');
  const webcal = (u) => 'webcal://' + u.replace(/^https?:\/\//, '');
  const abs = (u) => new URL(u, location.href).href;
  // Google Calendar's Android app cannot subscribe from a link: there the
  // Google button leads to the web flow (the server does the same from the
  // User-Agent; a static page needs this).
  const android = /android/i.test(navigator.userAgent);

  // A reader's own run and reminders (start=, pace=, alarm=) come from
  // the page's own URL: the server rendered the page for them.
  // Defaults are left out, as the server does (pace=1 is the schedule's).
  const personal = serve
    ? ['start', 'pace', 'alarm']
      .map((k) => [k, params.getAll(k).filter(Boolean).join(',')])
      .filter(([k, v]) => v && !(k === 'pace' && (v === '1' || !params.get('start'))))
      .map(([k, v]) => k + '=' + qv(v))
    : [];

  function query(zone, kinds, extra) {
    const parts = [];
    if (serve) {
      if (!isUtc(zone)) parts.push('tz=' + qv(zone));
      if (kinds.length < KINDS.length) parts.push('kinds=' + kinds.join(','));
      parts.push(...personal);
    }
    if (extra) parts.push(extra);
    return parts.length ? '?' + parts.join('&') : '';
  }

  function validZone(z) {
    try { new Intl.DateTimeFormat('en-GB', { timeZone: z }); return true; } catch { return false; }
  }

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
  }

  const formatters = new Map();
  function parts(ms, zone) {
    let f = formatters.get(zone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      });
      formatters.set(zone, f);
    }
    const p = {};
    for (const { type, value } of f.formatToParts(new Date(ms))) p[type] = value;
    return { y: +p.year, m: +p.month, d: +p.day, H: p.hour, M: p.minute };
  }

  // Local minus UTC, in ms, at instant `ms`.
  function offset(ms, zone) {
    const p = parts(ms, zone);
    return Date.UTC(p.y, p.m - 1, p.d, +p.H, +p.M) - Math.floor(ms / 60000) * 60000;
  }

  // Day numbers (days since 1970) keep calendar arithmetic in UTC.
  const dayNum = (y, m, d) => Date.UTC(y, m - 1, d) / 86400000;
  function fromDayNum(n) {
    const t = new Date(n * 86400000);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), wd: t.getUTCDay() };
  }
  const dayLabel = (n) => { const t = fromDayNum(n); return `${DAYS[t.wd]} ${t.d} ${MONTHS[t.m - 1]}`; };
  const weekLabel = (n) => { const t = fromDayNum(n); return `Week of ${t.d} ${MONTHS[t.m - 1]} ${t.y}`; };
  const monday = (n) => n - ((fromDayNum(n).wd + 6) % 7);

  function startOfDay(n, zone) {
    const t = n * 86400000;
    const guess = t - offset(t, zone);
    return t - offset(guess, zone);
  }

  // --- the agenda -----------------------------------------------------------
  function renderAgenda(root, zone, kinds, now) {
    const container = root.querySelector('[data-weeks]');
    if (!container) return;
    const items = [...container.querySelectorAll('li.ev')];
    items.forEach((li, i) => { if (li.dataset.i === undefined) li.dataset.i = String(i); });
    const placed = items.map((li) => {
      const start = li.dataset.start;
      const allDay = start.length === 10;
      let day; let until; let ms;
      if (allDay) {
        const [y, m, d] = start.split('-').map(Number);
        day = dayNum(y, m, d);
        ms = day * 86400000;
        until = startOfDay(day + 1, zone);
      } else {
        ms = Date.parse(start);
        const p = parts(ms, zone);
        day = dayNum(p.y, p.m, p.d);
        let text = `${p.H}:${p.M}`;
        const end = li.dataset.end ? Date.parse(li.dataset.end) : null;
        if (end !== null) { const e = parts(end, zone); text += `–${e.H}:${e.M}`; }
        li.querySelector('.t').textContent = text;
        const z = li.querySelector('.z');
        if (z) z.textContent = zone;
        until = end !== null ? end : ms;
      }
      li.querySelector('.d').textContent = dayLabel(day);
      li.hidden = !kinds.includes(li.dataset.kind);
      return { li, day, allDay, ms, until, i: +li.dataset.i };
    });
    placed.sort((a, b) => a.day - b.day || (a.allDay === b.allDay ? 0 : a.allDay ? -1 : 1) || a.ms - b.ms || a.i - b.i);

    let next = null;
    for (const p of placed) {
      const past = p.until <= now;
      p.li.classList.toggle('past', past);
      const pastBadge = p.li.querySelector('.past-badge');
      if (pastBadge) pastBadge.hidden = !past;
      p.li.classList.remove('next');
      p.li.removeAttribute('aria-current');
      if (!next && !past && !p.li.hidden && !p.li.hasAttribute('data-cancelled')) next = p;
    }
    for (const p of placed) {
      const badge = p.li.querySelector('.next-badge');
      if (badge) badge.hidden = p !== next;
    }
    if (next) {
      next.li.classList.add('next');
      next.li.setAttribute('aria-current', 'true');
    }

    // Regroup by week: move the existing nodes into fresh week sections.
    const weeks = [];
    for (const p of placed) {
      const w = monday(p.day);
      if (!weeks.length || weeks[weeks.length - 1].w !== w) weeks.push({ w, list: [] });
      weeks[weeks.length - 1].list.push(p);
    }
    const old = [...container.querySelectorAll('section.week')];
    for (const { w, list } of weeks) {
      const section = document.createElement('section');
      section.className = 'week';
      const h = document.createElement('h3');
      h.textContent = weekLabel(w);
      const ol = document.createElement('ol');
      ol.className = 'events';
      for (const p of list) ol.append(p.li);
      section.append(h, ol);
      section.hidden = list.every((p) => p.li.hidden);
      container.append(section);
    }
    old.forEach((s) => s.remove());
    for (const label of root.querySelectorAll('[data-zone-label]')) label.textContent = zone;
  }

  function renderCounts(now) {
    for (const el of document.querySelectorAll('[data-upcoming]')) {
      const ends = (el.dataset.ends || '').split(' ').filter(Boolean);
      const total = +el.dataset.total;
      const n = ends.filter((e) => Date.parse(e) > now).length;
      el.textContent = `${n} upcoming · ${total} ${total === 1 ? 'date' : 'dates'}`;
    }
  }

  // --- links ----------------------------------------------------------------
  const escapeAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

  function renderLinks(zone, kinds) {
    for (const block of document.querySelectorAll('[data-subscribe]')) {
      const base = abs(block.dataset.feed);
      const feed = base + query(zone, kinds);
      const w = webcal(feed);
      const name = block.dataset.name || '';
      const set = (key, href) => {
        for (const a of block.querySelectorAll(`a[data-link="${key}"]`)) a.setAttribute('href', href);
      };
      set('webcal', w);
      // Google gets the http(s) address itself (src/site/links.rs says why).
      set('google', android && block.dataset.googleWeb
        ? block.dataset.googleWeb
        : 'https://calendar.google.com/calendar/render?cid=' + encodeURIComponent(feed));
      const addFromWeb = (host) => `https://${host}/calendar/0/addfromweb?url=${encodeURIComponent(feed)}&name=${encodeURIComponent(name)}`;
      set('outlook', addFromWeb('outlook.live.com'));
      set('office', addFromWeb('outlook.office.com'));
      set('download', base + query(zone, kinds, serve ? 'download=1' : ''));
      for (const input of block.querySelectorAll('input[data-link="feed"]')) input.value = feed;
      if (serve) {
        for (const img of block.querySelectorAll('img[data-qr]')) img.setAttribute('src', abs(img.dataset.qr) + query(zone, kinds));
      }
    }
    for (const a of document.querySelectorAll('a[data-event]')) {
      a.setAttribute('href', abs(a.dataset.event) + query(zone, KINDS));
    }
    for (const area of document.querySelectorAll('textarea[data-embed]')) {
      const label = escapeAttr(area.dataset.label || '');
      area.value = `<iframe src="${escapeAttr(abs(area.dataset.embed))}" title="${label} dates" width="100%" height="520" loading="lazy" style="border:0;max-width:42rem"></iframe>`;
    }
  }

  // --- state ----------------------------------------------------------------
  const widget = document.querySelector('[data-tz-fixed]');
  let zone = (widget && widget.dataset.tzFixed) || params.get('tz')
    || (document.body.classList.contains('embed') ? null : store.get('coursecal.tz')) || browserZone();
  if (!validZone(zone)) zone = 'UTC';
  let kinds = KINDS;
  if (serve && !document.body.classList.contains('embed')) {
    const asked = params.getAll('kinds').join(',') || store.get('coursecal.kinds') || '';
    const list = KINDS.filter((k) => asked.split(',').includes(k));
    if (list.length) kinds = list;
  }

  function apply() {
    const now = Date.now();
    for (const root of document.querySelectorAll('[data-agenda]')) renderAgenda(root, zone, kinds, now);
    renderCounts(now);
    renderLinks(zone, kinds);
  }

  const form = document.querySelector('[data-controls]');
  if (form) {
    const select = form.querySelector('select[name="tz"]');
    if (select) {
      let option = [...select.options].find((o) => o.value.toLowerCase() === zone.toLowerCase());
      if (!option) {
        option = new Option(zone, zone);
        select.prepend(option);
      }
      select.value = option.value;
      zone = option.value;
      select.addEventListener('change', () => {
        zone = select.value;
        store.set('coursecal.tz', zone);
        apply();
      });
    }
    const boxes = [...form.querySelectorAll('input[name="kinds"]')];
    for (const box of boxes) {
      box.checked = kinds.includes(box.value);
      box.addEventListener('change', () => {
        const checked = boxes.filter((b) => b.checked).map((b) => b.value);
        if (!checked.length) { box.checked = true; return; } // a feed needs one kind
        kinds = KINDS.filter((k) => checked.includes(k));
        store.set('coursecal.kinds', kinds.join(','));
        apply();
      });
    }
    form.addEventListener('submit', (e) => e.preventDefault());
  }
  for (const el of document.querySelectorAll('[data-nojs]')) el.hidden = true;

  // "I start on" defaults to today in the reader's zone.
  for (const input of document.querySelectorAll('input[data-today]')) {
    if (!input.value) {
      const p = parts(Date.now(), browserZone());
      const pad = (n) => String(n).padStart(2, '0');
      input.value = `${p.y}-${pad(p.m)}-${pad(p.d)}`;
    }
  }
  // The zone picked above goes with the personal form.
  const own = document.querySelector('form[data-personal]');
  if (own) {
    own.addEventListener('submit', () => {
      const tz = own.querySelector('input[name="tz"]');
      if (tz) tz.value = isUtc(zone) ? '' : zone;
    });
  }

  // --- copy buttons ---------------------------------------------------------
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      let ok = false;
      try {
        await navigator.clipboard.writeText(field.value);
        ok = true;
      } catch {
        field.select();
      }
      const status = button.closest('.copy, .card')?.querySelector('.copied');
      if (status) status.textContent = ok ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.';
    });
  }

  apply();
})();
