import { buildPage } from '../../scripts/build-page.js';

/** vitest global setup: the page GET / serves, built from web/src before any test file runs. */
export default async function setup(): Promise<void> {
  await buildPage();
}
