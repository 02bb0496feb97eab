/*
 * bad-heaptable: a plugin whose entry point returns a table it built on
 * the heap, where the host cannot tell a table from any other bytes.  The
 * loader must refuse it without reading it.
 */
#include <stdlib.h>

#include "seed.h"

/* Kept so that unloading frees it and leak checkers stay quiet. */
static struct qbp_plugin *heap_table;

const struct qbp_plugin *qbp_plugin_init(const struct qbp_host *host)
{
    (void)host;
    if (!heap_table) {
        heap_table = calloc(1, sizeof(*heap_table));
    }
    if (heap_table) {
        heap_table->hdr.struct_size = sizeof(*heap_table);
        heap_table->hdr.abi_major = QBP_ABI_MAJOR;
        heap_table->hdr.abi_minor = QBP_ABI_MINOR;
        heap_table->name = "bad-heaptable";
        heap_table->contact = SEED_CONTACT;
        heap_table->open = seed_open;
        heap_table->close = seed_close;
        heap_table->get_length = seed_get_length;
        heap_table->aio_readv = seed_aio_readv;
    }
    return heap_table;
}

__attribute__((destructor)) static void heaptable_unload(void)
{
    free(heap_table);
    heap_table = NULL;
}
