/* The shortest trail of formal/migrate.pml -DNO_GUARD, one step a line
 * ("ACTOR STEP ARGS"; ACTOR 0, 1: vCPUs, 2: migration thread, 3:
 * scanner). Written by scripts/check-model.sh --update; do not edit. */
"0 walk_addr 0 0",
"0 write 0 0 1",
"3 scan_mark 0",
"1 page_fault 0",
"1 fault_migrate 0",
"1 claim_page 0",
"1 alloc_target 0 3",
"1 isolate_page 0",
"1 guard_skipped 0",
"1 copy_frame 0",
"1 switch_leaf 0",
"0 write 0 0 2",
"1 release_old_frames 1",
