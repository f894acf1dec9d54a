/*
 * kernel.c: a tiny Xen PV kernel for the tests, built both as a 64-bit and
 * as a 32-bit PAE guest, written from Xen's public interface headers.
 *
 * It greets on its console, then waits for the toolstack's requests in
 * xenstore's control/shutdown the way Linux answers them: it clears the
 * node and powers off, reboots, or suspends (so that save, restore and
 * migration work) and after a suspend says "resumed".  Between requests
 * it blocks in Xen (SCHEDOP_block) until an event channel fires.
 *
 * With "heartbeat=MS" on its command line it also prints, every MS
 * milliseconds of Xen's system time, "xenpv-test: beat N, memory ok": N
 * counts on across save, restore and migration, and the memory check
 * reads back a region filled at boot, so that a test sees the guest carry
 * on where it was (no new "hello") and can time how long it was stopped.
 * "dirty=N" rewrites N pages of that region every beat: a guest dirtying
 * memory while it is migrated live.
 *
 * Memory: Xen maps the image, start_info, the p2m list, the xenstore and
 * console rings and the boot page tables contiguously from VIRT_BASE, so
 * guest page frame N is at VIRT_BASE + N * 4 KiB.  Event upcalls stay
 * masked except inside SCHEDOP_block; the upcall itself only returns
 * (head_*.S), and this loop reads the rings.
 */
#include <stdint.h>
#include <stddef.h>

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/callback.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "hypercall.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

#if defined(__x86_64__)
# define ABI_NAME "xen-3.0-x86_64"
/* present, writable, accessed, user: a 64-bit PV kernel runs in ring 3 */
# define PTE_FLAGS 0x27ULL
#else
# define ABI_NAME "xen-3.0-x86_32p"
/* present, writable, accessed */
# define PTE_FLAGS 0x23ULL
#endif

#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() asm volatile("" ::: "memory")
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define SHUTDOWN_PATH "control/shutdown"
#define WATCH_TOKEN "xenpv-test"

/* Entry points in head_*.S. */
void event_callback(void);
void failsafe_callback(void);
void kernel_main(start_info_t *si) __attribute__((noreturn));
void kernel_failsafe(void) __attribute__((noreturn));

static start_info_t *start;
static unsigned long startPfn;
/* The p2m list (pfn -> mfn) Xen built; start_info gives it on boot only. */
static xen_pfn_t *p2m;
static unsigned long nrPages;

/* Our own page, remapped onto Xen's shared_info frame while in use. */
static char sharedPage[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static shared_info_t *shared;

static struct xencons_interface *console;
static evtchn_port_t consolePort;
static unsigned long consolePfn;
static struct xenstore_domain_interface *store;
static evtchn_port_t storePort;
static unsigned long storePfn;

/* The heartbeat (see the top): its period, the next beat (Xen system time,
 * ns), the beat count, and the memory region it checks: each page holds
 * its generation in word 0 and a pattern of (seed, generation, page) in
 * the rest. */
#define REGION_PAGES 256
#define REGION_WORDS (PAGE_SIZE / sizeof(uint32_t))
/* A beat checks this many pages, in turn. */
#define CHECK_PAGES 32
static uint64_t beatNs;
static uint64_t nextBeat;
static unsigned long beats;
static unsigned long dirtyPerBeat;
static unsigned long dirtyNext;
static unsigned long checkNext;
static uint32_t seed;
static int memoryBad;
static uint32_t region[REGION_PAGES][REGION_WORDS] __attribute__((aligned(PAGE_SIZE)));

static uint32_t xsReqId;
static int watchFired;
static char xsBody[XENSTORE_PAYLOAD_MAX + 1];

/*
 * The three-level p2m frame list that save and migration read through
 * shared_info: a page of frames of pages of frames of the p2m list.
 * Four middle pages cover 4 GiB of a 64-bit guest, more on 32-bit.
 */
#define FPP (PAGE_SIZE / sizeof(xen_pfn_t))
#define P2M_MID_PAGES 4
static xen_pfn_t p2mTop[FPP] __attribute__((aligned(PAGE_SIZE)));
static xen_pfn_t p2mMid[P2M_MID_PAGES][FPP] __attribute__((aligned(PAGE_SIZE)));


/* gcc may call these even in a freestanding program. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *
memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = c;
    return dst;
}


void *
memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}


static size_t
str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}


static int
str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}


static unsigned long
virt_to_pfn(const void *p)
{
    return ((unsigned long)p - XEN_VIRT_BASE) >> PAGE_SHIFT;
}


static void *
pfn_to_virt(unsigned long pfn)
{
    return (void *)(XEN_VIRT_BASE + (pfn << PAGE_SHIFT));
}


static xen_pfn_t
virt_to_mfn(const void *p)
{
    return p2m[virt_to_pfn(p)];
}


/* The p2m list is small: a scan spares us the hypervisor's m2p table. */
static unsigned long
mfn_to_pfn(xen_pfn_t mfn)
{
    unsigned long pfn;

    for (pfn = 0; pfn < nrPages; pfn++) {
        if (p2m[pfn] == mfn)
            return pfn;
    }
    return ~0UL;
}


static void
evtchn_notify(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };

    hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &op);
}


