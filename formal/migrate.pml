/*
 * numig's page migration protocol, with the lazy-flush guard, in Promela.
 * docs/design.md "Proof" says what it shows, its bounds, and what it leaves
 * out; scripts/check-model.sh runs it (make check-model).
 *
 * Each step is one atomic action of the C code, named after the function
 * that does it (mmu/migrate.c, scan.c, tlb.c, fault.c, precopy.c; KVM's
 * for the two steps of a vCPU's fill, vcpu_store()), and
 * prints "@@@ ACTOR STEP ARGS" so that a counterexample trail reads as
 * the race it is, and tests/unit/test_replay.c can drive the real code
 * through it. ACTOR: 0..NV-1 a vCPU, MIG the migration thread, SCAN the
 * scanner.
 *
 * Switches (-D): PRECOPY models --strategy precopy instead of unmap-copy.
 * Each control breaks one rule on purpose (check-model.sh says which must
 * fail and which must pass):
 *   NO_GUARD           --no-guard: a stale page is copied unguarded
 *   GUARD_AFTER_COPY   the guard runs after the copy instead of before
 *   NO_WRITE_PROTECT   the guard invalidates but keeps no write-protect hold:
 *                      passes (docs/design.md "Proof" says why)
 *   ISOLATE_KEEPS_LEAF isolate_page() leaves the leaf present during the
 *                      copy: passes with the hold, fails with
 *                      NO_WRITE_PROTECT too
 *   STALE_CLEAR_ALL    the batch clears `stale` of every page it was given,
 *                      also of those it did not invalidate
 *   NO_FINAL_HARVEST   precopy switches without the last harvest
 *   NO_FINAL_GUARD     precopy's final round runs unguarded
 *   CLEAR_AFTER_COPY   precopy clears a dirty bit after copying its piece
 *   NO_GPTE_CHANGED    KVM's side, not numig's: a walk in flight is installed
 *                      without reading the leaf again (vcpu_store() below)
 * WITNESS_STALE_WALK is no control: its "counterexample" is the shortest
 * way to a store made after a walk in flight found its frame held (EFAULT),
 * which tests/unit/test_replay.c replays on the real code.
 */

#define NV	2		/* vCPUs; vCPU v runs on node v */
#define NF	4		/* frames: frame f is on node f / 2 */
#define W	2		/* writes per vCPU */
#ifdef PRECOPY
#define NP	1		/* pages */
#define K	1		/* --migrate-batch */
#define RESIDUE	1		/* --precopy-residue: dirty pieces that end the rounds */
#define MAXR	1		/* --precopy-rounds: most recopies */
#else
#define NP	2
#define K	2
#endif
#define MIG	NV		/* actor numbers */
#define SCAN	(NV + 1)
#define NONE	255

#define node_of(f)	((f) / 2)
#define T(v, p)		((v) * NP + (p))	/* a vCPU's TLB entry for a page */
#define S(f, k)		((f) * NV + (k))	/* slot k of frame f: vCPU k's word, in piece k */
#define L(p, v)		((p) * NV + (v))

/* enum page_state */
#define PRESENT		0
#define HINTING		1
#define MIGRATING	2
/* enum mig_status */
#define DONE		0
#define BUSY		1
#define NOMEM		2

/* ---- the state numig keeps ------------------------------------------------ */

/* struct frame */
bit used[NF];			/* in_use */
byte ro_holds[NF];		/* write-protect holds (tlb.c) */
byte vmm_writes[NF];		/* a copy target: invalidations skip it */
/* struct ws_page: the leaf, and the page's metadata */
byte leaf_f[NP];
bit leaf_p[NP];			/* PTE_P */
byte frame[NP];			/* pg->frame */
byte state[NP];
bit stale[NP];
byte seq[NP];			/* odd while a migration is in flight */
bit claimed[NP];

/* ---- what numig does not own ---------------------------------------------- */

/* Each vCPU's TLB: its cached translation of each page (a frame, or NONE),
 * filled from the leaf on access, dropped only by an invalidation. */
byte tlb[NV * NP];
/* Frame contents: slot k holds the last value vCPU k stored there. */
byte mem[NF * NV];
/* The guest's own record: the last value vCPU v stored into page p. */
byte last[NP * NV];
#ifdef PRECOPY
/* KVM's dirty log, manual protect, logging on from the start with every
 * bit initially set: a store to a protected piece sets its bit and
 * unprotects it; dirty_clear() clears bits and protects their pieces. */
