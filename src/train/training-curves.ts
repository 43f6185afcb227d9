/** training-curves.png: loss and accuracy per epoch, training and validation, side by side. */
import { encodePng } from '../render/png';
import { lineChart } from '../render/line-chart';
import { blit, createImage, Rgb } from '../render/raster';
import type { EpochStats } from './fit';

const TRAIN: Rgb = [31, 119, 180];
const VAL: Rgb = [255, 127, 14];

export function trainingCurvesPng(history: readonly EpochStats[]): Uint8Array {
  const hasVal = history.some((h) => h.valLoss !== null);
  const pick = (f: (h: EpochStats) => number | null) => history.map(f);
  const series = (train: (h: EpochStats) => number | null, val: (h: EpochStats) => number | null) => [
    { name: 'train', color: TRAIN, values: pick(train) },
    ...(hasVal ? [{ name: 'validation', color: VAL, values: pick(val) }] : []),
  ];
  const loss = lineChart(series((h) => h.trainLoss, (h) => h.valLoss), { title: 'Cross-entropy loss', xLabel: 'epoch' });
  const accuracy = lineChart(series((h) => h.trainAccuracy, (h) => h.valAccuracy), { title: 'Accuracy', xLabel: 'epoch', yMin: 0, yMax: 1, percent: true });
  const image = createImage(loss.width + accuracy.width, Math.max(loss.height, accuracy.height));
  blit(image, loss, 0, 0);
  blit(image, accuracy, loss.width, 0);
  return encodePng(image, { Software: 'perceiver-io finetune' });
}