static void
evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };

    hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, &op);
}


static void
console_write(const char *s, size_t len)
{
    XENCONS_RING_IDX prod;
    size_t i = 0;

    if (console) {
        prod = console->out_prod;
        for (; i < len; i++) {
            /* A full ring (no console daemon?) leaves the rest to Xen. */
            if (prod - READ_ONCE(console->out_cons) >= sizeof(console->out))
                break;
            console->out[MASK_XENCONS_IDX(prod, console->out)] = s[i];
            prod++;
        }
        barrier();
        WRITE_ONCE(console->out_prod, prod);
        evtchn_notify(consolePort);
    }
    /* Xen's own console: only debug builds let a guest write to it. */
    if (i < len)
        hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len - i, s + i);
}


static void
print(const char *s)
{
    console_write(s, str_len(s));
}


static void
print_hex(unsigned long v)
{
    char buf[2 + 2 * sizeof(v)];
    int i;

    buf[0] = '0';
    buf[1] = 'x';
    for (i = 0; i < (int)(2 * sizeof(v)); i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (4 * (2 * sizeof(v) - 1 - i))) & 0xf];
    console_write(buf, sizeof(buf));
}


static void
print_dec(unsigned long v)
{
    char buf[24];
    int i = sizeof(buf);

    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    console_write(buf + i, sizeof(buf) - i);
}


static long
update_va_mapping(void *va, uint64_t pte)
{
#if defined(__x86_64__)
    return hypercall3(__HYPERVISOR_update_va_mapping, va, pte, UVMF_INVLPG);
#else
    return hypercall4(__HYPERVISOR_update_va_mapping, (unsigned long)va,
                      (unsigned long)pte, (unsigned long)(pte >> 32), UVMF_INVLPG);
#endif
}


static void
map_shared_info(void)
{
    if (update_va_mapping(sharedPage, (uint64_t)start->shared_info | PTE_FLAGS) != 0) {
        print("xenpv-test: cannot map shared_info\n");
        kernel_failsafe();
    }
    shared = (shared_info_t *)sharedPage;
}


/* Put our own frame back: save refuses page tables that map Xen's. */
static void
unmap_shared_info(void)
{
    shared = NULL;
    update_va_mapping(sharedPage, ((uint64_t)virt_to_mfn(sharedPage) << PAGE_SHIFT) | PTE_FLAGS);
}


/*
 * Forget the events seen so far, so that the next one marks the vcpu
 * pending again and wakes SCHEDOP_block: Xen raises an upcall only when a
 * port's pending bit (and its word's selector bit) goes from 0 to 1.
 */
static void
clear_events(void)
{
    struct vcpu_info *vcpu = &shared->vcpu_info[0];
    xen_ulong_t sel;

    WRITE_ONCE(vcpu->evtchn_upcall_pending, 0);
    sel = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int word = __builtin_ctzl(sel);
        sel &= sel - 1;
        __atomic_store_n(&shared->evtchn_pending[word], 0, __ATOMIC_SEQ_CST);
    }
    mb();
}


static void heartbeat(void);

/* Sleep in Xen until an event arrives.  SCHEDOP_block unmasks upcalls
 * atomically with going to sleep; the upcall masks them again.  With a
 * heartbeat, SCHEDOP_poll on the store's port instead, which also wakes at
 * the next beat (and needs no timer interrupt, so nothing to rebind after
 * a migration). */
static void
block(void)
{
    if (beatNs) {
        struct sched_poll poll = { .nr_ports = 1 };
        evtchn_port_t port = storePort;

        heartbeat();
        set_xen_guest_handle(poll.ports, &port);
        poll.timeout = nextBeat;
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, &poll);
        return;
    }
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_block, 0);
    WRITE_ONCE(shared->vcpu_info[0].evtchn_upcall_mask, 1);
    barrier();
}


