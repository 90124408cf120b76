// Issue 12's trace: where the time goes between a request's connection and its answer,
// without touching the service's code. Loaded into the service with
//   BENCH_NODE_ARGS="--import ./bench/lib/answer-trace.mjs"
// (bench/trace.ts does that). Marks per request, from performance.now():
// connection accepted, headers parsed, body read, the WAL's fsync started and done
// (libuv's thread pool), the answer written (res.end), handed to the kernel ('finish');
// and every spawn() with how long it held the event loop. One JSON line per event in
// $TMPDIR/hookdeploy-answer-trace.<pid>.jsonl.
import { ChildProcess } from 'node:child_process';
import { channel } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';

const file = join(tmpdir(), `hookdeploy-answer-trace.${process.pid}.jsonl`);
const write = (event) => appendFileSync(file, `${JSON.stringify(event)}\n`);
const marks = new WeakMap();
let current;

channel('net.server.socket').subscribe(({ socket }) => marks.set(socket, { accepted: performance.now() }));
channel('http.server.request.start').subscribe(({ request, response }) => {
  const m = marks.get(request.socket) ?? {};
  m.url = request.url;
  m.headers = performance.now();
  marks.set(response, m);
  request.once('end', () => {
    m.bodyRead = performance.now();
    current = m;
  });
});
channel('http.server.response.finish').subscribe(({ response }) => {
  const m = marks.get(response);
  if (!m) return;
  m.finished = performance.now();
  m.status = response.statusCode;
  write({ kind: 'request', ...m });
});
const end = ServerResponse.prototype.end;
ServerResponse.prototype.end = function (...args) {
  const m = marks.get(this);
  if (m) m.ended = performance.now();
  return end.apply(this, args);
};
const handle = await open(file, 'a');
const FileHandle = handle.constructor;
await handle.close();
const sync = FileHandle.prototype.sync;
FileHandle.prototype.sync = async function () {
  const m = current;
  const started = performance.now();
  try {
    return await sync.call(this);
  } finally {
    if (m) Object.assign(m, { fsyncStarted: started, fsyncDone: performance.now() });
  }
};
const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function (options) {
  const started = performance.now();
  try {
    return spawn.call(this, options);
  } finally {
    write({
      kind: 'spawn',
      file: options.file,
      args: options.args?.slice(1, 6),
      started,
      blockedMs: performance.now() - started,
    });
  }
};
