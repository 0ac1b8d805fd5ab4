// node --test tests/js/ : the canned-response search of the console picker.
import test from 'node:test';
import assert from 'node:assert/strict';
import { insertAt, moveIndex, normalise, rank, terms } from '../../static/js/lib/canned-search.js';

const library = [
  { id: 1, title: 'Afsluiten', text: 'Bedankt voor je vertrouwen. Je mag altijd terugkomen.', tags: ['slot'] },
  { id: 2, title: 'Doorverwijzing CAW', text: 'Het CAW helpt gratis: www.caw.be', tags: ['verwijzing', 'caw'] },
  { id: 3, title: 'Stoppen is Mogelijk', text: 'Zelfhulpmodules: stoppenismogelijk.be', tags: ['zelfhulp'] },
  { id: 4, title: 'Référence CGG', text: 'Le centre de santé mentale', tags: ['reference'] },
];
const ids = (list) => list.map((r) => r.id);

test('an empty query (or only the slash) lists everything in the given order', () => {
  assert.deepEqual(ids(rank(library, '')), [1, 2, 3, 4]);
  assert.deepEqual(ids(rank(library, '/')), [1, 2, 3, 4]);
  assert.deepEqual(ids(rank(library, '   ')), [1, 2, 3, 4]);
});

test('a title start ranks above a tag, a tag above words in the text', () => {
  assert.deepEqual(ids(rank(library, 'caw')), [2]);
  assert.deepEqual(ids(rank(library, 'zelf')), [3]);
  // "stoppen" starts title 3; nothing else has it
  assert.deepEqual(ids(rank(library, 'stop')), [3]);
  const mixed = [{ id: 'text', title: 'X', text: 'verwijzing naar', tags: [] },
    { id: 'tag', title: 'Y', text: '', tags: ['verwijzing'] },
    { id: 'title', title: 'Verwijzing', text: '', tags: [] }];
  assert.deepEqual(ids(rank(mixed, 'verwijzing')), ['title', 'tag', 'text']);
});

test('every word must fit somewhere; case and accents do not matter', () => {
  assert.deepEqual(ids(rank(library, 'doorverwijzing gratis')), [2]);
  assert.deepEqual(ids(rank(library, 'doorverwijzing zelfhulp')), []);
  assert.deepEqual(ids(rank(library, 'REFERENCE')), [4]);
  assert.deepEqual(ids(rank(library, 'référence')), [4]);
  assert.equal(normalise('Éé'), 'ee');
  assert.deepEqual(terms('/caw  gratis'), ['caw', 'gratis']);
});

test('ties keep the server order and the input is not changed', () => {
  const copy = library.slice();
  rank(library, 'je');
  assert.deepEqual(library, copy);
  const same = [{ id: 'b', title: 'Hulp b', text: '', tags: [] },
    { id: 'a', title: 'Hulp a', text: '', tags: [] }];
  assert.deepEqual(ids(rank(same, 'hulp')), ['b', 'a']);
});

test('arrow keys move through the options and wrap; Home and End jump', () => {
  assert.equal(moveIndex(-1, 'ArrowDown', 3), 0);
  assert.equal(moveIndex(2, 'ArrowDown', 3), 0);
  assert.equal(moveIndex(0, 'ArrowUp', 3), 2);
  assert.equal(moveIndex(-1, 'ArrowUp', 3), 2);
  assert.equal(moveIndex(1, 'Home', 3), 0);
  assert.equal(moveIndex(0, 'End', 3), 2);
  assert.equal(moveIndex(1, 'x', 3), 1);
  assert.equal(moveIndex(0, 'ArrowDown', 0), -1);
});

test('inserting replaces the selection and puts the caret after the text', () => {
  assert.deepEqual(insertAt('', 0, 0, 'Hallo'), { value: 'Hallo', caret: 5 });
  assert.deepEqual(insertAt('Dag . Tot', 4, 5, 'X'), { value: 'Dag X Tot', caret: 5 });
});
