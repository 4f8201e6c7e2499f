// The error an app catches, from the built package (dist/offline-sync) in plain
// Node: no browser needed, since Node has no IndexedDB (a `storage` error) and bad
// input is refused before anything is opened (an `input` TypeError).
// isOfflineSyncError recognises both and nothing else, and its list of kinds is
// the engine's (core/src/error.rs) and the declared SyncErrorKind's.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const ROOT = join(import.meta.dirname, '..');
const PKG = join(ROOT, 'dist/offline-sync');

describe('OfflineSyncError and isOfflineSyncError', () => {
  let core, kinds;

  before(async () => {
    core = await import(join(PKG, 'core.js'));
    ({ SYNC_ERROR_KINDS: kinds } = await import(join(PKG, 'errors.js')));
    await core.ready(readFileSync(join(PKG, 'wasm/offline_sync_bg.wasm')));
  });

  test('both entry points export the guard', () => {
    assert.equal(typeof core.isOfflineSyncError, 'function');
    // The root entry needs react to import: its re-export is read instead (the
    // type test checks both .d.ts; e2e/package.test.mjs imports it with react).
    const index = readFileSync(join(PKG, 'index.js'), 'utf8');
    assert.match(index, /export \{[^}]*\bisOfflineSyncError\b[^}]*\} from '\.\/core\.js'/);
  });

  test('its kinds are the engine\'s and SyncErrorKind\'s, in order', () => {
    const rust = readFileSync(join(ROOT, 'core/src/error.rs'), 'utf8');
    const fromRust = [...rust.matchAll(/ErrorKind::\w+ => "(\w+)"/g)].map((x) => x[1]);
    assert.deepEqual([...kinds], fromRust);
    const dts = readFileSync(join(PKG, 'wasm/offline_sync.d.ts'), 'utf8');
    const union = dts.match(/export type SyncErrorKind = ([^;]+);/)[1];
    assert.deepEqual([...kinds], [...union.matchAll(/'(\w+)'/g)].map((x) => x[1]));
  });

  test('a bad call rejects with an input TypeError it recognises', async () => {
    const e = await core.getSyncEngine().queueMutation('UPSERT', 'course', 'c1', {}).then(
      () => assert.fail('resolved'),
      (e) => e,
    );
    assert.ok(e instanceof TypeError, String(e));
    assert.equal(e.kind, 'input');
    assert.equal(core.isOfflineSyncError(e), true);
  });

  test('a failure of the engine rejects with an OfflineSyncError it recognises', async () => {
    // Node has no IndexedDB: opening the store fails, as a storage error.
    const e = await core.getSyncEngine().list('course').then(() => assert.fail('resolved'), (e) => e);
    assert.equal(e.name, 'OfflineSyncError', String(e));
    assert.equal(e.kind, 'storage');
    assert.equal(core.isOfflineSyncError(e), true);
  });

  test('anything else is not one', () => {
    const { isOfflineSyncError } = core;
    const withKind = (e, kind) => Object.assign(e, { kind });
    for (const v of [
      undefined, null, 'network', 42, {}, { kind: 'network', message: 'not an Error' },
      new Error('no kind'), new TypeError('no kind'), withKind(new Error('x'), 'bogus'), withKind(new Error('x'), 7),
    ]) {
      assert.equal(isOfflineSyncError(v), false, String(v?.message ?? v));
    }
    // An error of another realm (an iframe, a vm context) with a kind is one.
    assert.equal(isOfflineSyncError(withKind(runInNewContext('new Error("x")'), 'network')), true);
    for (const k of kinds) assert.equal(isOfflineSyncError(withKind(new Error(k), k)), true);
  });
});
