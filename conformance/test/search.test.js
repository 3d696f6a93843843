// Smart search through real enigma.js: SearchResults (groups of associated term/field combinations,
// match ranges, paging, qSearchFields, contexts), SearchSuggest, SearchAssociations, and
// SelectAssociations selecting a group's values with the change pushed to another socket of the session.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma, once } from './helpers.js';

const SCRIPT = `Games:
LOAD * INLINE [
Country, City, Sport, Medals
Sweden, Stockholm, Hockey, 3
Norway, Oslo, Skiing, 5
Sweden, Åre, Skiing, 2
New Zealand, Auckland, Rugby, 7
United States, New York, Baseball, 1
];`;

let server;
let appId;
const open = [];
let counter = 0;

before(async () => {
  server = await startServer();
  const setup = await openEnigma(server, { identity: 'search-setup' });
  ({ qAppId: appId } = await setup.global.createApp('Search App'));
  const doc = await setup.global.openDoc(appId);
  await doc.setScript(SCRIPT);
  assert.equal(await doc.doReload(), true);
  await doc.doSave();
  await setup.close();
});
after(async () => {
  for (const s of open) await s.close();
  await server?.stop();
});

/** A fresh session on the app (or a second socket of session `identity`). */
async function session(identity) {
  counter += 1;
  const s = await openEnigma(server, { appId, identity: identity ?? `search-${counter}` });
  open.push(s);
  const doc = s.state === 'SESSION_ATTACHED' ? await s.global.getActiveDoc() : await s.global.openDoc(appId);
  return { s, doc };
}

const ALL = { qOffset: 0, qCount: -1 };

/** A group as "Field:value|value" per item. */
const shape = (g) => g.qItems.map((i) => `${i.qIdentifier}:${i.qItemMatches.map((m) => m.qText).join('|')}`);

test('one term: a group per field it starts a word in, best matches first, with ranges', async () => {
  const { doc } = await session();
  const r = await doc.searchResults({ qContext: 'Cleared' }, ['s'], ALL);
  assert.deepEqual(r.qSearchTerms, ['s']);
  assert.equal(r.qTotalNumberOfGroups, 3);
  assert.deepEqual(r.qSearchGroupArray.map(shape), [
    ['Country:Sweden|United States'],
    ['City:Stockholm'],
    ['Sport:Skiing'],
  ]);
  const g = r.qSearchGroupArray[0];
  assert.equal(g.qId, 0);
  assert.equal(g.qGroupType, 'DatasetType');
  assert.deepEqual(g.qSearchTermsMatched, [0]);
  assert.equal(g.qTotalNumberOfItems, 1);
  const item = g.qItems[0];
  assert.equal(item.qItemType, 'Field');
  assert.equal(item.qTotalNumberOfMatches, 2);
  assert.deepEqual(item.qSearchTermsMatched, [0]);
  assert.deepEqual(item.qItemMatches[1].qRanges, [{ qCharPos: 7, qCharCount: 1, qTerm: 0 }]);
  // "ork" starts no word of "New York".
  assert.equal((await doc.searchResults({}, ['ork'], ALL)).qTotalNumberOfGroups, 0);
});

test('ranges count UTF-8 bytes unless the client asks for UTF-16', async () => {
  const { doc } = await session();
  const utf8 = await doc.searchResults({}, ['åre'], ALL);
  assert.deepEqual(utf8.qSearchGroupArray[0].qItems[0].qItemMatches[0].qRanges, [{ qCharPos: 0, qCharCount: 4, qTerm: 0 }]);
  const utf16 = await doc.searchResults({ qCharEncoding: 'Utf16' }, ['åre'], ALL);
  assert.deepEqual(utf16.qSearchGroupArray[0].qItems[0].qItemMatches[0].qRanges, [{ qCharPos: 0, qCharCount: 3, qTerm: 0 }]);
});

test('several terms: the combinations whose values go together come first', async () => {
  const { doc } = await session();
  const r = await doc.searchResults({}, ['sweden', 'ski'], ALL);
  assert.deepEqual(r.qSearchGroupArray.map((g) => g.qSearchTermsMatched), [[0, 1], [0], [1]]);
  assert.deepEqual(r.qSearchGroupArray.map(shape), [['Country:Sweden', 'Sport:Skiing'], ['Country:Sweden'], ['Sport:Skiing']]);
  assert.deepEqual(r.qSearchGroupArray[0].qItems.map((i) => i.qSearchTermsMatched), [[0], [1]]);
  // Oslo is only ever in Norway: no group holds both terms.
  const apart = await doc.searchResults({}, ['oslo', 'hockey'], ALL);
  assert.ok(apart.qSearchGroupArray.every((g) => g.qSearchTermsMatched.length === 1));
  assert.equal(apart.qTotalNumberOfGroups, 2);
  // Two terms in one field: the values matching both.
  const both = await doc.searchResults({}, ['new', 'york'], ALL);
  assert.deepEqual(shape(both.qSearchGroupArray[0]), ['City:New York']);
  assert.deepEqual(both.qSearchGroupArray[0].qItems[0].qItemMatches[0].qRanges,
    [{ qCharPos: 0, qCharCount: 3, qTerm: 0 }, { qCharPos: 4, qCharCount: 4, qTerm: 1 }]);
});

