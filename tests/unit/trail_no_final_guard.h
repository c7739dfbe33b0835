/* The shortest trail of formal/migrate.pml -DNO_FINAL_GUARD, one step a line
 * ("ACTOR STEP ARGS"; ACTOR 0, 1: vCPUs, 2: migration thread, 3:
 * scanner). Written by scripts/check-model.sh --update; do not edit. */
"2 pick_target 0 1",
"2 claim_page 0",
"2 alloc_target 0 2",
"2 dirty_get 0 2",
"2 dirty_clear 0",
"2 copy_whole 0",
"2 dirty_get 0 0",
"1 walk_addr 0 0",
"1 write 0 0 1",
"2 isolate_page 0",
"2 final_guard_skipped 0",
"2 dirty_get 0 1",
"2 copy_pieces 0",
"2 switch_leaf 0",
"1 write 0 0 2",
"2 release_old_frames 1",
