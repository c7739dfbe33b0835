/* Hostile input, no KVM: the guest-value checks (vmm/vm/guest_input.c), the
 * terminal escaping, the default timeout, the waker's bounded sleeps and the
 * ELF loader's bounds (vmm/vm/elf.c) on crafted files. */
#define TAP_MAIN
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mmu/waker.h"
#include "mmu/faultpoint.h"
#include "vmm/cli/cli.h"
#include "vmm/cli/parse.h"
#include "vmm/vm/elf.h"
#include "vmm/vm/escape.h"
#include "vmm/vm/guest_input.h"

static void test_guest_values(void)
{
	static struct numig_mailbox mb;
	struct integrity_layout l;
	char why[256], out[8192];

	mb.arg[0] = 1ull << 32;
	OK(guest_exit_code(&mb) != 0, "exit code 2^32 stays non-zero (regression: it read as 0)");
	OK(guest_sat_add(1ull << 63, 1ull << 63) == UINT64_MAX, "counter sum saturates instead of wrapping to 0");
	OK(guest_sat_add(2, 3) == 5, "counter sum adds");

	memset(mb.msg, 'A', sizeof(mb.msg)); /* no NUL anywhere */
	OK(strlen(guest_msg(&mb, out, sizeof(out))) == NUMIG_MSG_LEN, "message without NUL is cut at %d bytes",
	   NUMIG_MSG_LEN);
	strcpy(mb.msg, "\033[2Jx\ny");
	guest_msg(&mb, out, sizeof(out));
	OK(!strcmp(out, "\\x1b[2Jx\\x0ay"), "escape sequences and newlines are escaped (%s)", out);

	{
		/* The #PF frame's RSP: only from inside the kernel stack. */
		static uint8_t sys[0x3000];
		uint64_t rsp = 0, want = 0x219000;

		memcpy(sys + 0x2000 - 88 + GUEST_PF_FRAME_RSP, &want, 8);
		OK(!guest_pf_user_rsp(sys, 0x1000, 0x2000, 0x2000 - 88, &rsp) && rsp == want,
		   "the ring-3 RSP is read from the handler's frame");
		OK(guest_pf_user_rsp(sys, 0x1000, 0x2000, 0x2000 - 79, &rsp) == -1 &&
			   guest_pf_user_rsp(sys, 0x1000, 0x2000, 0x800, &rsp) == -1 &&
			   guest_pf_user_rsp(sys, 0x1000, 0x2000, UINT64_MAX - 8, &rsp) == -1 &&
			   guest_pf_user_rsp(sys, 0x2000, 0x1000, 0x1800, &rsp) == -1,
		   "a kernel RSP whose frame leaves the kernel stack is refused, never read");
	}

	mb.result[NUMIG_RES_SLOTS] = 256;
	OK(guest_integrity_layout(&mb, 2, 4, 1, 1 << 30, &l, why, sizeof(why)) == -1 && strstr(why, "claims 256"),
	   "a claimed layout that disagrees with numig's is refused (%s)", why);
	mb.result[NUMIG_RES_SLOTS] = 256;
	OK(guest_integrity_layout(&mb, 2, 4, 256, 1 << 30, &l, why, sizeof(why)) == -1 && strstr(why, "impossible"),
	   "slots that leave no fill word are refused (%s)", why);
	mb.result[NUMIG_RES_SLOTS] = 1ull << 62;
	OK(guest_integrity_layout(&mb, 64, 1ull << 40, 1ull << 62, UINT64_MAX, &l, why, sizeof(why)) == -1,
	   "a layout whose size wraps is refused (%s)", why);
	mb.result[NUMIG_RES_SLOTS] = 2;
	OK(guest_integrity_layout(&mb, 2, 4, 2, 2 * 2 * 4 * 512 * 8 - 8, &l, why, sizeof(why)) == -1,
	   "records one word larger than the scratch area are refused");
	OK(guest_integrity_layout(&mb, 2, 4, 2, 2 * 2 * 4 * 512 * 8, &l, why, sizeof(why)) == 0 &&
		   l.records == 2 * 2 * 4 * 512,
	   "the configured layout is accepted");
}

static void test_escape(void)
{
	char out[64];

	OK(!strcmp(text_escape(out, sizeof(out), "plain \xc3\xa9t\xc3\xa9"), "plain \xc3\xa9t\xc3\xa9"),
	   "UTF-8 passes");
	OK(!strcmp(text_escape(out, sizeof(out), "\xc2\x9b" "1m\x7f\xff"), "\\xc2\\x9b1m\\x7f\\xff"),
	   "C1 CSI, DEL and invalid bytes are escaped (%s)", out);
	text_escape(out, 8, "\033\033\033\033");
	OK(strlen(out) < 8 && !strchr(out, '\033'), "truncation never cuts an escape short (%s)", out);
}

/* Quoted words read back by bash must be the words (the no-KVM hint is a
 * command line the user pastes). */
