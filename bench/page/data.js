// The data every implementation handles, shared by the page and the seeder (Node).
// One entity on the wire ({entityType, id, version, deleted, data}) is about 300
// bytes of JSON.

export const ENTITY_TYPE = 'item';

const WORDS = ['offline', 'sync', 'lesson', 'course', 'index', 'store', 'queue', 'page', 'cursor', 'merge', 'client', 'server'];
const BODY =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.';

export function itemId(i) {
  return 'item-' + String(i).padStart(6, '0');
}

export function itemData(i, prefix = '') {
  const id = prefix + itemId(i);
  return {
    id,
    title: `Item ${i}: ${WORDS[i % 12]} ${WORDS[(i * 7) % 12]}`,
    body: `${BODY} ${WORDS[(i * 3) % 12]}`,
    tags: [WORDS[i % 12], WORDS[(i + 5) % 12]],
    position: i,
    done: i % 3 === 0,
    updatedAt: 1700000000000 + i * 1000,
  };
}

// The live-query workload's data: lessons spread over courses, 100 per course
// (lesson i is in course i % courses, at position i / courses).
export const LESSONS_PER_COURSE = 100;

export function courseId(c) {
  return 'course-' + String(c).padStart(4, '0');
}

export function lessonId(i) {
  return 'lesson-' + String(i).padStart(6, '0');
}

export function lessonData(i, courses) {
  return { id: lessonId(i), courseId: courseId(i % courses), position: Math.floor(i / courses), title: `Lesson ${i}`, body: BODY };
}