static int
store_req_space(void)
{
    return READ_ONCE(store->req_prod) - READ_ONCE(store->req_cons) < XENSTORE_RING_SIZE;
}


static int
store_rsp_data(void)
{
    return READ_ONCE(store->rsp_prod) != READ_ONCE(store->rsp_cons);
}


static void
wait_for(int (*cond)(void))
{
    for (;;) {
        if (cond())
            return;
        clear_events();
        if (cond())
            return;
        block();
    }
}


static void
store_write(const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        XENSTORE_RING_IDX prod;
        size_t room;
        size_t i;

        wait_for(store_req_space);
        prod = store->req_prod;
        room = XENSTORE_RING_SIZE - (prod - READ_ONCE(store->req_cons));
        mb();
        for (i = 0; i < len && i < room; i++)
            store->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        barrier();
        WRITE_ONCE(store->req_prod, prod + i);
        evtchn_notify(storePort);
        p += i;
        len -= i;
    }
}


/* Read @len bytes of the reply stream; NULL @data discards them. */
static void
store_read(void *data, size_t len)
{
    char *p = data;

    while (len > 0) {
        XENSTORE_RING_IDX cons;
        size_t avail;
        size_t i;

        wait_for(store_rsp_data);
        cons = store->rsp_cons;
        avail = READ_ONCE(store->rsp_prod) - cons;
        mb();
        for (i = 0; i < len && i < avail; i++) {
            if (p)
                p[i] = store->rsp[MASK_XENSTORE_IDX(cons + i)];
        }
        mb();
        WRITE_ONCE(store->rsp_cons, cons + i);
        evtchn_notify(storePort);
        if (p)
            p += i;
        len -= i;
    }
}


/* The next message from xenstored, its body NUL-terminated in xsBody. */
static struct xsd_sockmsg
store_next_message(void)
{
    struct xsd_sockmsg msg;
    uint32_t keep;

    store_read(&msg, sizeof(msg));
    keep = msg.len < XENSTORE_PAYLOAD_MAX ? msg.len : XENSTORE_PAYLOAD_MAX;
    store_read(xsBody, keep);
    store_read(NULL, msg.len - keep);
    xsBody[keep] = '\0';
    msg.len = keep;
    if (msg.type == XS_WATCH_EVENT)
        watchFired = 1;
    return msg;
}


/* Send a request of two parts and wait for its reply; returns the
 * reply's type (XS_ERROR on failure), its body in xsBody. */
static uint32_t
xs_request(uint32_t type, const char *a, size_t alen, const char *b, size_t blen)
{
    struct xsd_sockmsg req = {
        .type = type, .req_id = ++xsReqId, .tx_id = 0, .len = alen + blen,
    };

    store_write(&req, sizeof(req));
    store_write(a, alen);
    store_write(b, blen);
    for (;;) {
        struct xsd_sockmsg reply = store_next_message();
        if (reply.type != XS_WATCH_EVENT && reply.req_id == req.req_id)
            return reply.type;
    }
}


static void
xs_watch_shutdown(void)
{
    /* xenstored fires a watch once when it is set: that first look at the
     * node catches a request made before we were listening. */
    if (xs_request(XS_WATCH, SHUTDOWN_PATH, sizeof(SHUTDOWN_PATH),
                   WATCH_TOKEN, sizeof(WATCH_TOKEN)) != XS_WATCH) {
        print("xenpv-test: cannot watch " SHUTDOWN_PATH ": ");
        print(xsBody);
        print("\n");
    }
}


/* Acknowledge a request the way Linux does, by emptying the node. */
static void
xs_clear_shutdown(void)
{
    xs_request(XS_WRITE, SHUTDOWN_PATH, sizeof(SHUTDOWN_PATH), "", 0);
}


static void
register_callbacks(void)
{
    struct callback_register event = { .type = CALLBACKTYPE_event };
    struct callback_register failsafe = {
        .type = CALLBACKTYPE_failsafe, .flags = CALLBACKF_mask_events,
    };

#if defined(__x86_64__)
    event.address = (unsigned long)event_callback;
    failsafe.address = (unsigned long)failsafe_callback;
#else
    event.address.cs = FLAT_KERNEL_CS;
    event.address.eip = (unsigned long)event_callback;
    failsafe.address.cs = FLAT_KERNEL_CS;
    failsafe.address.eip = (unsigned long)failsafe_callback;
#endif
    if (hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &event) != 0 ||
        hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, &failsafe) != 0)
        print("xenpv-test: cannot register event callbacks\n");
}


