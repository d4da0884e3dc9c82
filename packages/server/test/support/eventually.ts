// The shared poller (test/support/eventually.ts at the repository root), where the server's tests look for it.
export { eventually } from '../../../../test/support/eventually.ts';