static void test_shell_quote(void)
{
	static const char *const words[] = { "run", "--guest", "my guest.elf", "it's", "a\"b$c`d\\e", "",
					     "\033[31mred", "tab\there", "\xff\xfe", "caf\xc3\xa9 \xc2\x9b" };
	const int nw = (int)(sizeof(words) / sizeof(words[0]));
	char line[1024], cmd[8192], back[2048];
	size_t n = 0, got;
	int bad = 0;
	FILE *f;

	for (int i = 0; i < nw && !bad; i++) {
		if (i)
			line[n++] = ' ';
		bad = text_shell_quote(line, sizeof(line), &n, words[i]);
	}
	OK(!bad && !strchr(line, '\033') && !strchr(line, '\t') && !strchr(line, '\n'),
	   "the quoted line has no control bytes: %s", line);
	/* popen's sh may not know $'...': bash reads the line, and the whole
	 * script reaches bash in plain '...' (it has no control bytes). */
	snprintf(back, sizeof(back), "printf '%%s\\0' %s", line);
	n = (size_t)snprintf(cmd, sizeof(cmd), "bash -c ");
	f = text_shell_quote(cmd, sizeof(cmd), &n, back) ? NULL : popen(cmd, "r");
	got = f ? fread(back, 1, sizeof(back), f) : 0;
	if (f)
		pclose(f);
	n = 0;
	bad = !f;
	for (int i = 0; i < nw && !bad; i++) {
		size_t len = strlen(words[i]) + 1;

		bad = n + len > got || memcmp(back + n, words[i], len) != 0;
		n += len;
	}
	OK(!bad && n == got, "bash reads the %d quoted words back unchanged (%zu bytes)", nw, got);
	n = 0;
	OK(text_shell_quote(line, 6, &n, "it's long") == -1 && n == 0 && line[0] == 0,
	   "a word that does not fit is refused and leaves nothing behind");
	n = 0;
	OK(text_shell_quote(line, sizeof(line), &n, "plain-word_1.2/x=y") == 0 && !strcmp(line, "plain-word_1.2/x=y"),
	   "a word that needs no quoting stays as it is");
}

static void test_default_timeout(void)
{
	OK(cli_default_timeout_ns(60ull * 1000000000ull) > 60ull * 1000000000ull,
	   "--duration 60s gets a timeout beyond 60 s (regression: it timed out at 60 s)");
	OK(cli_default_timeout_ns(2ull * 1000000000ull) == 62ull * 1000000000ull, "2 s run: 62 s timeout");
	OK(cli_default_timeout_ns(600ull * 1000000000ull) == 900ull * 1000000000ull, "600 s run: 900 s timeout");
	OK(cli_default_timeout_ns(UINT64_MAX - 5) == UINT64_MAX, "saturates instead of wrapping");
}

static void test_waker(void)
{
	struct waker w;

	OK(waker_init(&w) == 0, "waker set up");
	waker_raise(&w);
	/* No timing here: if the raise were lost, this test would hang for an hour. */
	OK(waker_sleep(&w, 3600ull * 1000000000ull), "a raised waker returns from an hour-long sleep");
	waker_destroy(&w);
	OK(waker_init(&w) == 0 && !waker_sleep(&w, 1000) && !waker_raised(&w), "an unraised short sleep times out");
	waker_destroy(&w);
}

/* A minimal valid guest: one executable segment at the window, section
 * headers with .numig_rt. Tests break one field at a time. */
struct mini {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Shdr sh[3];
	char strtab[32];
	struct numig_rt_desc desc;
	uint8_t code[4096];
};

#define WIN_LO 0x800000ull
#define WIN_HI 0x1000000ull

static void mini_build(struct mini *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_entry = WIN_LO;
	f->eh.e_phoff = offsetof(struct mini, ph);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 2;
	f->eh.e_shoff = offsetof(struct mini, sh);
	f->eh.e_shentsize = sizeof(Elf64_Shdr);
	f->eh.e_shnum = 3;
	f->eh.e_shstrndx = 1;
	f->ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, offsetof(struct mini, code), WIN_LO, WIN_LO, 4096, 4096, 4096 };
	f->ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0, WIN_LO + 0x10000, WIN_LO + 0x10000, 0, 4096, 4096 };
	memcpy(f->strtab, "\0.shstrtab\0.numig_rt", 21);
	f->sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = offsetof(struct mini, strtab),
				 .sh_size = sizeof(f->strtab) };
	f->sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_offset = offsetof(struct mini, desc),
				 .sh_size = sizeof(f->desc) };
	f->desc = (struct numig_rt_desc){ NUMIG_RT_MAGIC, NUMIG_ABI_VERSION, WIN_LO, WIN_LO + 4096 - 8, WIN_LO };
}

static int mini_load(const struct mini *f, uint8_t *mem, struct nerr *e)
{
	struct guest_image img;

	memset(e, 0, sizeof(*e));
	return elf_load_buf((const uint8_t *)f, sizeof(*f), mem, WIN_LO, WIN_HI, &img, e);
}

