/*
 * qbp-loader.c: find a plugin file, load it with libltdl and refuse it,
 * with a message naming the file, the versions and the plugin's contact,
 * when it does not fit this host.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qbp-loader.h"
#include "qbp-host-table.h"

/* A build inside QEMU's tree says where plugins are installed here. */
#if defined(__has_include)
#if __has_include("qbp-config.h")
#include "qbp-config.h"
#endif
#endif
#ifndef QBP_PLUGINDIR
#define QBP_PLUGINDIR "/usr/local/lib/qemu-block-plugins"
#endif

struct QbpPlugin {
    char *path;                 /* as found, for messages about the file */
    char *file;                 /* its basename, for messages about the ABI */
    lt_dlhandle dl;
    struct qbp_plugin table;    /* min(sizes) copied, the rest zero */
};

/*
 * Size of the plugin table at each minor of the current major: a plugin
 * that declares minor N must provide at least the fields of 1.N.
 */
static const size_t plugin_table_size_by_minor[] = {
    [0] = offsetof(struct qbp_plugin, create) + sizeof(void *),
    [1] = offsetof(struct qbp_plugin, snapshot_revert) + sizeof(void *),
    [2] = offsetof(struct qbp_plugin, aio_block_status) + sizeof(void *),
    [3] = offsetof(struct qbp_plugin, get_info) + sizeof(void *),
};
#define KNOWN_MINORS G_N_ELEMENTS(plugin_table_size_by_minor)

static GMutex registry_lock;
static GHashTable *by_name;     /* plugin name -> QbpPlugin */
static GHashTable *by_path;     /* canonical path -> QbpPlugin */

void qbp_loader_setup(const QbpHostOps *ops)
{
    qbp_host_table_setup(ops);
    g_mutex_lock(&registry_lock);
    if (!by_name) {
        lt_dlinit();
        by_name = g_hash_table_new(g_str_hash, g_str_equal);
        by_path = g_hash_table_new(g_str_hash, g_str_equal);
    }
    g_mutex_unlock(&registry_lock);
}

static gboolean valid_plugin_name(const char *name)
{
    if (!*name) {
        return FALSE;
    }
    for (const char *c = name; *c; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_') {
            return FALSE;
        }
    }
    return TRUE;
}

/* The directories searched for NAME-plugin.so, in order. */
static GPtrArray *search_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv(QBP_PATH_ENV);

    if (env) {
        g_auto(GStrv) parts = g_strsplit(env, ":", -1);
        for (char **d = parts; *d; d++) {
            if (**d) {
                g_ptr_array_add(dirs, g_strdup(*d));
            }
        }
    }
    g_ptr_array_add(dirs, g_strdup(QBP_PLUGINDIR));
    return dirs;
}

static char *find_by_name(const char *name, GError **errp)
{
    g_autoptr(GPtrArray) dirs = NULL;
    g_autofree char *file = NULL;
    g_autoptr(GString) tried = NULL;

    if (!valid_plugin_name(name)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "invalid block plugin name '%s': use letters, digits, "
                    "'-' and '_', or a path containing '/'", name);
        return NULL;
    }
    file = g_strdup_printf("%s-plugin.so", name);
    dirs = search_dirs();
    tried = g_string_new(NULL);
    for (guint i = 0; i < dirs->len; i++) {
        const char *dir = g_ptr_array_index(dirs, i);
        char *path = g_build_filename(dir, file, NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            return path;
        }
        g_free(path);
        g_string_append_printf(tried, "%s%s", i ? ":" : "", dir);
    }
    g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                "block plugin '%s' not found: no %s in %s",
                name, file, tried->str);
    return NULL;
}

static const char *contact_of(const struct qbp_plugin *t)
{
    if (t->hdr.struct_size >= offsetof(struct qbp_plugin, contact) +
                              sizeof(t->contact) &&
        t->contact && *t->contact) {
        return t->contact;
    }
    return "the plugin's author (it names no contact)";
}

static char *host_versions(void)
{
    if (QBP_HOST_MIN_MAJOR == QBP_HOST_MAX_MAJOR && QBP_ABI_MINOR == 0) {
        return g_strdup_printf("%d.0", QBP_HOST_MAX_MAJOR);
    }
    return g_strdup_printf("%d.0-%d.%d", QBP_HOST_MIN_MAJOR,
                           QBP_HOST_MAX_MAJOR, QBP_ABI_MINOR);
}

