/*
 * Unit tests of the rbd plugin's filename parser (plugins/rbd/rbd-spec.c):
 * what QEMU's rbd filenames turn into, and the exact message for each
 * malformed one.
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>

#include "rbd-spec.h"

/* Every add() call, as "key=value" lines. */
struct collected {
    GString *calls;
    int n_calls;
    int fail_at;        /* return -EIO from this call (1-based); 0 = never */
};

static int collect(void *opaque, const char *key, const char *value)
{
    struct collected *c = opaque;

    c->n_calls++;
    g_string_append_printf(c->calls, "%s=%s\n", key, value);
    if (c->n_calls == c->fail_at) {
        return -EIO;
    }
    return 0;
}

/* rest parses into the key, value pairs that follow, ending with NULL. */
static void assert_parsed(const char *rest, ...)
{
    struct collected c = { .calls = g_string_new(NULL) };
    g_autoptr(GString) want = g_string_new(NULL);
    char errbuf[256];
    const char *key;
    va_list ap;
    int r;

    va_start(ap, rest);
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);

        g_string_append_printf(want, "%s=%s\n", key, value);
    }
    va_end(ap);

    r = rbd_spec_parse(rest, collect, &c, errbuf, sizeof(errbuf));
    g_assert_cmpstr(errbuf, ==, "");
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpstr(c.calls->str, ==, want->str);
    g_string_free(c.calls, TRUE);
}

/* rest is refused with exactly this message, and add() is never called. */
static void assert_refused(const char *rest, const char *message)
{
    struct collected c = { .calls = g_string_new(NULL) };
    char errbuf[512];
    int r;

    memset(errbuf, 'x', sizeof(errbuf));
    r = rbd_spec_parse(rest, collect, &c, errbuf, sizeof(errbuf));
    g_assert_cmpint(r, ==, -EINVAL);
    g_assert_cmpstr(errbuf, ==, message);
    g_assert_cmpint(c.n_calls, ==, 0);
    g_string_free(c.calls, TRUE);
}

static void test_pool_image(void)
{
    assert_parsed("rbd/vm1",
                  "pool", "rbd", "image", "vm1", NULL);
    assert_parsed("a/b",
                  "pool", "a", "image", "b", NULL);
}

static void test_namespace_snapshot(void)
{
    assert_parsed("rbd/tenant1/vm1",
                  "pool", "rbd", "namespace", "tenant1", "image", "vm1",
                  NULL);
    assert_parsed("rbd/vm1@before-upgrade",
                  "pool", "rbd", "image", "vm1",
                  "snapshot", "before-upgrade", NULL);
    assert_parsed("rbd/tenant1/vm1@snap",
                  "pool", "rbd", "namespace", "tenant1", "image", "vm1",
                  "snapshot", "snap", NULL);
}

static void test_escapes(void)
{
    /* Each delimiter escaped inside each kind of name. */
    assert_parsed("my\\/pool\\@x/ns\\:1/im\\@ge\\/2\\=3@sn\\@ap\\/\\:x",
                  "pool", "my/pool@x", "namespace", "ns:1",
                  "image", "im@ge/2=3", "snapshot", "sn@ap/:x", NULL);
    /* "\\" is a backslash; '\' before another character is that character. */
    assert_parsed("p/a\\\\b\\c",
                  "pool", "p", "image", "a\\bc", NULL);
    /* An escaped backslash at the very end is not a trailing backslash. */
    assert_parsed("p/img\\\\",
                  "pool", "p", "image", "img\\", NULL);
    /* Non-ASCII bytes pass through. */
    assert_parsed("p/\xc3\xa9t\xc3\xa9",
                  "pool", "p", "image", "\xc3\xa9t\xc3\xa9", NULL);
}

static void test_options_renamed(void)
{
    assert_parsed("rbd/vm1:id=admin:conf=/etc/ceph/ceph.conf",
                  "pool", "rbd", "image", "vm1",
                  "user", "admin", "conf", "/etc/ceph/ceph.conf", NULL);
    assert_parsed("rbd/vm1:mon_host=10.0.0.1\\:6789;10.0.0.2:key-secret=sec0",
                  "pool", "rbd", "image", "vm1",
                  "server", "10.0.0.1:6789;10.0.0.2",
                  "key-secret", "sec0", NULL);
}

