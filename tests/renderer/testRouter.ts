import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { consoleSections } from '../../src-renderer/src/features/sections';

/**
 * A router with the console's section routes (by name, as links between views use them) and
 * empty views, for component tests of pages that read their query or link to other sections.
 */
export function testRouter(): Router {
  const empty = { render: () => null };
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      ...consoleSections.map((section) => ({ path: section.path, name: section.name, component: empty })),
      { path: '/:any(.*)*', component: empty },
    ],
  });
}
