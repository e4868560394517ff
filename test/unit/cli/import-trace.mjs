// `NODE_OPTIONS=--import <this file>` with HILBRIDGE_IMPORT_TRACE=<file>: every module URL the
// process loads is appended to that file, so a test can see which command modules a run imported.
import { register } from 'node:module';
import { URL } from 'node:url';

register(new URL('./import-trace-hooks.mjs', import.meta.url));
