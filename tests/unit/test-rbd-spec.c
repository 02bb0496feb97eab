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
    /* Each delimiter Ceph allows in a name, escaped in each kind of name. */
    assert_parsed("my\\:pool\\=x/ns\\:1/im\\:ge\\=3@sn\\:ap\\=x",
                  "pool", "my:pool=x", "namespace", "ns:1",
                  "image", "im:ge=3", "snapshot", "sn:ap=x", NULL);
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
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("pool/ns/img/x",
                   "rbd filename 'pool/ns/img/x': too many '/' "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("pool@snap/img",
                   "rbd filename 'pool@snap/img': '@' in the pool name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("pool/img@snap/x",
                   "rbd filename 'pool/img@snap/x': '/' in the snapshot "
                   "name (Ceph names cannot contain '/' or '@')");
}

/*
 * Ceph's rbd tool refuses '/' and '@' in every name (rbd_validate_names):
 * escaping them gets them past the syntax, not past Ceph's rules.
 */
static void test_refused_ceph_names(void)
{
    assert_refused("my\\/pool/img",
                   "rbd filename 'my\\/pool/img': '/' in the pool name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("my\\@pool/img",
                   "rbd filename 'my\\@pool/img': '@' in the pool name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/n\\@s/img",
                   "rbd filename 'p/n\\@s/img': '@' in the namespace name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/n\\/s/img",
                   "rbd filename 'p/n\\/s/img': '/' in the namespace name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/im\\/g",
                   "rbd filename 'p/im\\/g': '/' in the image name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/n/im\\@g@s",
                   "rbd filename 'p/n/im\\@g@s': '@' in the image name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/img@s\\@t",
                   "rbd filename 'p/img@s\\@t': '@' in the snapshot name "
                   "(Ceph names cannot contain '/' or '@')");
    assert_refused("p/img@s\\/t:id=a",
                   "rbd filename 'p/img@s\\/t': '/' in the snapshot name "
                   "(Ceph names cannot contain '/' or '@')");
}

