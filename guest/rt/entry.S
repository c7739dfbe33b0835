/* numig guest runtime: ring-3 entry and the ring-0 exception handlers.
 *
 * Ring-0 code is emulated instruction by instruction on software KVM
 * backends, so the handlers are a handful of instructions: they put what the
 * VMM needs in registers and exit with `out`; the VMM reads the registers.
 */
#include <numig/abi.h>

	.section .numig_rt, "a"
	.balign 8
	.globl numig_rt_desc
numig_rt_desc:
	.quad NUMIG_RT_MAGIC
	.quad NUMIG_ABI_VERSION
	.quad numig_exc_stubs
	.quad numig_pf_handler
	.quad _numig_start

	.text
/* Ring 3, entered by the VMM with RSP = this vCPU's user stack and
 * FS.base = its mailbox. */
	.globl _numig_start
_numig_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call numig_rt_start
1:	ud2
	jmp 1b

/* #PF (vector 14). Stack on entry: error code, RIP, CS, RFLAGS, RSP, SS.
 * The VMM resolves the fault before it re-enters this vCPU; returning
 * retries the access. */
	.globl numig_pf_handler
	.balign 16
numig_pf_handler:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	mov %cr2, %rdi
	mov 40(%rsp), %rsi
	mov 48(%rsp), %rcx
	mov $NUMIG_PORT_PFAULT, %edx
	out %eax, %dx
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $8, %rsp
	iretq

/* Every other vector is fatal: report it and halt. Stack: vector, error
 * code (0 where the CPU pushes none), RIP, CS, RFLAGS, RSP, SS. */
numig_exc_common:
	mov 0(%rsp), %rdi
	mov 8(%rsp), %rsi
	mov 16(%rsp), %rcx
	mov %cr2, %r8
	mov 24(%rsp), %r9
	mov 32(%rsp), %r10
	mov 40(%rsp), %r11
	mov $NUMIG_PORT_EXCEPTION, %edx
	out %eax, %dx
1:	hlt
	jmp 1b

/* Vectors whose exception pushes an error code. */
.macro EXC_STUB v
	.balign NUMIG_EXC_STUB_SIZE
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp numig_exc_common
.endm

	.balign NUMIG_EXC_STUB_SIZE
	.globl numig_exc_stubs
numig_exc_stubs:
	.altmacro
	.set vec, 0
	.rept 256
	EXC_STUB %vec
	.set vec, vec + 1
	.endr
	.section .note.GNU-stack, "", @progbits
