/*
 * test_migration_inflight.c: what a migration's data channel says its
 * socket still holds for the wire (xenpvMigrationChannelInFlight), the
 * figure the downtime budget and the job's rate take off what was counted.
 * A direct channel on loopback whose far end does not read: everything
 * written is either in the far end's receive queue or still held by the
 * near end, and once the far end has read it all nothing is held.  A
 * tunnelled channel holds nothing that can be measured.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "virfile.h"
#include "virutil.h"

#include "xenpv_migration_channel.h"

/* What the far end's socket takes in before its window closes: small, so
 * that the near end soon holds bytes of its own. */
#define TEST_RECEIVE_BUFFER (64 * 1024)
#define TEST_WAIT_US (10 * G_USEC_PER_SEC)
/* What one write or read moves at most. */
#define TEST_CHUNK (64 * 1024)


static size_t
testReceiveQueue(int fd)
{
    int queued = 0;

    g_assert_cmpint(ioctl(fd, SIOCINQ, &queued), ==, 0);
    return queued;
}


/* Poll until the near end holds what the far end has not: the kernel
 * moves bytes between the two on its own time. */
static bool
testSettled(xenpvMigrationChannel *ch, int far, size_t written, size_t readSoFar)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_US;

    while (g_get_monotonic_time() < deadline) {
        if (xenpvMigrationChannelInFlight(ch) + testReceiveQueue(far) + readSoFar == written)
            return true;
        g_usleep(1000);
    }
    return false;
}


static void
testInFlightDirect(void)
{
    struct sockaddr_in addr = { .sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(addr);
    xenpvMigrationChannel ch = { .fd = -1 };
    int bufsize = TEST_RECEIVE_BUFFER;
    g_autofree char *port = NULL;
    g_autofree char *buf = g_malloc0(TEST_CHUNK);
    int listener;
    int far;
    size_t written = 0;
    size_t readSoFar = 0;
    ssize_t n;

    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(listener, >=, 0);
    /* Set before listen(): an accepted socket takes it from the listener. */
    g_assert_cmpint(setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)), ==, 0);
    g_assert_cmpint(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(listener, 1), ==, 0);
    g_assert_cmpint(getsockname(listener, (struct sockaddr *)&addr, &len), ==, 0);
    port = g_strdup_printf("%u", ntohs(addr.sin_port));

    g_assert_cmpint(virNetSocketNewConnectTCP("127.0.0.1", port, AF_INET, &ch.sock), ==, 0);
    far = accept(listener, NULL, NULL);
    g_assert_cmpint(far, >=, 0);
    g_assert_cmpuint(xenpvMigrationChannelInFlight(&ch), ==, 0);

    /* Write until the near end takes no more. */
    g_assert_cmpint(virSetNonBlock(virNetSocketGetFD(ch.sock)), ==, 0);
    while ((n = write(virNetSocketGetFD(ch.sock), buf, TEST_CHUNK)) > 0)
        written += n;
    g_assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    g_assert_true(testSettled(&ch, far, written, readSoFar));
    g_assert_cmpuint(xenpvMigrationChannelInFlight(&ch), >, 0);
    g_assert_cmpuint(xenpvMigrationChannelInFlight(&ch), <, written);

    /* The far end reads it all: nothing is held any more. */
    while (readSoFar < written) {
        n = read(far, buf, TEST_CHUNK);
        g_assert_cmpint(n, >, 0);
        readSoFar += n;
    }
    g_assert_true(testSettled(&ch, far, written, readSoFar));
    g_assert_cmpuint(xenpvMigrationChannelInFlight(&ch), ==, 0);

    virObjectUnref(ch.sock);
    VIR_FORCE_CLOSE(far);
    VIR_FORCE_CLOSE(listener);
}


static void
testInFlightTunnelled(void)
{
    xenpvMigrationChannel ch = { .fd = -1 };

    g_assert_cmpuint(xenpvMigrationChannelInFlight(&ch), ==, 0);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/inflight/direct", testInFlightDirect);
    g_test_add_func("/migration/inflight/tunnelled", testInFlightTunnelled);
    return g_test_run();
}
