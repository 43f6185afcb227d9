// Planted for test/browser/bundle.test.ts: the Node built-in two imports away from the entry.
import { statSync } from 'fs';

export const fileSize = (file: string): number => statSync(file).size;
