// Property conventions through enigma.js: attribute expressions and dimensions of cube columns
// (chart colors by expression: qAttrExps / qAttrDims in the cells, qAttrExprInfo / qAttrDimInfo in
// the infos), a measure's qNumFormat applied to its cells' texts and grand total, qMiniChart, and
// qStaticContentUrlDef laid out as qStaticContentUrl — in the real engine's shapes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, openEnigma } from './helpers.js';

const SCRIPT = `TableA:
LOAD * INLINE [
abcs, numbers, color
a, 1, red
b, 2, blue
b, 3, blue
b, 4, blue
c, 5, green
];`;

let server;
let session;
let app;

before(async () => {
  server = await startServer();
  session = await openEnigma(server, { identity: 'properties' });
  app = await session.global.createSessionApp();
  await app.setScript(SCRIPT);
  assert.equal(await app.doReload(), true, 'test setup: the script reloads');
});
after(async () => {
  await session?.close();
  await server?.stop();
});

/** The layout of a session chart on abcs (by text) with these measures (and dimension extras). */
async function chart(measures, dimension = {}) {
  const obj = await app.createSessionObject({
    qInfo: { qType: 'chart' },
    qHyperCubeDef: {
      qDimensions: [{ qDef: { qFieldDefs: ['abcs'], qSortCriterias: [{ qSortByAscii: 1 }] }, ...dimension }],
      qMeasures: measures,
      qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 5, qHeight: 10 }],
    },
  });
  return { obj, layout: await obj.getLayout() };
}

test('attribute expressions color the cells of a measure, row by row', async () => {
  const color = 'If(Sum(numbers)>4, RGB(255,0,0), ColorMix1(Sum(numbers)/4, RGB(0,0,0), RGB(0,0,255)))';
  const { obj, layout } = await chart(
    [{
      qDef: { qDef: 'Sum(numbers)' },
      qAttributeExpressions: [{ qExpression: color, id: 'colorByExpression' }],
    }],
    { qAttributeDimensions: [{ qDef: 'color', id: 'colorByDimension' }] },
  );
  const hc = layout.qHyperCube;
  assert.deepEqual(hc.qSize, { qcx: 2, qcy: 3 });
  const cells = hc.qDataPages[0].qMatrix;
  assert.deepEqual(cells.map((r) => [r[0].qText, r[1].qText]), [['a', '1'], ['b', '9'], ['c', '5']]);
  assert.deepEqual(cells[1][1].qAttrExps.qValues, [{ qText: 'RGB(255,0,0)', qNum: 4294901760 }]);
  assert.match(cells[0][1].qAttrExps.qValues[0].qText, /^RGB\(0,0,6[34]\)$/, 'a quarter of the way to blue');
  assert.deepEqual(cells[2][0].qAttrDims.qValues, [{ qText: 'green', qElemNo: 2 }]);
  const info = hc.qMeasureInfo[0].qAttrExprInfo[0];
  assert.equal(info.qFallbackTitle, color);
  assert.equal(info.qMax, 4294901760);
  assert.equal(info.id, 'colorByExpression');
  assert.equal(hc.qDimensionInfo[0].qAttrDimInfo[0].qFallbackTitle, 'color');
  assert.equal(hc.qDimensionInfo[0].qAttrDimInfo[0].qCardinal, 3);
  const [page] = await obj.getHyperCubeData('/qHyperCubeDef', [{ qTop: 1, qLeft: 1, qWidth: 1, qHeight: 1 }]);
  assert.equal(page.qMatrix[0][0].qAttrExps.qValues[0].qText, 'RGB(255,0,0)');
});

test('a measure number format is applied to its texts, its total and echoed in its info', async () => {
  const money = { qType: 'M', qnDec: 2, qUseThou: 1, qFmt: '$#,##0.00', qDec: '.', qThou: ',' };
  const { layout } = await chart([
    { qDef: { qDef: 'Sum(numbers) * 1000', qNumFormat: money } },
    { qDef: { qDef: 'Sum(numbers) / 15', qNumFormat: { qType: 'F', qFmt: '0.0%' } } },
    { qDef: { qDef: 'Count(numbers)' } },
  ]);
  const hc = layout.qHyperCube;
  const texts = hc.qDataPages[0].qMatrix.map((r) => r.map((c) => c.qText));
  assert.deepEqual(texts, [['a', '$1,000.00', '6.7%', '1'], ['b', '$9,000.00', '60.0%', '3'], ['c', '$5,000.00', '33.3%', '1']]);
  assert.equal(hc.qDataPages[0].qMatrix[1][1].qNum, 9000, 'the number stays');
  assert.equal(hc.qGrandTotalRow[0].qText, '$15,000.00');
  assert.equal(hc.qGrandTotalRow[1].qText, '100.0%');
  assert.deepEqual(hc.qMeasureInfo[0].qNumFormat, money);
  assert.equal(hc.qMeasureInfo[0].qIsAutoFormat, false);
  assert.equal(hc.qMeasureInfo[2].qIsAutoFormat, true);
});

test('qStaticContentUrlDef is laid out as qStaticContentUrl', async () => {
  const sheet = await app.createSessionObject({
    qInfo: { qType: 'sheet' },
    thumbnail: { qStaticContentUrlDef: { qUrl: '/media/Logo/sheet.png' } },
  });
  const layout = await sheet.getLayout();
  assert.deepEqual(layout.thumbnail, { qStaticContentUrl: { qUrl: '/media/Logo/sheet.png' } });
  const props = await sheet.getProperties();
  assert.deepEqual(props.thumbnail, { qStaticContentUrlDef: { qUrl: '/media/Logo/sheet.png' } });
});