/* Version and size checks on the table as the plugin returned it. */
static gboolean check_table(const char *file, const struct qbp_plugin *t,
                            GError **errp)
{
    size_t need;

    if (t->hdr.struct_size < sizeof(t->hdr)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: plugin table is %u bytes, too small to hold its "
                    "version; please contact the plugin's author",
                    file, (unsigned)t->hdr.struct_size);
        return FALSE;
    }
    if (t->hdr.abi_major < QBP_HOST_MIN_MAJOR ||
        t->hdr.abi_major > QBP_HOST_MAX_MAJOR) {
        g_autofree char *have = host_versions();
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: needs block plugin ABI %u.%u, %s provides %s; "
                    "please contact %s", file, t->hdr.abi_major,
                    t->hdr.abi_minor, qbp_host_title(), have, contact_of(t));
        return FALSE;
    }
    need = t->hdr.abi_minor < KNOWN_MINORS
           ? plugin_table_size_by_minor[t->hdr.abi_minor]
           : plugin_table_size_by_minor[KNOWN_MINORS - 1];
    if (t->hdr.struct_size < need) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: plugin table is %u bytes, but ABI %u.%u needs at "
                    "least %zu; please contact %s", file,
                    (unsigned)t->hdr.struct_size, t->hdr.abi_major,
                    t->hdr.abi_minor, need, contact_of(t));
        return FALSE;
    }
    return TRUE;
}

/* Checks on the host's copy: identity and required callbacks. */
static gboolean check_callbacks(const char *file, const struct qbp_plugin *t,
                                GError **errp)
{
    const char *missing = NULL;

    if (!t->name || !valid_plugin_name(t->name)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: plugin has no valid name; please contact %s",
                    file, contact_of(t));
        return FALSE;
    }
    if (!t->open) {
        missing = "open";
    } else if (!t->close) {
        missing = "close";
    } else if (!t->get_length) {
        missing = "get_length";
    } else if (!t->aio_readv) {
        missing = "aio_readv";
    }
    if (missing) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: required callback '%s' is missing; please contact %s",
                    file, missing, contact_of(t));
        return FALSE;
    }
    return TRUE;
}

/* dlerror() names the file first; the message names it already. */
static const char *dl_reason(const char *path, const char *msg)
{
    size_t len = strlen(path);

    if (msg && strncmp(msg, path, len) == 0 && strncmp(msg + len, ": ", 2) == 0) {
        return msg + len + 2;
    }
    return msg ? msg : "unknown error";
}

/*
 * Open with libltdl, local symbols, and immediate binding.  libltdl has no
 * advice for RTLD_NOW, so a plain dlopen with it comes first: it binds the
 * object, and libltdl's open then takes a second reference to the same,
 * already bound object.  Ours is dropped once libltdl holds its own.
 */
static lt_dlhandle open_local(const char *path, GError **errp)
{
    lt_dladvise advise;
    lt_dlhandle dl = NULL;
    void *bound = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (!bound) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: cannot load: %s", path, dl_reason(path, dlerror()));
        return NULL;
    }
    if (lt_dladvise_init(&advise) == 0 && lt_dladvise_local(&advise) == 0) {
        dl = lt_dlopenadvise(path, advise);
    }
    lt_dladvise_destroy(&advise);
    if (!dl) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: cannot load: %s", path,
                    dl_reason(path, lt_dlerror()));
    }
    dlclose(bound);
    return dl;
}

/*
 * Who may have put the code we are about to run where it is: only root and
 * the user running this host.  Anyone else who owns, or can write to, the
 * file or a directory above it can make us load their code.
 */
