/** `perceiver-io classify --model <Hub id>` end to end: the built CLI, HF_ENDPOINT at the fake hub. */
import * as path from 'path';
import { fixturePath } from '../fixtures';
import { CLI_PATH } from '../global-setup';
import { makeTempDir, removeDir } from '../tmp-dir';
import { FakeHub } from './fake-hub';
import { NodeRun, runNode } from './run-node';
import { REPO_ID, tinySafetensorsRepo } from './tiny-repo';

let hub: FakeHub;
let cacheDir: string;
const IMAGE = fixturePath('preprocess', 'chelsea.jpg');

beforeAll(async () => {
  hub = await FakeHub.start({ [REPO_ID]: tinySafetensorsRepo() });
  cacheDir = makeTempDir('hub-cli');
});

afterAll(async () => {
  await hub.close();
  removeDir(cacheDir);
});

function classify(env: Record<string, string>, ...args: string[]): Promise<NodeRun> {
  return runNode([CLI_PATH, 'classify', '--json', '--top-k', '3', ...args, IMAGE], { HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: '', HF_TOKEN: '', ...env });
}

test('a model id is downloaded, then reused offline, with the same labels as the local directory', async () => {
  const local = await classify({}, '--model', fixturePath('tiny'));
  expect(local.code).toBe(0);
  const online = await classify({ HF_ENDPOINT: hub.endpoint }, '--model', REPO_ID, '--quiet');
  expect(online).toEqual(local);
  expect(hub.requests.some((r) => r.path.startsWith('/cdn/'))).toBe(true);
  const offline = await classify({ HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_OFFLINE: '1' }, '--model', REPO_ID);
  expect(offline).toEqual(local);
  expect(path.basename(JSON.parse(offline.stdout).file)).toBe('chelsea.jpg');
});

test('a wrong revision exits 1 naming it', async () => {
  const run = await classify({ HF_ENDPOINT: hub.endpoint }, '--model', REPO_ID, '--revision', 'v404');
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`HubError: ${hub.endpoint}/${REPO_ID}/resolve/v404/config.json: HTTP 404: revision 'v404' does not exist in '${REPO_ID}'`);
});
