/** What the benchmark ran on, for the BENCHMARKS.md rows. */
import * as os from 'os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  tfjs: string;
}

export function machineInfo(): MachineInfo {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tfjs = require('@tensorflow/tfjs-core/package.json').version as string;
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    tfjs,
  };
}

/** Nominal clock of the reference machine (AMD EPYC Zen 3) when the OS reports none. */
const NOMINAL_GHZ = 2.445;

/** fp32 peak: cores x nominal clock x 32 FLOP/cycle (AVX2 + FMA: 2 units x 8 lanes x 2). 156 GFLOP/s here. */
export function peakGflops(info: MachineInfo): number {
  const mhz = os.cpus()[0]?.speed ?? 0;
  return info.cores * (mhz > 0 ? mhz / 1000 : NOMINAL_GHZ) * 32;
}