/* A string of n copies of c, for length limits. */
static char *repeat(char c, size_t n)
{
    char *s = g_malloc(n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Names at their limit pass; one byte more is refused, naming the field. */
static void test_name_lengths(void)
{
    g_autofree char *pool = repeat('p', RBD_SPEC_POOL_MAX);
    g_autofree char *ns = repeat('n', RBD_SPEC_NAMESPACE_MAX);
    g_autofree char *img = repeat('i', RBD_SPEC_IMAGE_MAX);
    g_autofree char *snap = repeat('s', RBD_SPEC_SNAPSHOT_MAX);
    g_autofree char *ok = g_strdup_printf("%s/%s/%s@%s", pool, ns, img, snap);
    g_autofree char *bad = NULL;
    g_autofree char *msg = NULL;
    g_autofree char *quoted = NULL;

    g_assert_cmpint(RBD_SPEC_IMAGE_MAX, ==, 2041);
    assert_parsed(ok, "pool", pool, "namespace", ns, "image", img,
                  "snapshot", snap, NULL);

    /* Long locations are quoted by their first 64 bytes. */
    bad = g_strdup_printf("%sp/i", pool);
    quoted = repeat('p', 64);
    msg = g_strdup_printf("rbd filename '%s...': pool name is 257 bytes, "
                          "more than 256", quoted);
    assert_refused(bad, msg);
    g_free(bad);
    g_free(msg);
    g_free(quoted);

    bad = g_strdup_printf("p/%sn/i", ns);
    quoted = g_strdup_printf("p/%.62s", ns);
    msg = g_strdup_printf("rbd filename '%s...': namespace name is 257 "
                          "bytes, more than 256", quoted);
    assert_refused(bad, msg);
    g_free(bad);
    g_free(msg);
    g_free(quoted);

    bad = g_strdup_printf("p/%si:conf=/c", img);
    quoted = g_strdup_printf("p/%.62s", img);
    msg = g_strdup_printf("rbd filename '%s...': image name is 2042 bytes, "
                          "more than 2041", quoted);
    assert_refused(bad, msg);
    g_free(bad);
    g_free(msg);
    g_free(quoted);

    bad = g_strdup_printf("p/i@%ss", snap);
    quoted = g_strdup_printf("p/i@%.60s", snap);
    msg = g_strdup_printf("rbd filename '%s...': snapshot name is 1025 "
                          "bytes, more than 1024", quoted);
    assert_refused(bad, msg);
}

/* Option values in the filename, by the key the user wrote. */
static void test_option_lengths(void)
{
    g_autofree char *v256 = repeat('u', 256);
    g_autofree char *v4096 = repeat('v', RBD_SPEC_VALUE_MAX);
    g_autofree char *k256 = repeat('k', RBD_SPEC_KEY_MAX);
    g_autofree char *rest = NULL;

    rest = g_strdup_printf("p/i:id=%s:conf=%s:%s=%s", v256, v4096, k256,
                           v4096);
    {
        g_autofree char *ck = g_strdup_printf("ceph.%s", k256);
        assert_parsed(rest, "pool", "p", "image", "i", "user", v256,
                      "conf", v4096, ck, v4096, NULL);
    }
    g_free(rest);

    rest = g_strdup_printf("p/i:id=%su", v256);
    assert_refused(rest, "rbd filename: option 'id' is 257 bytes, more "
                   "than 256");
    g_free(rest);
    rest = g_strdup_printf("p/i:conf=%sv", v4096);
    assert_refused(rest, "rbd filename: option 'conf' is 4097 bytes, more "
                   "than 4096");
    g_free(rest);
    rest = g_strdup_printf("p/i:mon_host=%sv", v4096);
    assert_refused(rest, "rbd filename: option 'mon_host' is 4097 bytes, "
                   "more than 4096");
    g_free(rest);
    rest = g_strdup_printf("p/i:key-secret=%su", v256);
    assert_refused(rest, "rbd filename: option 'key-secret' is 257 bytes, "
                   "more than 256");
    g_free(rest);
    rest = g_strdup_printf("p/i:osd-op-timeout=%s", v256);
    assert_refused(rest, "rbd filename: option 'osd-op-timeout' is 256 "
                   "bytes, more than 32");
    g_free(rest);
    /* A Ceph setting: the value is never quoted, nor a long key. */
    rest = g_strdup_printf("p/i:key=%sv", v4096);
    assert_refused(rest, "rbd filename: option 'key' is 4097 bytes, more "
                   "than 4096");
    g_free(rest);
    rest = g_strdup_printf("p/i:%sk=x", k256);
    assert_refused(rest, "rbd filename: a Ceph setting's name is 257 "
                   "bytes, more than 256");
}

/* Named options, as -blockdev and --image-opts hand them to open. */
static void assert_option(const char *key, const char *value,
                          const char *message)
{
    char errbuf[256];
    int r;

    memset(errbuf, 'x', sizeof(errbuf));
    r = rbd_spec_check_option(key, value, errbuf, sizeof(errbuf));
    g_assert_cmpstr(errbuf, ==, message ? message : "");
    g_assert_cmpint(r, ==, message ? -EINVAL : 0);
}

static void test_check_option(void)
{
    g_autofree char *pool = repeat('p', RBD_SPEC_POOL_MAX);
    g_autofree char *img = repeat('i', RBD_SPEC_IMAGE_MAX + 1);
    g_autofree char *v4096 = repeat('v', RBD_SPEC_VALUE_MAX);
    g_autofree char *v4097 = repeat('v', RBD_SPEC_VALUE_MAX + 1);
    g_autofree char *long_pool = g_strdup_printf("%sp", pool);
    g_autofree char *long_key = g_strdup_printf("ceph.%s", v4096);

    assert_option("pool", "rbd", NULL);
    assert_option("pool", pool, NULL);
    assert_option("pool", long_pool, "rbd: option 'pool': pool name is 257 "
                  "bytes, more than 256");
    assert_option("pool", "a@b", "rbd: option 'pool': '@' in the pool name "
                  "(Ceph names cannot contain '/' or '@')");
    assert_option("namespace", "", NULL);
    assert_option("namespace", "t/1", "rbd: option 'namespace': '/' in the "
                  "namespace name (Ceph names cannot contain '/' or '@')");
    assert_option("image", "vm:1=x", NULL);
    assert_option("image", "rbd/vm1", "rbd: option 'image': '/' in the "
                  "image name (Ceph names cannot contain '/' or '@')");
    assert_option("image", "vm1@s", "rbd: option 'image': '@' in the image "
                  "name (Ceph names cannot contain '/' or '@')");
    assert_option("image", img, "rbd: option 'image': image name is 2042 "
                  "bytes, more than 2041");
    assert_option("snapshot", "s/1", "rbd: option 'snapshot': '/' in the "
                  "snapshot name (Ceph names cannot contain '/' or '@')");
    assert_option("snapshot", "", "rbd: option 'snapshot': empty snapshot "
                  "name");
    assert_option("data-pool", "d@p", "rbd: option 'data-pool': '@' in the "
                  "data pool name (Ceph names cannot contain '/' or '@')");
    assert_option("conf", v4096, NULL);
    assert_option("conf", v4097, "rbd: option 'conf' is 4097 bytes, more "
                  "than 4096");
    assert_option("ceph.key", v4097, "rbd: option 'ceph.key' is 4097 bytes, "
                  "more than 4096");
    assert_option("user", v4096, "rbd: option 'user' is 4096 bytes, more "
                  "than 256");
    assert_option("exclusive", "maybe-not", "rbd: option 'exclusive' is 9 "
                  "bytes, more than 8");
    assert_option(long_key, "x", "rbd: a Ceph setting's name is 4096 bytes, "
                  "more than 256");
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
    g_test_add_func("/rbd-spec/refused-ceph-names", test_refused_ceph_names);
    g_test_add_func("/rbd-spec/name-lengths", test_name_lengths);
    g_test_add_func("/rbd-spec/option-lengths", test_option_lengths);
    g_test_add_func("/rbd-spec/check-option", test_check_option);
    g_test_add_func("/rbd-spec/refused-backslash", test_refused_backslash);
    g_test_add_func("/rbd-spec/refused-options", test_refused_options);
    g_test_add_func("/rbd-spec/refused-first-problem",
                    test_refused_first_problem);
    g_test_add_func("/rbd-spec/errbuf-small", test_errbuf_small);
    g_test_add_func("/rbd-spec/add-fails", test_add_fails);
    return g_test_run();
}
