// SPDX-License-Identifier: GPL-2.0
/*
 * trace_elf.c - find the libraries to trace (libcuda.so.1, libcudart,
 * libamdhip64) and the traced functions in an ELF file; where in each to
 * put the probe is trace_insn.c's.
 *
 * A uprobe sits on an inode, not on a process: attaching to the file a
 * process has mapped traces that process and every later one mapping the
 * same file. So the job here is to name the right file, the way the dynamic
 * loader would, or the way a given (possibly containerised) process did.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_lib.h"

#define LIBCUDA "libcuda.so.1"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

bool gt_is_our_elf(int fd)
{
	Elf64_Ehdr eh;

	return pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
	       !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	       eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64 &&
	       (eh.e_type == ET_DYN || eh.e_type == ET_EXEC);
}

/* A shared object we could trace: an ELF file for our own machine and class. */
static bool is_our_elf(const char *path)
{
	bool ok;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = gt_is_our_elf(fd);
	close(fd);
	return ok;
}

/*
 * /etc/ld.so.cache, glibc's format since 2.32 ("glibc-ld.so.cache1.1"),
 * possibly behind the old libc5 one ("ld.so-1.7.0") in older files. In
 * the new format, string offsets count from the start of the new header.
 */
#define CACHE_OLD	"ld.so-1.7.0"
#define CACHE_NEW	"glibc-ld.so.cache1.1"

struct cache_new_hdr {
	char magic[20];
	__u32 nlibs;
	__u32 len_strings;
	__u8 flags;
	__u8 pad[3];
	__u32 extension_offset;
	__u32 unused[3];
};

struct cache_new_entry {
	__s32 flags;
	__u32 key, value;
	__u32 osversion;
	__u64 hwcap;
};

/*
 * Calls @fn(key, path, arg) for each entry of the loader's cache, until it
 * returns true. 0 if it did, -ENOENT if not (or no usable cache).
 */
static int ld_so_cache_each(const char *cache,
			    bool (*fn)(const char *key, const char *path, void *arg), void *arg)
{
	const struct cache_new_hdr *h;
	const struct cache_new_entry *e;
	size_t size, off = 0, base, i;
	struct stat st;
	char *map;
	int fd, err = -ENOENT;

	fd = open(cache, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h)) {
		close(fd);
		return -ENOENT;
	}
	size = st.st_size;
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;

	if (!memcmp(map, CACHE_OLD, sizeof(CACHE_OLD) - 1)) {
		__u32 nold;

		/* struct { char magic[11]; u32 nlibs; } then 12-byte entries. */
		memcpy(&nold, map + 12, sizeof(nold));
		off = 16 + (size_t)nold * 12;
		off = (off + 7) & ~(size_t)7;
	}
	if (off > size - sizeof(*h) || memcmp(map + off, CACHE_NEW, sizeof(CACHE_NEW) - 1))
		goto out;
	h = (const void *)(map + off);
	base = off;
	e = (const void *)(h + 1);
	if (h->nlibs > (size - off - sizeof(*h)) / sizeof(*e))
		goto out;
	for (i = 0; i < h->nlibs; i++) {
		size_t k = base + e[i].key, v = base + e[i].value;

		if (k >= size || v >= size)
			continue;
		if (strnlen(map + k, size - k) == size - k ||
		    strnlen(map + v, size - v) == size - v)
			continue;
		if (fn(map + k, map + v, arg)) {
			err = 0;
			break;
		}
	}
out:
	munmap(map, size);
	return err;
}

/* Where distributions and NVIDIA's installers put the driver library. */
static const char *const usual_dirs[] = {
	"/usr/lib/x86_64-linux-gnu",
	"/lib/x86_64-linux-gnu",
	"/usr/lib64",
	"/lib64",
	"/usr/lib",
	"/lib",
	"/usr/local/cuda/lib64",
	"/usr/lib/wsl/lib",
};

/* Loader-visible libraries by name prefix, each file (inode) reported once. */
struct lib_walk {
	const char *prefix;
	void (*found)(const char *path, void *arg);
	void *arg;
	struct { dev_t dev; ino_t ino; } ids[16];
	unsigned int n;
};

static void walk_offer(struct lib_walk *w, const char *path)
{
	struct stat st;
	unsigned int i;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || !is_our_elf(path))
		return;
	for (i = 0; i < w->n; i++)
		if (w->ids[i].dev == st.st_dev && w->ids[i].ino == st.st_ino)
			return;
	if (w->n == ARRAY_SIZE(w->ids))
		return;
	w->ids[w->n].dev = st.st_dev;
	w->ids[w->n++].ino = st.st_ino;
	w->found(path, w->arg);
}

