// Loaded into the service by the accept-rate scenario (node --import): counts and times
// every FileHandle.sync() (WalSync's fsync of the WAL, the one fsync a 202 waits for) and
// writes the running totals to $FSYNC_PROBE_OUT four times a second. Measurement only.
import { open, rename, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import process from 'node:process';

const out = process.env.FSYNC_PROBE_OUT;
if (out) {
  const handle = await open('/dev/null', 'r');
  const proto = Object.getPrototypeOf(handle);
  await handle.close();
  const totals = { count: 0, totalMs: 0, inFlight: 0, maxInFlight: 0 };
  const sync = proto.sync;
  proto.sync = async function probedSync(...args) {
    const started = performance.now();
    totals.count += 1;
    totals.inFlight += 1;
    totals.maxInFlight = Math.max(totals.maxInFlight, totals.inFlight);
    try {
      return await sync.apply(this, args);
    } finally {
      totals.inFlight -= 1;
      totals.totalMs += performance.now() - started;
    }
  };
  // Written aside, then renamed: the reader never sees half a file.
  const write = () => writeFile(`${out}.next`, JSON.stringify(totals)).then(() => rename(`${out}.next`, out));
  setInterval(() => void write().catch(() => undefined), 250).unref();
}
