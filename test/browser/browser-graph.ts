/**
 * Bundles an entry for the browser platform with esbuild (no shims, no polyfills) and reports every
 * Node built-in that the bundle would need: the built-in, and the import chain from the entry that
 * reaches it. A package may map a built-in away for browsers (package.json "browser": {"fs": false},
 * as tfjs does for its Node-only code paths); esbuild's own resolution decides that, not this code.
 */
import { builtinModules } from 'module';
import * as esbuild from 'esbuild';

export interface NodeBuiltinUse {
  builtin: string;
  /** Files from the entry to the importer of the built-in, relative to the working directory. */
  chain: string[];
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const RESOLVING = Symbol('resolving');

export interface BrowserBundle {
  uses: NodeBuiltinUse[];
  /** Output files by path (with `write: false`). */
  outputs: esbuild.OutputFile[];
  metafile: esbuild.Metafile;
}

export async function bundleForBrowser(entry: string, options: esbuild.BuildOptions = {}): Promise<BrowserBundle> {
  const unresolved: { builtin: string; importer: string }[] = [];
  const findBuiltins: esbuild.Plugin = {
    name: 'find-node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (!BUILTINS.has(args.path) || args.pluginData === RESOLVING) return undefined;
        const own = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING });
        if (own.errors.length === 0 && !own.external) return undefined;
        unresolved.push({ builtin: args.path, importer: args.importer });
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...options,
    plugins: [findBuiltins, ...(options.plugins ?? [])],
  });
  const metafile = result.metafile!;
  const inputs = metafile.inputs;
  const parent = new Map<string, string>();
  const root = Object.keys(inputs).find((file) => !Object.values(inputs).some((i) => i.imports.some((x) => x.path === file)))!;
  const queue = [root];
  const seen = new Set(queue);
  while (queue.length) {
    const file = queue.shift()!;
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      parent.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  const chainTo = (file: string): string[] => {
    const chain = [file];
    while (parent.has(chain[0])) chain.unshift(parent.get(chain[0])!);
    return chain;
  };
  const relative = (absolute: string) => absolute.replace(`${process.cwd()}/`, '');
  const uses = unresolved.map(({ builtin, importer }) => ({ builtin, chain: chainTo(relative(importer)) }));
  return { uses, outputs: result.outputFiles ?? [], metafile };
}

/** One line per built-in use: "fs: src/browser.ts -> src/a.ts -> src/b.ts". */
export function describeUses(uses: NodeBuiltinUse[]): string {
  return uses.map((u) => `${u.builtin}: ${u.chain.join(' -> ')}`).join('\n');
}
