// The engine's JS surface is written out by hand in three places; this type test
// (tsc --noEmit -p tests/types, in scripts/test.sh) fails when they disagree:
//
//   1. the wasm exports: `SyncEngine` in the generated wasm/offline_sync.d.ts, from
//      the #[wasm_bindgen] methods of src/api/engine.rs;
//   2. `SyncEngineApi` in js/core.d.ts, what getSyncEngine() is declared to return;
//   3. `ENGINE_METHODS` in js/core.js, what getSyncEngine() builds: its
//      `@satisfies` ties it to SyncEngineApi, checked in this program (checkJs).
//
// 1 and 2 must name the same methods, but for NOT_EXPOSED; each method of 1 must
// accept every argument list 2 allows, take as many parameters, and resolve what 2
// promises. Parameter names are not part of a type, so they are not compared.
import type { SyncEngine } from '../../dist/offline-sync/wasm/offline_sync.js';
import type { SyncEngineApi } from '../../dist/offline-sync/core.js';
import { getSyncEngine } from '../../dist/offline-sync/index.js';

/** Wasm methods getSyncEngine() does not expose, and why. */
type NOT_EXPOSED =
  | 'free' // wasm-bindgen's release of the Rust object: core.js frees each one it uses
  | 'close'; // for an engine the app constructs itself (`new SyncEngine`), not the page's

/** Compiles only when T is `never`; the error names what T is. */
declare function none<T extends never>(): void;

type MethodNames<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
type WasmMethod = Exclude<MethodNames<SyncEngine>, NOT_EXPOSED>;
type ApiMethod = MethodNames<SyncEngineApi>;

// Methods of the wasm class that SyncEngineApi (and so ENGINE_METHODS) lacks.
none<Exclude<WasmMethod, ApiMethod>>();
// Methods of SyncEngineApi the wasm class does not have.
none<Exclude<ApiMethod, WasmMethod>>();
// NOT_EXPOSED names only methods the wasm class has.
none<Exclude<NOT_EXPOSED, MethodNames<SyncEngine>>>();

// Each side's signature as a function type (not a method's, whose parameters
// TypeScript compares both ways): the wasm method must be usable as the API's,
// that is accept every argument list the API allows (an optional parameter may
// be a required `T | undefined` there: JS passes undefined for it) and resolve
// what the API promises; and both must take as many parameters.
type Agrees<K extends PropertyKey> = K extends keyof SyncEngineApi & keyof SyncEngine
  ? SyncEngineApi[K] extends (...args: infer A) => infer R
    ? SyncEngine[K] extends (...args: infer WA) => infer WR
      ? [(...args: WA) => WR] extends [(...args: A) => R]
        ? [Required<A>['length'], Required<WA>['length']] extends [Required<WA>['length'], Required<A>['length']]
          ? never
          : K
        : K
      : K
    : K
  : never;
// Methods whose parameters or result differ between SyncEngineApi and the wasm class.
none<Agrees<ApiMethod>>();

// getSyncEngine() is declared to return SyncEngineApi, every method a promise but
// the live queries, which answer at once with their stop function.
type LIVE = 'watch' | 'watchEntity';
const engine: SyncEngineApi = getSyncEngine();
type NotAsync = {
  [K in Exclude<ApiMethod, LIVE>]: ReturnType<SyncEngineApi[K]> extends Promise<unknown> ? never : K;
}[Exclude<ApiMethod, LIVE>];
none<NotAsync>();
type NotStop = { [K in LIVE]: ReturnType<SyncEngineApi[K]> extends () => void ? never : K }[LIVE];
none<NotStop>();

// Generic over the entity's data type.
interface Lesson {
  courseId: string;
  position: number;
}
const stop: () => void = engine.watch<Lesson>('lesson', { where: { courseId: 'c1' }, orderBy: 'position' }, (ls) => {
  const p: number = ls[0].position;
  void p;
});
engine.watchEntity<Lesson>('lesson', 'l1', (l) => {
  // @ts-expect-error: the entity may be absent
  const c: string = l.courseId;
  void c;
});
stop();
void engine;
