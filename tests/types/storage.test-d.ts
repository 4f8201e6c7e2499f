// The empty-database hook as an app's TypeScript sees it (docs/safari.md): the
// `onEmptyDatabase` option takes a function and nothing else; `startedEmpty()`
// resolves a boolean.
import { getSyncEngine, initOfflineSync } from '../../dist/offline-sync/index.js';

void initOfflineSync({ onEmptyDatabase: () => console.log('download again?') });
// @ts-expect-error a function, not a flag
void initOfflineSync({ onEmptyDatabase: true });
const empty: Promise<boolean> = getSyncEngine().startedEmpty();
void empty;

// Declared indexes (docs/queries.md): by entity type, fields or arrays of fields.
void initOfflineSync({ indexes: { lesson: ['courseId', ['courseId', 'position']], course: ['updatedAt'] } });
// @ts-expect-error field names, not numbers
void initOfflineSync({ indexes: { lesson: [5] } });
