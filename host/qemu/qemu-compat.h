/*
 * Where QEMU 7.2 and 10.0 differ for the block driver "plugin", and only
 * that: block-plugin.c is one source for both.  Porting the shim to another
 * QEMU starts here (docs/porting-qemu.md).
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 */
#ifndef BLOCK_PLUGIN_QEMU_COMPAT_H
#define BLOCK_PLUGIN_QEMU_COMPAT_H

#include "block/thread-pool.h"

#if QEMU_VERSION_MAJOR >= 10

/* The QObject headers are no longer in qapi/qmp/. */
#include "qobject/qbool.h"
#include "qobject/qdict.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"

/* The thread pool is the current AioContext's; QEMU finds it itself. */
#define plugin_thread_pool_submit_co(bs, func, arg) \
    thread_pool_submit_co((func), (arg))

/* Opening a protocol and a format is one callback; the length a coroutine. */
#define PLUGIN_DRIVER_OPEN_AND_LENGTH(open, getlength) \
    .bdrv_open = (open), .bdrv_co_getlength = (getlength)
#define plugin_getlength_fn coroutine_fn GRAPH_RDLOCK

/* So is the driver's info (the cluster size). */
#define PLUGIN_DRIVER_GET_INFO(fn) .bdrv_co_get_info = (fn)
#define plugin_get_info_fn coroutine_fn GRAPH_RDLOCK

#else /* QEMU 7.2 */

#include "qapi/qmp/qbool.h"
#include "qapi/qmp/qdict.h"
#include "qapi/qmp/qnum.h"
#include "qapi/qmp/qstring.h"

/* The block graph lock and its annotations came with QEMU 8.0. */
#define GRAPH_RDLOCK
#define GRAPH_UNLOCKED

#define plugin_thread_pool_submit_co(bs, func, arg) \
    thread_pool_submit_co(aio_get_thread_pool(bdrv_get_aio_context(bs)), \
                          (func), (arg))

#define PLUGIN_DRIVER_OPEN_AND_LENGTH(open, getlength) \
    .bdrv_file_open = (open), .bdrv_getlength = (getlength)
#define plugin_getlength_fn

#define PLUGIN_DRIVER_GET_INFO(fn) .bdrv_get_info = (fn)
#define plugin_get_info_fn

#endif

#endif