bit dirty[NF * NV];
bit wp[NF * NV];
#endif

byte inflight;			/* pages claimed by a migration not yet released */
byte ended;			/* actors finished */
bit checked;			/* init: every actor ended, and the final checks passed */

/* ---- tlb.c ---------------------------------------------------------------- */

/* tlb_invalidate_frames(the caller's inv[], keep_ro): every vCPU drops its
 * translations of those frames, except of frames held read-only or being
 * written by the VMM (untouchable() in tlb.c); with keep_ro each frame the
 * VMM is not writing gets a hold. One atomic step: KVM's notifier runs
 * inside mprotect, and mprotect returns when every vCPU has dropped them. */
inline tlb_invalidate_frames(keep_ro)
{
	for (j : 0 .. NV * NP - 1) {
		if
		:: tlb[j] != NONE && inv[tlb[j]] && ro_holds[tlb[j]] == 0 && vmm_writes[tlb[j]] == 0 ->
			tlb[j] = NONE
		:: else -> skip
		fi
	}
	if
	:: keep_ro ->
		for (j : 0 .. NF - 1) {
			if
			:: inv[j] && vmm_writes[j] == 0 -> ro_holds[j]++
			:: else -> skip
			fi
		}
	:: else -> skip
	fi
}

/* ---- the vCPU's store ----------------------------------------------------- */

/* One step of a guest store of `val` by vCPU v into page p, as KVM runs it.
 * A store through the vCPU's TLB entry for the page is made at once (into a
 * write-protected frame: an EFAULT exit). Without one, filling the entry
 * takes two steps, as it does in KVM:
 *  1. the walk (FNAME(walk_addr) under shadow paging, the hardware's walk
 *     under EPT/NPT) reads the leaf: not present is a #PF; present, its
 *     frame is the vCPU's walk in flight (`wk`);
 *  2. KVM resolves it: kvm_faultin_pfn() asks the host mapping for a
 *     writable page (hva_to_pfn() with a write fault), which a frame held
 *     read-only refuses: KVM_RUN fails with EFAULT, and the store is retried
 *     after mmu_handle_efault(). Otherwise the leaf is read again, under
 *     mmu_lock, before the translation is installed (FNAME(fetch) calls
 *     FNAME(gpte_changed); under EPT/NPT the faulting instruction is
 *     restarted and walks again): a leaf changed since the walk is
 *     RET_PF_RETRY, and the store starts over; an unchanged one fills the
 *     TLB and the store is made.
 * Between the two steps every other actor may run. NO_GPTE_CHANGED (a
 * control of KVM's side) installs the walked frame without the re-read.
 * res: 0 stored, 1 #PF, 2 EFAULT, 3 not yet (walked, or retried). */
inline vcpu_store(v, p, val, res)
{
	f = tlb[T(v, p)];
	res = 0;
	if
	:: f != NONE -> skip
	:: f == NONE && wk == NONE && leaf_p[p] ->
		wk = leaf_f[p]; res = 3;
		printf("@@@ %d walk_addr %d %d\n", v, p, wk)
	:: f == NONE && wk == NONE && !leaf_p[p] ->
		res = 1; printf("@@@ %d page_fault %d\n", v, p)
	:: f == NONE && wk != NONE ->
		f = wk; wk = NONE;
		if
		:: ro_holds[f] > 0 ->
#ifdef WITNESS_STALE_WALK
			stale_walk = 1
#else
			skip
#endif
#ifndef NO_GPTE_CHANGED
		:: ro_holds[f] == 0 && !(leaf_p[p] && leaf_f[p] == f) ->
			res = 3; printf("@@@ %d gpte_changed %d %d\n", v, p, f)
#endif
		:: else -> tlb[T(v, p)] = f
		fi
	fi;
	if
	:: res != 0 -> skip
	:: res == 0 && ro_holds[f] > 0 ->
		res = 2; printf("@@@ %d efault %d %d\n", v, p, f)
	:: else ->
#ifdef PRECOPY
		if
		:: wp[S(f, v)] -> dirty[S(f, v)] = 1; wp[S(f, v)] = 0
		:: else -> skip
		fi;
#endif
		mem[S(f, v)] = val; last[L(p, v)] = val;
		printf("@@@ %d write %d %d %d\n", v, p, f, val);
#ifdef WITNESS_STALE_WALK
		assert(!stale_walk)
#endif
	fi;
	f = 0
}

/* ---- migrate.c: one batch ------------------------------------------------- */