static void test_options_ceph(void)
{
    /* Any other key is a Ceph setting, in the order given. */
    assert_parsed("rbd/vm1@s:rbd_cache=false:client_mount_timeout=5"
                  ":keyring=/etc/ceph/k:id=u:log_file=",
                  "pool", "rbd", "image", "vm1", "snapshot", "s",
                  "ceph.rbd_cache", "false",
                  "ceph.client_mount_timeout", "5",
                  "ceph.keyring", "/etc/ceph/k",
                  "user", "u",
                  "ceph.log_file", "", NULL);
    /* A base64 key ends in '='; only the first unescaped '=' splits. */
    assert_parsed("rbd/vm1:key=AQBxyz+/w==",
                  "pool", "rbd", "image", "vm1",
                  "ceph.key", "AQBxyz+/w==", NULL);
    /* Names that look like renamed ones are still Ceph settings. */
    assert_parsed("p/i:user=a:server=b:ceph.x=c",
                  "pool", "p", "image", "i",
                  "ceph.user", "a", "ceph.server", "b",
                  "ceph.ceph.x", "c", NULL);
}

static void test_options_escaped(void)
{
    /* ':' and '=' inside escaped keys and values. */
    assert_parsed("p/i:mon_host=\\[\\:\\:1\\]\\:6789:a\\=b=c\\:d\\=e",
                  "pool", "p", "image", "i",
                  "server", "[::1]:6789",
                  "ceph.a=b", "c:d=e", NULL);
    /* '@' and '/' in option values need no escape. */
    assert_parsed("p/i:conf=/etc/ceph@site/ceph.conf",
                  "pool", "p", "image", "i",
                  "conf", "/etc/ceph@site/ceph.conf", NULL);
    /* Nor does ':' in a name once escaped before any option. */
    assert_parsed("p/i\\:j@s\\:t:id=x",
                  "pool", "p", "image", "i:j", "snapshot", "s:t",
                  "user", "x", NULL);
}

static void test_refused_location(void)
{
    assert_refused("",
                   "rbd filename has no pool or image name: expected "
                   "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]");
    assert_refused(":conf=/etc/ceph/ceph.conf",
                   "rbd filename has no pool or image name: expected "
                   "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]");
    assert_refused("pool",
                   "rbd filename 'pool' has no image name: expected "
                   "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]");
    /* QEMU took "img:conf=" as the pool here. */
    assert_refused("img:conf=/etc/ceph/ceph.conf",
                   "rbd filename 'img' has no image name: expected "
                   "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]");
    assert_refused("pool\\/img",
                   "rbd filename 'pool\\/img' has no image name: expected "
                   "POOL[/NAMESPACE]/IMAGE[@SNAP][:key=value...]");
    assert_refused("/img",
                   "rbd filename '/img': empty pool name");
    assert_refused("pool/",
                   "rbd filename 'pool/': empty image name");
    assert_refused("pool/:id=admin",
                   "rbd filename 'pool/': empty image name");
    assert_refused("pool/ns/",
                   "rbd filename 'pool/ns/': empty image name");
    assert_refused("pool/@snap",
                   "rbd filename 'pool/@snap': empty image name");
    assert_refused("pool//img",
                   "rbd filename 'pool//img': empty namespace");
    assert_refused("pool/img@",
                   "rbd filename 'pool/img@': empty snapshot name");
    assert_refused("pool/img@:id=admin",
                   "rbd filename 'pool/img@': empty snapshot name");
    assert_refused("pool/img@s1@s2",
                   "rbd filename 'pool/img@s1@s2': more than one '@' "
                   "(escape an '@' in a name as '\\@')");
    assert_refused("pool/ns/img/x",
                   "rbd filename 'pool/ns/img/x': too many '/' "
                   "(escape a '/' in a name as '\\/')");
    assert_refused("pool@snap/img",
                   "rbd filename 'pool@snap/img': '@' in the pool name "
                   "(escape it as '\\@')");
    assert_refused("pool/img@snap/x",
                   "rbd filename 'pool/img@snap/x': '/' in the snapshot "
                   "name (escape it as '\\/')");
}

static void test_refused_backslash(void)
{
    assert_refused("pool/img\\",
                   "rbd filename: trailing backslash escapes nothing "
                   "(write '\\\\' for a backslash)");
    assert_refused("pool/img:conf=x\\",
                   "rbd filename: trailing backslash escapes nothing "
                   "(write '\\\\' for a backslash)");
    assert_refused("\\",
                   "rbd filename: trailing backslash escapes nothing "
                   "(write '\\\\' for a backslash)");
}

