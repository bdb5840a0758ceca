import { match, type Route } from './routes';

/** router holds the current route; navigate changes it without a page load. */
export const router = $state<{ route: Route; path: string }>({ route: match(location.pathname), path: location.pathname });

export function navigate(path: string, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  sync();
}

function sync() {
  router.path = location.pathname;
  router.route = match(location.pathname);
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', sync);

/** link is an action for <a href> elements: same-site clicks navigate in place. */
export function link(node: HTMLAnchorElement) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = node.getAttribute('href');
    if (!href || !href.startsWith('/') || href.startsWith('//')) return;
    e.preventDefault();
    navigate(href);
  };
  node.addEventListener('click', onClick);
  return { destroy: () => node.removeEventListener('click', onClick) };
}