static void test_loader(void)
{
	uint8_t *mem = calloc(1, WIN_HI);
	struct mini f;
	struct nerr e;

	if (!mem) {
		OK(0, "out of memory");
		return;
	}
	mini_build(&f);
	OK(mini_load(&f, mem, &e) == 0, "the minimal guest loads (%s)", e.msg);
	mini_build(&f);
	f.eh.e_entry = WIN_LO + 0x8000; /* between the two segments */
	OK(mini_load(&f, mem, &e) == -1 && e.code == NUMIG_EXIT_USAGE && strstr(e.msg, "executable segment"),
	   "an entry point between segments is refused (%s)", e.msg);
	mini_build(&f);
	f.eh.e_entry = WIN_LO + 0x10000; /* in the data segment */
	OK(mini_load(&f, mem, &e) == -1, "an entry point in a data segment is refused (%s)", e.msg);
	mini_build(&f);
	f.desc.exc_stubs = UINT64_MAX - 100; /* + 256 stubs wraps */
	OK(mini_load(&f, mem, &e) == -1, "exception stubs whose end wraps are refused (%s)", e.msg);
	mini_build(&f);
	f.eh.e_phnum = PN_XNUM;
	OK(mini_load(&f, mem, &e) == -1 && strstr(e.msg, "PN_XNUM"), "PN_XNUM is refused (%s)", e.msg);
	mini_build(&f);
	f.ph[1].p_paddr = f.ph[1].p_vaddr = UINT64_MAX - 10;
	OK(mini_load(&f, mem, &e) == -1 && strstr(e.msg, "outside"), "a segment whose end wraps is refused (%s)",
	   e.msg);
	mini_build(&f);
	f.ph[1].p_vaddr = WIN_LO + 0x20000; /* inside the window, but not identity-mapped */
	OK(mini_load(&f, mem, &e) == -1 && e.code == NUMIG_EXIT_USAGE && strstr(e.msg, "differs from its physical") &&
		   !strstr(e.msg, "outside"),
	   "regression: a segment inside the window refused for p_vaddr != p_paddr says so, not \"outside\" (%s)",
	   e.msg);
	mini_build(&f);
	f.ph[1].p_memsz = UINT64_MAX;
	OK(mini_load(&f, mem, &e) == -1, "a segment of 2^64 bytes is refused (%s)", e.msg);
	mini_build(&f);
	f.ph[0].p_memsz = f.ph[1].p_memsz = WIN_HI - WIN_LO; /* two full windows: allowed */
	f.ph[1].p_paddr = f.ph[1].p_vaddr = WIN_LO;
	OK(mini_load(&f, mem, &e) == 0, "two overlapping full-window segments still load (%s)", e.msg);
	mini_build(&f);
	f.eh.e_phoff += 1; /* found by fuzz_elf: a misaligned table was read anyway (UBSan) */
	OK(mini_load(&f, mem, &e) == -1 && strstr(e.msg, "program header"),
	   "regression fuzz_elf misaligned-phoff: a misaligned program header table is refused (%s)", e.msg);
	mini_build(&f);
	f.eh.e_shoff += 4;
	OK(mini_load(&f, mem, &e) == -1, "a misaligned section header table is refused (%s)", e.msg);
	mini_build(&f);
	f.eh.e_shnum = 0xffff;
	OK(mini_load(&f, mem, &e) == -1 && strstr(e.msg, "sections"), "65535 sections are refused (%s)", e.msg);
	free(mem);
}

static void test_faultpoint(void)
{
	struct fault_plan p;
	char err[256];
	int hits = 0;

	OK(parse_fault_plan("invalidate:3:2", &p, err, sizeof(err)) == 0 && p.point == FP_INVALIDATE && p.after == 3 &&
		   p.count == 2,
	   "--fail invalidate:3:2 parses");
	OK(parse_fault_plan("kvm-run", &p, err, sizeof(err)) == 0 && p.point == FP_KVM_RUN && !p.after && !p.count,
	   "--fail kvm-run: fail every time");
	OK(parse_fault_plan("kvm-runs", &p, err, sizeof(err)) == -1, "a near miss is refused (%s)", err);
	OK(parse_fault_plan("mbind:1:0", &p, err, sizeof(err)) == -1, "a COUNT of 0 is refused (%s)", err);
	OK(parse_fault_plan("mbind:99999999999999999999", &p, err, sizeof(err)) == -1, "a huge AFTER is refused");
	parse_fault_plan("invalidate:3:2", &p, err, sizeof(err));
	faultpoint_arm(&p);
	OK(!faultpoint_hit(FP_MBIND), "another point does not fail");
	for (int i = 0; i < 10; i++)
		hits |= faultpoint_hit(FP_INVALIDATE) << i;
	OK(hits == 0x18 && faultpoint_failures() == 2, "passes 3 times, fails twice, then passes (mask %#x)", hits);
	faultpoint_arm(&(struct fault_plan){ FP_NONE, 0, 0 });
	OK(!faultpoint_hit(FP_INVALIDATE), "disarmed");
}

int main(void)
{
	test_faultpoint();
	test_guest_values();
	test_escape();
	test_shell_quote();
	test_default_timeout();
	test_waker();
	test_loader();
	return tap_done();
}