/* Find the rings from start_info: on boot, and again after a resume,
 * when they have new frames and event channels. */
static void
connect_rings(void)
{
    storePfn = mfn_to_pfn(start->store_mfn);
    consolePfn = mfn_to_pfn(start->console.domU.mfn);
    console = consolePfn == ~0UL ? NULL : pfn_to_virt(consolePfn);
    consolePort = start->console.domU.evtchn;
    storePort = start->store_evtchn;
    if (storePfn == ~0UL) {
        print("xenpv-test: start_info names no xenstore page\n");
        kernel_failsafe();
    }
    store = pfn_to_virt(storePfn);
    /* A restore masks every port. */
    evtchn_unmask(storePort);
    if (console)
        evtchn_unmask(consolePort);
}


/* Tell save and migration where the p2m list is (a restore clears it). */
static void
publish_p2m(void)
{
    unsigned long leaves = (nrPages + FPP - 1) / FPP;
    unsigned long mids = (leaves + FPP - 1) / FPP;
    unsigned long i;

    if (mids > P2M_MID_PAGES || ((unsigned long)p2m & (PAGE_SIZE - 1))) {
        print("xenpv-test: p2m list too large or misaligned: save will fail\n");
        return;
    }
    for (i = 0; i < leaves; i++)
        p2mMid[i / FPP][i % FPP] = virt_to_mfn((char *)p2m + i * PAGE_SIZE);
    for (i = 0; i < mids; i++)
        p2mTop[i] = virt_to_mfn(p2mMid[i]);
    shared->arch.max_pfn = nrPages;
    mb();
    shared->arch.pfn_to_mfn_frame_list_list = virt_to_mfn(p2mTop);
}


static uint64_t
rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
    return ((uint64_t)hi << 32) | lo;
}


/* Xen's system time in ns, from the vcpu_time_info Xen keeps up to date:
 * its last system time plus the TSC ticks since, scaled. */
static uint64_t
system_time(void)
{
    struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t version;
    uint64_t ns;

    do {
        uint64_t delta;
        uint32_t mul;

        version = READ_ONCE(t->version);
        mb();
        delta = rdtsc() - t->tsc_timestamp;
        if (t->tsc_shift < 0)
            delta >>= -t->tsc_shift;
        else
            delta <<= t->tsc_shift;
        mul = t->tsc_to_system_mul;
        /* (delta * mul) >> 32 without a 128-bit product. */
        ns = t->system_time + (((delta & 0xffffffffULL) * mul) >> 32) + (delta >> 32) * mul;
        mb();
    } while ((version & 1) || version != READ_ONCE(t->version));
    return ns;
}


static uint32_t
pattern(uint32_t generation, unsigned long page, unsigned long word)
{
    uint32_t x = seed ^ (generation * 0x9e3779b1U) ^ (page * 0x85ebca6bU) ^ (word * 0xc2b2ae35U);

    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}


static void
fill_page(unsigned long page, uint32_t generation)
{
    unsigned long w;

    region[page][0] = generation;
    for (w = 1; w < REGION_WORDS; w++)
        region[page][w] = pattern(generation, page, w);
}


static int
page_ok(unsigned long page)
{
    uint32_t generation = region[page][0];
    unsigned long w;

    for (w = 1; w < REGION_WORDS; w++) {
        if (region[page][w] != pattern(generation, page, w))
            return 0;
    }
    return 1;
}