/* The locals of a migrating actor (the migration thread; a vCPU in its
 * hinting fault). it_*: struct mig_item; pc_*: struct precopy. */
#define MIG_LOCALS \
	byte it_pg[K]; byte it_tgt[K]; byte it_old[K]; byte it_new[K]; byte it_st[K]; \
	bit it_wp[K]; bit it_held[K]; bit inv[NF]; byte i; byte j; byte nheld; byte ndone; \
	bit pc_d[NV]; bit pc_conv; byte pc_rounds; byte pc_n

/* 1: claim_page(); the frame changes only under a claim. */
inline claim_pages(me, n)
{
	for (i : 0 .. n - 1) {
		if
		:: state[it_pg[i]] != MIGRATING && !claimed[it_pg[i]] ->
			claimed[it_pg[i]] = 1; it_st[i] = DONE; it_old[i] = frame[it_pg[i]];
			it_held[i] = 0; inflight++;
			printf("@@@ %d claim_page %d\n", me, it_pg[i])
		:: else ->
			it_st[i] = BUSY; it_held[i] = 0;
			printf("@@@ %d claim_busy %d\n", me, it_pg[i])
		fi
	}
	i = 0
}

/* 2: frame_alloc(): the first free frame of the target node. The frame
 * must be unreachable (tlb.h: a free frame's translations were dropped
 * when it was freed), or a batched flush that skips it as a copy target
 * would leave a vCPU writing it. */
inline alloc_targets(me, n)
{
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE ->
			if
			:: !used[2 * it_tgt[i]] -> it_new[i] = 2 * it_tgt[i]
			:: else -> if
				   :: !used[2 * it_tgt[i] + 1] -> it_new[i] = 2 * it_tgt[i] + 1
				   :: else -> it_new[i] = NONE
				   fi
			fi;
			if
			:: it_new[i] == NONE ->
				it_st[i] = NOMEM; claimed[it_pg[i]] = 0; inflight--;
				printf("@@@ %d alloc_nomem %d\n", me, it_pg[i])
			:: else ->
				used[it_new[i]] = 1;
				for (j : 0 .. NV * NP - 1) {
					assert(tlb[j] != it_new[i])
				}
				printf("@@@ %d alloc_target %d %d\n", me, it_pg[i], it_new[i])
			fi
		:: else -> skip
		fi
	}
	i = 0; j = 0
}

#ifdef PRECOPY
/* ---- precopy.c ------------------------------------------------------------ */

inline dirty_get(me, p, f)
{
	d_step {
		pc_n = 0;
		for (j : 0 .. NV - 1) {
			pc_d[j] = dirty[S(f, j)]; pc_n = pc_n + pc_d[j]
		}
		printf("@@@ %d dirty_get %d %d\n", me, p, pc_n);
		j = 0
	}
}

inline dirty_clear(me, p, f)
{
	d_step {
		for (j : 0 .. NV - 1) {
			if
			:: pc_d[j] -> dirty[S(f, j)] = 0; wp[S(f, j)] = 1
			:: else -> skip
			fi
		}
		printf("@@@ %d dirty_clear %d\n", me, p);
		j = 0
	}
}

inline copy_whole(me, p, old, new)
{
	d_step {
		for (j : 0 .. NV - 1) {
			mem[S(new, j)] = mem[S(old, j)]
		}
		printf("@@@ %d copy_whole %d\n", me, p);
		j = 0
	}
}

inline copy_pieces(me, p, old, new)
{
	d_step {
		for (j : 0 .. NV - 1) {
			if
			:: pc_d[j] -> mem[S(new, j)] = mem[S(old, j)]
			:: else -> skip
			fi
		}
		printf("@@@ %d copy_pieces %d\n", me, p);
		j = 0
	}
}

/* A piece is cleared before it is copied: a store after the clear sets
 * its bit again, for a later round. */
#ifndef CLEAR_AFTER_COPY
#define CLEAR_THEN_COPY(me, p, old, new, copy) dirty_clear(me, p, old); copy(me, p, old, new)
#else
#define CLEAR_THEN_COPY(me, p, old, new, copy) copy(me, p, old, new); dirty_clear(me, p, old)
#endif

