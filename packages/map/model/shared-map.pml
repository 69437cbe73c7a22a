/*
 * The publish / retire / resize protocol of @rcu/map (packages/map/src/shared-map-impl.ts), for spin.
 *
 * Records 1..NR carry key, val (a fresh version on every fill), nxt (chain link) and lvl (the table level whose
 * chain they belong to). The old table (level 0) has one bucket, the new table (level 1) two (bucket = key).
 * Every shared load and store is its own step; `atomic` only wraps what one JS `Atomics` operation does.
 *
 *  - reader: SECTIONS read sections; each looks up key 0 (present for the whole run, only ever replaced) and key 1
 *    (inserted and deleted meanwhile) exactly as lookup() does: load STATE, walk the bucket's chain, on a miss load
 *    STATE again and walk the newer table. It keeps the record found and, before leaving the section, asserts it
 *    still holds the key and version it held (not recycled while the section could see it), and asserts key 0
 *    was found (no present key missed, also during the resize).
 *  - writer: replaces key 0 twice (copy-update: fill a free record, publish it in place of the old one under the
 *    lock), inserts key 1, deletes key 1; unlinked records are freed only after a grace period (the reader was
 *    seen outside a section after the unlink: with one reader that is exactly the grace period).
 *  - resizer: sets the resize bit, then under the lock moves every record of the old bucket, last record first:
 *    link it at the new bucket's head, mark its level, cut it from the old chain; then publishes level 1.
 *
 * Mutants (must be caught): NO_GRACE frees unlinked records at once; CUT_FIRST cuts a record from the old chain
 * before linking it into the new one; NO_RECHECK makes the reader trust its first STATE load on a miss.
 */
#ifndef SECTIONS
#define SECTIONS 2
#endif
#define NR 4
#define NIL 0
#define HEAD 255

byte key[NR + 1];
byte val[NR + 1];
byte nxt[NR + 1];
byte lvl[NR + 1];
bit  free[NR + 1];
byte old_b;            /* level 0: one bucket */
byte new_b[2];         /* level 1: two buckets */
byte state = 0;        /* bit 0: current level; bit 1: resizing */
bit  lock = 0;
bit  inside = 0;
byte version = 0;
bit  done_writer = 0;

/* Under the lock: find key k. Sets r (record or NIL), pk (0: old head, 1: new head, 2: record pr). */
inline find(k, r, pk, pr) {
  r = NIL;
  if
  :: (state & 1) == 0 ->
     pk = 0; r = old_b;
     do
     :: r == NIL -> break
     :: r != NIL && key[r] == k -> break
     :: r != NIL && key[r] != k -> pk = 2; pr = r; r = nxt[r]
     od
  :: else -> skip
  fi;
  if
  :: r == NIL && ((state & 1) == 1 || (state & 2) == 2) ->
     pk = 1; r = new_b[k];
     do
     :: r == NIL -> break
     :: r != NIL && key[r] == k -> break
     :: r != NIL && key[r] != k -> pk = 2; pr = r; r = nxt[r]
     od
  :: else -> skip
  fi
}

inline store_pred(pk, pr, k, v) {
  if
  :: pk == 0 -> old_b = v
  :: pk == 1 -> new_b[k] = v
  :: pk == 2 -> nxt[pr] = v
  fi
}

inline alloc(r) {
  atomic {
    if
    :: free[1] -> r = 1
    :: free[2] -> r = 2
    :: free[3] -> r = 3
    :: free[4] -> r = 4
    fi;
    free[r] = 0
  }
}

inline retire(o) {
#ifndef NO_GRACE
  (inside == 0);       /* grace period: every section that could see o has ended */
#endif
  free[o] = 1
}

inline lock_it() { atomic { lock == 0 -> lock = 1 } }
inline unlock_it() { lock = 0 }

