/*
 * Promela model of the `shared` flavour's grace-period protocol, step by step as in
 * packages/core/src/flavor/shared/shared-grace.ts (labels R1..R4 and W1..W9 are the comments there).
 *
 * Checked by `spin` exhaustively (model/check.mjs):
 *   - safety: when synchronize() returns, no reader that was inside a section when it was called is still
 *     inside that same section (the assert at the end of Writer);
 *   - liveness of waiting: no process blocks forever once readers leave (spin's invalid-end-state check:
 *     a writer asleep on WAITING or SEQ with nobody left to wake it is reported);
 * for 2 readers (reader 0 nests) + 1 writer, and 2 readers + 2 writers racing for the runner lock.
 * Mutants that must FAIL (proof the model can catch bugs): ONE_PHASE (skip W4) and NO_WAKE (readers skip R3/R4).
 *
 * -DWAITFOR adds a second thread that calls `waitFor(getState())` (the polled API: it requests nothing before
 * its own "done?" check) while the writer runs synchronize() back to back, with its own driver (A1/A2 in
 * shared-grace.ts): a waiter whose cookie has completed must always resolve, without any further grace period
 * being requested (the writer stops after CALLS calls; a stranded waiter is an invalid end state). Mutant
 * LOST_WAKE: request() finds the cookie already done and returns without running the driver — the old code.
 *
 * -DLOCK_MODEL checks the robust spinlock instead (flavor/shared/lock.ts), see the second half of this file.
 *
 * JS Atomics are sequentially consistent, so each shared load/store is one interleaving step here.
 */
#ifndef NW
#define NW 1
#endif
#ifndef NR
#define NR 2
#endif
#ifndef SECTIONS
#define SECTIONS 2
#endif
#ifndef CALLS
#define CALLS 2
#endif

byte gp_phase = 0;        /* GP_PHASE */
byte slot[NR];            /* slot CTR: 0 inactive, 1 + phase inside */
short waiting = 0;        /* WAITING futex word */
byte seq = 0;             /* SEQ (rcu_seq; small enough not to wrap here) */
byte requested = 0;       /* REQUESTED */
byte lock = 0;            /* LOCK: runner id + 1 */
#ifndef WAITS
#define WAITS 2
#endif

/* ghosts */
byte sec[NR];             /* number of the section each reader is in (or was last in) */
bool inside[NR];          /* reader is between its section's first and last data access */

#define snap(s) ((((s) + 7) / 4) * 4)

/* W9: spin, then sleep on WAITING until no slot is active with the other phase. */
inline wait_for_readers() {
  do
  :: true ->
     old = false; ph = gp_phase; k = 0;
     do
     :: k < NR -> v = slot[k]; if :: (v != 0 && v != 1 + ph) -> old = true :: else -> skip fi; k++
     :: else -> break
     od;
     if
     :: !old -> break
     :: else ->
        waiting = -1;
        old = false; k = 0;
        do
        :: k < NR -> v = slot[k]; if :: (v != 0 && v != 1 + ph) -> old = true :: else -> skip fi; k++
        :: else -> break
        od;
        if
        :: !old -> waiting = 0; break
        :: else -> (waiting != -1)  /* Atomics.waitAsync(WAITING, -1): until a reader stores 0 and notifies */
        fi
     fi
  od
}

/* W2..W7 with LOCK held: run grace periods until the requested one has ended. */
inline run_grace_periods() {
  do
  :: seq >= requested -> break                     /* W2 */
  :: else ->
     if :: seq % 4 == 0 -> seq = seq + 1 :: else -> skip fi;   /* W3: start */
#ifndef ONE_PHASE
     wait_for_readers();                           /* W4 */
#endif
     gp_phase = 1 - gp_phase;                      /* W5 */
     wait_for_readers();                           /* W6 */
     seq = (seq / 4 + 1) * 4                       /* W7: end */
  od
}

/* Ghost: remember which section each reader is inside right now (0: none). */
inline snapshot_readers() {
  k = 0;
  do
  :: k < NR -> if :: inside[k] -> snapsec[k] = sec[k] :: else -> snapsec[k] = 0 fi; k++
  :: else -> break
  od;
  k = 0
}

/* Nobody who was inside at the snapshot is still in that same section. */
inline assert_readers_left() {
  k = 0;
  do
  :: k < NR -> assert(!(snapsec[k] != 0 && inside[k] && sec[k] == snapsec[k])); k++
  :: else -> break
  od
}

proctype Reader(byte r; bool nests) {
  byte n = 0; byte nest = 0; byte p;
  do
  :: n < SECTIONS ->
     /* outermost readLock */
     p = gp_phase;                 /* R1: load the phase ... */
     slot[r] = 1 + p;              /* R1: ... and store it into the slot (two steps: the race) */
     nest = 1;
     atomic { sec[r]++; inside[r] = true }
     if
     :: nests -> nest++; nest--    /* nested lock/unlock only count locally */
     :: else -> skip
     fi;
     inside[r] = false;
     nest = 0;
     slot[r] = 0;                  /* R2 */
#ifndef NO_WAKE
     if
     :: waiting != 0 ->            /* R3 */
        waiting = 0                /* R4 (+ notify) */
     :: else -> skip
     fi;
#endif
     n++
  :: else -> break
  od
}

