/*
 * elf-symbols.h: what a plugin file exports and imports, read from its
 * dynamic symbol table (the symbols the dynamic linker sees).
 */
#ifndef QC_ELF_SYMBOLS_H
#define QC_ELF_SYMBOLS_H

#include <stdbool.h>

#include <glib.h>

struct qc_symbols {
    GPtrArray *exported;    /* defined and visible to other objects */
    GPtrArray *imported;    /* undefined and not weak: must be found */
    GPtrArray *needed;      /* the DT_NEEDED libraries, in order */
};

/* False with *err (g_free it) when the file is not a readable ELF64 object. */
bool qc_elf_symbols(const char *path, struct qc_symbols *out, char **err);
void qc_symbols_clear(struct qc_symbols *s);

#endif /* QC_ELF_SYMBOLS_H */
