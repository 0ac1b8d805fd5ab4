// node --test tests/js/ : the name and role in the console's header (issue 19, item 9).
import test from 'node:test';
import assert from 'node:assert/strict';
import { roleAfterName } from '../../static/js/console/logic.js';

test('the role follows a name that is not the role itself', () => {
  assert.equal(roleAfterName('Anna', 'therapist', 'Hulpverlener'), 'Hulpverlener');
  assert.equal(roleAfterName('Sara', 'supervisor', 'Superviseur'), 'Superviseur');
});

test('the first account, named after its role, does not read it twice', () => {
  assert.equal(roleAfterName('Supervisor', 'supervisor', 'Supervisor'), '');
  assert.equal(roleAfterName(' supervisor ', 'supervisor', 'Supervisor'), '');
  // French: the name is the English key, the word is "Superviseur"
  assert.equal(roleAfterName('Supervisor', 'supervisor', 'Superviseur'), '');
});

test('a returning chatter\'s chat is marked with the day it follows up', async () => {
  const { followUpText, dayLabel } = await import('../../static/js/console/logic.js');
  const strings = { follow_up_of: 'Follow-up of a registration of {date}',
    follow_up_earlier: 'Follow-up of an earlier registration', follow_up_agreed: '{follow_up}, agreed with {name}' };
  const format = (s, v) => s.replace(/\{(\w+)\}/g, (m, k) => v[k]);
  const day = (iso) => dayLabel(iso, 'en-GB');
  assert.equal(followUpText(null, strings, format, day), '');
  assert.equal(followUpText({ of: '2025-12-03', agreed_with: null }, strings, format, day),
    'Follow-up of a registration of 3 December');
  assert.equal(followUpText({ of: '2025-12-03', agreed_with: 'Anna' }, strings, format, day),
    'Follow-up of a registration of 3 December, agreed with Anna');
  assert.equal(followUpText({ of: null, agreed_with: null }, strings, format, day),
    'Follow-up of an earlier registration');
  assert.equal(dayLabel('2025-12-03', 'nl'), '3 december');
});