/* "name=N" from start_info's command line, or 0. */
static unsigned long
cmdline_number(const char *name)
{
    const char *p = (const char *)start->cmd_line;
    size_t len = str_len(name);

    while (*p) {
        size_t i = 0;

        while (i < len && p[i] == name[i])
            i++;
        if (i == len && p[i] == '=') {
            unsigned long v = 0;

            for (p += len + 1; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (*p - '0');
            return v;
        }
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return 0;
}


static void
heartbeat_init(void)
{
    unsigned long page;

    beatNs = (uint64_t)cmdline_number("heartbeat") * 1000000;
    dirtyPerBeat = cmdline_number("dirty");
    if (dirtyPerBeat > REGION_PAGES)
        dirtyPerBeat = REGION_PAGES;
    if (!beatNs)
        return;
    seed = (uint32_t)rdtsc();
    for (page = 0; page < REGION_PAGES; page++)
        fill_page(page, 0);
    nextBeat = system_time() + beatNs;
}


/* A beat when one is due: check part of the region, dirty some of it. */
static void
heartbeat(void)
{
    uint64_t now = system_time();
    unsigned long i;

    /* Another host's system time (after a migration) may be behind ours. */
    if (nextBeat > now + beatNs)
        nextBeat = now;
    if (now < nextBeat)
        return;
    for (i = 0; i < CHECK_PAGES; i++) {
        if (!page_ok(checkNext))
            memoryBad = 1;
        checkNext = (checkNext + 1) % REGION_PAGES;
    }
    for (i = 0; i < dirtyPerBeat; i++) {
        fill_page(dirtyNext, region[dirtyNext][0] + 1);
        dirtyNext = (dirtyNext + 1) % REGION_PAGES;
    }
    beats++;
    print("xenpv-test: beat ");
    print_dec(beats);
    print(memoryBad ? ", memory CORRUPT\n" : ", memory ok\n");
    /* Beats missed while stopped are not made up for: the gap shows. */
    nextBeat += beatNs;
    if (nextBeat <= now)
        nextBeat = now + beatNs;
}


static void
shutdown(unsigned int reason)
{
    struct sched_shutdown op = { .reason = reason };

    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &op);
    print("xenpv-test: SCHEDOP_shutdown returned\n");
}


static void
suspend(void)
{
    struct sched_shutdown op = { .reason = SHUTDOWN_suspend };
    long rc;

    print("xenpv-test: suspending\n");
    /* The tools translate these back to the new host's frames. */
    start->store_mfn = storePfn;
    start->console.domU.mfn = consolePfn == ~0UL ? 0 : consolePfn;
    unmap_shared_info();

    /* For a PV guest the third argument is start_info's frame. */
    rc = hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &op, p2m[startPfn]);

    map_shared_info();
    if (rc != 0) {
        /* Cancelled (1) or refused: same domain, same frames. */
        start->store_mfn = p2m[storePfn];
        if (consolePfn != ~0UL)
            start->console.domU.mfn = p2m[consolePfn];
    }
    connect_rings();
    publish_p2m();
    print(rc == 0 ? "xenpv-test: resumed\n" : "xenpv-test: resumed (suspend cancelled)\n");
    xs_watch_shutdown();
}


static void
check_shutdown_request(void)
{
    if (xs_request(XS_READ, SHUTDOWN_PATH, sizeof(SHUTDOWN_PATH), "", 0) != XS_READ)
        return;
    if (xsBody[0] == '\0')
        return;

    if (str_eq(xsBody, "poweroff") || str_eq(xsBody, "halt")) {
        xs_clear_shutdown();
        print("xenpv-test: powering off\n");
        shutdown(SHUTDOWN_poweroff);
    } else if (str_eq(xsBody, "reboot")) {
        xs_clear_shutdown();
        print("xenpv-test: rebooting\n");
        shutdown(SHUTDOWN_reboot);
    } else if (str_eq(xsBody, "suspend")) {
        xs_clear_shutdown();
        suspend();
    } else {
        print("xenpv-test: ignoring shutdown request '");
        print(xsBody);
        print("'\n");
    }
}


void
kernel_failsafe(void)
{
    struct sched_shutdown op = { .reason = SHUTDOWN_crash };

    print("xenpv-test: fatal error, crashing\n");
    for (;;)
        hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &op);
}


void
kernel_main(start_info_t *si)
{
    size_t i;

    start = si;
    startPfn = virt_to_pfn(si);
    p2m = (xen_pfn_t *)si->mfn_list;
    nrPages = si->nr_pages;

    register_callbacks();
    map_shared_info();
    connect_rings();
    publish_p2m();

    print("xenpv-test: hello from a " ABI_NAME " PV kernel (");
    for (i = 0; i < sizeof(si->magic) && si->magic[i]; i++)
        ;
    console_write(si->magic, i);
    print("), ");
    print_dec(nrPages);
    print(" pages, start_info at ");
    print_hex((unsigned long)si);
    print("\n");

    heartbeat_init();
    xs_watch_shutdown();
    for (;;) {
        if (watchFired) {
            watchFired = 0;
            check_shutdown_request();
            continue;
        }
        store_next_message();
    }
}