static void walk_dir(struct lib_walk *w, const char *dir, size_t dirlen)
{
	char d[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	if (!dirlen || dirlen >= sizeof(d))
		return;
	memcpy(d, dir, dirlen);
	d[dirlen] = '\0';
	dp = opendir(d);
	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (!strncmp(de->d_name, w->prefix, strlen(w->prefix)) &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", d, de->d_name) < sizeof(path))
			walk_offer(w, path);
	closedir(dp);
}

static bool walk_cache(const char *key, const char *path, void *arg)
{
	struct lib_walk *w = arg;

	if (!strncmp(key, w->prefix, strlen(w->prefix)))
		walk_offer(w, path);
	return false;
}

unsigned int gt_find_loader_libs(const char *prefix,
				 void (*found)(const char *path, void *arg), void *arg)
{
	struct lib_walk w = { .prefix = prefix, .found = found, .arg = arg };
	const char *p = getenv("LD_LIBRARY_PATH"), *end;
	size_t i;

	for (; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		walk_dir(&w, p, end - p);
	}
	ld_so_cache_each("/etc/ld.so.cache", walk_cache, &w);
	for (i = 0; i < ARRAY_SIZE(usual_dirs); i++)
		walk_dir(&w, usual_dirs[i], strlen(usual_dirs[i]));
	return w.n;
}

static void first_found(const char *path, void *arg)
{
	char *first = arg;

	if (!first[0])
		snprintf(first, PATH_MAX, "%s", path);
}

int gt_find_libcuda(char *path, size_t len, char *why, size_t whylen)
{
	char first[PATH_MAX] = "";

	gt_find_loader_libs(LIBCUDA, first_found, first);
	if (first[0] && (size_t)snprintf(path, len, "%s", first) < len)
		return 0;
	say(why, whylen,
	    "%s not found in $LD_LIBRARY_PATH, /etc/ld.so.cache or the usual directories (is the NVIDIA driver installed? --lib PATH names it)",
	    LIBCUDA);
	return first[0] ? -ENAMETOOLONG : -ENOENT;
}

/*
 * Symbol names in a full symbol table may carry a version: "name@VER". A
 * name given as "_Z<len><name>" is a C++ function, whatever its parameters
 * (HIP 5.2 exports hipExtModuleLaunchKernel only mangled).
 */
static bool sym_is(const char *sym, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(sym, name, n))
		return false;
	return name[0] == '_' ? true : sym[n] == '\0' || sym[n] == '@';
}

static long vaddr_to_offset(Elf *elf, GElf_Addr addr)
{
	GElf_Phdr ph;
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz)
			return addr - ph.p_vaddr + ph.p_offset;
	}
	return -ENOENT;
}

/*
 * Fills offs[i] for each names[i] defined in this symbol table, if not yet
 * found. @first has a bit per first byte of a name: most symbols are
 * skipped on their first byte.
 */
static void find_in(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		    const char *const *names, long *offs, unsigned int n,
		    const __u64 *first)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, nsyms;
	unsigned int k;
	GElf_Sym sym;

	if (!data || !sh->sh_entsize)
		return;
	nsyms = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < nsyms; i++) {
		const char *s;

		if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!s || !(first[(unsigned char)s[0] >> 6] >> (s[0] & 63) & 1))
			continue;
		for (k = 0; k < n; k++)
			if (offs[k] == -ENOENT && sym_is(s, names[k]))
				offs[k] = vaddr_to_offset(elf, sym.st_value);
	}
}

int gt_elf_func_offsets(const char *path, const char *const *names, long *offs,
			unsigned int n)
{
	static const Elf64_Word order[] = { SHT_DYNSYM, SHT_SYMTAB };
	__u64 first[4] = { 0 };
	unsigned int k;
	int ret = 0;
	Elf *elf;
	int fd;

	for (k = 0; k < n; k++) {
		unsigned char c = names[k][0];

		offs[k] = -ENOENT;
		first[c >> 6] |= 1ULL << (c & 63);
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One pass over each table, whatever the number of names. */
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto out;
	}
	for (k = 0; k < 2; k++) {
		Elf_Scn *scn = NULL;
		GElf_Shdr sh;

		while ((scn = elf_nextscn(elf, scn)))
			if (gelf_getshdr(scn, &sh) && sh.sh_type == order[k])
				find_in(elf, scn, &sh, names, offs, n, first);
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}
