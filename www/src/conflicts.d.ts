import type { ConflictPolicy, EntityData } from 'offline-sync';

export function mergeProgress(local: EntityData | null, server: EntityData | null): EntityData;
export const conflicts: Record<string, ConflictPolicy>;
