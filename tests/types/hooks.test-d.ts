// The live query hooks as an app's TypeScript sees them (tsc --noEmit -p tests/types):
// generic over the entity's data type, `data` possibly undefined while loading.
import { useEntity, useLiveQuery, type LiveResult } from '../../dist/offline-sync/index.js';

interface Lesson {
  courseId: string;
  position: number;
  title: string;
}

export function LessonTitles(courseId: string): string[] {
  const lessons: LiveResult<Lesson[]> = useLiveQuery<Lesson>('lesson', {
    where: { courseId, position: { gte: 0 } },
    orderBy: [{ field: 'position', direction: 'asc' }],
    limit: 100,
  });
  // @ts-expect-error: no data while loading
  void lessons.data.length;
  const pos: number | undefined = lessons.data?.[0]?.position;
  void pos;
  const err: Error | undefined = lessons.error;
  void err;
  // @ts-expect-error: a query option that does not exist
  useLiveQuery<Lesson>('lesson', { whereNot: {} });
  const one = useEntity<Lesson>('lesson', 'l1');
  const title: string | undefined = one.data?.title;
  const loading: boolean = one.isLoading;
  void loading;
  // Without a type argument, the entity is EntityData.
  const any = useLiveQuery('course');
  void any.data?.[0]?.id;
  return title ? [title] : [];
}
