// Helpers shared by the browser tests and scripts/screenshots.mjs: start
// `coursecal serve`, launch Debian's Chromium headless, small HTTP servers.
import { spawn } from 'node:child_process';
import { mkdtempSync, cpSync, writeFileSync, readFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.COURSECAL_BIN || path.join(ROOT, 'target/debug/coursecal');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/// Every temporary directory a test made, removed when the process exits
/// (each run used to leave a score of them in /tmp).
const temporary = [];
process.on('exit', () => {
  for (const d of temporary) rmSync(d, { recursive: true, force: true });
});

/// A new temporary directory, removed when the tests end.
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/// A temp copy of the shipped schedules, plus extra files { name: text }.
export function schedules(extra = {}) {
  const dir = tempDir('coursecal-browser-');
  const s = path.join(dir, 'schedules');
  cpSync(path.join(ROOT, 'schedules'), s, { recursive: true });
  for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(s, name), text);
  return { dir, schedules: s };
}

/// Run `coursecal serve` on a free port; resolves to { url, stop }.
export function serve(schedulesDir, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--schedules', schedulesDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/\S+)\n/);
      if (m) resolve({ url: m[1] + '/', child, stop: () => child.kill('SIGTERM'), logs: () => err });
    });
    child.on('exit', (code) => reject(new Error(`coursecal serve exited ${code}: ${err}`)));
  });
}

/// Run `coursecal` to completion.
export function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`coursecal ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

/// A node HTTP server on a free loopback port; resolves to { url, close }.
export function httpServer(handler) {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, port, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/// Headless Chromium with the flags it needs on a closed network.
export async function browser() {
  // launch() gives every run a fresh temporary profile (user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export { readFileSync, existsSync, statSync };

/// The axe-core rules of WCAG 2.0, 2.1 and 2.2, levels A and AA.
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
const AXE = readFileSync(path.join(ROOT, 'tests/browser/node_modules/axe-core/axe.min.js'), 'utf8');

/// Run axe-core in `page` (the page's CSP does not apply to evaluate());
/// resolves to its violations, each { id, nodes: [selector…], help }.
export async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join('').trim()}`),
    }));
  }, WCAG_TAGS);
}

/// The five pages the accessibility checks cover.
export const A11Y_PAGES = {
  index: '',
  course: 'courses/res-cms-154',
  'own dates': 'courses/res-cms-154?start=2026-12-01&alarm=1d',
  'empty course': 'courses/res-cms-155',
  embed: 'courses/res-cms-154/embed',
};
