/* The canned-response picker of a message box: a button, and "/" typed in an empty box,
 * open a searchable list (combobox + listbox pattern); the chosen text goes into the box
 * for editing, it is never sent by itself. Texts come from `url` (GET /staff/canned.json)
 * once, when first opened; every text is rendered with textContent. The words come from
 * the page (`strings`: open, search, empty, close, failed, count with "{n}").
 * Shared by the console's message boxes and the "Try it" box of /staff/canned.
 *
 *   import { attachCannedPicker } from '../lib/canned-picker.js';
 *   attachCannedPicker(textarea, { url, strings });
 */
import { insertAt, moveIndex, rank } from './canned-search.js';

let serial = 0;

/** The picker's stylesheet, linked once per page (CSP style-src 'self' allows it). */
function linkStyles() {
  const href = new URL('../../css/canned.css', import.meta.url).href;
  if (document.querySelector('link[data-canned-styles]')) return;
  const link = element('link', { rel: 'stylesheet', href, 'data-canned-styles': '' });
  document.head.append(link);
}

function element(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function build(strings, id) {
  const wrap = element('div', { class: 'canned-picker' });
  const button = element('button', { type: 'button', class: 'secondary canned-open',
    'aria-haspopup': 'listbox', 'aria-expanded': 'false', 'aria-controls': id + '-panel' },
  strings.open);
  const panel = element('div', { id: id + '-panel', class: 'canned-panel', role: 'group',
    'aria-label': strings.open });
  panel.hidden = true;
  const label = element('label', { for: id + '-search', class: 'visually-hidden' }, strings.search);
  const search = element('input', { id: id + '-search', type: 'search', role: 'combobox',
    autocomplete: 'off', spellcheck: 'false', 'aria-autocomplete': 'list',
    'aria-expanded': 'true', 'aria-controls': id + '-list', placeholder: strings.search });
  const list = element('ul', { id: id + '-list', role: 'listbox', class: 'canned-list',
    'aria-label': strings.open });
  const status = element('p', { class: 'hint canned-status', role: 'status' });
  const close = element('button', { type: 'button', class: 'secondary canned-close' }, strings.close);
  panel.append(label, search, list, status, close);
  wrap.append(button, panel);
  return { wrap, button, panel, search, list, status, close };
}

function optionNode(item, id, index) {
  const li = element('li', { id: id + '-opt-' + index, role: 'option', 'aria-selected': 'false',
    class: 'canned-option' });
  li.append(element('span', { class: 'canned-title' }, item.title));
  const preview = item.text.length > 120 ? item.text.slice(0, 117) + '…' : item.text;
  li.append(element('span', { class: 'canned-text' }, preview));
  return li;
}

/** Attach the picker below `textarea`; returns { open, close, element }. */
export function attachCannedPicker(textarea, { url, strings }) {
  const id = 'canned-' + (++serial);
  linkStyles();
  const ui = build(strings, id);
  textarea.insertAdjacentElement('afterend', ui.wrap);
  let responses = null;
  let shown = [];
  let active = -1;

  function setActive(index) {
    active = index;
    Array.from(ui.list.children).forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) {
      ui.search.setAttribute('aria-activedescendant', id + '-opt-' + index);
      const li = ui.list.children[index];
      if (li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
    } else {
      ui.search.removeAttribute('aria-activedescendant');
    }
  }

  function render() {
    shown = rank(responses || [], ui.search.value);
    ui.list.replaceChildren(...shown.map((item, i) => optionNode(item, id, i)));
    ui.status.textContent = shown.length ? strings.count.replace('{n}', String(shown.length))
      : strings.empty;
    setActive(shown.length ? 0 : -1);
  }

  async function load() {
    if (responses) return;
    try {
      const reply = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!reply.ok) throw new Error('status');
      responses = (await reply.json()).responses || [];
    } catch (err) {
      ui.status.textContent = strings.failed;
      return;
    }
    render();
  }

  function open() {
    if (textarea.disabled || textarea.readOnly) return; // an ended chat takes no text
    ui.panel.hidden = false;
    ui.button.setAttribute('aria-expanded', 'true');
    ui.search.value = '';
    ui.search.focus();
    if (responses) render(); else load();
  }

  function close(refocus) {
    ui.panel.hidden = true;
    ui.button.setAttribute('aria-expanded', 'false');
    if (refocus !== false) textarea.focus();
  }

  function choose(index) {
    const item = shown[index];
    if (!item) return;
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const next = insertAt(textarea.value, start, end, item.text);
    textarea.value = next.value;
    close();
    textarea.setSelectionRange(next.caret, next.caret);
    textarea.dispatchEvent(new Event('input', { bubbles: true })); // counters, typing
  }

  ui.button.addEventListener('click', () => (ui.panel.hidden ? open() : close()));
  ui.close.addEventListener('click', () => close());
  ui.search.addEventListener('input', render);
  ui.search.addEventListener('keydown', (event) => {
    if (['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key) && shown.length) {
      event.preventDefault();
      setActive(moveIndex(active, event.key, shown.length));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  ui.list.addEventListener('mousedown', (event) => event.preventDefault()); // keep focus
  ui.list.addEventListener('click', (event) => {
    const li = event.target.closest('[role="option"]');
    if (li) choose(Array.from(ui.list.children).indexOf(li));
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === '/' && textarea.value === '' && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      open();
    }
  });
  return { open, close, element: ui.wrap };
}
