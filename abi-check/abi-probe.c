/*
 * abi-probe.c: makes every public type of qemu-block-plugin.h reachable
 * from exported functions, so that `abidw` of the shared object built from
 * it records the whole ABI.  A type that nothing exported refers to would
 * be dropped from the dump and could then change unnoticed.
 *
 * Built against whichever header directory check-abi.sh is given, so it
 * must only use what the 1.0 header already has.
 *
 * SPDX-License-Identifier: MIT
 */
#include "qemu-block-plugin.h"

/*
 * The anonymous enums and #define constants are ABI too, but DWARF keeps no
 * trace of a macro and abidw drops an enum that no declaration uses.  Each
 * constant becomes the size of an array member here, so changing a value
 * moves or resizes a member and abidiff reports it.  (+ 1 because a C
 * array cannot have zero elements.)  A constant added in a minor version is
 * appended at the end, like a field of a table.
 */
struct qbp_abi_constants {
    char log_error[QBP_LOG_ERROR + 1];
    char log_warning[QBP_LOG_WARNING + 1];
    char log_info[QBP_LOG_INFO + 1];
    char log_debug[QBP_LOG_DEBUG + 1];
    char opt_string[QBP_OPT_STRING + 1];
    char opt_bool[QBP_OPT_BOOL + 1];
    char opt_number[QBP_OPT_NUMBER + 1];
    char opt_size[QBP_OPT_SIZE + 1];
    char optf_required[QBP_OPTF_REQUIRED + 1];
    char thread_serialize_all[QBP_THREAD_MODEL_SERIALIZE_ALL + 1];
    char thread_serialize_requests[QBP_THREAD_MODEL_SERIALIZE_REQUESTS + 1];
    char thread_parallel[QBP_THREAD_MODEL_PARALLEL + 1];
    char open_read_only[QBP_OPEN_READ_ONLY + 1];
    char open_nocache[QBP_OPEN_NOCACHE + 1];
    char req_fua[QBP_REQ_FUA + 1];
    char req_may_unmap[QBP_REQ_MAY_UNMAP + 1];
    char cap_write[QBP_CAP_WRITE + 1];
    char cap_flush[QBP_CAP_FLUSH + 1];
    char cap_discard[QBP_CAP_DISCARD + 1];
    char cap_write_zeroes[QBP_CAP_WRITE_ZEROES + 1];
    char cap_fua[QBP_CAP_FUA + 1];
    char cap_truncate[QBP_CAP_TRUNCATE + 1];
    char cap_zero_unmap[QBP_CAP_ZERO_UNMAP + 1];
    char entry_symbol[sizeof(QBP_ENTRY_SYMBOL)];
#if QBP_ABI_MINOR >= 1
    char cap_snapshots[QBP_CAP_SNAPSHOTS + 1];
#endif
#if QBP_ABI_MINOR >= 2
    char cap_block_status[QBP_CAP_BLOCK_STATUS + 1];
    char disk_zero_init[QBP_DISK_ZERO_INIT + 1];
    char extent_data[QBP_EXTENT_DATA + 1];
    char extent_zero[QBP_EXTENT_ZERO + 1];
    char extent_unknown[QBP_EXTENT_UNKNOWN + 1];
    /*
     * struct qbp_extent is reached through aio_block_status's signature
     * already; this member names it in the dump even if that changed.
     * It is not a versioned table (it travels in arrays), so
     * appended-fields.suppr does not list it and any change to it fails.
     */
    const struct qbp_extent *extent;
#endif
#if QBP_ABI_MINOR >= 3
    char info_string[QBP_INFO_STRING + 1];
    char info_int[QBP_INFO_INT + 1];
    char info_bool[QBP_INFO_BOOL + 1];
    /*
     * struct qbp_info_item and its callback type are reached through
     * get_info's signature already; these name them in the dump even if
     * that changed.  The item is not listed in appended-fields.suppr, as
     * struct qbp_snapshot is not, so any change to it fails.
     */
    const struct qbp_info_item *info_item;
    qbp_info_fn *info_fn;
#endif
};

/* Every struct and function typedef of the header, by pointer. */
QBP_EXPORT void qbp_abi_probe(const struct qbp_table_header *hdr,
                              const struct qbp_host *host,
                              const struct qbp_option *option,
                              const struct qbp_kv *kv,
                              const struct qbp_limits *limits,
                              const struct qbp_plugin *plugin,
                              struct qbp_error *err,
                              qbp_completion_fn *completion,
                              qbp_add_option_fn *add_option,
                              qbp_plugin_init_fn *init,
                              const struct qbp_abi_constants *constants);

void qbp_abi_probe(const struct qbp_table_header *hdr,
                   const struct qbp_host *host,
                   const struct qbp_option *option,
                   const struct qbp_kv *kv,
                   const struct qbp_limits *limits,
                   const struct qbp_plugin *plugin,
                   struct qbp_error *err,
                   qbp_completion_fn *completion,
                   qbp_add_option_fn *add_option,
                   qbp_plugin_init_fn *init,
                   const struct qbp_abi_constants *constants)
{
    /* Only the types matter; the probe is never called. */
    (void)hdr;
    (void)host;
    (void)option;
    (void)kv;
    (void)limits;
    (void)plugin;
    (void)err;
    (void)completion;
    (void)add_option;
    (void)init;
    (void)constants;
}

/*
 * The entry point itself, through the registration macro, so that its
 * signature is in the dump as well.
 */
static struct qbp_plugin probe_plugin = {
    .name = "abi-probe",
};

QBP_REGISTER_PLUGIN(probe_plugin)
