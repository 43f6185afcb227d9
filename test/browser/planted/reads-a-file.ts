// Planted for test/browser/bundle.test.ts: a pure module that reaches fs through a second file.
import { parseConfig } from '../../../src/config';
import { fileSize } from './file-size';

export const planted = [parseConfig, fileSize];