/* precopy_rounds(): while the page stays mapped and writable. */
inline precopy_rounds(me, p, old, new)
{
	pc_conv = 0;
	dirty_get(me, p, old);
	CLEAR_THEN_COPY(me, p, old, new, copy_whole);
	pc_rounds = 1;
	do
	:: dirty_get(me, p, old);
		if
		:: pc_n <= RESIDUE -> pc_conv = 1; break
		:: else -> skip
		fi;
		if
		:: pc_rounds > MAXR -> break
		:: else -> skip
		fi;
		CLEAR_THEN_COPY(me, p, old, new, copy_pieces);
		pc_rounds++
	od
}

/* precopy_finish(): after the guard; the residue, or all of it. */
inline precopy_finish(me, p, old, new)
{
	if
	:: !pc_conv -> copy_whole(me, p, old, new)
	:: else ->
#ifndef NO_FINAL_HARVEST
		dirty_get(me, p, old);
		copy_pieces(me, p, old, new)
#else
		printf("@@@ %d final_harvest_skipped %d\n", me, p)
#endif
	fi
}

/* 3: precopy_pages(): the copy target is bracketed from here on. */
inline precopy_pages(me, n)
{
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE ->
			vmm_writes[it_new[i]]++;
			precopy_rounds(me, it_pg[i], it_old[i], it_new[i])
		:: else -> skip
		fi
	}
	i = 0
}
#endif /* PRECOPY */

/* 4: isolate_page(): the leaf is cleared; faulting vCPUs wait. */
inline isolate_pages(me, n)
{
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE ->
			state[it_pg[i]] = MIGRATING; seq[it_pg[i]]++;
			it_wp[i] = leaf_p[it_pg[i]];
#ifndef ISOLATE_KEEPS_LEAF
			leaf_p[it_pg[i]] = 0;
#endif
			printf("@@@ %d isolate_page %d\n", me, it_pg[i])
		:: else -> skip
		fi
	}
	i = 0
}

#ifdef NO_GUARD
#define GUARD 0
#else
#define GUARD 1
#endif
#ifdef NO_WRITE_PROTECT
#define KEEP_RO 0
#else
#define KEEP_RO 1
#endif

/* 5: lazy_flush_guard_and_unmap(): one invalidation of every old frame a
 * vCPU may still reach, held read-only until the release. */
inline lazy_flush_guard_and_unmap(me, n)
{
	nheld = 0;
	for (j : 0 .. NF - 1) {
		inv[j] = 0
	}
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] != DONE -> skip
#if defined(PRECOPY) && defined(NO_FINAL_GUARD)
		:: it_st[i] == DONE ->
			printf("@@@ %d final_guard_skipped %d\n", me, it_pg[i])
#else
		:: it_st[i] == DONE && stale[it_pg[i]] && GUARD ->
			inv[it_old[i]] = 1; it_held[i] = 1; nheld++;
			printf("@@@ %d lazy_flush_guard %d\n", me, it_pg[i])
		:: it_st[i] == DONE && stale[it_pg[i]] && !GUARD ->
			printf("@@@ %d guard_skipped %d\n", me, it_pg[i])
		:: it_st[i] == DONE && !stale[it_pg[i]] && it_wp[i] ->
			inv[it_old[i]] = 1; it_held[i] = 1; nheld++;
			printf("@@@ %d eager_unmap %d\n", me, it_pg[i])
		:: it_st[i] == DONE && !stale[it_pg[i]] && !it_wp[i] ->
			printf("@@@ %d no_invalidation %d\n", me, it_pg[i])
#endif
		fi
	}
	if
	:: nheld > 0 ->
		tlb_invalidate_frames(KEEP_RO);
		printf("@@@ %d tlb_invalidate_frames %d\n", me, nheld);
		for (i : 0 .. n - 1) {
#ifndef STALE_CLEAR_ALL
			if
			:: it_held[i] -> stale[it_pg[i]] = 0
			:: else -> skip
			fi
#else
			stale[it_pg[i]] = 0
#endif
		}
		printf("@@@ %d stale_cleared\n", me)
	:: else -> skip
	fi;
	for (j : 0 .. NF - 1) {
		inv[j] = 0
	}
	i = 0; j = 0; nheld = 0
}

/* 6: copy_frame(), bracketed by tlb_begin/end_vmm_write(). */
inline copy_frame(me, i)
{
#ifndef PRECOPY
	d_step {
		for (j : 0 .. NV - 1) {
			mem[S(it_new[i], j)] = mem[S(it_old[i], j)]
		}
		printf("@@@ %d copy_frame %d\n", me, it_pg[i]);
		j = 0
	}
#else
	precopy_finish(me, it_pg[i], it_old[i], it_new[i]);
	d_step {
		vmm_writes[it_new[i]]--;
		pc_conv = 0; pc_rounds = 0; pc_n = 0;
		for (j : 0 .. NV - 1) {
			pc_d[j] = 0
		}
		j = 0
	}
#endif
}