test('phrases, wildcards, numeric terms and qSearchFields', async () => {
  const { doc } = await session();
  const texts = async (opts, terms) => (await doc.searchResults(opts, terms, ALL)).qSearchGroupArray.map(shape).flat();
  assert.deepEqual(await texts({}, ['"new y"']), ['City:New York']);
  assert.deepEqual(await texts({}, ['new']), ['Country:New Zealand', 'City:New York']);
  assert.deepEqual(await texts({}, ['*land']), ['Country:New Zealand', 'City:Auckland']);
  assert.deepEqual(await texts({ qSearchFields: ['City'] }, ['*land']), ['City:Auckland']);
  assert.deepEqual(await texts({ qSearchFields: ['Medals'] }, ['>4']), ['Medals:5|7']);
  assert.deepEqual(await texts({ qSearchFields: ['NoSuchField'] }, ['s']), []);
});

test('paging of groups, items and matches', async () => {
  const { doc } = await session();
  const page = await doc.searchResults({}, ['s'], { qOffset: 1, qCount: 1 });
  assert.equal(page.qTotalNumberOfGroups, 3);
  assert.deepEqual(page.qSearchGroupArray.map((g) => [g.qId, ...shape(g)]), [[1, 'City:Stockholm']]);
  const matches = await doc.searchResults({}, ['s'], {
    qOffset: 0, qCount: 1, qGroupItemOptions: [{ qGroupItemType: 'Field', qOffset: 1, qCount: 1 }],
  });
  const item = matches.qSearchGroupArray[0].qItems[0];
  assert.equal(item.qTotalNumberOfMatches, 2);
  assert.deepEqual(item.qItemMatches.map((m) => m.qText), ['United States']);
  const noItems = await doc.searchResults({}, ['s'], {
    qOffset: 0, qCount: 1, qGroupOptions: [{ qGroupType: 'DatasetType', qOffset: 0, qCount: 0 }],
  });
  assert.equal(noItems.qSearchGroupArray[0].qTotalNumberOfItems, 1);
  assert.deepEqual(noItems.qSearchGroupArray[0].qItems, []);
});

test('contexts: Cleared ignores selections, CurrentSelections finds possible values, LockedFieldsOnly the locked ones', async () => {
  const { doc } = await session();
  await (await doc.getField('Country')).selectValues([{ qText: 'Norway' }]);
  const found = async (context) => (await doc.searchResults({ qContext: context }, ['s'], ALL)).qSearchGroupArray.map(shape).flat();
  const everything = ['Country:Sweden|United States', 'City:Stockholm', 'Sport:Skiing'];
  assert.deepEqual(await found('Cleared'), everything);
  assert.deepEqual(await found('CurrentSelections'), ['Sport:Skiing']);
  assert.deepEqual(await found('LockedFieldsOnly'), everything, 'no field is locked');
  assert.deepEqual(await found(undefined), everything, 'LockedFieldsOnly is the default');
  await doc.lockAll();
  assert.deepEqual(await found('LockedFieldsOnly'), ['Sport:Skiing']);
  assert.deepEqual(await found('Cleared'), everything);
});