static void test_refused_options(void)
{
    assert_refused("pool/img:",
                   "rbd filename: empty option after ':' "
                   "(expected key=value)");
    assert_refused("pool/img:id=a::conf=b",
                   "rbd filename: empty option after ':' "
                   "(expected key=value)");
    assert_refused("pool/img:conf",
                   "rbd filename: option 'conf' has no value");
    assert_refused("pool/img:id=admin:rbd\\=cache",
                   "rbd filename: option 'rbd=cache' has no value");
    assert_refused("pool/img:=secret",
                   "rbd filename: option with an empty name before '='");
    assert_refused("pool/img:conf=/a:conf=/b",
                   "rbd filename: duplicate option 'conf'");
    assert_refused("pool/img:rbd_cache=true:id=x:rbd_cache=false",
                   "rbd filename: duplicate option 'rbd_cache'");
    /* Compared unescaped: "i\d" is "id". */
    assert_refused("pool/img:id=a:i\\d=b",
                   "rbd filename: duplicate option 'id'");
    assert_refused("pool/img:conf=",
                   "rbd filename: option 'conf' has an empty value");
    assert_refused("pool/img:id=",
                   "rbd filename: option 'id' has an empty value");
    assert_refused("pool/img:mon_host=",
                   "rbd filename: option 'mon_host' has an empty value");
    assert_refused("pool/img:key-secret=",
                   "rbd filename: option 'key-secret' has an empty value");
}

/* A location error wins over a later option error; left to right. */
static void test_refused_first_problem(void)
{
    assert_refused("pool/:conf",
                   "rbd filename 'pool/': empty image name");
    assert_refused("pool/img:conf:id=",
                   "rbd filename: option 'conf' has no value");
}

/* The message is cut to fit and always NUL-terminated. */
static void test_errbuf_small(void)
{
    struct collected c = { .calls = g_string_new(NULL) };
    char errbuf[16];
    int r;

    memset(errbuf, 'x', sizeof(errbuf));
    r = rbd_spec_parse("pool", collect, &c, errbuf, sizeof(errbuf));
    g_assert_cmpint(r, ==, -EINVAL);
    g_assert_cmpstr(errbuf, ==, "rbd filename 'p");

    r = rbd_spec_parse("pool", collect, &c, errbuf, 1);
    g_assert_cmpint(r, ==, -EINVAL);
    g_assert_cmpstr(errbuf, ==, "");

    r = rbd_spec_parse("pool", collect, &c, NULL, 0);
    g_assert_cmpint(r, ==, -EINVAL);
    g_assert_cmpint(c.n_calls, ==, 0);
    g_string_free(c.calls, TRUE);
}

/* add()'s first non-zero result stops the calls and is returned. */
static void test_add_fails(void)
{
    struct collected c = { .calls = g_string_new(NULL), .fail_at = 3 };
    char errbuf[64];
    int r;

    r = rbd_spec_parse("p/n/i@s:id=a", collect, &c, errbuf, sizeof(errbuf));
    g_assert_cmpint(r, ==, -EIO);
    g_assert_cmpint(c.n_calls, ==, 3);
    g_assert_cmpstr(c.calls->str, ==,
                    "pool=p\nnamespace=n\nimage=i\n");
    g_string_free(c.calls, TRUE);
}

/* Many options, each escaped, in a long filename. */
static void test_many_options(void)
{
    struct collected c = { .calls = g_string_new(NULL) };
    g_autoptr(GString) rest = g_string_new("p/i");
    g_autoptr(GString) want = g_string_new("pool=p\nimage=i\n");
    char errbuf[64];
    int i;

    for (i = 0; i < 200; i++) {
        g_string_append_printf(rest, ":k%d\\:x=v\\=%d\\:", i, i);
        g_string_append_printf(want, "ceph.k%d:x=v=%d:\n", i, i);
    }
    g_assert_cmpint(rbd_spec_parse(rest->str, collect, &c, errbuf,
                                   sizeof(errbuf)), ==, 0);
    g_assert_cmpstr(c.calls->str, ==, want->str);
    g_string_free(c.calls, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rbd-spec/pool-image", test_pool_image);
    g_test_add_func("/rbd-spec/namespace-snapshot", test_namespace_snapshot);
    g_test_add_func("/rbd-spec/escapes", test_escapes);
    g_test_add_func("/rbd-spec/options-renamed", test_options_renamed);
    g_test_add_func("/rbd-spec/options-ceph", test_options_ceph);
    g_test_add_func("/rbd-spec/options-escaped", test_options_escaped);
    g_test_add_func("/rbd-spec/many-options", test_many_options);
    g_test_add_func("/rbd-spec/refused-location", test_refused_location);
    g_test_add_func("/rbd-spec/refused-backslash", test_refused_backslash);
    g_test_add_func("/rbd-spec/refused-options", test_refused_options);
    g_test_add_func("/rbd-spec/refused-first-problem",
                    test_refused_first_problem);
    g_test_add_func("/rbd-spec/errbuf-small", test_errbuf_small);
    g_test_add_func("/rbd-spec/add-fails", test_add_fails);
    return g_test_run();
}