/* 7: switch_leaf(): the leaf points at the new frame, present; waiters wake. */
inline switch_leaf(me, i)
{
	leaf_f[it_pg[i]] = it_new[i]; leaf_p[it_pg[i]] = 1; frame[it_pg[i]] = it_new[i];
	state[it_pg[i]] = PRESENT; seq[it_pg[i]]++; claimed[it_pg[i]] = 0;
	printf("@@@ %d switch_leaf %d\n", me, it_pg[i])
}

/* 8: release_old_frames(), then the property: no acknowledged write is
 * lost, so the current frame of every page this batch moved holds each
 * vCPU's last value. */
inline release_old_frames(me, n)
{
	ndone = 0;
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE ->
			if
			:: it_held[i] && ro_holds[it_old[i]] > 0 -> ro_holds[it_old[i]]--
			:: else -> skip
			fi;
			used[it_old[i]] = 0; ndone++
		:: else -> skip
		fi
	}
	inflight = inflight - ndone;
	printf("@@@ %d release_old_frames %d\n", me, ndone);
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE ->
			for (j : 0 .. NV - 1) {
				assert(mem[S(frame[it_pg[i]], j)] == last[L(it_pg[i], j)])
			}
		:: else -> skip
		fi
	}
	i = 0; j = 0; ndone = 0
}

/* Forgets a batch, so that states differ only in what matters. */
inline mig_forget()
{
	for (i : 0 .. K - 1) {
		it_pg[i] = 0; it_tgt[i] = 0; it_old[i] = 0; it_new[i] = 0; it_st[i] = 0;
		it_wp[i] = 0; it_held[i] = 0
	}
	i = 0
}

/* migrate_batch(): the phases in the order of migrate.c. */
inline migrate_batch(me, n)
{
	d_step { claim_pages(me, n); alloc_targets(me, n) }
#ifdef PRECOPY
	precopy_pages(me, n);
#endif
	d_step { isolate_pages(me, n) }
#ifndef GUARD_AFTER_COPY
	d_step { lazy_flush_guard_and_unmap(me, n) }
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE -> copy_frame(me, i); d_step { switch_leaf(me, i) }
		:: else -> skip
		fi
	}
	i = 0;
#else
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE -> copy_frame(me, i)
		:: else -> skip
		fi
	}
	i = 0;
	d_step { lazy_flush_guard_and_unmap(me, n) }
	for (i : 0 .. n - 1) {
		if
		:: it_st[i] == DONE -> d_step { switch_leaf(me, i) }
		:: else -> skip
		fi
	}
	i = 0;
#endif
	d_step { release_old_frames(me, n) }
}

/* ---- the actors ----------------------------------------------------------- */

/* fault.c, mmu_handle_page_fault(): a vCPU found the leaf not present. It
 * waits for a migration in flight, restores the leaf of a hinting page
 * (its own node, or claimed by a precopy), or migrates the page to its
 * node itself (--hint-migrate); MIG_BUSY tries again. */
inline mmu_handle_page_fault(v, p)
{
	do
	:: d_step {	/* under pg->lock */
			s = seq[p];
			if
			:: state[p] == MIGRATING -> act = 0;
				printf("@@@ %d fault_wait %d\n", v, p)
			:: state[p] == PRESENT -> act = 1;
				printf("@@@ %d fault_spurious %d\n", v, p)
			:: state[p] == HINTING && (claimed[p] || node_of(frame[p]) == v) -> act = 1;
				leaf_p[p] = 1; state[p] = PRESENT;
				printf("@@@ %d fault_restore %d\n", v, p)
			:: state[p] == HINTING && !claimed[p] && node_of(frame[p]) != v -> act = 2;
				printf("@@@ %d fault_migrate %d\n", v, p)
			fi
		}
		if
		:: act == 0 -> seq[p] != s; break	/* wait_for_migration() */
		:: act == 1 -> break
		:: act == 2 ->
			it_pg[0] = p; it_tgt[0] = v;
			migrate_batch(v, 1);
			d_step { act = it_st[0]; mig_forget() }
			if
			:: act == BUSY -> skip
			:: act == DONE -> break
			:: else ->
				d_step {
					if
					:: state[p] == HINTING -> leaf_p[p] = 1; state[p] = PRESENT
					:: else -> skip
					fi
				}
				break
			fi
		fi
	od;
	s = 0; act = 0
}

