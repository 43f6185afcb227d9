/** The input preprocessor of a state-dict spec, with its weights (HF: PerceiverImagePreprocessor by prep_type). */
import { tf } from '../../tf';
import { BatchNorm } from '../../layers/batch-norm';
import { Conv2d } from '../../layers/conv2d';
import { TrainablePositionEncoding } from '../../layers/trainable-position-encoding';
import type { ParameterFactory } from '../../weights/parameters';
import type { PreprocessorSpec } from '../../weights/state-dict';
import type { InputPreprocessor } from '../input-preprocessor';
import { Conv1x1Preprocessor } from './conv1x1-preprocessor';
import { ConvPreprocessor } from './conv-preprocessor';
import { PixelsPreprocessor } from './pixels-preprocessor';

/** HF's Conv2DDownsample: a 7x7 conv of stride 2. */
const CONV_STRIDE = 2;

export function buildPreprocessor(spec: PreprocessorSpec, p: ParameterFactory, imageSize: number): InputPreprocessor {
  switch (spec.prepType) {
    case 'pixels':
      return new PixelsPreprocessor();
    case 'conv1x1': {
      const table = p.tensor(spec.positionEmbeddings) as tf.Tensor2D;
      return new Conv1x1Preprocessor(p.linear(spec.convnet1x1), new TrainablePositionEncoding(table, p.linear(spec.positionsProjection)), imageSize);
    }
    case 'conv': {
      const bn = spec.batchnorm;
      const batchnorm = new BatchNorm({
        weight: p.tensor(bn.weight) as tf.Tensor1D,
        bias: p.tensor(bn.bias) as tf.Tensor1D,
        runningMean: p.tensor(bn.runningMean) as tf.Tensor1D,
        runningVar: p.tensor(bn.runningVar) as tf.Tensor1D,
      });
      return new ConvPreprocessor(new Conv2d(p.convFilter(spec.conv), CONV_STRIDE), batchnorm);
    }
  }
}