static gboolean trusted_owner(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

static char *trusted_owners(void)
{
    if (geteuid() == 0) {
        return g_strdup("only root may own it");
    }
    return g_strdup_printf("only root or uid %u may own it",
                           (unsigned)geteuid());
}

/*
 * DIR and every directory above it, up to '/'.  DIR holds the plugin (or
 * the name it was found by), so it must be writable by its owner alone;
 * above it, a directory writable by others is accepted when it is sticky
 * (like /tmp), since then no one can rename or remove the entries of
 * others in it, and the entry leading down is checked for its owner.
 */
static gboolean check_dirs(const char *path, const char *dir, GError **errp)
{
    g_autofree char *d = g_strdup(dir);
    gboolean holder = TRUE;
    struct stat st;
    char *up;

    for (;;) {
        if (stat(d, &st) < 0) {
            g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "%s: refusing to load a block plugin from directory "
                        "'%s', which cannot be checked: %s", path, d,
                        g_strerror(errno));
            return FALSE;
        }
        if (!trusted_owner(st.st_uid)) {
            g_autofree char *who = trusted_owners();
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_PERM,
                        "%s: refusing to load a block plugin from directory "
                        "'%s', which is owned by uid %u (%s)", path, d,
                        (unsigned)st.st_uid, who);
            return FALSE;
        }
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
            (holder || !(st.st_mode & S_ISVTX))) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_PERM,
                        "%s: refusing to load a block plugin from directory "
                        "'%s', which is writable by group or others "
                        "(mode %04o)", path, d,
                        (unsigned)(st.st_mode & 07777));
            return FALSE;
        }
        if (strcmp(d, "/") == 0) {
            return TRUE;
        }
        up = g_path_get_dirname(d);
        g_free(d);
        d = up;
        holder = FALSE;
    }
}

/*
 * The file, the directory that holds it and every directory above, after
 * resolving symbolic links; for a link, also the directory holding the
 * link, since whoever can write there can point it elsewhere.
 */
static gboolean check_file_mode(const char *path, GError **errp)
{
    g_autofree char *real = NULL;
    g_autofree char *real_dir = NULL;
    g_autofree char *given_dir = NULL;
    g_autofree char *link_dir = NULL;
    struct stat st;

    if (stat(path, &st) < 0 || !(real = realpath(path, NULL))) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "block plugin file '%s' not found", path);
        return FALSE;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_PERM,
                    "%s: refusing to load a block plugin that is writable by "
                    "group or others (mode %04o)", path,
                    (unsigned)(st.st_mode & 07777));
        return FALSE;
    }
    if (!trusted_owner(st.st_uid)) {
        g_autofree char *who = trusted_owners();
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_PERM,
                    "%s: refusing to load a block plugin owned by uid %u (%s)",
                    path, (unsigned)st.st_uid, who);
        return FALSE;
    }
    real_dir = g_path_get_dirname(real);
    if (!check_dirs(path, real_dir, errp)) {
        return FALSE;
    }
    given_dir = g_path_get_dirname(path);
    link_dir = realpath(given_dir, NULL);
    if (link_dir && strcmp(link_dir, real_dir) != 0) {
        return check_dirs(path, link_dir, errp);
    }
    return TRUE;
}

/* Looks for the loaded object holding ADDR, and whether RANGE lies in it. */
struct mapping_query {
    uintptr_t addr;             /* in the object we look for */
    uintptr_t start, end;       /* the range that must lie in one segment */
    gboolean found;             /* the object holding addr was seen */
    gboolean inside;            /* and the range is in one of its segments */
};

static gboolean in_segment(const struct dl_phdr_info *info, uintptr_t start,
                           uintptr_t end)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t seg = info->dlpi_addr + ph->p_vaddr;

        if (ph->p_type == PT_LOAD && start >= seg &&
            end <= seg + ph->p_memsz && start <= end) {
            return TRUE;
        }
    }
    return FALSE;
}

static int mapping_query_one(struct dl_phdr_info *info, size_t size,
                             void *opaque)
{
    struct mapping_query *q = opaque;

    (void)size;
    if (!in_segment(info, q->addr, q->addr + 1)) {
        return 0;
    }
    q->found = TRUE;
    q->inside = in_segment(info, q->start, q->end);
    return 1;
}

/*
 * Whether [table, table + len) lies in the plugin file's own mapping, the
 * object that holds its entry point: a table on the heap, on a stack or
 * in another library is not the plugin's to hand over, and one that runs
 * past its segment would have the host read memory that is not a table.
 */
static gboolean table_in_plugin(qbp_plugin_init_fn *init, const void *table,
                                size_t len)
{
    struct mapping_query q = {
        .addr = (uintptr_t)init,
        .start = (uintptr_t)table,
        .end = (uintptr_t)table + len,
    };

    if (q.end < q.start) {
        return FALSE;
    }
    dl_iterate_phdr(mapping_query_one, &q);
    return q.found && q.inside;
}

