import type { HttpRoute } from './service-definition.js';

export interface MatchedRoute {
  route: HttpRoute;
  pathParameters: Record<string, string> | null;
}

/** The route of serverless.yml a request reaches, with its path parameters, as API Gateway matches. */
export function matchRoute(routes: HttpRoute[], method: string, requestPath: string): MatchedRoute | undefined {
  // API Gateway treats /a/b/ as /a/b.
  const segments = requestPath.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    if (route.method !== method && route.method !== 'ANY') continue;
    // The root resource `/` has no segment after its slash, like a request for `/`.
    const template = route.resource.replace(/\/+$/, '').split('/');
    if (template.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const actual = segments[i] ?? '';
      const parameter = /^\{(.+)\}$/.exec(part);
      if (parameter?.[1]) {
        parameters[parameter[1]] = actual;
        return actual !== '';
      }
      return part === actual;
    });
    if (matches) return { route, pathParameters: Object.keys(parameters).length > 0 ? parameters : null };
  }
  return undefined;
}

/** Every route declared on a request path, whatever its method: what a CORS preflight asks about. */
export function routesAtPath(routes: HttpRoute[], requestPath: string): HttpRoute[] {
  return routes.filter((route) => matchRoute([route], route.method, requestPath) !== undefined);
}
