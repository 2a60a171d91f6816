import type { Db } from 'mongodb';
import { DISTRIBUTIONS } from '../db/index.js';

/**
 * Whether `period` has a distribution run, read for every click but shared:
 * all clicks that arrive while one read is in flight wait for the NEXT read
 * (at most one in flight, one waiting), which starts after they arrived. So
 * a click never relies on a read older than itself (a run inserted before
 * the click began is always seen), and 64 concurrent clicks cost one or two
 * reads instead of 64.
 *
 * Why not the clock alone: a click's period is the current one, which the
 * engine refuses to distribute before it ends, but a clock that went back
 * (or a run started by hand or by a test) must still be refused.
 */
export function isPeriodDistributed(db: Db, period: string): Promise<boolean> {
  let reads = readsByDb.get(db);
  if (!reads) readsByDb.set(db, (reads = new Map()));
  let state = reads.get(period);
  if (!state) reads.set(period, (state = { inFlight: null, next: null }));
  return joinNext(db, period, state);
}

interface ReadState {
  inFlight: Promise<boolean> | null;
  next: Promise<boolean> | null;
}

const readsByDb = new WeakMap<Db, Map<string, ReadState>>();

function joinNext(db: Db, period: string, state: ReadState): Promise<boolean> {
  if (state.next) return state.next;
  const start = (): Promise<boolean> => {
    const read = db.collection(DISTRIBUTIONS).findOne({ _id: period as never }, { projection: { _id: 1 } }).then((doc) => doc !== null);
    state.inFlight = read;
    void read.finally(() => { if (state.inFlight === read) state.inFlight = null; }).catch(() => {});
    return read;
  };
  if (!state.inFlight) return start();
  const next = state.inFlight.catch(() => false).then(() => {
    state.next = null;
    return start();
  });
  state.next = next;
  return next;
}