inline replace_or_insert(k) {
  alloc(r);
  key[r] = k;
  version++;
  val[r] = version;
  lock_it();
  find(k, o, pk, pr);
  if
  :: o != NIL ->
     nxt[r] = nxt[o];
     lvl[r] = lvl[o];
     store_pred(pk, pr, k, r);      /* publish in place of o */
     unlock_it();
     retire(o)
  :: else ->
     if
     :: (state & 1) == 1 || (state & 2) == 2 -> nxt[r] = new_b[k]; lvl[r] = 1; new_b[k] = r
     :: else -> nxt[r] = old_b; lvl[r] = 0; old_b = r
     fi;
     unlock_it()
  fi
}

inline delete(k) {
  lock_it();
  find(k, o, pk, pr);
  if
  :: o != NIL -> store_pred(pk, pr, k, nxt[o]); unlock_it(); retire(o)
  :: else -> unlock_it()
  fi
}

proctype writer() {
  byte r, o, pk, pr;
  replace_or_insert(0);
  replace_or_insert(1);
  replace_or_insert(0);
  delete(1);
  done_writer = 1
}

proctype resizer() {
  byte r, nx, pr, pk, nb;
  state = 2;            /* resizing: new keys go to the new table */
  lock_it();
  do
  :: true ->
     pk = 0; r = old_b;
     if
     :: r == NIL -> break
     :: r != NIL && lvl[r] != 0 -> old_b = NIL; break
     :: else -> skip
     fi;
     do                 /* the last record of the old chain */
     :: nx = nxt[r];
        if
        :: nx != NIL && lvl[nx] == 0 -> pk = 2; pr = r; r = nx
        :: else -> break
        fi
     od;
     nb = key[r];
#ifdef CUT_FIRST
     if :: pk == 0 -> old_b = NIL :: else -> nxt[pr] = NIL fi;
#endif
     if
     :: new_b[nb] != r -> nxt[r] = new_b[nb]; new_b[nb] = r
     :: else -> skip
     fi;
     lvl[r] = 1;
#ifndef CUT_FIRST
     if :: pk == 0 -> old_b = NIL :: else -> nxt[pr] = NIL fi
#endif
  od;
  unlock_it();
  state = 1             /* one store: level 1, resize done */
}

/* lookup(k) as the reader does it; leaves the record in r (NIL on a miss). */
inline lookup(k, r) {
  s = state;
  lv = s & 1;
  do
  :: true ->
     if
     :: lv == 0 -> r = old_b
     :: else -> r = new_b[k]
     fi;
     do
     :: r == NIL -> break
     :: r != NIL && key[r] == k -> break
     :: r != NIL && key[r] != k -> r = nxt[r]
     od;
     if
     :: r != NIL -> break
     :: else ->
#ifdef NO_RECHECK
        break
#else
        s = state;
        if
        :: (s & 1) + ((s >> 1) & 1) > lv -> lv++
        :: else -> break
        fi
#endif
     fi
  od
}

proctype reader() {
  byte i = 0, s, lv, r0, v0, r1, v1;
  do
  :: i < SECTIONS ->
     inside = 1;
     lookup(0, r0);
     assert(r0 != NIL);                  /* key 0 is present throughout: never missed */
     v0 = val[r0];
     lookup(1, r1);
     if :: r1 != NIL -> v1 = val[r1] :: else -> skip fi;
     assert(key[r0] == 0 && val[r0] == v0);                      /* not recycled inside the section */
     if :: r1 != NIL -> assert(key[r1] == 1 && val[r1] == v1) :: else -> skip fi;
     inside = 0;
     i++
  :: else -> break
  od
}

init {
  atomic {
    /* key 0 present from the start, in the old table; records 2..4 free */
    key[1] = 0; val[1] = 0; nxt[1] = NIL; lvl[1] = 0; old_b = 1;
    free[2] = 1; free[3] = 1; free[4] = 1;
    run reader();
    run writer();
    run resizer()
  }
}