/* fault.c, mmu_handle_efault(): wait for every migration in flight. */
inline mmu_handle_efault(v)
{
	for (q : 0 .. NP - 1) {
		s = seq[q];
		if
		:: s % 2 == 1 -> seq[q] != s
		:: else -> skip
		fi
	}
	s = 0; q = 0
}

/* A vCPU of the integrity guest: W stores of increasing values into its
 * own slot of a page of its choice. */
proctype vcpu(byte v)
{
	byte val, p, f, res, s, q, act;
	byte wk = NONE;		/* the walk in flight: the frame it read */
#ifdef WITNESS_STALE_WALK
	bit stale_walk;		/* a walk of a frame held when KVM resolved it */
#endif
	MIG_LOCALS;

	if
	:: p = 0
#if NP > 1
	:: p = 1
#endif
	fi;
	do
	:: val < W ->
		val++;
		do
		:: d_step { vcpu_store(v, p, val, res) }
			if
			:: res == 0 -> break
			:: res == 1 -> mmu_handle_page_fault(v, p)
			:: res == 2 -> mmu_handle_efault(v)
			:: res == 3 -> skip
			fi
		od
	:: else -> break
	od;
	ended++
}

/* scan.c: one window over every page: scan_mark_window() clears the
 * present leaves and defers their invalidation (stale); the deferred
 * flush, scan_flush_window(), invalidates the frames the leaves pointed
 * to, then clears their stale flags. */
proctype scanner()
{
	byte i, j, n;
	byte bf[NP];
	bit bp[NP];
	bit inv[NF];

	for (i : 0 .. NP - 1) {
		d_step {
			if
			:: state[i] == PRESENT ->
				stale[i] = 1; leaf_p[i] = 0; state[i] = HINTING;
				bf[i] = frame[i]; bp[i] = 1; n++;
				printf("@@@ %d scan_mark %d\n", SCAN, i)
			:: else -> skip
			fi
		}
	}
	if
	:: n > 0 ->
		d_step {
			for (i : 0 .. NP - 1) {
				inv[bf[i]] = bp[i] || inv[bf[i]]
			}
			tlb_invalidate_frames(0);
			for (i : 0 .. NP - 1) {
				if
				:: bp[i] -> stale[i] = 0
				:: else -> skip
				fi
			}
			printf("@@@ %d scan_flush %d\n", SCAN, n)
		}
	:: else -> skip
	fi;
	ended++
}

/* schedule.c, schedule_batch_step(): one batch of K pages, pingpong. */
proctype migration_thread()
{
	MIG_LOCALS;

	d_step {
		for (i : 0 .. K - 1) {
			it_pg[i] = i; it_tgt[i] = 1 - node_of(frame[i]);
			printf("@@@ %d pick_target %d %d\n", MIG, i, it_tgt[i])
		}
		i = 0
	}
	migrate_batch(MIG, K);
	ended++
}

init
{
	byte p;

	atomic {
		for (p : 0 .. NV * NP - 1) {
			tlb[p] = NONE
		}
		for (p : 0 .. NP - 1) {
			/* page p on node p, the first frame there */
			frame[p] = 2 * p; leaf_f[p] = 2 * p; leaf_p[p] = 1; used[2 * p] = 1
		}
#ifdef PRECOPY
		for (p : 0 .. NF * NV - 1) {
			dirty[p] = 1
		}
#endif
		run vcpu(0); run vcpu(1); run scanner(); run migration_thread()
	}
	ended == NV + 2;
	/* Nothing lost at the end either, and nothing left held or claimed. */
	for (p : 0 .. NP * NV - 1) {
		assert(mem[S(frame[p / NV], p % NV)] == last[p])
	}
	for (p : 0 .. NF - 1) {
		assert(ro_holds[p] == 0 && vmm_writes[p] == 0)
	}
	for (p : 0 .. NP - 1) {
		assert(!claimed[p] && state[p] != MIGRATING)
	}
	assert(inflight == 0);
	checked = 1
}

/* Progress: every actor finishes, so every migration does (the thread's and
 * those of hinting faults), nothing waits forever, and the final checks
 * above are made. One run (pan -a) checks this claim and every assertion on
 * the way; a deadlock is a violation too (SPIN extends a stuck execution by
 * repeating its last state, in which `checked` never becomes true). */
ltl all_finish { <> checked }