test('SelectAssociations selects a group\'s values and pushes the change to the other sockets', async () => {
  const identity = `search-select-${Date.now()}`;
  const a = await session(identity);
  const b = await session(identity);
  assert.equal(b.s.state, 'SESSION_ATTACHED');
  const kpi = await b.doc.createSessionObject({ qInfo: { qType: 'kpi' },
    qHyperCubeDef: { qMeasures: [{ qDef: { qDef: 'Sum(Medals)' } }], qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 1, qHeight: 1 }] } });
  assert.equal((await kpi.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 18);
  await (await a.doc.getField('City')).selectValues([{ qText: 'Oslo' }]);
  await kpi.getLayout();

  const changed = once(kpi, 'changed');
  const opts = { qContext: 'Cleared' };
  const groups = (await a.doc.searchResults(opts, ['sweden', 'ski'], ALL)).qSearchGroupArray;
  assert.deepEqual(shape(groups[0]), ['Country:Sweden', 'Sport:Skiing']);
  await a.doc.selectAssociations(opts, ['sweden', 'ski'], 0);
  await changed;
  assert.equal((await kpi.getLayout()).qHyperCube.qDataPages[0].qMatrix[0][0].qNum, 2, 'Sweden × Skiing: Åre');
  assert.equal(await a.doc.evaluate("GetFieldSelections(Country) & '/' & GetFieldSelections(Sport) & '/' & GetSelectedCount(City)"),
    'Sweden/Skiing/0', 'Cleared: the City selection went');

  // CurrentSelections selects on top of what is selected.
  await a.doc.clearAll();
  await (await a.doc.getField('Sport')).selectValues([{ qText: 'Skiing' }]);
  await a.doc.selectAssociations({ qContext: 'CurrentSelections' }, ['sweden'], 0);
  assert.equal(await a.doc.evaluate("GetFieldSelections(Country) & '/' & GetFieldSelections(Sport)"), 'Sweden/Skiing');
  await assert.rejects(a.doc.selectAssociations(opts, ['sweden'], 5));
});

test('SearchSuggest completes the last term; SearchAssociations lists fields, values and combinations', async () => {
  const { doc } = await session();
  const s = await doc.searchSuggest({}, ['hockey', 'st']);
  assert.deepEqual(s.qSuggestions, [{ qValue: 'states', qTerm: 1 }, { qValue: 'stockholm', qTerm: 1 }]);
  assert.deepEqual(s.qFieldNames, ['Sport', 'Country', 'City']);

  const a = await doc.searchAssociations({}, ['sweden', 'ski'], { qOffset: 0, qCount: 10, qMaxNbrFieldMatches: -1 });
  assert.deepEqual(a.qFieldNames, ['Country', 'Sport']);
  assert.deepEqual(a.qSearchTerms, ['sweden', 'ski']);
  assert.equal(a.qTotalSearchResults, 3);
  assert.deepEqual(a.qFieldDictionaries.map((d) => [d.qField, d.qResult.map((v) => v.qText)]), [[0, ['Sweden']], [1, ['Skiing']]]);
  assert.deepEqual(a.qFieldDictionaries[1].qResult[0].qRanges, [{ qCharPos: 0, qCharCount: 3, qTerm: 1 }]);
  assert.deepEqual(a.qSearchTermsMatched[0][0], {
    qId: 0,
    qFieldMatches: [
      { qField: 0, qValues: [0], qTerms: [0], qNoOfMatches: 1 },
      { qField: 1, qValues: [0], qTerms: [1], qNoOfMatches: 1 },
    ],
  });
});

test('SearchObjects finds objects by title, subtitle, footnote and type, grouped by the terms matched', async () => {
  const { doc } = await session();
  await doc.createSessionObject({ qInfo: { qId: 'medals-chart', qType: 'barchart' }, title: 'Medals by country', subtitle: 'Winter games' });
  await doc.createSessionObject({ qInfo: { qId: 'medal-kpi', qType: 'kpi' }, qMetaDef: { title: 'Total medals' } });
  await doc.createSessionObject({ qInfo: { qId: 'a-sheet', qType: 'sheet' }, title: 'Medals sheet' });
  const r = await doc.searchObjects({ qAttributes: ['qProperty'] }, ['medals', 'winter'], ALL);
  assert.equal(r.qTotalNumberOfGroups, 2);
  assert.deepEqual(r.qSearchGroupArray.map((g) => [g.qGroupType, g.qSearchTermsMatched, g.qItems.map((i) => i.qIdentifier)]), [
    ['GenericObjectsType', [0, 1], ['medals-chart']],
    ['GenericObjectsType', [0], ['medal-kpi']],
  ], 'sheets are never listed');
  const chart = r.qSearchGroupArray[0].qItems[0];
  assert.equal(chart.qItemType, 'GenericObject');
  assert.deepEqual(chart.qItemMatches.map((m) => [m.qText, m.qAttributes[0].qValue, m.qRanges]), [
    ['Medals by country', 'title', [{ qCharPos: 0, qCharCount: 6, qTerm: 0 }]],
    ['Winter games', 'subtitle', [{ qCharPos: 0, qCharCount: 6, qTerm: 1 }]],
  ]);
  assert.deepEqual(r.qSearchGroupArray[1].qItems[0].qItemMatches[0].qAttributes, [{ qKey: 'qProperty', qValue: 'qMetaDef/title' }]);
  const byType = await doc.searchObjects({}, ['kpi'], ALL);
  assert.deepEqual(byType.qSearchGroupArray[0].qItems.map((i) => [i.qIdentifier, i.qItemMatches[0].qText]), [['medal-kpi', 'kpi']]);
});