/* Where a table outside the plugin is: another file, or none. */
static char *table_place(const void *table)
{
    Dl_info info;

    if (dladdr(table, &info) && info.dli_fname && *info.dli_fname) {
        return g_strdup_printf("it is in %s", info.dli_fname);
    }
    return g_strdup("it is in no loaded file");
}

/* Load, check and register the file at PATH.  Called with registry_lock. */
static QbpPlugin *load_path(const char *path, const char *want_name,
                            GError **errp)
{
    g_autofree char *file = g_path_get_basename(path);
    lt_dlhandle dl;
    qbp_plugin_init_fn *init;
    const struct qbp_plugin *t;
    QbpPlugin *p, *other;
    struct qbp_error *err;

    if (!check_file_mode(path, errp)) {
        return NULL;
    }
    dl = open_local(path, errp);
    if (!dl) {
        return NULL;
    }
    init = (qbp_plugin_init_fn *)lt_dlsym(dl, QBP_ENTRY_SYMBOL);
    if (!init) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: not a block plugin (no %s symbol)",
                    path, QBP_ENTRY_SYMBOL);
        goto fail;
    }
    t = init(qbp_host_table());
    if (!t) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: plugin initialisation failed: %s returned no table",
                    file, QBP_ENTRY_SYMBOL);
        goto fail;
    }
    /* Not one byte of the table is read before it is known to be there. */
    if (!table_in_plugin(init, t, sizeof(t->hdr))) {
        g_autofree char *where = table_place(t);
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: plugin initialisation failed: %s returned a table "
                    "outside the plugin file (%s)", file, QBP_ENTRY_SYMBOL,
                    where);
        goto fail;
    }
    if (!table_in_plugin(init, t, t->hdr.struct_size)) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: plugin table is %u bytes, more than the plugin file "
                    "holds at its address; please contact the plugin's "
                    "author", file, (unsigned)t->hdr.struct_size);
        goto fail;
    }
    if (!check_table(file, t, errp)) {
        goto fail;
    }

    p = g_new0(QbpPlugin, 1);
    memcpy(&p->table, t, MIN(sizeof(p->table), t->hdr.struct_size));
    if (!check_callbacks(file, &p->table, errp)) {
        g_free(p);
        goto fail;
    }
    if (want_name && strcmp(want_name, p->table.name) != 0) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "%s: file is named for plugin '%s' but the plugin calls "
                    "itself '%s'; please contact %s", path, want_name,
                    p->table.name, contact_of(&p->table));
        g_free(p);
        goto fail;
    }
    other = g_hash_table_lookup(by_name, p->table.name);
    if (other) {
        g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "%s: a block plugin named '%s' is already loaded from %s",
                    path, p->table.name, other->path);
        g_free(p);
        goto fail;
    }
    if (p->table.load) {
        err = qbp_error_new();
        if (p->table.load(err) < 0 || qbp_error_is_set(err)) {
            g_autofree char *msg = qbp_error_take(err, NULL);
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                        "%s: plugin initialisation failed: %s", file, msg);
            qbp_error_free(err);
            g_free(p);
            goto fail;
        }
        qbp_error_free(err);
    }

    p->path = g_strdup(path);
    p->file = g_steal_pointer(&file);
    p->dl = dl;
    g_hash_table_insert(by_name, (char *)p->table.name, p);
    return p;

fail:
    lt_dlclose(dl);
    return NULL;
}

QbpPlugin *qbp_plugin_load(const char *name_or_path, GError **errp)
{
    g_autofree char *path = NULL;
    g_autofree char *real = NULL;
    const char *want_name = NULL;
    QbpPlugin *p;

    qbp_loader_setup(NULL);
    g_mutex_lock(&registry_lock);
    if (!strchr(name_or_path, '/')) {
        p = g_hash_table_lookup(by_name, name_or_path);
        if (p) {
            goto out;
        }
        path = find_by_name(name_or_path, errp);
        if (!path) {
            goto out;
        }
        want_name = name_or_path;
    } else {
        path = g_strdup(name_or_path);
    }

    real = realpath(path, NULL);
    if (!real) {
        p = NULL;
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "block plugin file '%s' not found", path);
        goto out;
    }
    p = g_hash_table_lookup(by_path, real);
    if (!p) {
        p = load_path(path, want_name, errp);
        if (p) {
            g_hash_table_insert(by_path, g_steal_pointer(&real), p);
        }
    }
