/*
 * elf-symbols.c: a bounds-checked reader of an ELF64 file's .dynsym and
 * .dynamic sections; nothing else of the file is trusted or needed.
 * Structures are copied out rather than cast in place, since a damaged
 * file may put them at any offset.
 */
#include <elf.h>
#include <string.h>

#include "elf-symbols.h"

struct elf {
    const uint8_t *data;
    size_t size;
    Elf64_Ehdr eh;
};

static bool read_at(const struct elf *e, uint64_t off, void *dst, size_t len)
{
    if (off > e->size || e->size - off < len) {
        return false;
    }
    memcpy(dst, e->data + off, len);
    return true;
}

/* Section table entry i, when it and its contents lie inside the file. */
static bool section(const struct elf *e, unsigned i, Elf64_Shdr *sh)
{
    uint64_t off = e->eh.e_shoff + (uint64_t)i * e->eh.e_shentsize;

    return i < e->eh.e_shnum && e->eh.e_shentsize >= sizeof(*sh) &&
           read_at(e, off, sh, sizeof(*sh)) && sh->sh_offset <= e->size &&
           sh->sh_size <= e->size - sh->sh_offset;
}

/* A NUL-terminated string at off in string table number link, or NULL. */
static const char *string_at(const struct elf *e, unsigned link, uint64_t off)
{
    Elf64_Shdr sh;
    const char *s;

    if (!section(e, link, &sh) || off >= sh.sh_size) {
        return NULL;
    }
    s = (const char *)e->data + sh.sh_offset + off;
    return memchr(s, '\0', sh.sh_size - off) ? s : NULL;
}

static bool exported(const Elf64_Sym *s)
{
    unsigned bind = ELF64_ST_BIND(s->st_info);
    unsigned vis = ELF64_ST_VISIBILITY(s->st_other);

    return s->st_shndx != SHN_UNDEF &&
           (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) &&
           (vis == STV_DEFAULT || vis == STV_PROTECTED);
}

static void read_dynsym(const struct elf *e, const Elf64_Shdr *sh,
                        struct qc_symbols *out)
{
    size_t n = sh->sh_entsize >= sizeof(Elf64_Sym) ?
               sh->sh_size / sh->sh_entsize : 0;

    /* Entry 0 is the null symbol. */
    for (size_t i = 1; i < n; i++) {
        Elf64_Sym s;
        const char *name;

        if (!read_at(e, sh->sh_offset + i * sh->sh_entsize, &s, sizeof(s))) {
            break;
        }
        name = string_at(e, sh->sh_link, s.st_name);
        if (!name || !*name) {
            continue;
        }
        if (exported(&s)) {
            g_ptr_array_add(out->exported, g_strdup(name));
        } else if (s.st_shndx == SHN_UNDEF &&
                   ELF64_ST_BIND(s.st_info) == STB_GLOBAL) {
            g_ptr_array_add(out->imported, g_strdup(name));
        }
    }
}

static void read_dynamic(const struct elf *e, const Elf64_Shdr *sh,
                         struct qc_symbols *out)
{
    size_t n = sh->sh_size / sizeof(Elf64_Dyn);

    for (size_t i = 0; i < n; i++) {
        Elf64_Dyn d;
        const char *name;

        if (!read_at(e, sh->sh_offset + i * sizeof(d), &d, sizeof(d)) ||
            d.d_tag == DT_NULL) {
            break;
        }
        name = d.d_tag == DT_NEEDED ? string_at(e, sh->sh_link, d.d_un.d_val)
                                    : NULL;
        if (name) {
            g_ptr_array_add(out->needed, g_strdup(name));
        }
    }
}

static const char *check_header(const struct elf *e)
{
    if (e->size < sizeof(Elf64_Ehdr) ||
        memcmp(e->eh.e_ident, ELFMAG, SELFMAG) != 0) {
        return "not an ELF file";
    }
    if (e->eh.e_ident[EI_CLASS] != ELFCLASS64) {
        return "not a 64-bit ELF file";
    }
    if (e->eh.e_type != ET_DYN) {
        return "not a shared object";
    }
    if (e->eh.e_shnum == 0) {
        return "it has no section table to find its dynamic symbols in";
    }
    return NULL;
}

bool qc_elf_symbols(const char *path, struct qc_symbols *out, char **err)
{
    g_autofree char *data = NULL;
    GError *gerr = NULL;
    struct elf e = { 0 };
    const char *bad;
    size_t size;

    memset(out, 0, sizeof(*out));
    if (!g_file_get_contents(path, &data, &size, &gerr)) {
        *err = g_strdup(gerr->message);
        g_error_free(gerr);
        return false;
    }
    e.data = (const uint8_t *)data;
    e.size = size;
    read_at(&e, 0, &e.eh, sizeof(e.eh));
    bad = check_header(&e);
    if (bad) {
        *err = g_strdup_printf("%s: %s", path, bad);
        return false;
    }
    out->exported = g_ptr_array_new_with_free_func(g_free);
    out->imported = g_ptr_array_new_with_free_func(g_free);
    out->needed = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < e.eh.e_shnum; i++) {
        Elf64_Shdr sh;

        if (!section(&e, i, &sh)) {
            continue;
        }
        if (sh.sh_type == SHT_DYNSYM) {
            read_dynsym(&e, &sh, out);
        } else if (sh.sh_type == SHT_DYNAMIC) {
            read_dynamic(&e, &sh, out);
        }
    }
    return true;
}

void qc_symbols_clear(struct qc_symbols *s)
{
    if (s->exported) {
        g_ptr_array_unref(s->exported);
        g_ptr_array_unref(s->imported);
        g_ptr_array_unref(s->needed);
    }
    memset(s, 0, sizeof(*s));
}
