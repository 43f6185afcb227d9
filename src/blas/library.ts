/**
 * Finding and loading the system BLAS through koffi (an FFI whose npm package ships prebuilt
 * binaries: nothing compiles at install). Node-only: imported solely by the backend initialisation.
 *
 * Looked for, in order: PERCEIVER_BLAS=/path/to/lib (only that file); Linux OpenBLAS, then BLIS,
 * then MKL's single dynamic library; macOS Apple Accelerate (a system framework), then Homebrew's
 * OpenBLAS. Each is an LP64 CBLAS (32-bit integers), which is what these distributions ship.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackendError } from '../errors';

/** cblas_sgemm's enums (CBLAS_ORDER, CBLAS_TRANSPOSE). */
export const CBLAS_ROW_MAJOR = 101;
export const CBLAS_NO_TRANS = 111;
export const CBLAS_TRANS = 112;

export type SgemmFunction = (
  order: number, transA: number, transB: number, m: number, n: number, k: number,
  alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number,
  beta: number, c: Float32Array, ldc: number,
) => void;

/** cblas_sgemv: y = alpha op(A) x + beta y. */
export type SgemvFunction = (
  order: number, trans: number, m: number, n: number, alpha: number, a: Float32Array, lda: number,
  x: Float32Array, incx: number, beta: number, y: Float32Array, incy: number,
) => void;

export type BlasVendor = 'openblas' | 'blis' | 'mkl' | 'accelerate';

export interface BlasLibrary {
  vendor: BlasVendor;
  /** The file loaded (or the name given to the dynamic loader for system frameworks). */
  file: string;
  /** Version/configuration string where the library reports one. */
  config?: string;
  sgemm: SgemmFunction;
  sgemv: SgemvFunction;
  /** Threads the library computes with (process-wide: shared by every worker thread). */
  threads: number;
  /** Changes the thread count (where the library allows it) and updates `threads`. */
  setThreads(threads: number): void;
}

interface Candidate {
  vendor: BlasVendor;
  /** File names tried in each directory, or a path given to the loader as is. */
  names: string[];
}

const LINUX: Candidate[] = [
  { vendor: 'openblas', names: ['libopenblas.so.0', 'libopenblas.so.3', 'libopenblas.so', 'libopenblasp.so.0'] },
  { vendor: 'blis', names: ['libblis.so.4', 'libblis.so.3', 'libblis.so'] },
  { vendor: 'mkl', names: ['libmkl_rt.so.2', 'libmkl_rt.so'] },
];

/** Accelerate lives in the dyld shared cache (no file on disk since macOS 11): it is loaded by path. */
const ACCELERATE = '/System/Library/Frameworks/Accelerate.framework/Accelerate';

const MAC: Candidate[] = [
  { vendor: 'accelerate', names: [ACCELERATE] },
  { vendor: 'openblas', names: ['libopenblas.dylib', 'libopenblas.0.dylib'] },
];

/** Directories searched on Linux and for Homebrew, after LD_LIBRARY_PATH. */
function libraryDirs(): string[] {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (process.platform === 'darwin') {
    return [...fromEnv, '/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib', '/opt/homebrew/lib', '/usr/local/lib'];
  }
  const triple = process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'x64' ? 'x86_64-linux-gnu' : `${process.arch}-linux-gnu`;
  const multiarch = `/usr/lib/${triple}`;
  return [
    ...fromEnv,
    multiarch,
    // Debian/Ubuntu install each threading variant in its own directory (the alternatives system).
    `${multiarch}/openblas-pthread`,
    `${multiarch}/blis-pthread`,
    `${multiarch}/blis-openmp`,
    '/usr/lib64',
    '/usr/lib64/openblas-pthreads',
    '/usr/lib',
    '/usr/local/lib',
    '/opt/intel/oneapi/mkl/latest/lib/intel64',
    '/opt/intel/oneapi/mkl/latest/lib',
  ];
}

/** The one command that installs a BLAS on this platform, for error messages. */
export function installHint(): string {
  if (process.platform === 'darwin') return 'Apple Accelerate is part of macOS and is used automatically; or `brew install openblas`';
  if (fs.existsSync('/etc/alpine-release')) return '`apk add openblas`';
  if (fs.existsSync('/etc/fedora-release') || fs.existsSync('/etc/redhat-release')) return '`dnf install openblas-threads`';
  return '`apt-get install libopenblas0-pthread`';
}

interface Koffi {
  load(file: string): { func(signature: string): (...args: unknown[]) => unknown };
}

function loadKoffi(): Koffi {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('koffi') as Koffi;
  } catch (e) {
    throw new BackendError(`the blas backend needs the koffi package, which did not load (${(e as Error).message.split('\n')[0]}); reinstall with \`npm ci\``);
  }
}

type Lib = ReturnType<Koffi['load']>;

/** An optional symbol: undefined when the library lacks it. */
function optional<T>(lib: Lib, signature: string): T | undefined {
  try {
    return lib.func(signature) as unknown as T;
  } catch {
    return undefined;
  }
}