out:
    g_mutex_unlock(&registry_lock);
    return p;
}

const struct qbp_plugin *qbp_plugin_table(const QbpPlugin *p)
{
    return &p->table;
}

const char *qbp_plugin_path(const QbpPlugin *p)
{
    return p->path;
}

uint32_t qbp_plugin_thread_model(const QbpPlugin *p)
{
    /* A model this host does not know is run as the strictest one. */
    if (p->table.thread_model > QBP_THREAD_MODEL_PARALLEL) {
        return QBP_THREAD_MODEL_SERIALIZE_ALL;
    }
    return p->table.thread_model;
}

uint32_t qbp_plugin_caps(const QbpPlugin *p, void *handle)
{
    const struct qbp_plugin *t = &p->table;
    uint32_t have = 0;

    have |= t->aio_writev ? QBP_CAP_WRITE | QBP_CAP_FUA : 0;
    have |= t->aio_flush ? QBP_CAP_FLUSH : 0;
    have |= t->aio_discard ? QBP_CAP_DISCARD : 0;
    have |= t->aio_write_zeroes ? QBP_CAP_WRITE_ZEROES | QBP_CAP_ZERO_UNMAP : 0;
    have |= t->truncate ? QBP_CAP_TRUNCATE : 0;
    have |= t->snapshot_create && t->snapshot_list && t->snapshot_delete &&
            t->snapshot_revert ? QBP_CAP_SNAPSHOTS : 0;
    /*
     * Zero for a plugin older than 1.2: the host copied its smaller table
     * into a zeroed one, so the slot it does not have reads as NULL.
     */
    have |= t->aio_block_status ? QBP_CAP_BLOCK_STATUS : 0;
    if (!t->get_caps) {
        /* FUA and unmapping are promises a plugin must make explicitly. */
        return have & ~(QBP_CAP_FUA | QBP_CAP_ZERO_UNMAP);
    }
    have &= t->get_caps(handle);
    if (!(have & QBP_CAP_WRITE)) {
        have &= ~(QBP_CAP_FUA | QBP_CAP_WRITE_ZEROES | QBP_CAP_ZERO_UNMAP |
                  QBP_CAP_DISCARD | QBP_CAP_TRUNCATE | QBP_CAP_SNAPSHOTS);
    }
    return have;
}

/*
 * A QAPI-style name, so that QEMU shows it as its own ("encryption-format"
 * as "encryption format"): lower-case words of ASCII letters and digits
 * joined by single '-', starting with a letter.
 */
static gboolean valid_info_name(const char *name)
{
    if (!name || name[0] < 'a' || name[0] > 'z') {
        return FALSE;
    }
    for (const char *c = name; *c; c++) {
        gboolean word = g_ascii_islower(*c) || g_ascii_isdigit(*c);

        if (!word && (*c != '-' || c[1] == '-' || c[1] == '\0')) {
            return FALSE;
        }
    }
    return TRUE;
}

char *qbp_info_item_problem(const struct qbp_info_item *item)
{
    size_t need = offsetof(struct qbp_info_item, number) +
                  sizeof(item->number);

    if (item->hdr.struct_size < need) {
        return g_strdup_printf("a fact in a table of %" PRIu32 " bytes, "
                               "smaller than ABI 1.3's %zu",
                               item->hdr.struct_size, need);
    }
    if (!valid_info_name(item->key)) {
        return g_strdup_printf("a fact named '%s': a name is lower-case "
                               "words of letters and digits joined by '-'",
                               item->key ? item->key : "(null)");
    }
    if (item->reserved0) {
        return g_strdup_printf("the fact '%s' with reserved0 0x%" PRIx32
                               ", not 0", item->key, item->reserved0);
    }
    switch (item->type) {
    case QBP_INFO_STRING:
        return item->string ? NULL :
               g_strdup_printf("the fact '%s' as a string, but without one",
                               item->key);
    case QBP_INFO_INT:
        return NULL;
    case QBP_INFO_BOOL:
        return item->number == 0 || item->number == 1 ? NULL :
               g_strdup_printf("the fact '%s' as a boolean of value %"
                               PRId64 ", not 0 or 1", item->key,
                               item->number);
    default:
        return g_strdup_printf("the fact '%s' with the unknown type %" PRIu32,
                               item->key, item->type);
    }
}
