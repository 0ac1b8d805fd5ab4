// The draft kept across a language-switch reload (static/js/chat/draft.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepDraft, takeDraft, DRAFT_KEY } from '../../static/js/chat/draft.js';

function storage() {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => map.set(k, String(v)),
    removeItem: (k) => map.delete(k)
  };
}

test('a draft is read once and removed as it is read', () => {
  const s = storage();
  keepDraft(s, 'half a sentence');
  assert.equal(s.map.get(DRAFT_KEY), 'half a sentence');
  assert.equal(takeDraft(s), 'half a sentence');
  assert.equal(takeDraft(s), null);
  assert.equal(s.map.size, 0);
});

test('an empty draft is not kept', () => {
  const s = storage();
  keepDraft(s, '');
  assert.equal(s.map.size, 0);
});

test('blocked storage loses the draft quietly', () => {
  const blocked = { getItem() { throw new Error('blocked'); }, setItem() { throw new Error('blocked'); },
    removeItem() { throw new Error('blocked'); } };
  keepDraft(blocked, 'x');
  assert.equal(takeDraft(blocked), null);
});
