// node --test tests/js/ : the front end's modules read the page when started, not when
// imported (issue 15). Only the entry modules the templates load do something at import
// (read the template's config, call init(root, config)); every other module imports in
// node, where there is no page at all.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const JS = join(ROOT, 'static', 'js');

function files(dir, ext) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => join(d.parentPath ?? d.path, d.name));
}

/** The modules the templates load with <script type="module">, relative to static/js. */
function entries() {
  const found = new Set();
  for (const path of files(join(ROOT, 'templates'), '.html')) {
    const html = readFileSync(path, 'utf8');
    for (const m of html.matchAll(/<script type="module" src="\{\{ url_for\('static', filename='js\/([^']+)'\) \}\}">/g)) {
      found.add(m[1]);
    }
  }
  return found;
}

const ENTRIES = entries();
// The proof-of-work solver is a classic worker script, not a module (tests/js/pow-hash.test.mjs).
const MODULES = files(JS, '.js').map((p) => relative(JS, p))
  .filter((p) => !ENTRIES.has(p) && p !== 'pow-worker.js').sort();

test('the templates load the entries we expect', () => {
  for (const entry of ['chat/main.js', 'console/main.js', 'supervisor/overview.js',
    'supervisor/canned-page.js']) {
    assert.ok(ENTRIES.has(entry), entry);
  }
});

test('there is no page here', () => {
  assert.equal(typeof document, 'undefined');
  assert.equal(typeof window, 'undefined');
});

for (const module of MODULES) {
  test(`${module} imports without a page`, async () => {
    await import(pathToFileURL(join(JS, module)).href);
  });
}

test('each page module has init(root, config)', async () => {
  for (const module of ['chat/page.js', 'console/page.js', 'supervisor/overview-page.js',
    'supervisor/line-table.js', 'supervisor/staff-table.js', 'supervisor/chats-table.js',
    'supervisor/monitor.js', 'supervisor/canned-try.js']) {
    const m = await import(pathToFileURL(join(JS, module)).href);
    assert.equal(typeof m.init, 'function', module);
  }
});
