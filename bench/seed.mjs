// Seeding the reference server with the users the workloads pull.

import { ENTITY_TYPE, itemData, itemId, LESSONS_PER_COURSE, lessonData, lessonId } from './page/data.js';

// Seeds user `pull-<n>` with n entities through the push endpoint, in batches.
export async function seed(api, n) {
  const user = `pull-${n}`;
  const probe = await fetch(`${api}/sync/pull?limit=1`, { headers: { Authorization: `Bearer dev-${user}` } });
  if (!probe.ok) throw new Error(`seed probe: ${probe.status} ${await probe.text()}`);
  if ((await probe.json()).changes.length > 0) return user; // seeded by an earlier run
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    const mutations = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      mutations.push({
        mutationId: `seed-${n}-${j}`,
        op: 'CREATE',
        entityType: ENTITY_TYPE,
        entityId: itemId(j),
        data: itemData(j),
      });
    }
    const r = await fetch(`${api}/sync/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'bench-seed', mutations }),
    });
    if (!r.ok) throw new Error(`seed push: ${r.status} ${await r.text()}`);
    const { results } = await r.json();
    const bad = results.find((x) => x.status !== 'applied');
    if (bad) throw new Error(`seed push: ${JSON.stringify(bad)}`);
  }
  return user;
}

// The live-query workload's user: `n` lessons over n/100 courses (bench/page/data.js).
export async function seedLessons(api, n) {
  const user = `lessons-${n}`;
  const probe = await fetch(`${api}/sync/pull?limit=1`, { headers: { Authorization: `Bearer dev-${user}` } });
  if (!probe.ok) throw new Error(`seed probe: ${probe.status} ${await probe.text()}`);
  if ((await probe.json()).changes.length > 0) return user;
  const courses = n / LESSONS_PER_COURSE;
  for (let i = 0; i < n; i += 1000) {
    const mutations = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      mutations.push({ mutationId: `seed-l${n}-${j}`, op: 'CREATE', entityType: 'lesson', entityId: lessonId(j), data: lessonData(j, courses) });
    }
    const r = await fetch(`${api}/sync/push`, {
      method: 'POST',
      headers: { Authorization: `Bearer dev-${user}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'bench-seed', mutations }),
    });
    if (!r.ok) throw new Error(`seed push: ${r.status} ${await r.text()}`);
  }
  return user;
}
