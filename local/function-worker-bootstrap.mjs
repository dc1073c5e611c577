// The entry of a function's worker thread. Worker threads inherit no module hooks (the parent
// may be tsx or vitest), so tsx is registered here, in plain JavaScript, before the worker's
// TypeScript and the handler's are loaded.
import { register } from 'tsx/esm/api';

register();
await import('./function-worker.ts');
