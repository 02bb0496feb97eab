/*
 * checks.c: the suite, in the order it runs.  The first four look at the
 * file and its tables; the rest open disks.  read-write comes before the
 * data checks because it finds out whether the disk keeps data.
 */
#include "checks.h"

const struct qc_check qc_checks[] = {
    { "load", "the loader accepts the file: entry point, table size and "
      "version, required callbacks", qc_check_load, false },
    { "table", "struct_size exactly as the declared version has it, "
      "reserved0 zero, a known thread model, name matching the file, a "
      "contact", qc_check_table, false },
    { "symbols", "exports only qbp_plugin_init, imports only from its own "
      "libraries", qc_check_symbols, false },
    { "options", "each declared option named, typed and explained; the "
      "options given accepted", qc_check_options, false },
    { "open-close", "open and close again and again, read-only, two at once; "
      "no descriptor or thread leaked", qc_check_open_close, true },
    { "open-fails", "an open that fails says why through error_set",
      qc_check_open_fails, true },
    { "limits", "block limits QEMU can use; get_limits stays inside the "
      "host's table", qc_check_limits, true },
    { "read-write", "what is written reads back (or reads are zeroes, for a "
      "disk without data)", qc_check_read_write, true },
    { "completion", "every request completed exactly once, inline or from "
      "other threads; nothing after close", qc_check_completion, true },
    { "concurrency", "queue depths 1 to 128 from several threads, every "
      "block verified", qc_check_concurrency, true },
    { "alignment", "requests at the declared request_alignment, and no "
      "coarser, work", qc_check_alignment, true },
    { "max-transfer", "a request of max_transfer bytes, and one of more "
      "iovecs than IOV_MAX", qc_check_max_transfer, true },
    { "zero-fill", "reads fill their whole buffer, with zeroes where there "
      "is no data", qc_check_zero_fill, true },
    { "errors", "with --error-option, failures are negative errnos",
      qc_check_errors, true },
    { "flush", "writes completed before a flush, and FUA writes, read back "
      "after close and open", qc_check_flush, true },
    { "discard", "discarded bytes read as old data or zeroes, the rest "
      "unchanged", qc_check_discard, true },
    { "write-zeroes", "zeroed bytes read as zeroes, the rest unchanged",
      qc_check_write_zeroes, true },
    { "capabilities", "get_caps matches the table and every declared "
      "operation works", qc_check_capabilities, true },
    { "snapshots", "a snapshot created, listed, reverted to and deleted, "
      "when the disk declares them (ABI 1.1)", qc_check_snapshots, true },
    { "block-status", "extents in order from the offset asked, covering the "
      "disk; ZERO reads as zeroes, written data is never ZERO; when the disk "
      "declares it (ABI 1.2)", qc_check_block_status, true },
    { "info", "each fact get_info reports is one QEMU can show: a "
      "QAPI-style name used once, a known type, a value of it; a callback's "
      "non-zero return stops it (ABI 1.3)", qc_check_info, true },
    { "flags", "open and request flags the ABI does not define are refused, "
      "and change nothing", qc_check_flags, true },
    { "drain-close", "close right after 128 completions; no completion or "
      "buffer write afterwards", qc_check_drain_close, true },
};

const size_t qc_n_checks = G_N_ELEMENTS(qc_checks);
