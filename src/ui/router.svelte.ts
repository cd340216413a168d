/** Hash routes: #/ (home), #/gan, #/recsys, #/sessions. Hash routing works on any static host. */
export const ROUTES = [
  { path: '/', title: 'Start' },
  { path: '/gan', title: 'GAN lab' },
  { path: '/recsys', title: 'Recommender lab' },
  { path: '/sessions', title: 'Sessions' },
] as const;
export type RoutePath = (typeof ROUTES)[number]['path'];

function current(): RoutePath {
  const path = location.hash.replace(/^#/, '') || '/';
  return ROUTES.find((r) => r.path === path)?.path ?? '/';
}

class Router {
  path = $state<RoutePath>(current());

  constructor() {
    addEventListener('hashchange', () => {
      this.path = current();
    });
  }
}

export const router = new Router();
