/*
 * Block plugins: what QEMU's programs call besides the block driver itself.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 */
#ifndef BLOCK_PLUGIN_H
#define BLOCK_PLUGIN_H

/*
 * Remove every "-module PATH", "--module PATH" and "--module=PATH" from
 * argv (before any "--") and load each plugin, so that it can be named by
 * its plugin name afterwards.  Exits with a message if one cannot be loaded.
 */
void bdrv_plugin_take_module_args(int *argc, char **argv);

/*
 * The same in two steps, for a program whose error reporting works only
 * after its own set-up (qemu-storage-daemon's monitor): remove the options
 * first, load the plugins they named later.
 */
void bdrv_plugin_strip_module_args(int *argc, char **argv);
void bdrv_plugin_load_module_args(void);

#endif
