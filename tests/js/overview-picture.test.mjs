// node --test tests/js/ : pure helpers of the supervisors' overview.
import test from 'node:test';
import assert from 'node:assert/strict';
import { moreWaiting, optionLabel } from '../../static/js/supervisor/picture.js';
import { loadText } from '../../static/js/supervisor/staff-table.js';

const ages = [{ key: '18_25', label: '18–25', label_nl: '18–25 jaar' }, { key: 'x', label: 'X' }];

test('a taxonomy label in the page language, English as fallback, the key when unknown', () => {
  assert.equal(optionLabel(ages, '18_25', 'nl', 'not given'), '18–25 jaar');
  assert.equal(optionLabel(ages, '18_25', 'fr', 'not given'), '18–25');
  assert.equal(optionLabel(ages, 'x', 'nl', 'not given'), 'X');
  assert.equal(optionLabel(ages, 'other', 'nl', 'not given'), 'other');
  assert.equal(optionLabel(ages, '', 'nl', 'not given'), 'not given');
  assert.equal(optionLabel(undefined, 'k', 'nl', '-'), 'k');
});

test('waiting chatters beyond the listed ones', () => {
  assert.equal(moreWaiting(4, 3), 1);
  assert.equal(moreWaiting(3, 3), 0);
  assert.equal(moreWaiting(undefined, 2), 0);
  assert.equal(moreWaiting(1, 3), 0);
});

test('a therapist who takes no new chat for now says why beside the load', () => {
  const strings = { load: '{load} of {capacity}', load_paused: '{load} of {capacity}, paused',
                    load_cooldown: '{load} of {capacity}, cool-down {seconds} s' };
  const row = { load: 1, capacity: 2, paused: false, cooldown: 0 };
  assert.equal(loadText(row, strings), '1 of 2');
  assert.equal(loadText({ ...row, paused: true }, strings), '1 of 2, paused');
  assert.equal(loadText({ ...row, cooldown: 45 }, strings), '1 of 2, cool-down 45 s');
});