/** Sets the library's thread count and reads back what it uses. */
function configureThreads(lib: Lib, vendor: BlasVendor, threads: number): number {
  if (vendor === 'openblas') {
    optional<(n: number) => void>(lib, 'void openblas_set_num_threads(int)')?.(threads);
    return optional<() => number>(lib, 'int openblas_get_num_threads()')?.() ?? threads;
  }
  if (vendor === 'blis') {
    optional<(n: number) => void>(lib, 'void bli_thread_set_num_threads(int64_t)')?.(threads);
    return Number(optional<() => number>(lib, 'int64_t bli_thread_get_num_threads()')?.() ?? threads);
  }
  if (vendor === 'mkl') {
    optional<(n: number) => void>(lib, 'void MKL_Set_Num_Threads(int)')?.(threads);
    return optional<() => number>(lib, 'int MKL_Get_Max_Threads()')?.() ?? threads;
  }
  // Accelerate has no thread-count call; VECLIB_MAXIMUM_THREADS is read when it loads (set below).
  return threads;
}

function libraryConfig(lib: Lib, vendor: BlasVendor): string | undefined {
  if (vendor === 'openblas') return optional<() => string>(lib, 'const char *openblas_get_config()')?.() ?? undefined;
  return undefined;
}

/** The vendor decides how threads are set: told by the symbols the library exports, else by its name. */
function detectVendor(lib: Lib, file: string, hint: BlasVendor): BlasVendor {
  if (optional(lib, 'int openblas_get_num_threads()')) return 'openblas';
  if (optional(lib, 'int64_t bli_thread_get_num_threads()')) return 'blis';
  if (optional(lib, 'int MKL_Get_Max_Threads()')) return 'mkl';
  return path.basename(file).toLowerCase().includes('accelerate') ? 'accelerate' : hint;
}

function tryLoad(koffi: Koffi, file: string, hint: BlasVendor, threads: number): BlasLibrary {
  if (hint === 'accelerate') process.env.VECLIB_MAXIMUM_THREADS = String(threads);
  const lib = koffi.load(file);
  const sgemm = lib.func(
    'void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)',
  ) as unknown as SgemmFunction;
  const sgemv = lib.func(
    'void cblas_sgemv(int, int, int, int, float, const float *, int, const float *, int, float, float *, int)',
  ) as unknown as SgemvFunction;
  const vendor = detectVendor(lib, file, hint);
  const blas: BlasLibrary = {
    vendor,
    file,
    config: libraryConfig(lib, vendor),
    sgemm,
    sgemv,
    threads: configureThreads(lib, vendor, threads),
    setThreads(n: number) {
      blas.threads = configureThreads(lib, vendor, n);
    },
  };
  return blas;
}

export interface LoadBlasOptions {
  /** Threads for the BLAS (default: all cores). */
  threads?: number;
  /** A library file to use instead of searching (default: PERCEIVER_BLAS). */
  file?: string;
}

/**
 * Loads the first BLAS found and sets its thread count. Throws a BackendError naming every file
 * looked for and where, and the command that installs one.
 */
export function loadBlas(options: LoadBlasOptions = {}): BlasLibrary {
  const threads = options.threads ?? os.cpus().length;
  const koffi = loadKoffi();
  const explicit = options.file ?? (process.env.PERCEIVER_BLAS || undefined);
  if (explicit) {
    try {
      return tryLoad(koffi, explicit, /accelerate/i.test(explicit) ? 'accelerate' : 'openblas', threads);
    } catch (e) {
      throw new BackendError(
        `PERCEIVER_BLAS=${explicit} could not be loaded as a CBLAS library (${(e as Error).message.split('\n')[0]}); ` +
          `point it at a library exporting cblas_sgemm and cblas_sgemv, e.g. /usr/lib/x86_64-linux-gnu/libopenblas.so.0 (install: ${installHint()}), or unset it to search the usual places`,
      );
    }
  }
  const candidates = process.platform === 'darwin' ? MAC : process.platform === 'linux' ? LINUX : [];
  const dirs = libraryDirs();
  const failures: string[] = [];
  for (const { vendor, names } of candidates) {
    for (const name of names) {
      const files = path.isAbsolute(name) ? [name] : dirs.map((d) => path.join(d, name)).filter((f) => fs.existsSync(f));
      for (const file of files) {
        try {
          return tryLoad(koffi, file, vendor, threads);
        } catch (e) {
          failures.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  const looked = candidates.map((c) => c.names.join(', ')).join('; ');
  throw new BackendError(
    `no BLAS library found for the blas backend: looked for ${looked || `nothing on ${process.platform}`} in ${dirs.join(', ')}` +
      `${failures.length ? ` (found but not loadable: ${failures.join('; ')})` : ''}. ` +
      `Install one with ${installHint()}, or set PERCEIVER_BLAS=/path/to/libblas with cblas_sgemm and cblas_sgemv.`,
  );
}
