/*
 * Unit tests for the loader's option handling: values are normalised to
 * what the contract promises plugins, and bad ones are refused by name.
 */
#include <glib.h>
#include <string.h>

#include "qbp-loader.h"

static const struct qbp_option test_options[] = {
    { .name = "path", .type = QBP_OPT_STRING, .flags = QBP_OPTF_REQUIRED,
      .help = "where the disk is" },
    { .name = "cache", .type = QBP_OPT_BOOL, .help = "use a cache" },
    { .name = "count", .type = QBP_OPT_NUMBER, .help = "how many" },
    { .name = "size", .type = QBP_OPT_SIZE, .help = "how big" },
    { .name = "lib.", .type = QBP_OPT_STRING, .help = "library settings" },
    { .name = NULL },
};

/* A plugin table as the loader would hold it for a plugin named "unit". */
static const struct qbp_plugin unit_table = {
    .hdr = {
        .struct_size = sizeof(struct qbp_plugin),
        .abi_major = QBP_ABI_MAJOR,
        .abi_minor = QBP_ABI_MINOR,
    },
    .name = "unit",
    .options = test_options,
};

static void assert_normalized(const char *key, const char *value,
                              const char *want)
{
    GError *err = NULL;
    g_autofree char *got = qbp_options_normalize(&unit_table, key, value,
                                                 &err);
    g_assert_no_error(err);
    g_assert_cmpstr(got, ==, want);
}

static void assert_refused(const char *key, const char *value,
                           const char *message)
{
    GError *err = NULL;
    char *got = qbp_options_normalize(&unit_table, key, value, &err);

    g_assert_null(got);
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
}

static void test_bool(void)
{
    assert_normalized("cache", "on", "on");
    assert_normalized("cache", "YES", "on");
    assert_normalized("cache", "true", "on");
    assert_normalized("cache", "0", "off");
    assert_normalized("cache", "off", "off");
    assert_refused("cache", "maybe",
                   "block plugin 'unit': option 'cache' expects on or off, "
                   "not 'maybe'");
}

static void test_number(void)
{
    assert_normalized("count", "42", "42");
    assert_normalized("count", "18446744073709551615",
                      "18446744073709551615");
    assert_refused("count", "-1",
                   "block plugin 'unit': option 'count' expects a whole "
                   "number, not '-1'");
    assert_refused("count", "18446744073709551616",
                   "block plugin 'unit': option 'count' expects a whole "
                   "number, not '18446744073709551616'");
    assert_refused("count", "12abc",
                   "block plugin 'unit': option 'count' expects a whole "
                   "number, not '12abc'");
    /* Found by fuzz-host-options: GLib let a vertical tab through. */
    assert_refused("count", "\v1",
                   "block plugin 'unit': option 'count' expects a whole "
                   "number, not '\v1'");
}

static void test_size(void)
{
    assert_normalized("size", "4096", "4096");
    assert_normalized("size", "64k", "65536");
    assert_normalized("size", "1G", "1073741824");
    assert_normalized("size", "2T", "2199023255552");
    assert_normalized("size", "512B", "512");
    assert_normalized("size", "1MB", "1048576");
    assert_normalized("size", "15E", "17293822569102704640");
    assert_refused("size", "16E",
                   "block plugin 'unit': option 'size' expects a size such "
                   "as 4096, 64k or 1G, not '16E'");
    assert_refused("size", "1.5G",
                   "block plugin 'unit': option 'size' expects a size such "
                   "as 4096, 64k or 1G, not '1.5G'");
    assert_refused("size", "G",
                   "block plugin 'unit': option 'size' expects a size such "
                   "as 4096, 64k or 1G, not 'G'");
    assert_refused("size", "1Q",
                   "block plugin 'unit': option 'size' expects a size such "
                   "as 4096, 64k or 1G, not '1Q'");
}

static void test_string_and_unknown(void)
{
    assert_normalized("path", "/a:b,c", "/a:b,c");
    assert_refused("colour", "red",
                   "block plugin 'unit' has no option 'colour' (its options: "
                   "path, cache, count, size, lib.)");
}

static void test_family(void)
{
    assert_normalized("lib.debug_level", "20/20", "20/20");
    g_assert_true(qbp_options_find(&unit_table, "lib.x") == &test_options[4]);
    assert_refused("lib.", "x",
                   "block plugin 'unit' has no option 'lib.' (its options: "
                   "path, cache, count, size, lib.)");
    assert_refused("libx", "x",
                   "block plugin 'unit' has no option 'libx' (its options: "
                   "path, cache, count, size, lib.)");
}

static void test_required(void)
{
    struct qbp_kv with[] = { { "cache", "on" }, { "path", "/x" } };
    struct qbp_kv without[] = { { "cache", "on" } };
    GError *err = NULL;

    g_assert_true(qbp_options_check_required(&unit_table, with, 2, &err));
    g_assert_no_error(err);
    g_assert_false(qbp_options_check_required(&unit_table, without, 1,
                                              &err));
    g_assert_cmpstr(err->message, ==,
                    "block plugin 'unit' needs the option 'path' (where the "
                    "disk is)");
    g_error_free(err);
}

static void test_split_filename(void)
{
    GError *err = NULL;
    g_autofree char *name = NULL;
    g_autofree char *rest = NULL;
    char *n2 = NULL, *r2 = NULL;

    g_assert_true(qbp_split_filename("rbd:pool/img:conf=/etc/ceph.conf",
                                     &name, &rest, &err));
    g_assert_cmpstr(name, ==, "rbd");
    g_assert_cmpstr(rest, ==, "pool/img:conf=/etc/ceph.conf");
    g_free(name);
    g_free(rest);

    g_assert_true(qbp_split_filename("null", &name, &rest, &err));
    g_assert_cmpstr(name, ==, "null");
    g_assert_cmpstr(rest, ==, "");

    g_assert_false(qbp_split_filename(":x", &n2, &r2, &err));
    g_assert_cmpstr(err->message, ==,
                    "'plugin::x': expected plugin:NAME:REST, e.g. "
                    "plugin:file:/var/lib/disk.raw");
    g_assert_null(n2);
    g_error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/bool", test_bool);
    g_test_add_func("/options/number", test_number);
    g_test_add_func("/options/size", test_size);
    g_test_add_func("/options/string-and-unknown", test_string_and_unknown);
    g_test_add_func("/options/family", test_family);
    g_test_add_func("/options/required", test_required);
    g_test_add_func("/options/split-filename", test_split_filename);
    return g_test_run();
}