proctype Writer(byte w) {
  byte cookie; byte calls = 0; byte snapsec[NR]; byte k; byte v; byte ph; bool old;
  do
  :: calls < CALLS ->
     /* synchronize(): take the cookie; ghost: remember who is inside right now */
     atomic { cookie = snap(seq); snapshot_readers() }
     /* request: REQUESTED = max(REQUESTED, cookie) (CAS loop) */
     atomic { if :: requested < cookie -> requested = cookie :: else -> skip fi }
     do
     :: seq >= cookie -> break
     :: else ->
        if
        :: atomic { lock == 0 -> lock = w + 1 } ->          /* W1 */
           run_grace_periods();
           lock = 0                                         /* W8 */
        :: else -> (lock == 0 || seq >= cookie)             /* not the runner: sleep on SEQ */
        fi
     od;
     /* synchronize() returned: nobody who was inside at the call is still in that section */
     assert_readers_left();
     calls++
  :: else -> break
  od
}


#ifdef WAITFOR
/*
 * A thread looping on `waitFor(getState())`. getState() requests nothing; waitFor checks "done?" itself, arms a
 * waiter (A1), then request() + the driver (A2). The driver is the same runner code as a writer's, serving this
 * thread's waiters: it resolves them once SEQ has passed their cookie. Between the caller's check and request(),
 * the writer thread may end that very grace period (the race).
 */
proctype Waiter(byte w) {
  byte cookie; byte n = 0; byte snapsec[NR]; byte k; byte v; byte ph; bool old;
  do
  :: n < WAITS ->
     atomic { cookie = snap(seq); snapshot_readers() }   /* getState() */
     if
     :: seq >= cookie -> goto resolved                  /* waitFor: already done */
     :: else -> skip                                    /* A1: arm the waiter */
     fi;
     if                                                 /* request(cookie) */
     :: seq >= cookie ->
#ifdef LOST_WAKE
        goto stranded                                   /* returns without running the driver */
#else
        skip                                            /* A2: the driver runs anyway */
#endif
     :: else -> atomic { if :: requested < cookie -> requested = cookie :: else -> skip fi }
     fi;
     do                                                 /* the driver */
     :: seq >= cookie -> break                          /* runDue: the waiter resolves */
     :: else ->
        if
        :: atomic { lock == 0 -> lock = w + 1 } ->
           run_grace_periods();
           lock = 0
        :: else -> (lock == 0 || seq >= cookie)         /* sleep on SEQ */
        fi
     od;
resolved:
     assert_readers_left();
     n++
  :: else -> break
  od;
  goto finished;
stranded:
  false;                                                /* pending forever while poll(cookie) is true */
finished:
  skip
}
#endif


/*
 * ---- LOCK_MODEL: the robust spinlock (flavor/shared/lock.ts) ------------------------------------------------
 *
 * NT threads each run OPS critical sections on one structure under one lock word. Thread 0 may die at any step
 * while it holds the lock (a worker terminated inside). `alive[t]` is the kernel's task list: it turns false only
 * after thread t has run its last step (a dead thread never runs again). A spinner takes the lock with CAS 0 → id,
 * or over from a holder that is not alive (CAS holder → id). The structure is a counter published by one final
 * store (as the ring's TAIL/HEAD and the free list's head are): read it, then commit `value + 1`.
 * Checked: mutual exclusion among live threads; the structure is exactly as before or after each operation
 * (`value == commits`: no lost or torn update, whatever the dead holder did); no live thread waits forever.
 * Mutants that must FAIL: NO_RECOVER (waiters ignore liveness: wedged forever, an invalid end state) and
 * STEAL_LIVE (take the lock over without asking whether the holder is dead, as a timeout would: a live
 * holder's update is lost).
 */
#ifdef LOCK_MODEL
#ifndef NT
#define NT 3
#endif
#ifndef OPS
#define OPS 2
#endif
byte lk = 0;              /* the lock word: 0 free, else holder id + 1 */
bool alive[NT];           /* the kernel's thread list (/proc/self/task/<tid>) */
byte value = 0;           /* the structure */
byte commits = 0;         /* ghost: operations published */
byte incs = 0;            /* ghost: live threads inside the critical section */

proctype Locker(byte id; bool maydie) {
  byte n = 0; byte tmp;
  do
  :: n < OPS ->
     do                                                     /* lock() */
     :: atomic { lk == 0 -> lk = id + 1; break }
#ifndef NO_RECOVER
     :: atomic { lk != 0 && !alive[lk - 1] -> lk = id + 1; break }   /* take over from a dead holder */
#endif
#ifdef STEAL_LIVE
     :: atomic { lk != 0 && lk != id + 1 -> lk = id + 1; break }     /* "held too long": steal */
#endif
     od;
     atomic { incs++; assert(incs == 1) }                   /* exclusive among live threads */
     assert(value == commits);                              /* consistent when a holder takes over */
     if :: maydie -> goto die :: true -> skip fi;            /* it may die here */
     tmp = value;                                           /* read */
     if :: maydie -> goto die :: true -> skip fi;            /* it may die here */
     atomic { value = tmp + 1; commits++ }                  /* one store publishes */
     if :: maydie -> goto die :: true -> skip fi;            /* it may die here */
     incs--;
     lk = 0;                                                /* unlock */
     n++
  :: else -> break
  od;
  goto end_done;
die:
  atomic { incs--; alive[id] = false };                     /* its last step; the kernel drops it after */
end_done:
  skip
}

init {
  atomic {
    byte t = 0;
    do
    :: t < NT -> alive[t] = true; t++
    :: else -> break
    od;
    run Locker(0, true);
    t = 1;
    do
    :: t < NT -> run Locker(t, false); t++
    :: else -> break
    od
  }
}
#else
init {
  atomic {
    run Reader(0, true);
#if NR > 1
    run Reader(1, false);
#endif
    run Writer(0);
#if NW > 1
    run Writer(1);
#endif
#ifdef WAITFOR
    run Waiter(NW);
#endif
  }
}
#endif
