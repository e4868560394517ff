/*
 * LD_PRELOAD shim for linux.uml on hosts whose XSAVE area is larger than the
 * buffer UML keeps per thread (CPUs with AVX-512 and AMX: the host's xstate is
 * ~11 KiB, UML 6.1/6.12 keep 832 bytes). The host kernel accepts
 * PTRACE_SETREGSET(NT_X86_XSTATE) only for the full size and answers EFAULT
 * otherwise, so UML panics at the first guest process ("ptrace set fp regs
 * failed, errno = 14"). This shim widens those two requests: GET reads the
 * full state and hands UML the prefix it asked for; SET reads the tracee's
 * current full state, overlays UML's prefix and writes the full size back.
 * The prefix covers x87, SSE and AVX; components past it (AVX-512 upper
 * registers, AMX) are not kept per guest thread, so hil/with-vcan also tells
 * glibc inside the guest not to use AVX-512.
 * Every other ptrace request passes through unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define NT_X86_XSTATE_NOTE 0x202
#define XSTATE_MAX (64 * 1024)

typedef long (*ptrace_fn)(int, pid_t, void *, void *);
static ptrace_fn real_ptrace;
static size_t full_size; /* the host's xstate regset size, learnt on first use */
static __thread unsigned char full[XSTATE_MAX] __attribute__((aligned(64)));

static long real(int req, pid_t pid, void *addr, void *data) {
  if (!real_ptrace) real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
  return real_ptrace(req, pid, addr, data);
}

static long get_full(pid_t pid) {
  struct iovec iov = { full, XSTATE_MAX };
  long r = real(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE_NOTE, &iov);
  if (r == 0 && full_size == 0) full_size = iov.iov_len;
  return r;
}

long ptrace(enum __ptrace_request request, ...) {
  va_list ap;
  va_start(ap, request);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);

  if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET) &&
      (unsigned long)addr == NT_X86_XSTATE_NOTE && data != NULL) {
    struct iovec *iov = data;
    if (full_size == 0 && get_full(pid) != 0) return real(request, pid, addr, data);
    if (iov->iov_len < full_size) {
      if (get_full(pid) != 0) return -1;
      if (request == PTRACE_GETREGSET) {
        memcpy(iov->iov_base, full, iov->iov_len);
        return 0;
      }
      memcpy(full, iov->iov_base, iov->iov_len);
      struct iovec whole = { full, full_size };
      return real(PTRACE_SETREGSET, pid, addr, &whole);
    }
  }
  return real(request, pid, addr, data);
}
