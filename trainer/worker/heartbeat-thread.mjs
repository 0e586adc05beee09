/**
 * The heartbeat of a running job, on its own thread with its own database connection.
 *
 * Why a thread: TensorFlow.js work runs synchronously between awaits that resolve as microtasks
 * (the wasm backend's data() included), so a timer on the main thread can starve for as long as a
 * stage runs. Here the heartbeat keeps its pace whatever the main thread does, and a dead process
 * stops it at once, which is what the reaper needs to tell the two apart.
 *
 * Protocol: workerData = { databaseUrl, jobId, workerId, intervalMs, flags } where flags is an
 * Int32Array over a SharedArrayBuffer: [0] cancel requested, [1] job lost (reaped or finished
 * elsewhere), both written here and read synchronously by the main thread. Messages from the main
 * thread: { progress } (stored with the next beat), { stop: true } (last beat, then exit).
 * A watchdog stops beating when the main thread has sent nothing for `silenceMs`, so a hung
 * process does not hold its job forever.
 *
 * A database restart must not end the thread: its connection is opened lazily, dropped on any
 * error (an 'error' event with no listener would kill the thread, and the job's heartbeat with
 * it), and opened again at the next beat. An outage is logged once, and its end once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

const { databaseUrl, jobId, workerId, intervalMs, silenceMs, flags } = workerData;
/** The open connection, or null: opened at the next beat. */
let client = null;
let outageSince = null;
let progress = null;
let lastMessage = Date.now();
let stopping = false;

parentPort.on('message', (message) => {
  lastMessage = Date.now();
  if (message.progress !== undefined) progress = message.progress;
  if (message.stop) stopping = true;
});

async function connect() {
  const fresh = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: Math.max(2000, intervalMs) });
  fresh.on('error', () => {
    if (client === fresh) client = null; // a dead connection: the next beat opens a new one
    void fresh.end().catch(() => {});
  });
  await fresh.connect();
  return fresh;
}

async function beat() {
  client ??= await connect();
  const result = await client.query(
    `UPDATE "Job" SET "heartbeatAt" = (now() AT TIME ZONE 'UTC'), progress = coalesce($3::jsonb, progress)
     WHERE id = $1 AND "workerId" = $2 AND status = 'RUNNING' RETURNING "cancelRequested"`,
    [jobId, workerId, progress === null ? null : JSON.stringify(progress)],
  );
  if (result.rowCount === 0) Atomics.store(flags, 1, 1);
  else if (result.rows[0].cancelRequested) Atomics.store(flags, 0, 1);
  await client.query(`UPDATE "Worker" SET "heartbeatAt" = now() AT TIME ZONE 'UTC', "currentJobId" = $2 WHERE id = $1`, [workerId, jobId]);
}

async function beatOrNote() {
  try {
    await beat();
    if (outageSince !== null) console.log(`[worker] heartbeat: database answering again after ${((Date.now() - outageSince) / 1000).toFixed(1)} s`);
    outageSince = null;
  } catch (error) {
    const dead = client;
    client = null;
    await dead?.end().catch(() => {});
    if (outageSince === null) {
      outageSince = Date.now();
      console.error(`[worker] heartbeat failed (${error.message}); retrying at every beat`);
    }
  }
}

try {
  while (!stopping) {
    if (Date.now() - lastMessage > silenceMs) break; // the main thread looks hung: let the job be reaped
    await beatOrNote();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  if (stopping) await beatOrNote();
} finally {
  await client?.end().catch(() => {});
  parentPort.close(); // the message listener would keep the thread alive
}
