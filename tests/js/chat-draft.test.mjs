// The draft kept across a reload (static/js/chat/draft.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepDraft, readDraft, dropDraft, DRAFT_KEY } from '../../static/js/chat/draft.js';

function storage() {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k)
  };
}

test('a draft is kept as it is typed and read back until dropped', () => {
  const s = storage();
  keepDraft(s, 'half');
  keepDraft(s, 'half a sentence');
  assert.equal(s.map.get(DRAFT_KEY), 'half a sentence');
  assert.equal(readDraft(s), 'half a sentence');
  assert.equal(readDraft(s), 'half a sentence'); // a second reload finds it too
  dropDraft(s);
  assert.equal(readDraft(s), null);
  assert.equal(s.map.size, 0);
});

test('an emptied box (sent, or cleared) keeps nothing', () => {
  const s = storage();
  keepDraft(s, 'x');
  keepDraft(s, '');
  assert.equal(s.map.size, 0);
});

test('blocked storage loses the draft quietly', () => {
  const blocked = { getItem() { throw new Error('blocked'); }, setItem() { throw new Error('blocked'); },
    removeItem() { throw new Error('blocked'); } };
  keepDraft(blocked, 'x');
  dropDraft(blocked);
  assert.equal(readDraft(blocked), null);
});
