/*
 * Promela model of the `shared` flavour's grace-period protocol, step by step as in
 * packages/core/src/internal/shared-grace.ts (labels R1..R4 and W1..W9 are the comments there).
 *
 * Checked by `spin` exhaustively (model/check.mjs):
 *   - safety: when synchronize() returns, no reader that was inside a section when it was called is still
 *     inside that same section (the assert at the end of Writer);
 *   - liveness of waiting: no process blocks forever once readers leave (spin's invalid-end-state check:
 *     a writer asleep on WAITING or SEQ with nobody left to wake it is reported);
 * for 2 readers (reader 0 nests) + 1 writer, and 2 readers + 2 writers racing for the runner lock.
 * Mutants that must FAIL (proof the model can catch bugs): ONE_PHASE (skip W4) and NO_WAKE (readers skip R3/R4).
 *
 * JS Atomics are sequentially consistent, so each shared load/store is one interleaving step here.
 */
#ifndef NW
#define NW 1
#endif
#define NR 2
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
     atomic {
       cookie = snap(seq);
       k = 0;
       do
       :: k < NR -> if :: inside[k] -> snapsec[k] = sec[k] :: else -> snapsec[k] = 0 fi; k++
       :: else -> break
       od;
       k = 0
     }
     /* request: REQUESTED = max(REQUESTED, cookie) (CAS loop) */
     atomic { if :: requested < cookie -> requested = cookie :: else -> skip fi }
     do
     :: seq >= cookie -> break
     :: else ->
        if
        :: atomic { lock == 0 -> lock = w + 1 } ->          /* W1 */
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
           od;
           lock = 0                                         /* W8 */
        :: else -> (lock == 0 || seq >= cookie)             /* not the runner: sleep on SEQ */
        fi
     od;
     /* synchronize() returned: nobody who was inside at the call is still in that section */
     k = 0;
     do
     :: k < NR -> assert(!(snapsec[k] != 0 && inside[k] && sec[k] == snapsec[k])); k++
     :: else -> break
     od;
     calls++
  :: else -> break
  od
}

init {
  atomic {
    run Reader(0, true);
    run Reader(1, false);
    run Writer(0);
#if NW > 1
    run Writer(1);
#endif
  }
}
