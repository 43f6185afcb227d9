/** Reading config.json and other JSON settings files from disk (Node only; parsing is in config.ts). */
import { promises as fsp } from 'fs';
import { parseConfig, PerceiverConfig } from './config';
import { ConfigError } from './errors';

export async function readConfig(file: string): Promise<PerceiverConfig> {
  return parseConfig(await readJsonFile(file), file);
}

/** Reads and parses a JSON settings file; the ConfigError names the file if it cannot be read or parsed. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf-8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return json;
}
